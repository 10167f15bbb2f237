/**
 * Model-based fuzzing of the coordinator side of the protocol (fast-check). fuzz.test.ts
 * throws random lines at one quantum and checks the outcome's type; this drives whole
 * sessions (init, then three quanta) of the real protocol node over in-memory streams:
 * valid lines of every kind, valid messages mutated as objects (a key dropped, added,
 * retyped) and as text (characters inserted, deleted, replaced; truncated; split by a
 * newline; invalid UTF-8), random text and bytes, lines at the length and nesting
 * limits, all cut into random chunks (splitting UTF-8 sequences), and ends at any
 * moment (stdout closed, the process exited, a stream error). A model written from
 * docs/protocol.md predicts each step: the exact sends and logs of a quantum, or the
 * failure kind and the quoted line. Every failure is a ProtocolError naming the node.
 *
 * Timers are faked, so that a deadline passes only when the model says it does: the
 * outcome never depends on the machine's load. SIM_FUZZ_SEED=<n> replays a run,
 * SIM_FUZZ_SEED=random explores; the default seed is fixed so that CI is reproducible.
 */
import { PassThrough } from "node:stream";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { decodeNodeMessage } from "./codec.js";
import { ProtocolError, type ProtocolFailureKind } from "./errors.js";
import { MAX_LINE_LENGTH, MAX_PAYLOAD_DEPTH } from "./messages.js";
import { createProtocolNode, EXIT_STATUS_WAIT_MS, type NodeExit } from "./protocol-node.js";

const SEED = fuzzSeed(20261125);
const QUANTUM_US = 10_000;
const QUANTA = 3;
/** Longer than the EXIT_STATUS_WAIT_MS the node waits for an exit status after a pipe broke. */
const WALL_MS = 2 * EXIT_STATUS_WAIT_MS;
const NODE_ID = "fz_node";

function fuzzSeed(fixed: number): number {
  const given = process.env.SIM_FUZZ_SEED?.trim();
  if (given === undefined || given === "") return fixed;
  if (given === "random") return (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
  if (!/^-?\d+$/.test(given)) throw new Error(`SIM_FUZZ_SEED must be an integer or "random", got ${JSON.stringify(given)}`);
  return Number(given) | 0;
}

// ---------------------------------------------------------------------------
// Lines

/** A step of a session: 0 is init (the node must answer ready), k >= 1 is quantum k. */
type Step = number;
const quantum = (step: Step) => ({ from: (step - 1) * QUANTUM_US, until: step * QUANTUM_US });

const jsonPayload = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, "", "日本\u2028", JSON.parse('{"__proto__":1}'), [[[]]], 2 ** 53, 1e308) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_PAYLOAD_DEPTH - 1, max: MAX_PAYLOAD_DEPTH + 2 }).map(nested) },
);

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { a: v };
  return v;
}

/** A message a correct node could write at this step (maybe not the one it should). */
function validMessage(step: Step): fc.Arbitrary<Record<string, unknown>> {
  const { from, until } = step === 0 ? { from: 0, until: 0 } : quantum(step);
  return fc.oneof(
    { weight: 1, arbitrary: fc.record({ type: fc.constant("ready"), protocol: fc.constantFrom(1, 1, 1, 1, 2, 99) }) },
    { weight: 3, arbitrary: fc.record({ type: fc.constant("log"), level: fc.constantFrom("trace", "debug", "info", "warn", "error", "fatal"), msg: fc.string({ maxLength: 20, unit: "grapheme" }) }) },
    { weight: 4, arbitrary: fc.record(
      {
        type: fc.constant("send"),
        at_us: fc.oneof(fc.integer({ min: from, max: until }), fc.constantFrom(from, until, until + 1, Math.max(0, from - 1))),
        to: fc.constantFrom("g", "cloud", "a_1", "ü"),
        payload: jsonPayload,
        size_bytes: fc.nat({ max: 5000 }),
      },
      { requiredKeys: ["type", "at_us", "to", "payload"] },
    ) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant("done"), now_us: fc.constantFrom(until, until, until, until + 1, Math.max(0, until - 1), 0) }) },
  );
}

const ODD_VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e400, 2 ** 53, "", "1", "10000", [], {}, [1], { a: 1 }];
const KEYS = ["type", "protocol", "level", "msg", "at_us", "to", "payload", "size_bytes", "now_us", "sizeBytes", "extra", "__proto__"];

type ObjectEdit = { op: "drop"; key: number } | { op: "set"; key: number; value: unknown } | { op: "add"; key: string; value: unknown };
const objectEdit: fc.Arbitrary<ObjectEdit> = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), key: fc.nat() }),
  fc.record({ op: fc.constant("set" as const), key: fc.nat(), value: fc.oneof(fc.constantFrom(...ODD_VALUES), fc.jsonValue({ maxDepth: 2 })) }),
  fc.record({ op: fc.constant("add" as const), key: fc.constantFrom(...KEYS), value: fc.constantFrom(...ODD_VALUES) }),
);

function editObject(obj: Record<string, unknown>, edit: ObjectEdit): Record<string, unknown> {
  const out = { ...obj };
  const keys = Object.keys(out);
  if (edit.op === "add") Object.defineProperty(out, edit.key, { value: edit.value, enumerable: true, writable: true, configurable: true });
  else if (keys.length > 0 && edit.op === "drop") delete out[keys[edit.key % keys.length]!];
  else if (keys.length > 0 && edit.op === "set") out[keys[edit.key % keys.length]!] = edit.value;
  return out;
}

const TOKENS = ["{", "}", "[", "]", '"', ":", ",", "\\", "\\u", "\r", "\n", "\r\n", " ", "\t", "\u0000", "\uFEFF", "\u2028", "\uD800", "é", "1e999", "-", "0", "null"];
type TextEdit = { op: "insert" | "replace"; at: number; text: string } | { op: "delete"; at: number; length: number } | { op: "truncate"; at: number };
const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constantFrom("insert" as const, "replace" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4, unit: "binary" })) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
);

function editText(text: string, edit: TextEdit): string {
  const at = edit.at % (text.length + 1);
  switch (edit.op) {
    case "insert":
      return text.slice(0, at) + edit.text + text.slice(at);
    case "replace":
      return text.slice(0, at) + edit.text + text.slice(at + 1);
    case "delete":
      return text.slice(0, at) + text.slice(at + edit.length);
    case "truncate":
      return text.slice(0, at);
  }
}

// Mostly "\n"; sometimes none, so that the line runs on into the next one.
const ending = fc.constantFrom("\n", "\n", "\n", "\n", "\r\n", "\n\n", "\r\n\r\n", "");
const text = (t: fc.Arbitrary<string>) => fc.tuple(t, ending).map(([l, e]) => Buffer.from(l + e, "utf8"));

/** A line a node could write: valid JSON of a real message, in turn or not. */
function validLine(step: Step): fc.Arbitrary<Buffer> {
  return text(validMessage(step).map((m) => JSON.stringify(m)));
}

/** A line a correct node writes before its answer: a log, or (in a quantum) a send inside it. */
function inTurnLine(step: Step): fc.Arbitrary<Buffer> {
  const log = fc.record({ type: fc.constant("log"), level: fc.constantFrom("info", "warn"), msg: fc.string({ maxLength: 12 }) });
  if (step === 0) return text(log.map((m) => JSON.stringify(m)));
  const { from, until } = quantum(step);
  const send = fc.record({ type: fc.constant("send"), at_us: fc.integer({ min: from, max: until }), to: fc.constantFrom("g", "cloud"), payload: jsonPayload.filter((p) => JSON.stringify(p).length < 2000) });
  return text(fc.oneof(log, send).map((m) => JSON.stringify(m)));
}

/** Any line: valid, mutated, random, raw bytes, at the limits. */
function lineArb(step: Step): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 4, arbitrary: validLine(step) },
    { weight: 3, arbitrary: text(fc.tuple(validMessage(step), fc.array(objectEdit, { minLength: 1, maxLength: 3 })).map(([m, edits]) => JSON.stringify(edits.reduce(editObject, m)))) },
    { weight: 3, arbitrary: text(fc.tuple(validMessage(step), fc.array(textEdit, { minLength: 1, maxLength: 3 })).map(([m, edits]) => edits.reduce(editText, JSON.stringify(m)))) },
    { weight: 1, arbitrary: text(fc.oneof(fc.string({ unit: "binary", maxLength: 30 }), fc.json({ maxDepth: 2 }), fc.constantFrom("", " ", "{}", "[]", "null", '{"type":"done","now_us":010}'))) },
    // Raw bytes: invalid UTF-8, lone continuation bytes, control characters.
    { weight: 1, arbitrary: fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 24 }), ending).map(([b, e]) => Buffer.concat([Buffer.from(b), Buffer.from(e)])) },
    // At the length limit: a valid log line of exactly MAX_LINE_LENGTH - 1 .. MAX_LINE_LENGTH + 1 characters.
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: -1, max: 1 }), ending).map(([d, e]) => Buffer.from(logOfLength(MAX_LINE_LENGTH + d) + e, "utf8")) },
  );
}

function logOfLength(length: number): string {
  const empty = '{"type":"log","level":"info","msg":""}';
  return `${empty.slice(0, -2)}${"x".repeat(length - empty.length)}"}`;
}

/** What happens after a step's lines have been read. */
type End = "none" | "end-stdout" | "exit" | "stdout-error" | "stdin-error";
const endArb: fc.Arbitrary<End> = fc.oneof(
  { weight: 24, arbitrary: fc.constant("none" as const) },
  { weight: 1, arbitrary: fc.constantFrom("end-stdout" as const, "exit" as const, "stdout-error" as const, "stdin-error" as const) },
);

interface StepScript {
  /** The step's lines and where to cut their bytes into chunks. */
  lines: Buffer[];
  cuts: number[];
  /** The answer a well-behaved node gives last (ready or done), unless the script dropped it. */
  end: End;
}

function stepArb(step: Step): fc.Arbitrary<StepScript> {
  const answer = step === 0 ? '{"type":"ready","protocol":1}\n' : `{"type":"done","now_us":${quantum(step).until}}\n`;
  return fc
    .record({
      // Most steps hold what a correct node writes (so that sessions get far), the others
      // real messages out of turn, or anything.
      lines: fc.oneof(
        { weight: 4, arbitrary: fc.array(inTurnLine(step), { maxLength: 4 }) },
        { weight: 1, arbitrary: fc.array(validLine(step), { minLength: 1, maxLength: 4 }) },
        { weight: 2, arbitrary: fc.array(lineArb(step), { minLength: 1, maxLength: 4 }) },
      ),
      answered: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
      end: endArb,
    })
    .map(({ lines, answered, cuts, end }) => ({ lines: answered ? [...lines, Buffer.from(answer)] : lines, cuts, end }));
}

const sessionArb = fc.tuple(...Array.from({ length: QUANTA + 1 }, (_, step) => stepArb(step)));

// ---------------------------------------------------------------------------
// The model: docs/protocol.md, one line at a time

interface Outbound {
  to: string;
  atUs: number;
  payload: unknown;
  sizeBytes: number;
  nodeSeq: number;
}
type Failure = { kind: ProtocolFailureKind; line: string | null };
type Outcome = { ok: true; sends: Outbound[] } | { ok: false; failure: Failure };

class Model {
  state: "starting" | "idle" | "advancing" | "failed" = "starting";
  failure: Failure | null = null;
  fromUs = 0;
  untilUs = 0;
  nodeSeq = 0;
  sends: Outbound[] = [];
  pending = "";
  logs: [string, string][] = [];
  /** The pending step's outcome, once settled. */
  settled: Outcome | null = null;

  begin(step: Step): void {
    this.settled = null;
    if (step === 0) return;
    if (this.failure) {
      this.settled = { ok: false, failure: this.failure };
      return;
    }
    this.state = "advancing";
    this.untilUs = quantum(step).until;
    this.sends = [];
  }

  fail(kind: ProtocolFailureKind, line: string | null): void {
    if (this.failure) return;
    // Errors quote the line's start (how long it was depends on where a chunk ended).
    this.failure = { kind, line: line === null ? null : line.slice(0, 200) };
    this.state = "failed";
    this.settled ??= { ok: false, failure: this.failure };
  }

  /** All the step's text (decoded at once: chunking must not matter). */
  read(text: string): void {
    if (this.failure) return;
    const all = this.pending + text;
    const parts = all.split("\n");
    this.pending = parts.pop()!;
    for (const raw of parts) {
      if (this.failure) return;
      if (raw.length > MAX_LINE_LENGTH) return this.fail("line-too-long", raw);
      const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (line === "") continue;
      this.line(line);
    }
    if (!this.failure && this.pending.length > MAX_LINE_LENGTH) this.fail("line-too-long", this.pending.slice(0, MAX_LINE_LENGTH));
  }

  private line(line: string): void {
    const decoded = decodeNodeMessage(line);
    if (!decoded.ok) return this.fail(decoded.kind, line);
    const msg = decoded.message;
    switch (msg.type) {
      case "log":
        this.logs.push([msg.level, msg.msg]);
        return;
      case "send":
        if (this.state !== "advancing") return this.fail("unexpected-message", line);
        if (msg.at_us < this.fromUs || msg.at_us >= this.untilUs) return this.fail("send-outside-quantum", line);
        this.sends.push({ to: msg.to, atUs: msg.at_us, payload: msg.payload, sizeBytes: msg.size_bytes ?? Buffer.byteLength(JSON.stringify(msg.payload)), nodeSeq: this.nodeSeq++ });
        return;
      case "done":
        if (this.state !== "advancing") return this.fail("unexpected-message", line);
        if (msg.now_us !== this.untilUs) return this.fail("wrong-done", line);
        this.state = "idle";
        this.fromUs = this.untilUs;
        this.settled = { ok: true, sends: this.sends };
        return;
      case "ready":
        if (this.state !== "starting") return this.fail("unexpected-message", line);
        if (msg.protocol !== 1) return this.fail("version-mismatch", line);
        this.state = "idle";
        this.settled = { ok: true, sends: [] };
        return;
    }
  }

  // Only a line the node wrote wrong is quoted as `line`: an unfinished one when it
  // stops, never the last complete line before an exit or a timeout.
  end(end: End): void {
    if (end === "end-stdout") this.fail("stdout-closed", this.pending.length > 0 ? this.pending : null);
    else if (end === "exit") this.fail("exited", this.pending.length > 0 ? this.pending : null);
    else if (end === "stdout-error") this.fail("stdout-closed", null);
    else if (end === "stdin-error") this.fail("write-failed", null);
  }

  /** The step's deadline passed: what is still pending times out. */
  deadline(): void {
    if (this.settled === null) this.fail("timeout", null);
  }
}

// ---------------------------------------------------------------------------

/** Lets the streams deliver what was written (they use process.nextTick and real I/O callbacks). */
async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

function chunks(bytes: Buffer, cuts: number[]): Buffer[] {
  if (bytes.length === 0) return [];
  const at = [...new Set(cuts.map((c) => c % bytes.length))].filter((c) => c > 0).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(start, c));
    start = c;
  }
  return out;
}

function failureOf(err: unknown): Failure {
  expect(err).toBeInstanceOf(ProtocolError);
  const pe = err as ProtocolError;
  expect(pe.node).toBe(NODE_ID);
  expect(pe.nodeId).toBe(NODE_ID);
  expect(pe.code).toBe("SIM_NODE_FAILED");
  expect(pe.message.startsWith(`node "${NODE_ID}" failed: `)).toBe(true);
  // The quoted line is cut: a 1 MiB line cannot flood the terminal.
  expect(pe.message.length).toBeLessThan(1000);
  return { kind: pe.kind, line: pe.line === null ? null : pe.line.slice(0, 200) };
}

async function runSession(script: StepScript[]): Promise<{ kinds: string[]; quanta: number }> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  stdin.resume();
  let exit!: (e: NodeExit) => void;
  const exited = new Promise<NodeExit>((r) => (exit = r));
  const logs: [string, string][] = [];
  const node = createProtocolNode({ id: NODE_ID, type: "process", stdin, stdout, config: {}, quantumWallMs: WALL_MS, exited, onLog: (l, m) => logs.push([l, m]) });
  const model = new Model();
  const kinds: string[] = [];
  let quanta = 0;
  try {
    for (let step = 0; step <= QUANTA; step++) {
      const { lines, cuts, end } = script[step]!;
      model.begin(step);
      const settled: { outcome: Outcome | null } = { outcome: null };
      const pending = (step === 0 ? node.start({ seed: 1, timeQuantumUs: QUANTUM_US }).then(() => [] as Outbound[]) : node.advance(quantum(step).until, [])).then(
        (sends) => void (settled.outcome = { ok: true, sends: sends as Outbound[] }),
        (err: unknown) => void (settled.outcome = { ok: false, failure: failureOf(err) }),
      );
      const bytes = Buffer.concat(lines);
      if (!stdout.destroyed && !stdout.writableEnded) for (const chunk of chunks(bytes, cuts)) stdout.write(chunk);
      model.read(bytes.toString("utf8"));
      await flush();
      if (end === "end-stdout" && !stdout.writableEnded) stdout.end();
      if (end === "exit") exit({ code: 3, signal: null });
      if (end === "stdout-error") stdout.destroy(Object.assign(new Error("read EIO"), { code: "EIO" }));
      if (end === "stdin-error") stdin.destroy(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      model.end(end);
      await flush();
      // The wait for an exit status after a pipe broke, then the step's deadline.
      await vi.advanceTimersByTimeAsync(EXIT_STATUS_WAIT_MS + 50);
      await flush();
      if (settled.outcome === null) {
        await vi.advanceTimersByTimeAsync(WALL_MS);
        model.deadline();
        await flush();
      }
      await pending;
      const want = model.settled;
      expect(settled.outcome, `step ${step}`).toEqual(want);
      if (settled.outcome?.ok === false) kinds.push(settled.outcome.failure.kind);
      else if (step > 0) quanta++;
      // The node remembers its failure: later steps get the same one (checked above).
      expect(node.failure?.kind ?? null).toBe(model.failure?.kind ?? null);
    }
    expect(logs).toEqual(model.logs);
  } finally {
    await Promise.race([node.shutdown(), flush()]);
  }
  return { kinds: [...new Set(kinds)], quanta };
}

describe("protocol node sessions, fuzzed against a model of docs/protocol.md", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  // 600 sessions: about 3 s alone, several times that on a loaded 2-core CI machine.
  it("every step ends as the model says: the sends and logs, or the failure kind and its line", { timeout: 90_000 }, async () => {
    const kinds = new Map<string, number>();
    let quanta = 0;
    await fc.assert(
      fc.asyncProperty(sessionArb, async (script) => {
        const { kinds: found, quanta: ran } = await runSession(script);
        quanta += ran;
        for (const k of found) kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }),
      { seed: SEED, numRuns: 600 },
    );
    // The fuzzer reaches every kind of failure a node's output can cause, and many quanta run to the end.
    expect([...kinds.keys()].sort()).toEqual(
      expect.arrayContaining(["exited", "invalid-message", "line-too-long", "payload-too-deep", "send-outside-quantum", "stdout-closed", "timeout", "unexpected-message", "version-mismatch", "write-failed", "wrong-done"]),
    );
    expect(quanta).toBeGreaterThan(100);
  });

  it("the fast path for done lines agrees with the full JSON parse", () => {
    const doneLike = fc.oneof(
      fc.stringMatching(/^[0-9]{0,18}$/),
      fc.constantFrom("-1", "1.0", "1e3", "00", "01", "9007199254740991", "9007199254740992", "99999999999999999999", " 5", "5 "),
    );
    fc.assert(
      fc.property(doneLike, (n) => {
        const fast = decodeNodeMessage(`{"type":"done","now_us":${n}}`);
        // A space after the colon: the same JSON, but not the fast path's exact form.
        const full = decodeNodeMessage(`{"type":"done","now_us": ${n}}`);
        expect(fast.ok).toBe(full.ok);
        if (fast.ok && full.ok) expect(fast.message).toEqual(full.message);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
