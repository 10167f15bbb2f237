import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCoordinatorMessage, decodeCoordinatorMessageFully, decodeNodeMessage, decodeNodeMessageFully, encodeDeliver, encodeMessage, nestsDeeperThan } from "./codec.js";
import { LineSplitter } from "./line-splitter.js";
import { MAX_LINE_LENGTH, MAX_PAYLOAD_DEPTH, type CoordinatorMessage, type NodeMessage } from "./messages.js";

const nodeMessages: NodeMessage[] = [
  { type: "ready", protocol: 1 },
  { type: "send", at_us: 125000, to: "g1", payload: { t: 21.5, tags: ["a", "é"] }, size_bytes: 64 },
  { type: "send", at_us: 0, to: "g1", payload: null },
  { type: "log", level: "warn", msg: "battery low\nsecond line" },
  { type: "done", now_us: 130000 },
  { type: "done", now_us: 0 },
];

const coordinatorMessages: CoordinatorMessage[] = [
  { type: "init", protocol: 1, node_id: "n1", seed: -7, time_quantum_us: 10000, config: { rate: 2 } },
  { type: "deliver", at_us: 120000, from: "s1", payload: [1, "x"], size_bytes: 12 },
  { type: "advance", until_us: 130000 },
  { type: "shutdown" },
];

describe("encode/decode", () => {
  it.each(nodeMessages)("round-trips node message %j", (msg) => {
    const line = encodeMessage(msg);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.indexOf("\n")).toBe(line.length - 1);
    expect(decodeNodeMessage(line.slice(0, -1))).toEqual({ ok: true, message: msg });
  });

  it.each(coordinatorMessages)("round-trips coordinator message %j", (msg) => {
    expect(decodeCoordinatorMessage(encodeMessage(msg).slice(0, -1))).toEqual({ ok: true, message: msg });
  });

  it("reads the fast forms of done and advance exactly like the full parser", () => {
    for (const n of [0, 7, 130000, 999999999999999]) {
      expect(decodeNodeMessage(`{"type":"done","now_us":${n}}`)).toEqual({ ok: true, message: { type: "done", now_us: n } });
      expect(decodeCoordinatorMessage(`{"type":"advance","until_us":${n}}`)).toEqual({ ok: true, message: { type: "advance", until_us: n } });
    }
    // Spaced or reordered forms go through JSON.parse and mean the same.
    expect(decodeNodeMessage(`{ "now_us": 5, "type": "done" }`)).toEqual({ ok: true, message: { type: "done", now_us: 5 } });
  });

  it("builds deliver lines byte for byte as encodeMessage does, with or without the payload's JSON handed in", () => {
    const fields = fc.record({ from: fc.string({ minLength: 1 }), atUs: fc.nat(), payload: fc.option(fc.jsonValue(), { nil: undefined }), sizeBytes: fc.nat() });
    fc.assert(
      fc.property(fields, (m) => {
        const expected = encodeMessage({ type: "deliver", at_us: m.atUs, from: m.from, payload: m.payload ?? null, size_bytes: m.sizeBytes });
        expect(encodeDeliver(m)).toBe(expected);
        if (m.payload !== undefined) expect(encodeDeliver({ ...m, payloadJson: JSON.stringify(m.payload) })).toBe(expected);
        expect(decodeCoordinatorMessage(expected.slice(0, -1)).ok).toBe(true);
      }),
      { numRuns: 500 },
    );
    // The text handed in is what goes out (the engine's contract: it equals JSON.stringify(payload)).
    expect(encodeDeliver({ from: "a", atUs: 5, payload: { x: 1 }, sizeBytes: 2, payloadJson: '{"x":1.0}' })).toBe(
      '{"type":"deliver","at_us":5,"from":"a","payload":{"x":1.0},"size_bytes":2}\n',
    );
  });

  it("reads send, deliver, done and advance lines in their fast form exactly like the full parser, and anything near that form too", () => {
    const uint = fc.oneof(fc.nat().map(String), fc.constantFrom("0", "007", "-1", "1.5", "1e3", "9007199254740993", "999999999999999", "1000000000000000", ""));
    const peer = fc.oneof(fc.string({ minLength: 1 }).map((t) => JSON.stringify(t)), fc.constantFrom('""', '"a\\"b"', '"\u0001"', '"x', "7", '"n1"'));
    const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
    const payload = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.jsonValue().map((v) => JSON.stringify(v, null, 1)),
      fc.constantFrom("", "{", '{"size_bytes":5}', '1,"size_bytes":2', deep(MAX_PAYLOAD_DEPTH), deep(MAX_PAYLOAD_DEPTH + 1), '"}"', "nul"),
    );
    const tail = fc.constantFrom("}", "", "} ", "]", ',"x":1}', ',"size_bytes":3}');
    const head = fc.constantFrom('{"type":"send","at_us":', '{"type":"deliver","at_us":', '{"type":"send", "at_us":', '{"type":"sent","at_us":');
    const line = fc
      .tuple(head, uint, fc.constantFrom("to", "from"), peer, payload, fc.option(uint, { nil: null }), tail)
      .map(([h, at, key, p, body, size, end]) => `${h}${at},"${key}":${p},"payload":${body}${size === null ? "" : `,"size_bytes":${size}`}${end}`);
    let accepted = 0;
    fc.assert(
      fc.property(line, (l) => {
        const node = decodeNodeMessage(l);
        expect(node).toEqual(decodeNodeMessageFully(l));
        const coordinator = decodeCoordinatorMessage(l);
        expect(coordinator).toEqual(decodeCoordinatorMessageFully(l));
        if (node.ok || coordinator.ok) accepted++;
      }),
      { numRuns: 4000 },
    );
    expect(accepted).toBeGreaterThan(100); // ~6 % of the lines are valid messages
    // done and advance, the other two lines of every quantum, likewise.
    const timeLine = fc.tuple(fc.constantFrom('{"type":"done","now_us":', '{"type":"advance","until_us":'), uint, tail).map(([h, n, end]) => `${h}${n}${end}`);
    fc.assert(
      fc.property(timeLine, (l) => {
        expect(decodeNodeMessage(l)).toEqual(decodeNodeMessageFully(l));
        expect(decodeCoordinatorMessage(l)).toEqual(decodeCoordinatorMessageFully(l));
      }),
      { numRuns: 1000 },
    );
    // The SDK's send line and the coordinator's deliver line read back what was written.
    expect(decodeNodeMessage('{"type":"send","at_us":20000,"to":"n1","payload":{"n":3,"from":"n0"},"size_bytes":32}')).toEqual({
      ok: true,
      message: { type: "send", at_us: 20000, to: "n1", payload: { n: 3, from: "n0" }, size_bytes: 32 },
    });
    const deliver = { from: "n0", atUs: 30000, payload: [1, "x"], sizeBytes: 9 };
    expect(decodeCoordinatorMessage(encodeDeliver(deliver).slice(0, -1))).toEqual({
      ok: true,
      message: { type: "deliver", at_us: 30000, from: "n0", payload: [1, "x"], size_bytes: 9 },
    });
  });

  it("coordinator messages ignore unknown keys (forward compatible)", () => {
    const r = decodeCoordinatorMessage(`{"type":"advance","until_us":10,"budget":3}`);
    expect(r.ok).toBe(true);
  });
});

describe("strict validation of node messages", () => {
  const rejected: [string, string, RegExp][] = [
    ["not JSON", `{"type":"done",`, /not valid JSON/],
    ["an array", `[1,2]`, /not a JSON object/],
    ["null", `null`, /not a JSON object/],
    ["a number", `42`, /not a JSON object/],
    ["unknown type", `{"type":"sent","at_us":1}`, /unknown message type "sent"/],
    ["no type", `{"at_us":1}`, /unknown message type undefined/],
    ["a coordinator message", `{"type":"advance","until_us":5}`, /unknown message type "advance"/],
    ["unknown key", `{"type":"done","now_us":5,"extra":1}`, /unknown key "extra"/],
    ["camelCase key", `{"type":"send","at_us":1,"to":"a","payload":1,"sizeBytes":3}`, /unknown key "sizeBytes"/],
    ["time as string", `{"type":"done","now_us":"5"}`, /"now_us" must be a non-negative integer/],
    ["negative time", `{"type":"done","now_us":-5}`, /"now_us" must be a non-negative integer/],
    ["fractional time", `{"type":"send","at_us":1.5,"to":"a","payload":1}`, /"at_us" must be a non-negative integer/],
    ["unsafe integer", `{"type":"done","now_us":9007199254740993}`, /"now_us" must be a non-negative integer/],
    ["leading zero", `{"type":"done","now_us":05}`, /not valid JSON/],
    ["missing now_us", `{"type":"done"}`, /missing "now_us"/],
    ["missing to", `{"type":"send","at_us":1,"payload":1}`, /missing "to"/],
    ["empty to", `{"type":"send","at_us":1,"to":"","payload":1}`, /"to" must be a non-empty string/],
    ["missing payload", `{"type":"send","at_us":1,"to":"a"}`, /missing "payload"/],
    ["bad size", `{"type":"send","at_us":1,"to":"a","payload":1,"size_bytes":-1}`, /"size_bytes" must be a non-negative integer/],
    ["bad level", `{"type":"log","level":"verbose","msg":"x"}`, /"level" must be one of/],
    ["msg not string", `{"type":"log","level":"info","msg":3}`, /"msg" must be a string/],
    ["version as string", `{"type":"ready","protocol":"1"}`, /"protocol" must be a positive integer/],
    ["version missing", `{"type":"ready"}`, /missing "protocol"/],
    ["version 1.5", `{"type":"ready","protocol":1.5}`, /"protocol" must be a positive integer/],
  ];
  it.each(rejected)("rejects %s", (_name, line, reason) => {
    const r = decodeNodeMessage(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it("rejects malformed coordinator messages too", () => {
    expect(decodeCoordinatorMessage(`{"type":"deliver","at_us":1,"from":"a","payload":1}`)).toMatchObject({ ok: false, reason: 'missing "size_bytes"' });
    expect(decodeCoordinatorMessage(`{"type":"init","protocol":1,"node_id":"a","seed":1.5,"time_quantum_us":1,"config":{}}`)).toMatchObject({ ok: false });
    expect(decodeCoordinatorMessage(`{"type":"init","protocol":1,"node_id":"a","seed":1,"time_quantum_us":1,"config":[]}`)).toMatchObject({ ok: false, reason: '"config" must be an object' });
    expect(decodeCoordinatorMessage(`{"type":"ready","protocol":1}`)).toMatchObject({ ok: false });
  });
});

/** A send whose payload is `depth` nested arrays (`[[...]]`), or objects. */
function nestedSend(depth: number, open = "[", close = "]"): string {
  return `{"type":"send","at_us":0,"to":"g","payload":${open.repeat(depth)}${close.repeat(depth)}}`;
}

describe("payload nesting", () => {
  it("refuses the fuzzer's 400,000-level payload (800 KB, under the line limit) without recursing", () => {
    const line = nestedSend(400_000);
    expect(line.length).toBeLessThan(MAX_LINE_LENGTH);
    const r = decodeNodeMessage(line);
    expect(r).toEqual({ ok: false, kind: "payload-too-deep", reason: `arrays and objects nested more than ${MAX_PAYLOAD_DEPTH} levels deep (the limit for a payload)` });
  });

  it("accepts exactly MAX_PAYLOAD_DEPTH levels and refuses one more, for arrays and objects", () => {
    expect(MAX_PAYLOAD_DEPTH).toBe(64);
    const deepest = decodeNodeMessage(nestedSend(MAX_PAYLOAD_DEPTH));
    expect(deepest.ok).toBe(true);
    // What the harness does with an accepted payload must work.
    if (deepest.ok && deepest.message.type === "send") expect(JSON.stringify(deepest.message.payload)).toHaveLength(2 * MAX_PAYLOAD_DEPTH);
    expect(decodeNodeMessage(nestedSend(MAX_PAYLOAD_DEPTH + 1))).toMatchObject({ ok: false, kind: "payload-too-deep" });
    const objects = (depth: number) => `{"type":"send","at_us":0,"to":"g","payload":${'{"a":'.repeat(depth - 1)}{}${"}".repeat(depth - 1)}}`;
    expect(decodeNodeMessage(objects(MAX_PAYLOAD_DEPTH)).ok).toBe(true);
    expect(decodeNodeMessage(objects(MAX_PAYLOAD_DEPTH + 1))).toMatchObject({ ok: false, kind: "payload-too-deep" });
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    const text = JSON.stringify(`\\"${"[{".repeat(50_000)}`);
    expect(decodeNodeMessage(`{"type":"send","at_us":0,"to":"g","payload":[${text},${text}]}`).ok).toBe(true);
    expect(decodeNodeMessage(`{"type":"log","level":"info","msg":${text}}`).ok).toBe(true);
  });

  it("other failures are invalid-message", () => {
    expect(decodeNodeMessage(`{"type":"send",`)).toMatchObject({ ok: false, kind: "invalid-message" });
    expect(decodeNodeMessage(`{"type":"send","at_us":-1,"to":"g","payload":1}`)).toMatchObject({ ok: false, kind: "invalid-message" });
  });

  it("nestsDeeperThan counts the levels of any JSON text, [[1]] being 2", () => {
    expect(nestsDeeperThan("[[1]]", 2)).toBe(false);
    expect(nestsDeeperThan("[[[1]]]", 2)).toBe(true);
    const deep = (n: number) => '{"a":'.repeat(n - 1) + "{}" + "}".repeat(n - 1);
    expect(nestsDeeperThan(deep(MAX_PAYLOAD_DEPTH), MAX_PAYLOAD_DEPTH)).toBe(false);
    expect(nestsDeeperThan(deep(MAX_PAYLOAD_DEPTH + 1), MAX_PAYLOAD_DEPTH)).toBe(true);
    expect(nestsDeeperThan(`["${"[".repeat(500)}"]`, MAX_PAYLOAD_DEPTH)).toBe(false);
    expect(nestsDeeperThan("[".repeat(1_000_000), MAX_PAYLOAD_DEPTH)).toBe(true);
  });

  it("bounds what the coordinator sends the SDK the same way", () => {
    const deliver = (depth: number) => `{"type":"deliver","at_us":1,"from":"a","payload":${"[".repeat(depth)}${"]".repeat(depth)},"size_bytes":1}`;
    expect(decodeCoordinatorMessage(deliver(MAX_PAYLOAD_DEPTH)).ok).toBe(true);
    expect(decodeCoordinatorMessage(deliver(400_000))).toMatchObject({ ok: false, kind: "payload-too-deep" });
  });
});

describe("values quoted in reasons", () => {
  // JSON.parse reads these as ±Infinity, which JSON.stringify prints as null.
  const outOfRange: [string, string, string][] = [
    ["now_us", `{"type":"done","now_us":1e400}`, `"now_us" must be a non-negative integer (microseconds), got 1e400 (a number out of range)`],
    ["at_us", `{"type":"send","at_us":-1E+999,"to":"g","payload":{"at_us":1e3}}`, `got -1E+999 (a number out of range)`],
    ["size_bytes", `{"type":"send","at_us":1,"to":"g","payload":1,"size_bytes":123456789e999}`, `got 123456789e999 (a number out of range)`],
    ["protocol", `{"type":"ready","protocol":1e400}`, `"protocol" must be a positive integer (the major version), got 1e400 (a number out of range)`],
  ];
  it.each(outOfRange)("quotes an out-of-range %s as written, not as null", (_key, line, reason) => {
    const r = decodeNodeMessage(line);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain(reason);
      expect(r.reason).not.toContain("null");
    }
  });

  it("does the same in coordinator messages", () => {
    expect(decodeCoordinatorMessage(`{"type":"advance","until_us":1e400}`)).toMatchObject({ ok: false, reason: `"until_us" must be a non-negative integer (microseconds), got 1e400 (a number out of range)` });
  });

  it("shortens a huge value", () => {
    const r = decodeNodeMessage(`{"type":"send","at_us":1,"to":${JSON.stringify(["x".repeat(100_000)])},"payload":1}`);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(/^"to" must be a non-empty string, got \["xxx/);
      expect(r.reason.length).toBeLessThan(200);
    }
  });
});

describe("LineSplitter", () => {
  function split(chunks: string[], max = 100): { lines: string[]; overlong: string | null } {
    const s = new LineSplitter(max);
    const lines: string[] = [];
    let overlong: string | null = null;
    for (const c of chunks) {
      overlong = s.push(c, (l) => lines.push(l));
      if (overlong !== null) break;
    }
    return { lines, overlong };
  }

  it("joins lines split across chunks, drops blank lines and a trailing \\r", () => {
    expect(split(["ab", "c\nde", "f\r\n\n", "g\nh"]).lines).toEqual(["abc", "def", "g"]);
  });

  it("keeps the unfinished rest", () => {
    const s = new LineSplitter(100);
    s.push("a\nbc", () => {});
    expect(s.rest).toBe("bc");
  });

  it("reports a line longer than the bound, wherever it is", () => {
    expect(split(["x".repeat(101) + "\n"]).overlong).toHaveLength(101);
    expect(split(["ok\n", "x".repeat(60), "x".repeat(60)]).overlong?.startsWith("x".repeat(60))).toBe(true);
    expect(split(["x".repeat(60), "x".repeat(60) + "\n"]).overlong).toHaveLength(120);
    expect(split(["x".repeat(100) + "\n"]).lines).toEqual(["x".repeat(100)]);
  });

  it("never holds more than the bound plus one chunk", () => {
    const s = new LineSplitter(1000);
    let overlong: string | null = null;
    for (let i = 0; i < 100 && overlong === null; i++) overlong = s.push("y".repeat(64), () => {});
    expect(overlong).not.toBeNull();
    expect(overlong!.length).toBeLessThanOrEqual(1000 + 64);
  });
});
