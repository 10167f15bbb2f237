/**
 * A research script: how does the WAN latency between gateways and the cloud shape
 * end-to-end latency? Sweeps examples/farm.yaml over two WAN latencies with ten
 * replicates each (seeds 1..10, the same at both latencies) and returns the sweep's
 * tables: results.csv (one row per run) and points.csv (mean, sd, 95 % CI).
 *
 *   pnpm exec tsx --conditions=@sim/source examples/research-script.ts [out-dir]
 *
 * Running it again resumes: finished runs are not repeated.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runSweep } from "@sim/harness";

const here = dirname(fileURLToPath(import.meta.url));

export interface ExperimentOptions {
  outDir: string;
  replicates?: number;
  wanLatenciesMs?: number[];
  /** Members at once (default 2). */
  jobs?: number;
}

/** Runs the sweep and returns the paths of its tables. */
export async function experiment(options: ExperimentOptions): Promise<{ results: string; points: string }> {
  const result = await runSweep(
    {
      scenario: join(here, "farm.yaml"),
      // The WAN link is the farm's second link rule.
      parameters: { "network.links[1].latency_ms": options.wanLatenciesMs ?? [20, 80] },
      replicates: options.replicates ?? 10,
      seed: 1,
      metrics: ["messages.delivered", "messages.dropped", "latency_ms.cloud.p50", "latency_ms.cloud.p95", "latency_ms.cloud.p99"],
    },
    { outDir: options.outDir, jobs: options.jobs ?? 2 },
  );
  if (!result.success || result.files === null) {
    throw new Error(`the sweep failed: ${result.failed.map((f) => `point ${f.point} replicate ${f.replicate}: ${f.error} (log ${f.log})`).join("; ")}`);
  }
  return { results: result.files.results, points: result.files.points };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const tables = await experiment({ outDir: resolve(process.argv[2] ?? "runs/research") });
  console.log(`wrote ${tables.results} and ${tables.points}`);
}
