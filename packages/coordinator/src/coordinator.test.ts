import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { node, sampler, sink } from "./__fixtures__/test-nodes.js";
import { expectTimeSeriesMatchesTrace } from "./__fixtures__/time-series-check.js";
import { Coordinator, type CoordinatorOptions } from "./coordinator.js";
import { CoordinatorOptionsError, NodeFailedError } from "./errors.js";
import { LatencyNetwork } from "./latency-network.js";
import { createRng } from "./rng.js";
import { FileTraceSink, MemoryTraceSink, type TraceSink } from "./trace-sinks.js";
import type { InProcessNode, SimNode } from "./types.js";

const latency = (ms: number, jitterMs = 0, loss = 0) => new LatencyNetwork({ default_latency_ms: ms, jitter_ms: jitterMs, loss, bandwidth_kbps: null, links: [] });

async function run(options: Partial<CoordinatorOptions> & { nodes: readonly SimNode[] }) {
  const trace = new MemoryTraceSink();
  const coordinator = new Coordinator({ seed: 1, durationUs: 1_000_000, trace, ...options });
  const summary = await coordinator.run();
  return { summary, lines: trace.lines(), coordinator };
}

/** A small network of samplers and sinks with jitter and loss: enough randomness to notice any change. */
function busyNodes(extra: SimNode[] = []): SimNode[] {
  return [
    sampler("s1", "g1", 10_000, 0),
    sampler("s2", "g1", 7_000, 300),
    sampler("s3", "g2", 13_000, 1_000),
    sink("g1"),
    sink("g2"),
    ...extra,
  ];
}

describe("Coordinator: discrete-event core", () => {
  it("starts in-process nodes at t=0 in node order, then runs timers at their exact times, ties in insertion order", async () => {
    const log: string[] = [];
    const mk = (id: string, timers: [number, number][]) =>
      node(id, {
        start: (ctx) => {
          log.push(`${ctx.now()} start ${id}`);
          for (const [delay, tag] of timers) ctx.setTimer(delay, tag);
        },
        timer: (tag, ctx) => log.push(`${ctx.now()} timer ${id} ${tag}`),
      });
    const { summary } = await run({ nodes: [mk("b", [[500, 1], [100, 2]]), mk("a", [[500, 3], [0, 4]])] });
    expect(log).toEqual(["0 start b", "0 start a", "0 timer a 4", "100 timer b 2", "500 timer b 1", "500 timer a 3"]);
    expect(summary.events).toBe(4);
    expect(summary.success).toBe(true);
  });

  it("runs events at t < duration only, and ends at the duration", async () => {
    const fired: number[] = [];
    const n = node("n", {
      start: (ctx) => ctx.setTimer(0, 0),
      timer: (_t, ctx) => {
        fired.push(ctx.now());
        ctx.setTimer(250_000, 0);
      },
    });
    const { summary } = await run({ nodes: [n], durationUs: 1_000_000 });
    expect(fired).toEqual([0, 250_000, 500_000, 750_000]);
    expect(summary.duration_sec).toBe(1);
  });

  it("is a pure discrete-event run without external nodes: no barriers, time jumps", async () => {
    let quanta = 0;
    const fired: number[] = [];
    const n = node("n", {
      start: (ctx) => ctx.setTimer(3_600_000_000, 7),
      timer: (_t, ctx) => fired.push(ctx.now()),
    });
    // A 1 µs quantum over 2 simulated hours: with barriers this would never finish.
    const coordinator = new Coordinator({ nodes: [n], seed: 1, durationUs: 7_200_000_000, timeQuantumUs: 1 });
    coordinator.on("quantum", () => quanta++);
    const summary = await coordinator.run();
    expect(fired).toEqual([3_600_000_000]);
    expect(quanta).toBe(0);
    expect(summary.events).toBe(1);
  });

  it("delivers through the network model and traces every timer, send, delivery, drop and node event", async () => {
    const a = node("a", {
      start: (ctx) => ctx.setTimer(1_000, 5),
      timer: (tag, ctx) => {
        ctx.send("b", { hello: 1 }, 10);
        ctx.send("nobody", null, 3);
        ctx.trace("decision", { tag, label: "ok" });
      },
    });
    const b = node("b", { receive: (msg, ctx) => ctx.trace("got", { from: msg.from, sent: msg.sentAtUs, payload: msg.payload as object }) });
    const { lines, summary } = await run({ nodes: [a, b], network: latency(2) });
    expect(lines).toEqual([
      '{"t":1000,"ev":"timer","node":"a","tag":5}',
      '{"t":1000,"ev":"send","from":"a","to":"b","msg":0,"size":10,"payload":{"hello":1}}',
      '{"t":1000,"ev":"send","from":"a","to":"nobody","msg":1,"size":3,"payload":null}',
      '{"t":1000,"ev":"drop","from":"a","to":"nobody","msg":1,"size":3,"reason":"no-such-node"}',
      '{"t":1000,"ev":"decision","node":"a","tag":5,"label":"ok"}',
      '{"t":3000,"ev":"deliver","from":"a","to":"b","msg":0,"sent":1000,"size":10}',
      '{"t":3000,"ev":"got","node":"b","from":"a","sent":1000,"payload":{"hello":1}}',
    ]);
    expect(summary.messages).toEqual({ sent: 2, delivered: 1, dropped: 1, dropped_by_reason: { "no-such-node": 1 }, late_deliveries: 0, in_flight: 0 });
    expect(summary.trace_lines).toBe(7);
  });

  it("puts payloads in send lines by default; tracePayloads external or none leaves in-process ones out", async () => {
    const a = node("a", { start: (ctx) => ctx.send("b", { v: [1, "x"], skip: undefined }, 4) });
    const first = async (tracePayloads?: "all" | "external" | "none") => (await run({ nodes: [a, node("b")], ...(tracePayloads ? { tracePayloads } : {}) })).lines[0];
    expect(await first()).toBe('{"t":0,"ev":"send","from":"a","to":"b","msg":0,"size":4,"payload":{"v":[1,"x"]}}');
    expect(await first("external")).toBe('{"t":0,"ev":"send","from":"a","to":"b","msg":0,"size":4}');
    expect(await first("none")).toBe('{"t":0,"ev":"send","from":"a","to":"b","msg":0,"size":4}');
  });

  it("a send with an undefined payload has no payload member", async () => {
    const a = node("a", { start: (ctx) => ctx.send("b", undefined, 1) });
    expect((await run({ nodes: [a, node("b")] })).lines[0]).toBe('{"t":0,"ev":"send","from":"a","to":"b","msg":0,"size":1}');
  });

  it("a payload's ready-made JSON (a string or a template of numbers) gives the same trace as serialising the payload", async () => {
    // Numbers of every form the trace encoder prints itself or hands to String().
    const rng = createRng("test/payload-json");
    const numbers = [0, -0, 1, -1, 7.5, -7.25, 0.001, -0.005, 21.37, 1013.25, 1999999.999, 2e6 + 0.5, 0.1 + 0.2, 1e-7, 1e21, 2 ** 31, -(2 ** 31) - 1, NaN, Infinity, -Infinity, 123456789.123];
    for (let i = 0; i < 3000; i++) {
      const u = rng.next() * 2000 - 1000;
      const d = i % 5;
      numbers.push(d === 4 ? u : Math.round(u * 10 ** d) / 10 ** d);
    }
    const plain = ['{"a":', ',"é✓":[', "]}"];
    const many = Array.from({ length: 71 }, (_, k) => (k === 0 ? '{"v":[' : k === 70 ? "]}" : ","));
    const sender = (withJson: boolean) =>
      node("a", {
        start: (ctx) => ctx.setTimer(0, 0),
        timer: (_t, ctx) => {
          for (let i = 0; i + 1 < numbers.length; i += 2) {
            const [x, y] = [numbers[i]!, numbers[i + 1]!];
            const payload = { a: x, "é✓": [y] };
            // A fresh but equal parts array every other time: matched by text.
            const parts = i % 4 === 0 ? plain : [...plain];
            ctx.send("b", payload, 1, withJson ? { parts, values: [x, y] } : undefined);
            ctx.send("b", payload, 1, withJson ? JSON.stringify(payload) : undefined);
            ctx.send("nobody", payload, 1, withJson ? { parts, values: new Float64Array([x, y]) } : undefined);
          }
          const values = numbers.slice(0, 70);
          ctx.send("b", { v: values }, 1, withJson ? { parts: many, values } : undefined);
        },
      });
    for (const traceThread of [false, true]) {
      const expected = await run({ nodes: [sender(false), node("b")], traceThread });
      const got = await run({ nodes: [sender(true), node("b")], traceThread });
      expect(got.summary.error).toBeNull();
      expect(got.lines.length).toBe(expected.lines.length);
      expect(got.lines).toEqual(expected.lines);
      expect(got.summary.digest).toBe(expected.summary.digest);
    }
  });

  it("a payload template with the wrong number of parts or a value that is not a number is a node failure", async () => {
    const bad = (json: { parts: string[]; values: unknown[] }) => node("a", { start: (ctx) => ctx.send("b", { x: 1 }, 1, json as never) });
    const parts = await run({ nodes: [bad({ parts: ['{"x":', "}"], values: [1, 2] }), node("b")] });
    expect(parts.summary.error).toMatchObject({ code: "SIM_NODE_FAILED", node: "a" });
    expect(parts.summary.error?.message).toMatch(/2 parts for 2 values/);
    const value = await run({ nodes: [bad({ parts: ['{"x":', "}"], values: ["1"] }), node("b")] });
    expect(value.summary.error?.message).toMatch(/value 0 is string/);
  });

  it("a callback that schedules thousands of events at once (the event pool grows mid-run) delivers every one", async () => {
    let got = 0;
    const a = node("a", {
      start: (ctx) => ctx.setTimer(1, 0),
      timer: (_t, ctx) => {
        for (let i = 0; i < 5000; i++) ctx.send("b", i, 1);
      },
    });
    const { summary } = await run({ nodes: [a, node("b", { receive: () => void got++ })] });
    expect(summary.error).toBeNull();
    expect(got).toBe(5000);
  });

  it("counts messages still in flight at the end", async () => {
    const a = node("a", { start: (ctx) => ctx.setTimer(999_000, 0), timer: (_t, ctx) => ctx.send("b", 1, 1) });
    const { summary } = await run({ nodes: [a, sink("b")], network: latency(5) });
    expect(summary.messages.in_flight).toBe(1);
    expect(summary.messages.delivered).toBe(0);
  });
});

describe("Coordinator: determinism", () => {
  it("20 runs of the same scenario and seed give one digest; another seed another", async () => {
    const digests = new Set<string | null>();
    for (let i = 0; i < 20; i++) {
      const { summary } = await run({ nodes: busyNodes(), network: latency(3, 2, 0.1), seed: 42 });
      digests.add(summary.digest);
    }
    expect(digests.size).toBe(1);
    const other = await run({ nodes: busyNodes(), network: latency(3, 2, 0.1), seed: 43 });
    expect(digests.has(other.summary.digest)).toBe(false);
    expect([...digests][0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("adding or reordering nodes does not change another node's random numbers", async () => {
    const base = busyNodes();
    await run({ nodes: base, seed: 7 });
    const reference = (base[1] as ReturnType<typeof sampler>).drawn;

    const s2 = sampler("s2", "g1", 7_000, 300);
    const shuffled: SimNode[] = [sampler("zz", "g2", 1_000), sink("g2"), s2, sink("g1"), sampler("s3", "g2", 13_000, 1_000), sampler("s1", "g1", 10_000)];
    await run({ nodes: shuffled, seed: 7 });
    expect(s2.drawn.length).toBeGreaterThan(100);
    expect(s2.drawn).toEqual(reference);
  });

  it("a link's jitter comes from the link's own stream, untouched by other traffic", async () => {
    const arrivals = async (nodes: SimNode[]) => {
      const g1 = nodes.find((n) => n.id === "g1") as ReturnType<typeof sink>;
      await run({ nodes, seed: 3, network: latency(1, 5) });
      return g1.got.filter((m) => m.from === "s1").map((m) => m.sentAtUs);
    };
    const { lines: ref } = await run({ nodes: busyNodes(), seed: 3, network: latency(1, 5) });
    // Message ids count every send of the run, so more traffic elsewhere renumbers them.
    const s1Delivers = (lines: string[]) => lines.filter((l) => l.includes('"ev":"deliver","from":"s1"')).map((l) => l.replace(/"msg":\d+,/, ""));
    const { lines: more } = await run({ nodes: busyNodes([sampler("extra", "g1", 1_000)]), seed: 3, network: latency(1, 5) });
    expect(s1Delivers(more)).toEqual(s1Delivers(ref));
    expect((await arrivals(busyNodes())).length).toBeGreaterThan(50);
  });
});

describe("Coordinator: summary", () => {
  it("reports counters, latency percentiles, per-node and per-group link figures", async () => {
    const nodes = [sampler("s_0", "g_0", 10_000, 0, "sensor"), sampler("s_1", "g_0", 10_000, 5_000, "sensor"), sink("g_0", "gateway")];
    const groups = { s_0: "s", s_1: "s", g_0: "g" };
    const { summary } = await run({ nodes, network: latency(4, 2), groups });
    expect(summary.nodes.s_0).toEqual({ type: "sensor", sent: 100, received: 0, dropped: 0, counters: {} });
    expect(summary.nodes.g_0!.received).toBe(200);
    expect(summary.nodes.g_0!.counters).toEqual({ received_by_node: 200 });
    expect(summary.links).toEqual({ "s->g": { messages: 200, delivered: 200, dropped: 0, bytes: 3200 } });
    const e2e = summary.latency_ms.e2e!;
    expect(e2e.count).toBe(200);
    expect(e2e.p50).toBeGreaterThanOrEqual(4);
    expect(e2e.p99).toBeLessThan(6);
    expect(e2e.p50).toBeLessThanOrEqual(e2e.p95);
    expect(e2e.p95).toBeLessThanOrEqual(e2e.p99);
    expect(e2e.max).toBeGreaterThanOrEqual(e2e.p99);
  });

  it("uses exact nearest-rank percentiles", async () => {
    const n = node("n", { start: (ctx) => { for (let v = 1; v <= 200; v++) ctx.latency("x", v * 1000); } });
    const { summary } = await run({ nodes: [n] });
    expect(summary.latency_ms.x).toEqual({ count: 200, mean: 100.5, p50: 100, p95: 190, p99: 198, max: 200 });
  });

  it("loss on a long run matches the configured rate (drops traced with reason loss)", async () => {
    const nodes = [sampler("s", "g", 1_000), sink("g")];
    const { summary, lines } = await run({ nodes, network: latency(1, 0, 0.2), durationUs: 20_000_000 });
    const sent = summary.messages.sent;
    expect(sent).toBe(20_000);
    // Binomial sd ~ 57: 5 sd.
    expect(Math.abs(summary.messages.dropped_by_reason.loss! - 0.2 * sent)).toBeLessThan(285);
    expect(lines.filter((l) => l.includes('"reason":"loss"')).length).toBe(summary.messages.dropped);
    expect(summary.messages.delivered + summary.messages.dropped + summary.messages.in_flight).toBe(sent);
  });
});

describe("Coordinator: failures and stopping", () => {
  it("a node that throws ends the run: node-error event, success false, error naming the node", async () => {
    const bad = node("bad", { start: (ctx) => ctx.setTimer(5_000, 0), timer: () => { throw new Error("boom"); } });
    const after: number[] = [];
    const other = node("other", { start: (ctx) => ctx.setTimer(10_000, 0), timer: (_t, ctx) => after.push(ctx.now()) });
    const coordinator = new Coordinator({ nodes: [bad, other], seed: 1, durationUs: 1_000_000 });
    const errors: { nodeId: string; error: Error }[] = [];
    coordinator.on("node-error", (e) => errors.push(e));
    const summary = await coordinator.run();
    expect(summary.success).toBe(false);
    expect(summary.error).toEqual({ code: "SIM_NODE_FAILED", message: 'node "bad" failed: threw at t=5000 µs: boom', node: "bad" });
    expect(errors.map((e) => e.nodeId)).toEqual(["bad"]);
    expect(coordinator.error).toBeInstanceOf(NodeFailedError);
    expect((coordinator.error as NodeFailedError).nodeId).toBe("bad");
    expect(((coordinator.error as Error).cause as Error).message).toBe("boom");
    expect(after).toEqual([]);
    expect(summary.duration_sec).toBe(0.005);
  });

  it("misuse of the context is a node failure with a message that says what is wrong", async () => {
    const cases: [string, InProcessNode][] = [
      ["delayUs must be a non-negative integer", node("n", { start: (ctx) => ctx.setTimer(1.5, 0) })],
      ["sizeBytes must be a non-negative integer", node("n", { start: (ctx) => ctx.send("n", 1, -1) })],
      ['kind "send" is reserved', node("n", { start: (ctx) => ctx.trace("send", {}) })],
      ['key "t" is reserved', node("n", { start: (ctx) => ctx.trace("x", { t: 1 }) })],
    ];
    for (const [message, n] of cases) {
      const { summary } = await run({ nodes: [n] });
      expect(summary.error?.node).toBe("n");
      expect(summary.error?.message).toContain(message);
    }
  });

  it("abort() ends the run cleanly and marks the summary", async () => {
    let coordinator!: Coordinator;
    const n = node("n", {
      start: (ctx) => ctx.setTimer(1_000, 0),
      timer: (_t, ctx) => {
        if (ctx.now() === 50_000) coordinator.abort("interrupted (SIGINT)");
        ctx.setTimer(1_000, 0);
      },
      finish: (ctx) => ctx.trace("finished", { at: ctx.now() }),
    });
    const trace = new MemoryTraceSink();
    coordinator = new Coordinator({ nodes: [n], seed: 1, durationUs: 10_000_000, trace });
    const finished: boolean[] = [];
    coordinator.on("finished", (s) => finished.push(s.success));
    const summary = await coordinator.run();
    expect(summary.success).toBe(false);
    expect(summary.aborted).toBe("interrupted (SIGINT)");
    expect(summary.error).toBeNull();
    expect(summary.events).toBe(50);
    expect(finished).toEqual([false]);
    expect(trace.lines().at(-1)).toBe('{"t":50000,"ev":"finished","node":"n","at":50000}');
  });

  it("abort() from outside stops a long pure-DES run between slices", async () => {
    const n = node("n", { start: (ctx) => ctx.setTimer(1, 0), timer: (_t, ctx) => ctx.setTimer(1, 0) });
    const coordinator = new Coordinator({ nodes: [n], seed: 1, durationUs: 1e15 });
    setTimeout(() => coordinator.abort("timeout"), 50);
    const summary = await coordinator.run();
    expect(summary.aborted).toBe("timeout");
    expect(summary.events).toBeGreaterThan(0);
    expect(summary.duration_sec).toBeLessThan(1e9);
  });

  it("awaits async finish() in node order", async () => {
    const order: string[] = [];
    const mk = (id: string, ms: number) => node(id, { finish: () => new Promise<void>((r) => setTimeout(() => { order.push(id); r(); }, ms)) });
    await run({ nodes: [mk("slow", 30), mk("fast", 1)] });
    expect(order).toEqual(["slow", "fast"]);
  });

  it("run() can be called only once", async () => {
    const coordinator = new Coordinator({ nodes: [node("n")], seed: 1, durationUs: 10 });
    await coordinator.run();
    await expect(coordinator.run()).rejects.toThrow(/already called/);
  });

  it("rejects unusable options with CoordinatorOptionsError", () => {
    expect(() => new Coordinator({ nodes: [node("a"), node("a")], seed: 1, durationUs: 10 })).toThrow(/appears twice/);
    expect(() => new Coordinator({ nodes: [node("a")], seed: 1.5, durationUs: 10 })).toThrow(CoordinatorOptionsError);
    expect(() => new Coordinator({ nodes: [node("a")], seed: 1 })).toThrow(/durationUs/);
    expect(() => new Coordinator({ nodes: [node("a")], seed: 1, durationUs: 10, endUs: 20 })).toThrow(/disagree/);
    expect(() => new Coordinator({ nodes: [node("a")], seed: 1, durationUs: 10, realtimeFactor: 0 })).toThrow(/realtimeFactor/);
  });
});

describe("Coordinator: trace output", () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it("streams the trace to a file; the digest is SHA-256 over exactly the bytes written", async () => {
    dir = mkdtempSync(join(tmpdir(), "sim-coord-"));
    const path = join(dir, "trace.jsonl");
    const nodes = Array.from({ length: 50 }, (_, i) => sampler(`s${i}`, "g", 1_000, i * 10)).concat([sink("g")] as never[]);
    const coordinator = new Coordinator({ nodes, seed: 5, durationUs: 1_000_000, network: latency(1, 1), trace: new FileTraceSink(path) });
    const summary = await coordinator.run();
    const bytes = readFileSync(path);
    expect(summary.trace_path).toBe(path);
    // 50 samplers x 1000 samples: a timer, a send and (unless still in flight) a delivery each.
    expect(summary.messages.sent).toBe(50_000);
    expect(summary.trace_lines).toBe(summary.events + summary.messages.sent);
    expect(summary.trace_bytes).toBe(statSync(path).size);
    expect(summary.digest).toBe(createHash("sha256").update(bytes).digest("hex"));
    // The same run digest-only (no file) gives the same digest.
    const again = new Coordinator({ nodes: Array.from({ length: 50 }, (_, i) => sampler(`s${i}`, "g", 1_000, i * 10)).concat([sink("g")] as never[]), seed: 5, durationUs: 1_000_000, network: latency(1, 1) });
    expect((await again.run()).digest).toBe(summary.digest);
  });

  it("waits for a slow sink (backpressure): the data in flight to it stays bounded", async () => {
    class SlowSink implements TraceSink {
      readonly path = null;
      pending = 0;
      maxPending = 0;
      total = 0;
      private waiters: (() => void)[] = [];
      write(chunk: Uint8Array): boolean {
        this.pending += chunk.length;
        this.total += chunk.length;
        this.maxPending = Math.max(this.maxPending, this.pending);
        setTimeout(() => {
          this.pending -= chunk.length;
          if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
        }, 5);
        return this.pending < 2 << 20;
      }
      drained(): Promise<void> {
        return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
      }
      async close(): Promise<void> {
        await this.drained();
      }
    }
    const slow = new SlowSink();
    const nodes = Array.from({ length: 20 }, (_, i) => sampler(`s${i}`, "g", 100, i)).concat([sink("g")] as never[]);
    const summary = await new Coordinator({ nodes, seed: 1, durationUs: 500_000, trace: slow, traceThread: false }).run();
    expect(summary.trace_bytes).toBe(slow.total);
    expect(slow.total).toBeGreaterThan(8 << 20);
    // The engine stops producing while the sink is over its mark: never more than the
    // mark plus what one record batch encodes to (here about 2 MiB).
    expect(slow.maxPending).toBeLessThanOrEqual((2 << 20) + (4 << 20));
  });

  it("can skip the digest; with no sink and no digest nothing is encoded", async () => {
    const { summary } = await run({ nodes: busyNodes(), trace: false, digest: false });
    expect(summary.digest).toBeNull();
    expect(summary.trace_lines).toBe(0);
    expect(summary.events).toBeGreaterThan(0);
  });
});

describe("Coordinator: realtime pacing", () => {
  it("never lets virtual time run ahead of wall time x factor (fake clock)", async () => {
    let wallMs = 0;
    const sleeps: number[] = [];
    const seen: [number, number][] = [];
    const n = node("n", {
      start: (ctx) => ctx.setTimer(100_000, 0),
      timer: (_t, ctx) => {
        seen.push([ctx.now(), wallMs]);
        ctx.setTimer(100_000, 0);
      },
    });
    const coordinator = new Coordinator({
      nodes: [n],
      seed: 1,
      durationUs: 1_000_000,
      realtimeFactor: 2,
      clock: () => wallMs,
      sleep: async (ms) => {
        sleeps.push(ms);
        wallMs += ms;
      },
    });
    const summary = await coordinator.run();
    expect(seen.length).toBe(9);
    for (const [virtualUs, wall] of seen) expect(virtualUs / 1000).toBeLessThanOrEqual(wall * 2 + 1e-9);
    // 900 ms of virtual time at 2x: 450 ms of wall time, in 50 ms steps.
    expect(wallMs).toBeCloseTo(450, 6);
    expect(sleeps.every((ms) => Math.abs(ms - 50) < 1e-6)).toBe(true);
    expect(summary.success).toBe(true);
  });

  it("runs as fast as possible without a factor (never sleeps)", async () => {
    let slept = 0;
    await run({ nodes: busyNodes(), clock: () => 0, sleep: async () => { slept++; } });
    expect(slept).toBe(0);
  });
});

describe("Coordinator: time series and latency samples", () => {
  const groups: Record<string, string> = { s1: "s", s2: "s", s3: "s", g1: "g", g2: "g" };
  const groupOf = (id: string) => groups[id] ?? id;

  it("counts per bin what the trace shows: sends, deliveries, drops by reason, bytes, latency mean and p95, received", async () => {
    const lossy = latency(1, 8, 0.1);
    const { summary, lines, coordinator } = await run({ nodes: busyNodes(), network: lossy, groups, timeSeries: { binUs: 70_000 } });
    const ts = coordinator.timeSeries()!;
    expect(ts.bins).toBe(15); // ceil(1 s / 70 ms)
    expect(Object.keys(ts.links)).toEqual(["s->g"]);
    expect(Object.keys(ts.groups)).toEqual(["g", "s"]);
    expect(summary.links["s->g"]!.dropped).toBeGreaterThan(0);
    expectTimeSeriesMatchesTrace(ts, lines, summary, groupOf);
  });

  it("bins the counters it is asked for by the time they were counted; none when not asked", async () => {
    const counting = node("c", { start: (ctx) => ctx.setTimer(0, 0), timer: (_t, ctx) => { ctx.count("ticks", 2); ctx.count("other"); ctx.setTimer(300_000, 0); } }, "counter");
    const { coordinator } = await run({ nodes: [counting], timeSeries: { binUs: 250_000, counters: ["ticks", "never"] } });
    const ts = coordinator.timeSeries()!;
    // Ticks at 0, 300, 600 and 900 ms: bins [0, 250), [250, 500), [500, 750), [750, 1000).
    expect(ts.groups).toEqual({ c: { received: new Float64Array(4), counters: { ticks: Float64Array.from([2, 2, 2, 2]), never: new Float64Array(4) } } });
    const { coordinator: plain } = await run({ nodes: [counting] });
    expect(plain.timeSeries()).toBeNull();
  });

  it("cuts the bins at the time reached when a run stops early", async () => {
    const stopper = node("x", { start: (ctx) => ctx.setTimer(450_000, 0), timer: () => { throw new Error("boom"); } });
    const { summary, coordinator } = await run({ nodes: [stopper], timeSeries: { binUs: 100_000 } });
    expect(summary.success).toBe(false);
    expect(coordinator.timeSeries()!.bins).toBe(5);
  });

  it("refuses a bin width that is not a positive integer or gives too many bins", () => {
    expect(() => new Coordinator({ nodes: [], seed: 1, durationUs: 1_000_000, timeSeries: { binUs: 0 } })).toThrow(CoordinatorOptionsError);
    expect(() => new Coordinator({ nodes: [], seed: 1, durationUs: 1_000_000, timeSeries: { binUs: 1.5 } })).toThrow(/positive integer/);
    expect(() => new Coordinator({ nodes: [], seed: 1, durationUs: 10_000_000, timeSeries: { binUs: 1 } })).toThrow(/at most 1000000/);
  });

  it("keeps each latency sample's node and time up to the limit, in recording order", async () => {
    const { summary, coordinator } = await run({ nodes: busyNodes(), network: latency(1, 8), latencySamples: 1_000 });
    const samples = coordinator.latencySamples()!;
    expect(samples.count).toBe(summary.latency_ms["e2e"]!.count);
    expect(samples.series).toEqual(["e2e"]);
    const g1 = samples.nodes.indexOf("g1");
    const fromG1 = [...samples.nodeIndex].filter((i) => i === g1).length;
    expect(fromG1).toBe(summary.nodes["g1"]!.received);
    for (let i = 1; i < samples.count; i++) expect(samples.atUs[i]!).toBeGreaterThanOrEqual(samples.atUs[i - 1]!);
    const sorted = [...samples.valueUs].sort((a, b) => a - b);
    expect(sorted[Math.ceil(0.95 * sorted.length) - 1]! / 1000).toBe(summary.latency_ms["e2e"]!.p95);
    // Over the limit the details go; the figures do not change.
    const { summary: over, coordinator: small } = await run({ nodes: busyNodes(), network: latency(1, 8), latencySamples: 10 });
    expect(small.latencySamples()).toBeNull();
    expect(over.latency_ms).toEqual(summary.latency_ms);
    const { coordinator: none } = await run({ nodes: busyNodes(), network: latency(1, 8) });
    expect(none.latencySamples()).toBeNull();
  });
});
