import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BATCH_WORDS } from "./_trace-backends.js";
import { TraceWriteError } from "./errors.js";
import { createRng } from "./rng.js";
import { TraceEncoder } from "./trace-encoder.js";
import { TraceRecorder, type TraceResult } from "./trace-pipeline.js";
import { FileTraceSink, MemoryTraceSink, type TraceSink } from "./trace-sinks.js";

const IDS = ["s1", "g1", "ünï"].map((id) => JSON.stringify(id));

/** Drives a recorder with one record of each kind; returns the trace text. */
async function sample(thread: boolean): Promise<{ text: string; digest: string | null }> {
  const sink = new MemoryTraceSink();
  const rec = new TraceRecorder({ idsJson: IDS, sink, digest: true, thread });
  rec.link(0, 0, 1);
  rec.link(1, 1, 0);
  rec.timer(0, 0, 0);
  rec.timer(5, 0, 0.1);
  rec.timer(6, 2, -3);
  rec.send(120000, 0, 0, 32, null);
  rec.sendAstray(120001, 0, JSON.stringify("nowhere"), 1, 1099511627776, JSON.stringify({ v: 1.5, s: "é✓😀", a: [1, null] }));
  rec.deliver(125000, 0, 0, 120000, 32);
  rec.deliverLate(130000, 0, 2, 120000, 32, 125500);
  rec.dropAstray(120001, 0, JSON.stringify("nowhere"), 1, 7, JSON.stringify("no-such-node"));
  rec.drop(2, 1, 123456789, 7, JSON.stringify("loss"));
  rec.nodeEvent(9, 1, JSON.stringify("inference"), '"score":0.25,"label":"anomaly"');
  rec.nodeEvent(10, 2, JSON.stringify("boot"), null);
  rec.send(11, 1, 4294967296, 3, JSON.stringify("ünï ✓"));
  rec.template(0, ['{"seq":', ',"v":', "}"]);
  rec.sendValues(12, 0, 5, 8, 0, [3, -1.25]);
  const result = await rec.close();
  return { text: sink.text(), digest: result.digest };
}

/** 60,000 random records of every common kind (several MB of trace) into `sink`. */
async function bigTrace(sink: TraceSink, thread: boolean): Promise<TraceResult> {
  const rng = createRng("test/trace-big");
  const rec = new TraceRecorder({ idsJson: IDS, sink, digest: true, thread });
  for (let l = 0; l < 9; l++) rec.link(l, l % 3, (l + 1) % 3);
  for (let i = 0; i < 60_000; i++) {
    const u = rng.next();
    const t = Math.floor(rng.next() * 1e9);
    if (u < 0.3) rec.timer(t, i % 3, i % 7);
    else if (u < 0.6) rec.send(t, i % 9, i, i, i % 100 === 0 ? JSON.stringify({ i, x: rng.next() }) : null);
    else if (u < 0.9) rec.deliver(t, i % 9, i - 1, t - 5, i);
    else rec.nodeEvent(t, i % 3, '"k"', `"x":${rng.next()}`);
  }
  return rec.close();
}

const EXPECTED = [
  '{"t":0,"ev":"timer","node":"s1","tag":0}',
  '{"t":5,"ev":"timer","node":"s1","tag":0.1}',
  '{"t":6,"ev":"timer","node":"ünï","tag":-3}',
  '{"t":120000,"ev":"send","from":"s1","to":"g1","msg":0,"size":32}',
  '{"t":120001,"ev":"send","from":"s1","to":"nowhere","msg":1,"size":1099511627776,"payload":{"v":1.5,"s":"é✓😀","a":[1,null]}}',
  '{"t":125000,"ev":"deliver","from":"s1","to":"g1","msg":0,"sent":120000,"size":32}',
  '{"t":130000,"ev":"deliver","from":"s1","to":"g1","msg":2,"sent":120000,"size":32,"due":125500}',
  '{"t":120001,"ev":"drop","from":"s1","to":"nowhere","msg":1,"size":7,"reason":"no-such-node"}',
  '{"t":2,"ev":"drop","from":"g1","to":"s1","msg":123456789,"size":7,"reason":"loss"}',
  '{"t":9,"ev":"inference","node":"g1","score":0.25,"label":"anomaly"}',
  '{"t":10,"ev":"boot","node":"ünï"}',
  '{"t":11,"ev":"send","from":"g1","to":"s1","msg":4294967296,"size":3,"payload":"ünï ✓"}',
  '{"t":12,"ev":"send","from":"s1","to":"g1","msg":5,"size":8,"payload":{"seq":3,"v":-1.25}}',
];

describe("trace encoding", () => {
  it("writes each record as one compact JSON line, numbers as JavaScript prints them", async () => {
    const { text, digest } = await sample(false);
    expect(text).toBe(`${EXPECTED.join("\n")}\n`);
    for (const line of EXPECTED) expect(JSON.stringify(JSON.parse(line))).toBe(line);
    expect(digest).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
  });

  it("prints every integer length and decimal as JavaScript does (digits written in pairs)", async () => {
    const rng = createRng("test/trace-numbers");
    const values: number[] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 2147483647, 2147483648, -1, -10, -100, 0.5, 21.05, -3.125, 1e21, 2 ** 53];
    for (let p = 1; p <= 1e10; p *= 10) {
      values.push(p - 1, p, p + 1);
      for (let k = 0; k < 20; k++) values.push(Math.floor(rng.next() * p), Math.round(rng.next() * p * 100) / 100);
    }
    const sink = new MemoryTraceSink();
    const rec = new TraceRecorder({ idsJson: IDS, sink, digest: false, thread: false });
    for (const v of values) rec.timer(Math.abs(Math.trunc(v)), 0, v);
    await rec.close();
    const lines = sink.text().trimEnd().split("\n");
    expect(lines).toEqual(values.map((v) => `{"t":${String(Math.abs(Math.trunc(v)))},"ev":"timer","node":"s1","tag":${String(v)}}`));
  });

  it('thread "auto": a thread for a trace written fast, inline for a slow one (lockstep), inline for a short one; the same bytes', async () => {
    /**
     * Records `batches` batches' worth of timer lines (or of sends with 40 kB payloads,
     * which ship a batch every ~25 lines); the clock moves `msPerBatch` per batch shipped.
     */
    const drive = async (batches: number, msPerBatch: number, bigPayloads = false) => {
      let ms = 0;
      const sink = new MemoryTraceSink();
      const rec = new TraceRecorder({ idsJson: IDS, sink, digest: true, thread: "auto", clock: () => (ms += msPerBatch) });
      const decided: ("thread" | "inline" | null)[] = [];
      const payload = JSON.stringify("x".repeat(40_000));
      rec.link(0, 0, 1);
      // A timer record is 4 words: BATCH_WORDS / 4 lines fill a batch.
      const perBatch = bigPayloads ? 25 : BATCH_WORDS / 4;
      for (let i = 0; i < batches * perBatch; i++) {
        if (bigPayloads) rec.send(i, 0, i, 1, payload);
        else rec.timer(i, i % 3, 0);
        if (i % perBatch === 0) decided.push(rec.encodedIn);
      }
      const result = await rec.close();
      return { decided, at: rec.encodedIn, digest: result.digest, lines: result.lines };
    };
    // 16,384 lines a batch in 1 ms: 16 million lines a second, fast. Held back for 32 batches, then a thread.
    const fast = await drive(40, 1);
    expect(fast.decided.indexOf("thread")).toBe(33);
    expect(fast.decided.slice(0, 33).every((d) => d === null)).toBe(true);
    expect(fast.at).toBe("thread");
    // 16,384 lines in 100 ms: 164,000 a second, as slow as lockstep. Inline once a second has passed, not held back for 32 batches.
    const slow = await drive(40, 100);
    const inlineFrom = slow.decided.indexOf("inline");
    expect(inlineFrom).toBeGreaterThan(9);
    expect(inlineFrom).toBeLessThan(14);
    expect(slow.decided.slice(inlineFrom).every((d) => d === "inline")).toBe(true);
    // Big payloads, ~25,000 lines a second: 32 batches in well under a second, then inline.
    const heavy = await drive(40, 1, true);
    expect(heavy.decided.slice(0, 30).every((d) => d === null)).toBe(true);
    expect(heavy.at).toBe("inline");
    // 2,048,000 a second: just over the line (300,000), still a thread.
    expect((await drive(40, 8)).at).toBe("thread");
    // Short, even if fast: inline at the end, never a thread.
    const short = await drive(5, 1);
    expect(short.decided.every((d) => d === null)).toBe(true);
    expect(short.at).toBe("inline");
    expect(slow.digest).toBe(fast.digest);
    expect(fast.lines).toBe(40 * (BATCH_WORDS / 4));
  });

  it("gives the same bytes and digest in the encoder thread", async () => {
    expect(await sample(true)).toEqual(await sample(false));
  });

  it("a large random trace is identical inline and threaded, and the digest covers exactly the bytes written", async () => {
    const run = async (thread: boolean) => {
      const sink = new MemoryTraceSink();
      const result = await bigTrace(sink, thread);
      return { bytes: sink.buffer(), result };
    };
    const inline = await run(false);
    const threaded = await run(true);
    expect(threaded.bytes.equals(inline.bytes)).toBe(true);
    expect(threaded.result).toEqual(inline.result);
    expect(inline.result.lines).toBe(60_000);
    expect(inline.result.bytes).toBe(inline.bytes.length);
    // Several chunks: the file sinks below reuse chunk buffers across them.
    expect(inline.bytes.length).toBeGreaterThan(3 * (1 << 20));
    expect(inline.result.digest).toBe(createHash("sha256").update(inline.bytes).digest("hex"));
    expect(inline.bytes.toString("utf8").split("\n").length).toBe(60_001);
  });

  it("a file sink is written directly (by the encoder thread, or inline with writeSync) with the same bytes", async () => {
    const memory = new MemoryTraceSink();
    const expected = await bigTrace(memory, false);
    const dir = mkdtempSync(join(tmpdir(), "sim-trace-fd-"));
    try {
      for (const thread of [true, false]) {
        const path = join(dir, `trace-${thread}.jsonl`);
        const result = await bigTrace(new FileTraceSink(path), thread);
        expect(result).toEqual(expected);
        expect(readFileSync(path).equals(memory.buffer()), `thread: ${thread}`).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(existsSync("/dev/full"))("a trace file that cannot be written fails with the file's name, inline and threaded", async () => {
    for (const thread of [true, false]) {
      const failed = await bigTrace(new FileTraceSink("/dev/full"), thread).then(
        () => null,
        (err: unknown) => err,
      );
      expect(failed, `thread: ${thread}`).toBeInstanceOf(TraceWriteError);
      expect((failed as TraceWriteError).message).toMatch(/^trace \/dev\/full: .*(ENOSPC|no space)/i);
    }
  });

  it("chunk boundaries do not change the bytes (tiny chunks, lines longer than a chunk)", () => {
    const encode = (chunkSize: number, text: string, reuse = false) => {
      const chunks: Uint8Array[] = [];
      const enc = new TraceEncoder(IDS, chunkSize, (c) => chunks.push(c.slice()), reuse);
      const payload = Buffer.from(JSON.stringify(text));
      // link 0 = s1 -> g1; a timer; a send (message 0) with the long payload (span 0); its delivery.
      const rec = new Float64Array([7, 0, 0, 1, 1, 5, 0, 1, 2, 6, 0, 0, 3, payload.length, 3, 7, 0, 0, 1, 4]);
      enc.encode(rec, rec.length, payload);
      enc.finish();
      return Buffer.concat(chunks).toString("utf8");
    };
    for (const text of ["x".repeat(500), "ü✓".repeat(200)]) {
      const big = encode(1 << 16, text);
      expect(encode(64, text)).toBe(big);
      // Reusing one chunk buffer (the emitter copies each chunk before it returns).
      expect(encode(64, text, true)).toBe(big);
      expect(big.split("\n")[1]).toBe(`{"t":6,"ev":"send","from":"s1","to":"g1","msg":0,"size":3,"payload":${JSON.stringify(text)}}`);
      expect(big.split("\n")[2]).toBe('{"t":7,"ev":"deliver","from":"s1","to":"g1","msg":0,"sent":1,"size":4}');
    }
  });
});
