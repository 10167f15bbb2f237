/**
 * The files a run leaves in its output folder: the resolved scenario (written
 * first, so that even a failed run can be reproduced), summary.json and the CSV
 * tables (result-tables.ts; columns in docs/results.md).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, open, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedScenario } from "@sim/config";
import type { LatencySamples } from "@sim/coordinator";
import { plainDataToYaml } from "./plain-yaml.js";
import { LATENCY_CSV_HEADER, latencyCsvChunks } from "./result-tables.js";
import { SIM_VERSION } from "./version.js";

export const OUTPUT_FILES = {
  trace: "trace.jsonl",
  summary: "summary.json",
  metrics: "metrics.csv",
  latency: "latency.csv",
  timeSeries: "timeseries.csv",
  resolvedScenario: "scenario.resolved.yaml",
  logs: "logs",
} as const;

/**
 * `schema_version` of summary.json (and so of `sim run --json`): bumped on any
 * incompatible change of that document (a key removed, renamed, or its meaning or
 * unit changed); a new key does not bump it.
 */
export const SUMMARY_SCHEMA_VERSION = 1;

/** What reproduces a result: sim's version and commit, Node's version. */
export interface Versions {
  sim: string;
  /** Commit of the sim checkout the harness runs from, when it runs from one. */
  sim_commit: string | null;
  node: string;
}

/** `runs/<scenario>-<seed>-<yyyymmdd-hhmmss>` under `cwd`, unless the run names its folder. */
export function defaultOutDir(scenario: ResolvedScenario, now: Date, cwd: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").replace(/\..*$/, "");
  return resolve(cwd, "runs", `${scenario.name}-${scenario.seed}-${stamp}`);
}

export async function prepareOutDir(outDir: string): Promise<{ logDir: string }> {
  const logDir = join(outDir, OUTPUT_FILES.logs);
  await mkdir(logDir, { recursive: true });
  return { logDir };
}

export async function writeResolvedScenario(outDir: string, scenario: ResolvedScenario, versions: Versions): Promise<void> {
  const header = [
    `# Resolved by sim ${versions.sim}${versions.sim_commit ? ` (${versions.sim_commit})` : ""} on Node ${versions.node}.`,
    `# Defaults applied, groups expanded, references and paths resolved; seed ${scenario.seed}.`,
    "",
  ].join("\n");
  await writeFile(join(outDir, OUTPUT_FILES.resolvedScenario), header + plainDataToYaml(scenario));
}

export async function writeSummary(outDir: string, summary: object): Promise<void> {
  await writeFile(join(outDir, OUTPUT_FILES.summary), `${JSON.stringify(summary, null, 2)}\n`);
}

export async function writeMetrics(outDir: string, csv: string): Promise<void> {
  await writeFile(join(outDir, OUTPUT_FILES.metrics), csv);
}

export async function writeTimeSeries(outDir: string, csv: string): Promise<void> {
  await writeFile(join(outDir, OUTPUT_FILES.timeSeries), csv);
}

/** The files of OUTPUT_FILES a run writes (summary.json's `files`), in the order of the docs. */
export function writtenFiles(what: { trace: boolean; metrics: boolean; latency: boolean; timeSeries: boolean }): string[] {
  return [
    OUTPUT_FILES.resolvedScenario,
    ...(what.trace ? [OUTPUT_FILES.trace] : []),
    OUTPUT_FILES.summary,
    ...(what.metrics ? [OUTPUT_FILES.metrics] : []),
    ...(what.latency ? [OUTPUT_FILES.latency] : []),
    ...(what.timeSeries ? [OUTPUT_FILES.timeSeries] : []),
  ];
}

/** latency.csv, written chunk by chunk (a million samples make ~40 MB of text). */
export async function writeLatencySamples(outDir: string, samples: LatencySamples): Promise<void> {
  const file = await open(join(outDir, OUTPUT_FILES.latency), "w");
  try {
    await file.write(LATENCY_CSV_HEADER);
    for (const chunk of latencyCsvChunks(samples)) await file.write(chunk);
  } finally {
    await file.close();
  }
}

/** Versions of sim and Node; the commit is asked of git, next to this file. */
export async function versions(): Promise<Versions> {
  return { sim: SIM_VERSION, sim_commit: await gitCommit(dirname(fileURLToPath(import.meta.url))), node: process.version };
}

/** How long git may take to name the commit before we report it as unknown. */
const GIT_TIMEOUT_MS = 2_000;

function gitCommit(cwd: string): Promise<string | null> {
  return new Promise((resolveCommit) => {
    execFile("git", ["rev-parse", "--show-toplevel", "HEAD"], { cwd, timeout: GIT_TIMEOUT_MS }, (error, stdout) => {
      const [top, commit] = stdout.trim().split("\n");
      // Installed from a registry inside someone else's repository, git would name
      // their commit: only trust a checkout of sim itself.
      const isSimCheckout = top !== undefined && existsSync(join(top, "packages", "harness", "src", "outputs.ts"));
      resolveCommit(error || !isSimCheckout ? null : (commit ?? null));
    });
  });
}
