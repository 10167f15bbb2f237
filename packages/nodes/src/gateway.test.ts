import type { InProcessNode, Message, NodeContext } from "@sim/coordinator";
import { describe, expect, it } from "vitest";
import { TestDriver } from "./__fixtures__/driver.js";
import { gateway } from "./__fixtures__/nodes.js";
import { GatewayNode } from "./gateway.js";
import type { GatewayAggregate, InferenceEngine } from "./types.js";

/** A node that sends scripted payloads at scripted times. */
class Script implements InProcessNode {
  readonly kind = "in-process";
  readonly type = "script";
  constructor(
    readonly id: string,
    private readonly to: string,
    private readonly sends: { atUs: number; payload: unknown; sizeBytes?: number }[],
  ) {}
  start(ctx: NodeContext): void {
    this.sends.forEach((s, i) => ctx.setTimer(s.atUs, i));
  }
  receive(_msg: Message, _ctx: NodeContext): void {}
  timer(tag: number, ctx: NodeContext): void {
    const s = this.sends[tag]!;
    ctx.send(this.to, s.payload, s.sizeBytes ?? 32);
  }
}

const reading = (t: number, value: number, extra: Record<string, unknown> = {}) => ({
  atUs: t,
  payload: { seq: 0, sampledAtUs: t, readings: { temperature: value }, anomaly: false, ...extra },
});

function run(gw: Parameters<typeof gateway>[1], sources: Script[], endUs = 10_000_000) {
  const driver = new TestDriver([...sources, new GatewayNode(gateway("gw", gw))], (from) => (from === "gw" ? 0 : 1_000));
  driver.run(endUs);
  return { driver, forwards: driver.sent.filter((s) => s.from === "gw") };
}

describe("GatewayNode batching", () => {
  it("sends the mean of every batch-th message upstream, resets, and never flushes leftovers", async () => {
    const values = [1, 2, 3, 10, 20, 30, 7];
    const { driver, forwards } = run({ batch: 3 }, [new Script("s", "gw", values.map((v, i) => reading(i * 100, v)))]);
    expect(forwards.map((f) => f.to)).toEqual(["cloud", "cloud"]);
    expect(forwards.map((f) => (f.payload as GatewayAggregate).readings)).toEqual([{ temperature: 2 }, { temperature: 20 }]);
    expect(forwards[0]!.payload).toEqual({ seq: 0, sampledAtUs: 0, origin: "s", count: 3, readings: { temperature: 2 }, anomaly: false });
    expect(forwards[1]!.payload).toMatchObject({ seq: 1, sampledAtUs: 300, count: 3 });
    // Forwarded when the batch-th reading arrives (1 ms link), with that message's size.
    expect(forwards.map((f) => [f.atUs, f.sizeBytes])).toEqual([[1_200, 32], [1_500, 32]]);
    expect(driver.counter("gw", "forwarded")).toBe(2);
    await driver.finish();
    expect(driver.counter("gw", "leftover")).toBe(1);
  });

  it("averages each kind over the readings that carry it and remembers the oldest sample and any anomaly", () => {
    const sends = [
      { atUs: 0, payload: { sampledAtUs: 50, readings: { temperature: 20, humidity: 40 }, anomaly: false } },
      { atUs: 10, payload: { sampledAtUs: 5, readings: { humidity: 50 }, anomaly: true } },
      { atUs: 20, payload: { sampledAtUs: 30, readings: { co2: 600, temperature: 22 }, anomaly: false } },
    ];
    const { forwards } = run({ batch: 3 }, [new Script("s", "gw", sends)]);
    expect(forwards[0]!.payload).toEqual({
      seq: 0,
      sampledAtUs: 5,
      origin: "s",
      count: 3,
      readings: { temperature: 21, humidity: 45, co2: 600 },
      anomaly: true,
    });
  });

  it("names itself as origin when a batch mixes senders, and the sender otherwise", () => {
    const a = new Script("a", "gw", [reading(0, 1), reading(20, 1), reading(40, 1), reading(60, 1)]);
    const b = new Script("b", "gw", [reading(10, 3)]);
    const { forwards } = run({ batch: 2 }, [a, b]);
    // Arrival order: a(1) b(3) | a(1) a(1) | a(1) left over.
    expect(forwards.map((f) => (f.payload as GatewayAggregate).origin)).toEqual(["gw", "a"]);
    expect(forwards.map((f) => (f.payload as GatewayAggregate).readings["temperature"])).toEqual([2, 1]);
  });

  it("keeps the origin a previous gateway put in the payload", () => {
    const sends = [{ atUs: 0, payload: { sampledAtUs: 0, origin: "sensor_9", readings: { temperature: 1 }, anomaly: false } }];
    const { forwards } = run({ batch: 1 }, [new Script("gw0", "gw", sends)]);
    expect((forwards[0]!.payload as GatewayAggregate).origin).toBe("sensor_9");
  });

  it("counts payloads without readings as unreadable and leaves them out of the batch", () => {
    const sends = [reading(0, 4), { atUs: 10, payload: "hello" }, { atUs: 20, payload: { value: 3 } }, reading(30, 6)];
    const { driver, forwards } = run({ batch: 2 }, [new Script("s", "gw", sends)]);
    expect(driver.counter("gw", "unreadable")).toBe(2);
    expect(forwards).toHaveLength(1);
    expect((forwards[0]!.payload as GatewayAggregate).readings).toEqual({ temperature: 5 });
  });

  it("takes sampledAtUs from the send time when the payload has none", () => {
    const sends = [{ atUs: 700, payload: { readings: { temperature: 1 } } }];
    const { forwards } = run({ batch: 1 }, [new Script("s", "gw", sends)]);
    expect((forwards[0]!.payload as GatewayAggregate).sampledAtUs).toBe(700);
  });
});

describe("GatewayNode processing time", () => {
  it("forwards processing_ms after the batch completes, with no timer when processing_ms is 0", () => {
    const slow = run({ batch: 1, processing_ms: 2.5 }, [new Script("s", "gw", [reading(0, 1)])]);
    expect(slow.forwards.map((f) => f.atUs)).toEqual([3_500]);
    expect(slow.driver.trace.filter((l) => l.includes('"timer":"gw"'))).toHaveLength(1);
    const fast = run({ batch: 1 }, [new Script("s", "gw", [reading(0, 1)])]);
    expect(fast.forwards.map((f) => f.atUs)).toEqual([1_000]);
    expect(fast.driver.trace.filter((l) => l.includes('"timer":"gw"'))).toHaveLength(0);
  });

  it("works on one message at a time: messages queue behind each other", () => {
    const sends = [reading(0, 1), reading(0, 2), reading(0, 3), reading(9_000, 4)];
    const { forwards } = run({ batch: 1, processing_ms: 2 }, [new Script("s", "gw", sends)]);
    expect(forwards.map((f) => f.atUs)).toEqual([3_000, 5_000, 7_000, 12_000]);
    expect(forwards.map((f) => (f.payload as GatewayAggregate).readings["temperature"])).toEqual([1, 2, 3, 4]);
  });

  it("spends processing time on messages that do not complete a batch", () => {
    const sends = [reading(0, 1), reading(0, 3)];
    const { driver, forwards } = run({ batch: 2, processing_ms: 2 }, [new Script("s", "gw", sends)]);
    expect(forwards.map((f) => f.atUs)).toEqual([5_000]);
    expect(driver.trace.filter((l) => l.includes('"timer":"gw"'))).toHaveLength(1);
  });
});

describe("GatewayNode without upstream", () => {
  it("is a sink: sends nothing, sets no timer, reports no leftover", async () => {
    const { driver } = run({ upstream: null, batch: 2, processing_ms: 1 }, [new Script("s", "gw", [reading(0, 1), reading(1, 2), reading(2, 3)])]);
    expect(driver.sent.filter((s) => s.from === "gw")).toEqual([]);
    expect(driver.trace.filter((l) => l.includes('"timer":"gw"'))).toHaveLength(0);
    await driver.finish();
    expect(driver.counters.get("gw")).toBeUndefined();
  });
});

describe("GatewayNode with edge placement", () => {
  const engine: InferenceEngine = {
    placement: "edge",
    modelPath: "/fake.onnx",
    inferenceUs: 8_000,
    window: 2,
    run: (_input, rows) => new Float32Array(rows).fill(0.25),
    stats: () => ({ inferences: 0, rows: 0, wallMs: 0 }),
    close: async () => {},
  };

  it("adds inference_ms to the work of a scored message; the forward waits for its decision", () => {
    const sends = [reading(0, 21), reading(100_000, 21)];
    const driver = new TestDriver(
      [new Script("s", "gw", sends), new GatewayNode(gateway("gw", { processing_ms: 1 }), engine)],
      (from) => (from === "gw" ? 0 : 1_000),
    );
    driver.run(1_000_000);
    const forwards = driver.sent.filter((s) => s.from === "gw");
    // First reading only fills the window (1 ms processing); the second is scored (1 + 8 ms).
    expect(forwards.map((f) => f.atUs)).toEqual([2_000, 110_000]);
    const decision = driver.trace.find((l) => l.includes('"kind":"decision"'));
    expect(JSON.parse(decision!)).toMatchObject({ t: 110_000, node: "gw", origin: "s", sampledAtUs: 100_000, requestedAtUs: 101_000, score: 0.25, flagged: false });
    expect(driver.latencies.get("decision")).toEqual([10_000]);
  });

  it("decides even as a sink", () => {
    const driver = new TestDriver([new Script("s", "gw", [reading(0, 21), reading(10, 21)]), new GatewayNode(gateway("gw", { upstream: null }), engine)]);
    driver.run(1_000_000);
    expect(driver.counter("gw", "decisions")).toBe(1);
    expect(driver.sent.filter((s) => s.from === "gw")).toEqual([]);
  });
});
