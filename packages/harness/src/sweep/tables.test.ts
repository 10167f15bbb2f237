import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScenario } from "@sim/config";
import { describe, expect, test } from "vitest";
import { runScenario } from "../run-scenario.js";
import type { SweepPoint } from "./expand.js";
import { spread } from "./stats.js";
import { buildTables, defaultMetrics, metricValue, type ResultRow } from "./tables.js";

const points: SweepPoint[] = [0, 1].map((index) => ({ index, values: { "network.default_latency_ms": [5, 20][index], "nodes.gw.batch": 1 }, overrides: [], set: [] }));

function row(point: number, replicate: number, status: ResultRow["status"], delivered: number | null): ResultRow {
  return {
    key: `k${point}${replicate}`,
    point,
    parameters: points[point]!.values,
    replicate,
    seed: 1 + replicate,
    status,
    digest: status === "succeeded" ? "ab".repeat(32) : null,
    wall_sec: status === "succeeded" ? 0.5 : null,
    error: status === "failed" ? 'node "x", failed' : null,
    metrics: { "messages.delivered": delivered, "latency_ms.cloud.p95": delivered === null ? null : delivered / 10 },
  };
}

describe("statistics", () => {
  test("mean, sample standard deviation and a Student-t 95 % interval", () => {
    const s = spread([1, 2, 3, 4, 5]);
    expect(s.mean).toBe(3);
    expect(s.sd).toBeCloseTo(1.5811388, 6);
    // t(0.975, 4) = 2.7764451
    expect(s.ci95![1] - 3).toBeCloseTo(2.7764451 * (1.5811388 / Math.sqrt(5)), 5);
    expect(s.ci95![0]).toBeCloseTo(3 - (s.ci95![1] - 3), 10);
  });

  test("one value has no spread; none has no mean", () => {
    expect(spread([7])).toEqual({ n: 1, mean: 7, sd: null, ci95: null });
    expect(spread([])).toEqual({ n: 0, mean: null, sd: null, ci95: null });
  });
});

describe("tables", () => {
  const metrics = ["messages.delivered", "latency_ms.cloud.p95"];
  const params = ["network.default_latency_ms", "nodes.gw.batch"];

  test("results have fixed columns: parameters, identity, outcome, every metric (zero is written, missing is empty)", () => {
    const { resultsCsv, resultsJsonl } = buildTables([row(0, 0, "succeeded", 0), row(0, 1, "failed", null)], params, metrics, points.slice(0, 1));
    const [header, first, second] = resultsCsv.trim().split("\n");
    expect(header).toBe("network.default_latency_ms,nodes.gw.batch,point,replicate,seed,status,digest,wall_sec,messages.delivered,latency_ms.cloud.p95,key,error");
    expect(first).toBe(`5,1,0,0,1,succeeded,${"ab".repeat(32)},0.5,0,0,k00,`);
    expect(second).toBe('5,1,0,1,2,failed,,,,,k01,"node ""x"", failed"');
    const json = resultsJsonl.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json[0]).toMatchObject({ "network.default_latency_ms": 5, replicate: 0, status: "succeeded", "messages.delivered": 0 });
    expect(json[1]).toMatchObject({ status: "failed", "messages.delivered": null });
  });

  test("points: n counts succeeded replicates; statistics over them only", () => {
    const rows = [row(0, 0, "succeeded", 100), row(0, 1, "succeeded", 110), row(0, 2, "failed", null), row(1, 0, "succeeded", 50)];
    const [header, p0, p1] = buildTables(rows, params, metrics, points).pointsCsv.trim().split("\n");
    expect(header).toBe(
      "network.default_latency_ms,nodes.gw.batch,point,n,failed,messages.delivered.mean,messages.delivered.sd,messages.delivered.ci95_lo,messages.delivered.ci95_hi,latency_ms.cloud.p95.mean,latency_ms.cloud.p95.sd,latency_ms.cloud.p95.ci95_lo,latency_ms.cloud.p95.ci95_hi",
    );
    const cells = p0!.split(",").map(Number);
    expect(cells.slice(0, 6)).toEqual([5, 1, 0, 2, 1, 105]);
    expect(cells[6]).toBeCloseTo(Math.sqrt(50), 10);
    expect(p1).toBe("20,1,1,1,0,50,,,,5,,,");
  });

  test("metric paths read numbers out of summary.json; anything else is empty", () => {
    const summary = { messages: { dropped: 0 }, latency_ms: { cloud: { p95: 12.5 } }, nodes: { "gw.0": { received: 3 } }, success: true };
    expect(metricValue(summary, "messages.dropped")).toBe(0);
    expect(metricValue(summary, "latency_ms.cloud.p95")).toBe(12.5);
    expect(metricValue(summary, 'nodes["gw.0"].received')).toBe(3);
    expect(metricValue(summary, "latency_ms.decision.p95")).toBeNull();
    expect(metricValue(summary, "success")).toBeNull();
  });
});

describe("default metrics", () => {
  const scenarios = fileURLToPath(new URL("../../../../scenarios/", import.meta.url));

  // Every default metric of a scenario is a number in a real run's summary: none names
  // a series the scenario does not produce, and the node types' series are all there.
  test.each(["actuator.yaml", "quickstart.yaml"])("%s: each default metric has a value in the run's summary.json", async (file) => {
    const { scenario } = await loadScenario(join(scenarios, file));
    const metrics = defaultMetrics(scenario);
    const out = mkdtempSync(join(tmpdir(), "sim-default-metrics-"));
    try {
      const result = await runScenario(join(scenarios, file), { outDir: out });
      expect(result.success).toBe(true);
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { latency_ms: Record<string, unknown> };
      expect(Object.fromEntries(metrics.map((m) => [m, typeof metricValue(summary, m)]))).toEqual(Object.fromEntries(metrics.map((m) => [m, "number"])));
      const series = Object.keys(summary.latency_ms);
      for (const name of series) expect(metrics, `series ${name}`).toContain(`latency_ms.${name}.p95`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
