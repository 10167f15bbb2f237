import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { sweep } from "../examples/research-script.js";
import { tempDir } from "./helpers/sim-cli.js";

test("the research script sweeps seeds 1..10 at two WAN latencies and writes a CSV of percentiles", { timeout: 60_000 }, async () => {
  const csv = await sweep({ outDir: tempDir("research") });
  const [header, ...rows] = readFileSync(csv, "utf8").trim().split("\n");
  expect(header).toBe("wan_latency_ms,seed,digest,delivered,dropped,p50_ms,p95_ms,p99_ms");
  expect(rows).toHaveLength(20);

  const parsed = rows.map((row) => row.split(","));
  const p50 = (wan: string) => parsed.filter((r) => r[0] === wan).map((r) => Number(r[5]));
  // Sixty more milliseconds on the WAN must show in every run's median.
  expect(Math.min(...p50("80"))).toBeGreaterThan(Math.max(...p50("20")) + 40);
  // Different seeds are different experiments.
  expect(new Set(parsed.map((r) => r[2])).size).toBe(20);
  for (const r of parsed) {
    const [p50v, p95v, p99v] = [Number(r[5]), Number(r[6]), Number(r[7])];
    expect(p50v).toBeLessThanOrEqual(p95v);
    expect(p95v).toBeLessThanOrEqual(p99v);
  }
});
