// ML end to end through the test driver: sensors with injected anomalies, gateways,
// a cloud, and the shipped model running in onnxruntime at the edge or in the cloud.
import type { ResolvedNode } from "@sim/config";
import type { InProcessNode } from "@sim/coordinator";
import { describe, expect, it } from "vitest";
import { TestDriver } from "./__fixtures__/driver.js";
import { cloud, gateway, ml, scenario, sensor } from "./__fixtures__/nodes.js";
import { createBuiltinNode } from "./factory.js";
import { loadInference } from "./inference.js";

const SENSORS = 6;
const nodes: ResolvedNode[] = [
  ...Array.from({ length: SENSORS }, (_, i) =>
    sensor(`s${i}`, {
      sensors: ["temperature", "humidity"],
      start_ms: (i * 1000) / SENSORS,
      target: `g${i % 2}`,
      anomaly: { probability: 0.05, magnitude: 2.5 },
    }),
  ),
  gateway("g0", { processing_ms: 1 }),
  gateway("g1", { processing_ms: 1 }),
  cloud("cloud"),
];
const latencyUs = (from: string, to: string) => (to === "cloud" ? 40_000 : from.startsWith("s") ? 5_000 : 0);

async function runPlacement(placement: "edge" | "cloud") {
  const sc = scenario(nodes, ml(placement));
  const engine = await loadInference(sc.ml_inference!);
  try {
    const built = sc.nodes.map((n) => createBuiltinNode(n, sc, { inference: engine })).filter((n): n is InProcessNode => n !== null);
    const driver = new TestDriver(built, latencyUs, 42);
    driver.run(120_000_000);
    await driver.finish();
    const decisions = driver.trace.filter((l) => l.includes('"kind":"decision"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    return { driver, decisions, stats: engine.stats() };
  } finally {
    await engine.close();
  }
}

const total = (driver: TestDriver, counter: string) =>
  [...driver.counters.values()].reduce((sum, c) => sum + (c[counter] ?? 0), 0);

describe("anomaly detection end to end (real onnxruntime)", () => {
  it("detects every injected anomaly with no false alarm, at the edge and in the cloud", async () => {
    for (const placement of ["edge", "cloud"] as const) {
      const { driver, decisions, stats } = await runPlacement(placement);
      const injected = total(driver, "anomalies_injected");
      expect(injected).toBeGreaterThan(10);
      // Every reading after each series' 8-reading warm-up is scored, once.
      expect(decisions.length).toBeGreaterThan(SENSORS * 100);
      expect(total(driver, "decisions")).toBe(decisions.length);
      expect(total(driver, "false_positives")).toBe(0);
      expect(total(driver, "false_negatives")).toBe(0);
      expect(total(driver, "true_positives")).toBe(decisions.filter((d) => d["anomaly"] === true).length);
      expect(total(driver, "true_positives")).toBeGreaterThan(5);
      expect(stats.inferences).toBe(total(driver, "inferences"));
      const where = placement === "edge" ? /^g[01]$/ : /^cloud$/;
      expect(decisions.filter((d) => !where.test(String(d["node"])))).toEqual([]);
    }
  });

  it("decides near the data at the edge and after the WAN hop in the cloud, on identical scores", async () => {
    const edge = await runPlacement("edge");
    const cloudRun = await runPlacement("cloud");
    // Edge: 5 ms link + 1 ms processing + 8 ms inference. Cloud: 5 + 1 + 40 ms WAN + 1 ms inference.
    expect(new Set(edge.driver.latencies.get("decision"))).toEqual(new Set([14_000]));
    expect(new Set(cloudRun.driver.latencies.get("decision"))).toEqual(new Set([47_000]));
    // With batch 1 the cloud sees the same values per sensor, so the model gives the same scores.
    const key = (d: Record<string, unknown>) => `${String(d["origin"])}@${String(d["sampledAtUs"])}:${String(d["score"])}`;
    const cloudKeys = new Set(cloudRun.decisions.map(key));
    const shared = edge.decisions.filter((d) => cloudKeys.has(key(d)));
    // The cloud misses only decisions whose message was still on the WAN at the end.
    expect(shared.length).toBeGreaterThanOrEqual(edge.decisions.length - SENSORS);
    // The forward waits for the edge decision: 8 ms more than with cloud placement, except for
    // the first 7 readings of each sensor, which only fill the window and are not scored.
    const edgeCloud = edge.driver.latencies.get("cloud")!;
    expect(new Set(edgeCloud)).toEqual(new Set([46_000, 54_000]));
    expect(edgeCloud.filter((v) => v === 46_000)).toHaveLength(SENSORS * 7);
    expect(new Set(cloudRun.driver.latencies.get("cloud"))).toEqual(new Set([46_000]));
  });

  it("writes the same trace twice", async () => {
    const a = await runPlacement("edge");
    const b = await runPlacement("edge");
    expect(a.driver.trace.length).toBeGreaterThan(1000);
    expect(b.driver.trace).toEqual(a.driver.trace);
  });
});
