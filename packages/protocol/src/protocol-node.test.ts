import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ProtocolError } from "./errors.js";
import { createProtocolNode, EXIT_STATUS_WAIT_MS, type NodeExit, type ProtocolNodeOptions } from "./protocol-node.js";

/** A protocol node over in-memory streams; the test plays the node's part. */
function scripted(options: Partial<ProtocolNodeOptions> & { withExit?: boolean } = {}) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const written: string[] = [];
  let writes = 0;
  stdin.setEncoding("utf8");
  stdin.on("data", (chunk: string) => {
    writes++;
    written.push(...chunk.split("\n").filter((l) => l !== ""));
  });
  let exit!: (e: NodeExit) => void;
  const exited = new Promise<NodeExit>((r) => (exit = r));
  const logs: [string, string][] = [];
  const node = createProtocolNode({
    id: "n1",
    type: "process",
    stdin,
    stdout,
    config: { rate: 2 },
    quantumWallMs: 2000,
    onLog: (level, msg) => logs.push([level, msg]),
    ...(options.withExit ? { exited } : {}),
    ...options,
  });
  const say = (...lines: string[]): void => void stdout.write(lines.map((l) => l + "\n").join(""));
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
  return { node, stdin, stdout, written, writes: () => writes, say, exit, logs, tick };
}

async function started(options: Parameters<typeof scripted>[0] = {}) {
  const s = scripted(options);
  const p = s.node.start({ seed: 42, timeQuantumUs: 10_000 });
  await s.tick();
  s.say(`{"type":"ready","protocol":1}`);
  await p;
  return s;
}

async function failure(p: Promise<unknown>): Promise<ProtocolError> {
  const err = await p.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProtocolError);
  const pe = err as ProtocolError;
  expect(pe.code).toBe("SIM_NODE_FAILED");
  expect(pe.node).toBe("n1");
  expect(pe.message).toContain('node "n1"');
  return pe;
}

describe("createProtocolNode", () => {
  it("sends init and resolves start on ready", async () => {
    const s = await started();
    expect(JSON.parse(s.written[0]!)).toEqual({ type: "init", protocol: 1, node_id: "n1", seed: 42, time_quantum_us: 10000, config: { rate: 2 } });
    expect(s.node.kind).toBe("external");
  });

  it("writes every deliver and the advance in one write, and collects sends until done", async () => {
    const s = await started();
    const before = s.writes();
    const p = s.node.advance(10_000, [
      { from: "a", atUs: 100, payload: { x: 1 }, sizeBytes: 8 },
      { from: "b", atUs: 200, payload: undefined, sizeBytes: 0 },
    ]);
    await s.tick();
    expect(s.writes() - before).toBe(1);
    expect(s.written.slice(1).map((l) => JSON.parse(l))).toEqual([
      { type: "deliver", at_us: 100, from: "a", payload: { x: 1 }, size_bytes: 8 },
      { type: "deliver", at_us: 200, from: "b", payload: null, size_bytes: 0 },
      { type: "advance", until_us: 10000 },
    ]);
    s.say(
      `{"type":"send","at_us":0,"to":"g","payload":{"v":"é"}}`,
      `{"type":"log","level":"debug","msg":"hi"}`,
      `{"type":"send","at_us":9999,"to":"h","payload":2,"size_bytes":99}`,
      `{"type":"done","now_us":10000}`,
    );
    expect(await p).toEqual([
      { to: "g", atUs: 0, payload: { v: "é" }, sizeBytes: Buffer.byteLength(`{"v":"é"}`), nodeSeq: 0 },
      { to: "h", atUs: 9999, payload: 2, sizeBytes: 99, nodeSeq: 1 },
    ]);
    expect(s.logs).toEqual([["debug", "hi"]]);
    // The next quantum continues the per-node sequence.
    const q = s.node.advance(20_000, []);
    s.say(`{"type":"send","at_us":15000,"to":"g","payload":3}`, `{"type":"done","now_us":20000}`);
    expect((await q)[0]?.nodeSeq).toBe(2);
  });

  it("splits lines that arrive in pieces", async () => {
    const s = await started();
    const p = s.node.advance(10_000, []);
    s.stdout.write(`{"type":"send","at_us":5,"to":"g",`);
    await s.tick();
    s.stdout.write(`"payload":1}\n{"type":"done","now_`);
    await s.tick();
    s.stdout.write(`us":10000}\n`);
    expect(await p).toHaveLength(1);
  });

  it("refuses a node speaking another major version", async () => {
    const s = scripted();
    const p = s.node.start({ seed: 1, timeQuantumUs: 1000 });
    s.say(`{"type":"ready","protocol":2}`);
    const err = await failure(p);
    expect(err.kind).toBe("version-mismatch");
    expect(err.message).toContain("protocol version 2");
    expect(err.message).toContain(`{"type":"ready","protocol":2}`);
  });

  const bad: [string, string, string, RegExp][] = [
    ["invalid JSON", `{"type":"send",`, "invalid-message", /not valid JSON/],
    ["a wrong type", `{"type":"send","at_us":"5","to":"g","payload":1}`, "invalid-message", /"at_us" must be a non-negative integer/],
    ["a send before the quantum", `{"type":"send","at_us":9999,"to":"g","payload":1}`, "send-outside-quantum", /outside the quantum being run \[10000, 20000\)/],
    ["a send at the quantum's end", `{"type":"send","at_us":20000,"to":"g","payload":1}`, "send-outside-quantum", /sent at 20000 µs, .*belongs to the next one/],
    ["a send after the quantum", `{"type":"send","at_us":20001,"to":"g","payload":1}`, "send-outside-quantum", /sent at 20001/],
    ["a wrong done", `{"type":"done","now_us":15000}`, "wrong-done", /answered "done" at 15000 µs, but was asked to advance to 20000/],
    ["a second ready", `{"type":"ready","protocol":1}`, "unexpected-message", /wrote "ready"/],
  ];
  it.each(bad)("fails on %s, quoting the line", async (_name, line, kind, reason) => {
    const s = await started();
    const first = s.node.advance(10_000, []);
    s.say(`{"type":"done","now_us":10000}`);
    await first;
    const p = s.node.advance(20_000, []);
    s.say(line);
    const err = await failure(p);
    expect(err.kind).toBe(kind);
    expect(err.message).toMatch(reason);
    expect(err.line).toBe(line);
    expect(err.message).toContain(line);
    // Failed for good: every later call gets the same error.
    await expect(s.node.advance(30_000, [])).rejects.toBe(err);
  });

  it("fails a node that writes between quanta, at the next advance", async () => {
    const s = await started();
    s.say(`{"type":"send","at_us":0,"to":"g","payload":1}`);
    await s.tick();
    const err = await failure(s.node.advance(10_000, []));
    expect(err.kind).toBe("unexpected-message");
    expect(err.message).toContain("between quanta");
  });

  it("fails a node that misses the quantum deadline, saying what was awaited and labelling the last line received as such", async () => {
    const s = await started({ quantumWallMs: 50 });
    const p = s.node.advance(10_000, []);
    s.say(`{"type":"log","level":"info","msg":"thinking"}`);
    const err = await failure(p);
    expect(err.kind).toBe("timeout");
    expect(err.message).toMatch(
      /^node "n1" failed: did not answer "advance" to 10000 µs with "done" within 50 ms \(timeouts.quantum_wall_sec\); last line received \(\d+ ms before the deadline\): \{"type":"log","level":"info","msg":"thinking"\}$/,
    );
    // Not the offending line: nothing is quoted as "(line: ...)".
    expect(err.line).toBeNull();
    expect(err.message).not.toContain("(line:");
  });

  it("says so when nothing arrived during the wait, and quotes the line before it as received before", async () => {
    const s = await started({ quantumWallMs: 50 });
    const err = await failure(s.node.advance(10_000, []));
    expect(err.kind).toBe("timeout");
    expect(err.message).toBe(
      'node "n1" failed: did not answer "advance" to 10000 µs with "done" within 50 ms (timeouts.quantum_wall_sec); nothing was received during the wait (last line received before it: {"type":"ready","protocol":1})',
    );
    expect(err.line).toBeNull();
  });

  it("fails a node that does not answer init within the startup deadline, saying it wrote nothing and how to flush", async () => {
    const s = scripted({ startupMs: 30 });
    const err = await failure(s.node.start({ seed: 1, timeQuantumUs: 1000 }));
    expect(err.kind).toBe("timeout");
    expect(err.message).toContain('did not answer "init" with "ready" within 30 ms (timeouts.startup_sec); nothing was received from it on stdout');
    expect(err.message).toContain("flush=True");
    expect(err.line).toBeNull();
  });

  it("accepts sends_per_quantum sends in a quantum and fails the node, naming it and the limit, at one more", async () => {
    const s = await started({ maxSendsPerQuantum: 3 });
    const send = (at: number) => `{"type":"send","at_us":${at},"to":"g","payload":${at}}`;
    const first = s.node.advance(10_000, []);
    s.say(send(1), send(2), send(3), `{"type":"done","now_us":10000}`);
    expect(await first).toHaveLength(3);
    // The count starts again each quantum.
    const second = s.node.advance(20_000, []);
    s.say(send(10_001), send(10_002), send(10_003), send(10_004), `{"type":"done","now_us":20000}`);
    const err = await failure(second);
    expect(err.kind).toBe("too-many-sends");
    expect(err.message).toContain('node "n1" failed: sent more than 3 messages in the quantum [10000, 20000] µs (limits.sends_per_quantum)');
    expect(err.message).toContain("Raise limits.sends_per_quantum");
    expect(err.line).toBe(send(10_004));
  });

  it("bounds the sends of one quantum by the default limit when none is given", async () => {
    const s = await started();
    const p = s.node.advance(10_000, []);
    const line = `{"type":"send","at_us":5,"to":"g","payload":1}\n`;
    // 100,001 sends, in pipe-sized chunks.
    const perChunk = 1000;
    for (let i = 0; i <= 100; i++) s.stdout.write(line.repeat(i === 100 ? 1 : perChunk));
    s.say(`{"type":"done","now_us":10000}`);
    const err = await failure(p);
    expect(err.kind).toBe("too-many-sends");
    expect(err.message).toContain("sent more than 100000 messages");
  });

  it("refuses a maxSendsPerQuantum that is not a non-negative integer", () => {
    expect(() => scripted({ maxSendsPerQuantum: 1.5 })).toThrow(RangeError);
    expect(() => scripted({ maxSendsPerQuantum: -1 })).toThrow(RangeError);
  });

  it("fails a node that closes stdout, quoting its unfinished line", async () => {
    const s = await started();
    const p = s.node.advance(10_000, []);
    s.stdout.end(`{"type":"done"`);
    const err = await failure(p);
    expect(err.kind).toBe("stdout-closed");
    expect(err.line).toBe(`{"type":"done"`);
  });

  it("reports the exit status when the process behind it exits", async () => {
    const s = await started({ withExit: true, diagnostics: () => "Traceback: boom" });
    const p = s.node.advance(10_000, []);
    s.stdout.end();
    await s.tick();
    s.exit({ code: 3, signal: null });
    const err = await failure(p);
    expect(err.kind).toBe("exited");
    expect(err.message).toContain("exited with code 3");
    expect(err.message).toContain("Traceback: boom");
  });

  it("bounds a huge line: fails the node, quotes its start, and ignores the rest", async () => {
    const s = await started();
    const p = s.node.advance(10_000, []);
    const chunk = "A".repeat(64 * 1024);
    for (let i = 0; i < 40; i++) s.stdout.write(chunk);
    const err = await failure(p);
    expect(err.kind).toBe("line-too-long");
    expect(err.line!.length).toBeLessThan(300);
    expect(err.line!.startsWith("A".repeat(200))).toBe(true);
    for (let i = 0; i < 40; i++) s.stdout.write(chunk);
    await s.tick();
    expect(s.node.failure).toBe(err);
  });

  it("fails a node whose payload is nested 400,000 levels deep, naming it, instead of overflowing the stack", async () => {
    const s = await started();
    const p = s.node.advance(10_000, []);
    const depth = 400_000;
    const line = `{"type":"send","at_us":5,"to":"g","payload":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    // In pieces, as a pipe delivers 800 KB.
    for (let i = 0; i < line.length; i += 64 * 1024) s.stdout.write(line.slice(i, i + 64 * 1024));
    s.stdout.write("\n");
    const err = await failure(p);
    expect(err.kind).toBe("payload-too-deep");
    expect(err.message).toContain("nested more than 64 levels deep (the limit for a payload)");
    expect(err.line!.length).toBeLessThan(300);
    await expect(s.node.advance(20_000, [])).rejects.toBe(err);
  });

  it("shutdown sends shutdown and ends stdin; an exit afterwards is not a failure", async () => {
    const s = await started({ withExit: true });
    await s.node.shutdown();
    await s.node.shutdown();
    expect(s.written.at(-1)).toBe(`{"type":"shutdown"}`);
    expect(s.stdin.writableEnded).toBe(true);
    s.stdout.end();
    s.exit({ code: 0, signal: null });
    await s.tick();
    expect(s.node.failure).toBeNull();
  });

  it("rejects a missing or invalid quantum deadline", () => {
    expect(() => scripted({ quantumWallMs: 0 })).toThrow(RangeError);
    expect(() => scripted({ quantumWallMs: Number.NaN })).toThrow(RangeError);
  });

  it("a dead stdin fails the node instead of crashing the harness", async () => {
    const s = await started();
    s.stdin.destroy(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    await s.tick();
    const err = await failure(s.node.advance(10_000, []));
    expect(err.kind).toBe("write-failed");
  });

  it("reports how the node ended, not the EPIPE, when init's write breaks before the exit is known", async () => {
    const s = scripted({ withExit: true, diagnostics: () => "fatal: no config" });
    const p = s.node.start({ seed: 1, timeQuantumUs: 1000 });
    s.stdin.destroy(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    s.stdout.end();
    await new Promise((r) => setTimeout(r, 50));
    s.exit({ code: 3, signal: null });
    const err = await failure(p);
    expect(err.kind).toBe("exited");
    expect(err.message).toBe('node "n1" failed: exited with code 3\n  recent output:\n    fatal: no config');
    expect(err.message).not.toContain("EPIPE");
  });

  it("reports the broken pipe when no exit follows within EXIT_STATUS_WAIT_MS", async () => {
    const s = scripted({ withExit: true });
    const p = s.node.start({ seed: 1, timeQuantumUs: 1000 });
    const began = performance.now();
    s.stdin.destroy(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    const err = await failure(p);
    expect(err.kind).toBe("write-failed");
    expect(err.message).toContain("writing to its stdin failed: write EPIPE");
    expect(performance.now() - began).toBeGreaterThanOrEqual(EXIT_STATUS_WAIT_MS - 50);
  });

  it("a node that exited before start() is reported by start() as exited, not as already started", async () => {
    const s = scripted({ withExit: true });
    s.exit({ code: 3, signal: null });
    await s.tick();
    const err = await failure(s.node.start({ seed: 1, timeQuantumUs: 1000 }));
    expect(err.kind).toBe("exited");
    expect(err.message).toBe('node "n1" failed: exited with code 3');
  });
});
