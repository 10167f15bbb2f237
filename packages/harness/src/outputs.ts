/**
 * The files a run leaves in its output folder: the resolved scenario (written
 * first, so that even a failed run can be reproduced), summary.json and metrics.csv.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedScenario } from "@sim/config";
import type { NodeSummary } from "@sim/coordinator";
import { stringify } from "yaml";
import { SIM_VERSION } from "./version.js";

export const OUTPUT_FILES = {
  trace: "trace.jsonl",
  summary: "summary.json",
  metrics: "metrics.csv",
  resolvedScenario: "scenario.resolved.yaml",
  logs: "logs",
} as const;

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
  await writeFile(join(outDir, OUTPUT_FILES.resolvedScenario), header + stringify(scenario, { lineWidth: 0, aliasDuplicateObjects: false }));
}

export async function writeSummary(outDir: string, summary: object): Promise<void> {
  await writeFile(join(outDir, OUTPUT_FILES.summary), `${JSON.stringify(summary, null, 2)}\n`);
}

/** One row per node: its counts, then one column per counter any node has (sorted by name). */
export function metricsCsv(nodes: Record<string, NodeSummary>, groupOf: (id: string) => string): string {
  const counterNames = [...new Set(Object.values(nodes).flatMap((n) => Object.keys(n.counters)))].sort();
  const header = ["node", "type", "group", "sent", "received", "dropped", ...counterNames];
  const rows = Object.entries(nodes).map(([id, n]) => [id, n.type, groupOf(id), n.sent, n.received, n.dropped, ...counterNames.map((c) => n.counters[c] ?? 0)]);
  return [header, ...rows].map((row) => row.map(csvField).join(",")).join("\n") + "\n";
}

export async function writeMetrics(outDir: string, csv: string): Promise<void> {
  await writeFile(join(outDir, OUTPUT_FILES.metrics), csv);
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
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
