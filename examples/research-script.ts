/**
 * A research script: how does the WAN latency between gateways and the cloud shape
 * end-to-end latency? Runs one scenario for seeds 1..10 at two latencies and writes
 * a CSV of latency percentiles, one row per run.
 *
 *   pnpm exec tsx --conditions=@sim/source examples/research-script.ts [out-dir]
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { defineScenario, type ScenarioInput } from "@sim/config";
import { runScenario } from "@sim/harness";

export interface SweepOptions {
  outDir: string;
  seeds?: number[];
  wanLatenciesMs?: number[];
}

/** The experiment, written in code: the WAN latency is the parameter under study. */
export function farm(wanLatencyMs: number): ScenarioInput {
  return defineScenario({
    duration_sec: 20,
    nodes: {
      field: { type: "sensor", count: 16, sensors: ["temperature", "moisture"], period_ms: 250, target: "gw" },
      gw: { type: "gateway", count: 2, batch: 2, processing_ms: 1 },
      cloud: { type: "cloud" },
    },
    network: {
      type: "latency",
      default_latency_ms: 5,
      links: [
        { from: "field", to: "gw", latency_ms: 5, jitter_ms: 3, loss: 0.02 },
        { from: "gw", to: "cloud", latency_ms: wanLatencyMs, jitter_ms: wanLatencyMs / 4 },
      ],
    },
  });
}

/** Runs the sweep and returns the path of the CSV it wrote. */
export async function sweep(options: SweepOptions): Promise<string> {
  const seeds = options.seeds ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const latencies = options.wanLatenciesMs ?? [20, 80];
  const rows = ["wan_latency_ms,seed,digest,delivered,dropped,p50_ms,p95_ms,p99_ms"];
  for (const wan of latencies) {
    for (const seed of seeds) {
      const result = await runScenario(farm(wan), { seed, outDir: join(options.outDir, `wan${wan}-seed${seed}`) });
      if (!result.success || result.summary === null) throw new Error(`run wan=${wan} seed=${seed} failed: ${result.summary?.error?.message}`);
      const cloud = result.summary.latency_ms.cloud;
      const m = result.summary.messages;
      rows.push([wan, seed, result.digest, m.delivered, m.dropped, cloud?.p50, cloud?.p95, cloud?.p99].join(","));
    }
  }
  await mkdir(options.outDir, { recursive: true });
  const csv = join(options.outDir, "latency-percentiles.csv");
  await writeFile(csv, rows.join("\n") + "\n");
  return csv;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const csv = await sweep({ outDir: resolve(process.argv[2] ?? "runs/research") });
  console.log(`wrote ${csv}`);
}
