// The built-in nodes run by the real engine (@sim/coordinator) on real scenario files.
// "slow": the first run pays for loading onnxruntime and compiling the scenario schema.
import { fileURLToPath } from "node:url";
import { loadScenario, validateScenario, type ResolvedScenario } from "@sim/config";
import { Coordinator, MemoryTraceSink, scenarioOptions, type InProcessNode, type RunSummary } from "@sim/coordinator";
import { describe, expect, it } from "vitest";
import { BUILTIN_COUNTERS, createBuiltinNode, needsInference, type BuiltinNodeType } from "./factory.js";
import { loadInference } from "./inference.js";

const scenarioFile = (name: string) => fileURLToPath(new URL(`../../../scenarios/${name}`, import.meta.url));

async function run(scenario: ResolvedScenario): Promise<{ summary: RunSummary; lines: string[] }> {
  const ml = scenario.ml_inference;
  const inference = ml !== null && needsInference(scenario) ? await loadInference(ml) : null;
  try {
    const nodes = scenario.nodes.map((n) => createBuiltinNode(n, scenario, { inference })).filter((n): n is InProcessNode => n !== null);
    const sink = new MemoryTraceSink();
    const summary = await new Coordinator({ ...scenarioOptions(scenario), nodes, trace: sink }).run();
    return { summary, lines: sink.lines() };
  } finally {
    await inference?.close();
  }
}

const sum = (summary: RunSummary, counter: string) =>
  Object.values(summary.nodes).reduce((total, n) => total + (n.counters[counter] ?? 0), 0);

/** `type.counter` for every counter a node produced that its type does not declare in BUILTIN_COUNTERS. */
const undeclared = (summary: RunSummary) =>
  Object.values(summary.nodes).flatMap((n) => Object.keys(n.counters).filter((c) => !BUILTIN_COUNTERS[n.type as BuiltinNodeType].includes(c)).map((c) => `${n.type}.${c}`));

describe("scenarios/ml-edge.yaml and ml-cloud.yaml through the coordinator", () => {
  it("decide every anomaly with no false alarm, and the edge decides sooner", async () => {
    const edge = await run((await loadScenario(scenarioFile("ml-edge.yaml"))).scenario);
    const cloud = await run((await loadScenario(scenarioFile("ml-cloud.yaml"))).scenario);
    for (const { summary } of [edge, cloud]) {
      expect(summary.success).toBe(true);
      expect(undeclared(summary)).toEqual([]);
      expect(sum(summary, "decisions")).toBeGreaterThan(20 * 50);
      expect(sum(summary, "true_positives")).toBeGreaterThan(5);
      expect(sum(summary, "false_positives")).toBe(0);
      expect(sum(summary, "false_negatives")).toBe(0);
      expect(summary.nodes["cloud"]!.counters["messages"]).toBeGreaterThan(20 * 55);
    }
    // Unscored anomalies: only those in a series' first 7 readings (window warm-up) or still in flight at the end.
    const injected = sum(edge.summary, "anomalies_injected");
    expect(sum(edge.summary, "true_positives")).toBeLessThanOrEqual(injected);
    expect(sum(edge.summary, "true_positives")).toBeGreaterThanOrEqual(0.7 * injected);
    // Which node decided: gateways at the edge, the cloud in the cloud.
    expect(edge.summary.nodes["gateway_0"]!.counters["decisions"]).toBeGreaterThan(0);
    expect(edge.summary.nodes["cloud"]!.counters["decisions"]).toBeUndefined();
    expect(cloud.summary.nodes["cloud"]!.counters["decisions"]).toBeGreaterThan(0);
    expect(cloud.summary.nodes["gateway_0"]!.counters["decisions"]).toBeUndefined();
    // Edge: 5-7 ms link + 1 ms processing + 8 ms inference; cloud: 5-7 + 1 + 40-50 ms WAN + 1 ms.
    const edgeDecision = edge.summary.latency_ms["decision"]!;
    const cloudDecision = cloud.summary.latency_ms["decision"]!;
    expect(edgeDecision.p50).toBeGreaterThanOrEqual(14);
    expect(edgeDecision.max).toBeLessThan(17);
    expect(cloudDecision.p50).toBeGreaterThanOrEqual(47);
    expect(cloudDecision.max).toBeLessThan(60);
    expect(edge.lines.some((l) => l.includes('"ev":"decision"'))).toBe(true);
  });

  it("gives the same trace digest twice, and a different one for the other placement", async () => {
    const scenario = (await loadScenario(scenarioFile("ml-edge.yaml"))).scenario;
    const a = await run(scenario);
    const b = await run(scenario);
    expect(a.summary.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(b.summary.digest).toBe(a.summary.digest);
    const other = await run((await loadScenario(scenarioFile("ml-cloud.yaml"))).scenario);
    expect(other.summary.digest).not.toBe(a.summary.digest);
  });
});

describe("the benchmark workload (BENCHMARK.md) at 100 sensors / 4 gateways", () => {
  it("produces exactly 12,600 events and 600 cloud messages", async () => {
    const result = validateScenario({
      duration_sec: 61,
      seed: 3,
      nodes: {
        sensor: { type: "sensor", count: 100, period_ms: 1000, until_sec: 60, target: "gateway" },
        gateway: { type: "gateway", count: 4, batch: 10, upstream: "cloud" },
        cloud: { type: "cloud" },
      },
      network: {
        type: "latency",
        links: [
          { from: "sensor", to: "gateway", latency_ms: 5, jitter_ms: 2 },
          { from: "gateway", to: "cloud", latency_ms: 20, jitter_ms: 5 },
        ],
      },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const { summary } = await run(result.scenario);
    expect(summary.events).toBe(12_600);
    expect(summary.nodes["cloud"]!.counters["messages"]).toBe(600);
    expect(sum(summary, "forwarded")).toBe(600);
    expect(sum(summary, "leftover")).toBe(0);
    expect(undeclared(summary)).toEqual([]);
    expect(summary.messages.in_flight).toBe(0);
  });
});
