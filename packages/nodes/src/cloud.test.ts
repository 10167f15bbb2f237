import type { Message, NodeContext } from "@sim/coordinator";
import { describe, expect, it } from "vitest";
import { TestDriver } from "./__fixtures__/driver.js";
import { cloud, gateway, sensor } from "./__fixtures__/nodes.js";
import { CloudNode } from "./cloud.js";
import { GatewayNode } from "./gateway.js";
import { SensorNode } from "./sensor.js";
import type { InferenceEngine } from "./types.js";

describe("CloudNode", () => {
  it("counts messages and records latency from the oldest sample of each batch", () => {
    const nodes = [
      new SensorNode(sensor("s", { period_ms: 100, target: "gw" })),
      new GatewayNode(gateway("gw", { batch: 3 })),
      new CloudNode(cloud("cloud")),
    ];
    const driver = new TestDriver(nodes, (from) => (from === "s" ? 5_000 : 20_000));
    driver.run(1_000_000);
    // Samples at 0..900 ms; batches complete at 205, 505, 805 ms; arrive 20 ms later.
    expect(driver.counter("cloud", "messages")).toBe(3);
    expect(driver.latencies.get("cloud")).toEqual([225_000, 225_000, 225_000]);
  });

  it("measures latency from the send time when a payload has no sampledAtUs, and counts it unreadable", () => {
    const node = new CloudNode(cloud("cloud"));
    const recorded: [string, number][] = [];
    const counts: string[] = [];
    const ctx = {
      now: () => 1_500,
      latency: (series: string, v: number) => recorded.push([series, v]),
      count: (name: string) => counts.push(name),
    } as unknown as NodeContext;
    const msg: Message = { from: "x", to: "cloud", sentAtUs: 1_000, sizeBytes: 8, payload: "ping" };
    node.receive(msg, ctx);
    expect(recorded).toEqual([["cloud", 500]]);
    expect(counts).toEqual(["messages", "unreadable"]);
  });
});

describe("CloudNode with cloud placement", () => {
  // Scores the newest normalised value of each row: > 5 noise units is an anomaly.
  const engine = (calls: number[]): InferenceEngine => ({
    placement: "cloud",
    modelPath: "/fake.onnx",
    inferenceUs: 1_000,
    window: 3,
    run: (input, rows) => {
      calls.push(rows);
      return Float32Array.from({ length: rows }, (_, r) => (input[(r + 1) * 3 - 1]! > 5 ? 0.9 : 0.1));
    },
    stats: () => ({ inferences: 0, rows: 0, wallMs: 0 }),
    close: async () => {},
  });
  // temperature: baseline 21, noise 0.1, so 21.0 is 0 and 22.0 is 10 noise units.
  const msg = (from: string, t: number, temperature: number, anomaly = false): Message => ({
    from,
    to: "cloud",
    sentAtUs: t,
    sizeBytes: 32,
    payload: { seq: 0, sampledAtUs: t, readings: { temperature }, anomaly },
  });

  it("scores each origin's own window after it fills, and queues inferences one at a time", () => {
    const calls: number[] = [];
    const node = new CloudNode(cloud("cloud"), engine(calls));
    const timers: number[] = [];
    const traces: Record<string, unknown>[] = [];
    const counts: Record<string, number> = {};
    const latencies: [string, number][] = [];
    let now = 0;
    const ctx = {
      id: "cloud",
      now: () => now,
      setTimer: (d: number) => timers.push(now + d),
      trace: (_kind: string, data: Record<string, unknown>) => traces.push(data),
      count: (name: string, delta = 1) => (counts[name] = (counts[name] ?? 0) + delta),
      latency: (series: string, v: number) => latencies.push([series, v]),
    } as unknown as NodeContext;
    const deliver = (m: Message, at: number) => {
      now = at;
      node.receive(m, ctx);
    };
    deliver(msg("a", 0, 21.0), 10_000);
    deliver(msg("b", 0, 21.0), 10_000);
    deliver(msg("a", 100, 21.0), 20_000);
    expect(calls).toEqual([]);
    deliver(msg("a", 200, 22.0, true), 30_000); // a's window is full: scored
    deliver(msg("b", 300, 21.0), 30_000);
    deliver(msg("b", 400, 21.0), 30_000); // b's window is full: queued behind a's inference
    expect(calls).toEqual([1, 1]);
    expect(timers).toEqual([31_000, 32_000]);
    now = 31_000;
    node.timer(0, ctx);
    now = 32_000;
    node.timer(0, ctx);
    expect(traces).toEqual([
      { origin: "a", sampledAtUs: 200, requestedAtUs: 30_000, score: 0.9, flagged: true, anomaly: true },
      { origin: "b", sampledAtUs: 400, requestedAtUs: 30_000, score: 0.1, flagged: false, anomaly: false },
    ]);
    expect(counts).toMatchObject({ messages: 6, inferences: 2, decisions: 2, true_positives: 1, true_negatives: 1 });
    expect(latencies.filter(([s]) => s === "decision")).toEqual([
      ["decision", 30_800],
      ["decision", 31_600],
    ]);
  });
});
