import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { FakeExternal, node, sampler, sink } from "./__fixtures__/test-nodes.js";
import { expectTimeSeriesMatchesTrace } from "./__fixtures__/time-series-check.js";
import { Coordinator, type CoordinatorOptions } from "./coordinator.js";
import { NodeFailedError } from "./errors.js";
import { LatencyNetwork } from "./latency-network.js";
import { createRng } from "./rng.js";
import { MemoryTraceSink } from "./trace-sinks.js";
import type { ExternalNode, InboundMessage, SimNode } from "./types.js";

// The heap test below collects garbage itself.
setFlagsFromString("--expose-gc");

const latency = (ms: number, jitterMs = 0) => new LatencyNetwork({ default_latency_ms: ms, jitter_ms: jitterMs, loss: 0, bandwidth_kbps: null, links: [] });

async function run(options: Partial<CoordinatorOptions> & { nodes: readonly SimNode[] }) {
  const trace = new MemoryTraceSink();
  const coordinator = new Coordinator({ seed: 1, durationUs: 100_000, timeQuantumUs: 10_000, trace, ...options });
  const quanta: { untilUs: number; inbound: number; outbound: number }[] = [];
  coordinator.on("quantum", (q) => quanta.push(q));
  const summary = await coordinator.run();
  return { summary, lines: trace.lines(), quanta, coordinator };
}

/** Replies to every inbound message 1 µs after it arrived, to its sender; also pings `peer` each quantum. */
const echo = (peer: string | null) => (untilUs: number, inbound: InboundMessage[], fromUs: number) => [
  ...inbound.map((m) => ({ to: m.from, atUs: Math.min(m.atUs + 1, untilUs - 1), payload: { echo: m.payload }, sizeBytes: 8 })),
  ...(peer === null ? [] : [{ to: peer, atUs: fromUs + ((untilUs * 7) % (untilUs - fromUs)), payload: { ping: untilUs }, sizeBytes: 4 }]),
];

/** Checks the message ids of a trace; returns how many sends, deliveries and drops it has. */
function checkMessageIds(lines: string[]): { sends: number; delivers: number; drops: number } {
  const sent = new Map<number, Record<string, unknown>>();
  const settled = new Set<number>();
  let delivers = 0;
  let drops = 0;
  for (const line of lines) {
    const e = JSON.parse(line) as Record<string, unknown>;
    if (e.ev === "send") {
      // Ids are the sends' order: 0, 1, 2...
      expect(e.msg).toBe(sent.size);
      sent.set(e.msg as number, e);
    } else if (e.ev === "deliver" || e.ev === "drop") {
      const send = sent.get(e.msg as number);
      expect(send, line).toBeDefined();
      expect([e.from, e.to, e.size]).toEqual([send!.from, send!.to, send!.size]);
      if (e.ev === "deliver") {
        expect(e.sent).toBe(send!.t);
        delivers++;
      } else drops++;
      // At most one delivery or drop per message.
      expect(settled.has(e.msg as number), line).toBe(false);
      settled.add(e.msg as number);
    }
  }
  return { sends: sent.size, delivers, drops };
}

describe("message ids", () => {
  it("every deliver and drop line repeats the id of exactly one earlier send line (lockstep, late, lost and astray messages)", async () => {
    const lossy = new LatencyNetwork({ default_latency_ms: 3, jitter_ms: 4, loss: 0.2, bandwidth_kbps: null, links: [] });
    const stray = node("stray", { start: (ctx) => ctx.setTimer(5_000, 0), timer: (_t, ctx) => ctx.send("nobody", { lost: true }, 1) });
    const nodes: SimNode[] = [new FakeExternal("x1", echo("x2")), new FakeExternal("x2", echo("x1")), sampler("s", "x1", 3_000), sampler("t", "g", 2_000, 500), sink("g"), stray];
    const { summary, lines } = await run({ nodes, network: lossy, durationUs: 200_000 });
    const counts = checkMessageIds(lines);
    expect(counts.sends).toBe(summary.messages.sent);
    expect(counts.delivers).toBe(summary.messages.delivered);
    expect(counts.drops).toBe(summary.messages.dropped);
    expect(summary.messages.late_deliveries).toBeGreaterThan(0);
    expect(summary.messages.dropped_by_reason).toMatchObject({ "no-such-node": 1 });
    expect(summary.messages.dropped_by_reason.loss).toBeGreaterThan(0);
  });
});

describe("time series with external nodes", () => {
  it("exact per-bin latency although deliveries to external nodes are taken a quantum ahead of in-process ones", async () => {
    // Bins of 7 ms against a 10 ms quantum: bins straddle barriers; deliveries to x land
    // in a bin before in-process deliveries of the same bin have happened.
    const jittery = new LatencyNetwork({ default_latency_ms: 12, jitter_ms: 9, loss: 0.05, bandwidth_kbps: null, links: [] });
    const nodes: SimNode[] = [new FakeExternal("x", echo("g")), sampler("s", "x", 1_300), sampler("t", "g", 900, 400), sink("g")];
    const groups = { x: "ext", s: "in", t: "in", g: "sink" };
    const { summary, lines, coordinator } = await run({ nodes, network: jittery, durationUs: 300_000, groups, timeSeries: { binUs: 7_000 } });
    expect(summary.success).toBe(true);
    const ts = coordinator.timeSeries()!;
    expect(Object.keys(ts.links)).toEqual(["ext->in", "ext->sink", "in->ext", "in->sink"]);
    expectTimeSeriesMatchesTrace(ts, lines, summary, (id) => groups[id as keyof typeof groups] ?? id);
  });
});

describe("lockstep with external nodes", () => {
  it("starts external nodes with seed and quantum, then advances them barrier by barrier (last quantum cut at the end)", async () => {
    const x = new FakeExternal("x");
    const { quanta } = await run({ nodes: [x], durationUs: 45_000, seed: 9 });
    expect(x.init).toEqual({ seed: 9, timeQuantumUs: 10_000 });
    expect(x.calls.map((c) => c.untilUs)).toEqual([10_000, 20_000, 30_000, 40_000, 45_000]);
    expect(quanta.map((q) => q.untilUs)).toEqual([10_000, 20_000, 30_000, 40_000, 45_000]);
  });

  it("hands each quantum's deliveries to the external node before advancing it, sorted by time", async () => {
    const x = new FakeExternal("x");
    // Sends at 0, 2, 5, 7, 10, 12 ... ms with 12 ms latency (more than the quantum): never late.
    const { summary } = await run({ nodes: [sampler("a", "x", 5_000, 0), sampler("b", "x", 5_000, 2_000), x], network: latency(12) });
    for (const { untilUs, inbound } of x.calls) {
      for (const m of inbound) {
        expect(m.atUs).toBeGreaterThanOrEqual(untilUs - 10_000);
        expect(m.atUs).toBeLessThan(untilUs);
      }
    }
    expect(x.calls[0]!.inbound).toEqual([]);
    expect(x.calls[1]!.inbound.map((m) => [m.from, m.atUs])).toEqual([["a", 12_000], ["b", 14_000], ["a", 17_000], ["b", 19_000]]);
    expect(summary.messages.late_deliveries).toBe(0);
  });

  it("external nodes run one quantum ahead: in-process sends with latency below the quantum are late", async () => {
    const x = new FakeExternal("x");
    // Sent at 0, 2 and 5 ms, due at 3, 5 and 8 ms: inside [0, 10 ms), which x was granted at the 0 barrier.
    // The one sent at 7 ms is due at 10 ms exactly: on time.
    const { summary } = await run({ nodes: [sampler("a", "x", 5_000, 0), sampler("b", "x", 5_000, 2_000), x], network: latency(3), durationUs: 20_000 });
    expect(x.calls[0]!.inbound).toEqual([]);
    expect(x.calls[1]!.inbound.map((m) => [m.from, m.atUs])).toEqual([["a", 10_000], ["b", 10_000], ["a", 10_000], ["b", 10_000]]);
    expect(summary.messages.late_deliveries).toBe(3);
  });

  it("delivers what an external node sent at its own send time plus latency (to in-process nodes)", async () => {
    const x = new FakeExternal("x", (untilUs, _in, fromUs) => [{ to: "g", atUs: fromUs + 1_234, payload: { q: untilUs }, sizeBytes: 5 }]);
    const g = sink("g");
    const { lines } = await run({ nodes: [x, g], network: latency(2), durationUs: 30_000 });
    expect(g.got.map((m) => [m.sentAtUs, m.payload])).toEqual([
      [1_234, { q: 10_000 }],
      [11_234, { q: 20_000 }],
      [21_234, { q: 30_000 }],
    ]);
    // Messages from external nodes carry their payload in the trace.
    expect(lines).toContain('{"t":1234,"ev":"send","from":"x","to":"g","msg":0,"size":5,"payload":{"q":10000}}');
    expect(lines).toContain('{"t":3234,"ev":"deliver","from":"x","to":"g","msg":0,"sent":1234,"size":5}');
  });

  it("counts late deliveries: a message due inside an already granted quantum arrives at the next barrier", async () => {
    // y sends to x at 2 ms with 1 ms latency: due at 3 ms, but x already ran [0, 10 ms).
    const x = new FakeExternal("x");
    const y = new FakeExternal("y", (untilUs, _in, fromUs) => (untilUs === 10_000 ? [{ to: "x", atUs: fromUs + 2_000, payload: 1, sizeBytes: 3 }] : []));
    const { summary, lines } = await run({ nodes: [x, y], network: latency(1), durationUs: 30_000 });
    expect(summary.messages.late_deliveries).toBe(1);
    expect(x.calls[1]!.inbound).toEqual([{ from: "y", atUs: 10_000, payload: 1, sizeBytes: 3, payloadJson: "1" }]);
    expect(lines).toContain('{"t":10000,"ev":"deliver","from":"y","to":"x","msg":0,"sent":2000,"size":3,"due":3000}');
  });

  it("buffers in-process -> external messages until the barrier that covers them", async () => {
    const x = new FakeExternal("x");
    const a = node("a", { start: (ctx) => ctx.setTimer(25_000, 0), timer: (_t, ctx) => ctx.send("x", "hi", 2) });
    // 20 ms latency: sent at 25 ms, due at 45 ms, handed over at the 40 ms barrier.
    await run({ nodes: [a, x], network: latency(20) });
    const withMsg = x.calls.filter((c) => c.inbound.length > 0);
    expect(withMsg).toEqual([{ untilUs: 50_000, inbound: [{ from: "a", atUs: 45_000, payload: "hi", sizeBytes: 2, payloadJson: '"hi"' }] }]);
  });

  it("hands an external node the payload's JSON the trace got, when it got it as text", async () => {
    const payloads: [unknown, string | undefined][] = [
      [{ v: 1.5, s: "é\n" }, undefined],
      [[1, null, true], "[1,null,true]"], // a node's ready-made JSON (equal to JSON.stringify by contract) is handed on as it is
      [undefined, undefined],
    ];
    const sender = node("a", {
      start: (ctx) => ctx.setTimer(1_000, 0),
      timer: (_t, ctx) => {
        for (const [payload, json] of payloads) ctx.send("x", payload, 4, json);
      },
    });
    const inboundOf = async (tracePayloads: CoordinatorOptions["tracePayloads"]) => {
      const x = new FakeExternal("x");
      await run({ nodes: [sender, x], network: latency(1), tracePayloads });
      return x.calls.flatMap((c) => c.inbound).map((m) => m.payloadJson);
    };
    expect(await inboundOf("all")).toEqual(['{"v":1.5,"s":"é\\n"}', "[1,null,true]", undefined]);
    // Not in the trace, not known: the node's side serialises the payload itself.
    expect(await inboundOf("none")).toEqual([undefined, undefined, undefined]);
    const nothing = new FakeExternal("x");
    await run({ nodes: [sender, nothing], network: latency(1), trace: undefined, digest: false });
    expect(nothing.calls.flatMap((c) => c.inbound).map((m) => m.payloadJson)).toEqual([undefined, undefined, undefined]);
  });

  it("the order in which external nodes reply (wall clock) never changes the trace", async () => {
    const digests = new Set<string | null>();
    const traces = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const wall = createRng(`wall-order/${round}`);
      const delay = () => Math.floor(wall.next() * 4);
      const nodes: SimNode[] = [
        new FakeExternal("x1", echo("x2"), delay),
        new FakeExternal("x2", echo("x3"), delay),
        new FakeExternal("x3", echo("x1"), delay),
        sampler("s", "x1", 3_000),
        sampler("t", "x3", 4_000, 500),
      ];
      const { summary, lines } = await run({ nodes, network: latency(2, 3), durationUs: 60_000 });
      expect(summary.success).toBe(true);
      digests.add(summary.digest);
      traces.add(lines.join("\n"));
    }
    expect(digests.size).toBe(1);
    expect(traces.size).toBe(1);
  });

  it("ties between external nodes' sends resolve by (time, node id, node sequence)", async () => {
    const same = (id: string) => new FakeExternal(id, (_u, _i, fromUs) => [
      { to: "g", atUs: fromUs + 100, payload: `${id}-1`, sizeBytes: 1 },
      { to: "g", atUs: fromUs + 100, payload: `${id}-2`, sizeBytes: 1 },
    ]);
    const g = sink("g");
    // Node order deliberately not alphabetical.
    await run({ nodes: [same("zeta"), same("alpha"), g], durationUs: 10_000 });
    expect(g.got.map((m) => m.payload)).toEqual(["alpha-1", "alpha-2", "zeta-1", "zeta-2"]);
  });

  it("a send outside the quantum being run fails the node (SIM_NODE_FAILED, naming it)", async () => {
    const bad = new FakeExternal("bad", (untilUs) => [{ to: "g", atUs: untilUs, payload: null, sizeBytes: 1 }]);
    const errors: string[] = [];
    const coordinator = new Coordinator({ nodes: [bad, sink("g")], seed: 1, durationUs: 50_000, timeQuantumUs: 10_000 });
    coordinator.on("node-error", (e) => errors.push(e.nodeId));
    const summary = await coordinator.run();
    expect(summary.success).toBe(false);
    expect(summary.error).toEqual({
      code: "SIM_NODE_FAILED",
      node: "bad",
      message: 'node "bad" failed: sent a message at at_us=10000, outside the quantum it was running [0, 10000)',
    });
    expect(errors).toEqual(["bad"]);
  });

  it("an advance that rejects stops the run: node-error, success false, the node's own error kept", async () => {
    const ok = new FakeExternal("ok");
    const failing = new FakeExternal("failing");
    failing.advance = async (untilUs) => {
      if (untilUs === 30_000) throw new NodeFailedError("failing", "exited with code 3", { line: "Traceback ..." });
      return [];
    };
    const { summary, coordinator } = await run({ nodes: [ok, failing] });
    expect(summary.success).toBe(false);
    expect(summary.error?.node).toBe("failing");
    expect(summary.error?.message).toBe('node "failing" failed: exited with code 3 (line: Traceback ...)');
    expect((coordinator.error as NodeFailedError).line).toBe("Traceback ...");
    // No quantum past the failure.
    expect(ok.calls.map((c) => c.untilUs)).toEqual([10_000, 20_000, 30_000]);
    expect(summary.duration_sec).toBe(0.02);
  });

  it("a plain error from advance is wrapped in NodeFailedError with the node id and cause", async () => {
    const x = new FakeExternal("x");
    x.advance = async () => {
      throw new Error("pipe closed");
    };
    const { summary, coordinator } = await run({ nodes: [x] });
    expect(summary.error).toMatchObject({ code: "SIM_NODE_FAILED", node: "x" });
    expect(((coordinator.error as Error).cause as Error).message).toBe("pipe closed");
  });

  it("abort() while an external node hangs ends the run promptly", async () => {
    const hang = new FakeExternal("hang");
    hang.advance = () => new Promise(() => {});
    const coordinator = new Coordinator({ nodes: [hang], seed: 1, durationUs: 100_000 });
    setTimeout(() => coordinator.abort("timeout: quantum_wall_sec exceeded"), 30);
    const summary = await coordinator.run();
    expect(summary.aborted).toBe("timeout: quantum_wall_sec exceeded");
    expect(summary.success).toBe(false);
  });

  it("keeps no memory per barrier: 150,000 barriers end with the heap they had after 10,000", async () => {
    // Each barrier used to add a reaction to a promise that settles only on abort
    // (Promise.race against it), ~300 bytes a barrier: 2.7 GB in a day of virtual time at 10 ms.
    const gc = runInNewContext("gc", {}) as () => void;
    const barriers = 150_000;
    const heapAt = new Map<number, number>();
    const x = new FakeExternal("x");
    x.advance = async (untilUs) => {
      if (untilUs === 10_000 * 10_000 || untilUs === barriers * 10_000) {
        gc();
        heapAt.set(untilUs, process.memoryUsage().heapUsed);
      }
      return [];
    };
    const coordinator = new Coordinator({ nodes: [x], seed: 1, durationUs: barriers * 10_000, timeQuantumUs: 10_000, digest: false });
    expect((await coordinator.run()).success).toBe(true);
    const grownMb = (heapAt.get(barriers * 10_000)! - heapAt.get(10_000 * 10_000)!) / 1e6;
    // The leak grew it by ~40 MB here; what the run keeps otherwise is a few kB.
    expect(grownMb).toBeLessThan(8);
  });

  it("counts deliveries to external nodes as events and reports per-node figures", async () => {
    const x = new FakeExternal("x");
    // Samples at 0, 10 ... 90 ms, due 1 ms later, handed over at the next barrier; the last is due after the end.
    const { summary } = await run({ nodes: [sampler("a", "x", 10_000), x], network: latency(1) });
    expect(summary.nodes.x!.received).toBe(9);
    expect(summary.messages.in_flight).toBe(1);
    expect(summary.events).toBe(10 + 9);
    expect(summary.nodes.x!.type).toBe("fake");
  });

  it("only starts and advances an external node, also when the run fails or is aborted: ending it is its launcher's", async () => {
    /** Every property the engine reads from the node, by name. */
    const watched = (node: ExternalNode, read: Set<string>): ExternalNode =>
      new Proxy(node, {
        get: (target, key) => {
          if (typeof key === "string") read.add(key);
          const value = Reflect.get(target, key) as unknown;
          // Bound: the node's own reads of its fields are not the engine's.
          return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    const reads = { finished: new Set<string>(), failed: new Set<string>(), aborted: new Set<string>() };
    const ends = {
      finished: async () => (await run({ nodes: [watched(new FakeExternal("x"), reads.finished)] })).summary,
      failed: async () => {
        const x = new FakeExternal("x");
        x.advance = async () => Promise.reject(new Error("pipe closed"));
        return (await run({ nodes: [watched(x, reads.failed)] })).summary;
      },
      aborted: async () => {
        const x = new FakeExternal("x");
        x.advance = () => new Promise(() => {});
        const coordinator = new Coordinator({ nodes: [watched(x, reads.aborted)], seed: 1, durationUs: 100_000 });
        setTimeout(() => coordinator.abort("interrupted"), 30);
        return coordinator.run();
      },
    };
    expect((await ends.finished()).success).toBe(true);
    expect((await ends.failed()).error?.code).toBe("SIM_NODE_FAILED");
    expect((await ends.aborted()).aborted).toBe("interrupted");
    // What the engine reads: the node's identity, start and advance, and nothing that could end it.
    for (const read of Object.values(reads)) expect([...read].sort()).toEqual(["advance", "id", "kind", "start", "type"]);
    // @ts-expect-error ExternalNode has no stop(): the StartedNode of its launcher ends it (checked by pnpm typecheck)
    expect(new FakeExternal("x").stop).toBeUndefined();
  });
});
