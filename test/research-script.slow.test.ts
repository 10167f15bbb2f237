import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { experiment } from "../examples/research-script.js";
import { tempDir } from "./helpers/sim-cli.js";

function csv(path: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(path, "utf8").trim().split("\n");
  const columns = header!.split(",");
  return rows.map((row) => Object.fromEntries(row.split(",").map((cell, i) => [columns[i]!, cell])));
}

test("the research script sweeps two WAN latencies x 10 seeds with runSweep and gets one table", { timeout: 180_000 }, async () => {
  const tables = await experiment({ outDir: tempDir("research") });
  const rows = csv(tables.results);
  expect(rows).toHaveLength(20);
  expect(rows.every((r) => r.status === "succeeded")).toBe(true);

  const p50 = (wan: string) => rows.filter((r) => r["network.links[1].latency_ms"] === wan).map((r) => Number(r["latency_ms.cloud.p50"]));
  // Sixty more milliseconds on the WAN must show in every run's median.
  expect(Math.min(...p50("80"))).toBeGreaterThan(Math.max(...p50("20")) + 40);
  // Different seeds are different experiments; the same seeds at both latencies.
  expect(new Set(rows.map((r) => r.digest)).size).toBe(20);
  expect(rows.filter((r) => r["network.links[1].latency_ms"] === "20").map((r) => r.seed)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
  for (const r of rows) {
    expect(Number(r["latency_ms.cloud.p50"])).toBeLessThanOrEqual(Number(r["latency_ms.cloud.p95"]));
    expect(Number(r["latency_ms.cloud.p95"])).toBeLessThanOrEqual(Number(r["latency_ms.cloud.p99"]));
  }
  const points = csv(tables.points);
  expect(points.map((p) => [p["network.links[1].latency_ms"], p.n])).toEqual([
    ["20", "10"],
    ["80", "10"],
  ]);
  expect(Number(points[1]!["latency_ms.cloud.p50.ci95_lo"])).toBeGreaterThan(Number(points[0]!["latency_ms.cloud.p50.ci95_hi"]));
});
