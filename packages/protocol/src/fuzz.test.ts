// Whatever a node writes, the coordinator side never crashes: it either gets a valid
// answer or a ProtocolError naming the node.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ProtocolError } from "./errors.js";
import { createProtocolNode } from "./protocol-node.js";

/** xorshift32: the fuzz cases are the same on every run. */
function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const VALUES: unknown[] = [0, -1, 1.5, 2 ** 53, "10000", null, true, [], {}, "", "g", 10000, 20000, 5000, 1e308];
const KEYS = ["type", "at_us", "to", "payload", "size_bytes", "now_us", "protocol", "level", "msg", "extra"];
const TYPES = ["ready", "send", "log", "done", "deliver", "advance", "", 1, null];

function fuzzLine(r: () => number): string | Buffer {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  switch (Math.floor(r() * 7)) {
    case 0: // random bytes, including invalid UTF-8 and control characters
      return Buffer.from(Array.from({ length: 1 + Math.floor(r() * 80) }, () => Math.floor(r() * 256)));
    case 1: {
      // an object with random keys and values
      const obj: Record<string, unknown> = { type: pick(TYPES) };
      for (let i = Math.floor(r() * 5); i > 0; i--) obj[pick(KEYS)] = pick(VALUES);
      return JSON.stringify(obj) + "\n";
    }
    case 2: // a send with a random time or target
      return r() < 0.5
        ? JSON.stringify({ type: "send", at_us: pick(VALUES), to: "g", payload: pick(VALUES) }) + "\n"
        : JSON.stringify({ type: pick(["send", "ready", "done"]), at_us: 10000, to: pick(VALUES), payload: 1, protocol: 1 }) + "\n";
    case 3: // a truncated valid line
      return `{"type":"done","now_us":10000}`.slice(0, Math.floor(r() * 30)) + "\n";
    case 4: // a message out of turn
      return `{"type":"ready","protocol":1}\n`;
    case 5: // a very long line
      return "[" + "1,".repeat(300_000 + Math.floor(r() * 400_000)) + "1]\n";
    default: // a correct answer
      return `{"type":"done","now_us":10000}\n`;
  }
}

describe("fuzzed node output", () => {
  it("always ends in a valid answer or a typed failure naming the node", async () => {
    const r = rng(20240607);
    const outcomes = { answered: 0, failed: 0 };
    const kinds = new Set<string>();
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const id = `fz${batch}_${i}`;
          const stdin = new PassThrough();
          const stdout = new PassThrough();
          stdin.resume();
          const node = createProtocolNode({ id, type: "process", stdin, stdout, config: {}, quantumWallMs: 100 });
          const start = node.start({ seed: 1, timeQuantumUs: 10000 });
          stdout.write(`{"type":"ready","protocol":1}\n`);
          await start;
          const p = node.advance(10000, []);
          for (let k = 1 + Math.floor(r() * 3); k > 0; k--) stdout.write(fuzzLine(r));
          if (r() < 0.2) stdout.end();
          try {
            const out = await p;
            expect(Array.isArray(out)).toBe(true);
            outcomes.answered++;
          } catch (err) {
            expect(err).toBeInstanceOf(ProtocolError);
            const pe = err as ProtocolError;
            expect(pe.node).toBe(id);
            expect(pe.message).toContain(`node "${id}"`);
            expect(pe.message.length).toBeLessThan(2000);
            kinds.add(pe.kind);
            outcomes.failed++;
          }
          await node.shutdown();
        }),
      );
    }
    expect(outcomes.answered + outcomes.failed).toBe(200);
    expect(outcomes.failed).toBeGreaterThan(60);
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining(["invalid-message", "line-too-long", "timeout", "send-outside-quantum", "unexpected-message"]),
    );
  });

  it("refuses every ready that is not protocol 1, with a typed failure", async () => {
    const versions: unknown[] = [1, 2, 0, -1, 1.5, "1", null, [1], { major: 1 }, 2 ** 53, 99];
    const results = await Promise.all(
      versions.map(async (v, i) => {
        const stdin = new PassThrough();
        const stdout = new PassThrough();
        stdin.resume();
        const node = createProtocolNode({ id: `v${i}`, type: "process", stdin, stdout, config: {}, quantumWallMs: 100 });
        const start = node.start({ seed: 1, timeQuantumUs: 10000 });
        stdout.write(JSON.stringify({ type: "ready", protocol: v }) + "\n");
        return start.then(
          () => "ok",
          (err: unknown) => (err instanceof ProtocolError && err.node === `v${i}` ? err.kind : `untyped: ${String(err)}`),
        );
      }),
    );
    expect(results).toEqual([
      "ok",
      "version-mismatch",
      "invalid-message",
      "invalid-message",
      "invalid-message",
      "invalid-message",
      "invalid-message",
      "invalid-message",
      "invalid-message",
      "invalid-message",
      "version-mismatch",
    ]);
  });
});
