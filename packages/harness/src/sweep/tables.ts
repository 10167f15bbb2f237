/**
 * The sweep's tables, rebuilt from the store every time (so a resumed sweep's
 * tables equal an uninterrupted one's): results.csv / results.jsonl, one row per
 * member, and points.csv, one row per point with mean, standard deviation and 95 %
 * confidence interval of each metric across the replicates that succeeded.
 *
 * Columns are fixed by the sweep definition, whatever the values: every
 * parameter, then the member's identity and outcome, then every metric.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { NODE_TYPES, nodeKind, parseKeyPath, type ResolvedScenario } from "@sim/config";
import { OUTPUT_FILES } from "../outputs.js";
import { csvField } from "../result-tables.js";
import type { RunSummaryJson } from "../run-scenario.js";
import type { SweepPoint } from "./expand.js";
import { spread } from "./stats.js";
import { STORE_FILES, memberDir, readJson, readMemberResult, type MemberStatus } from "./store.js";

/** A member as the tables see it. */
export interface TableMember {
  key: string;
  point: SweepPoint;
  replicate: number;
  seed: number;
}

export interface ResultRow {
  key: string;
  point: number;
  parameters: Record<string, unknown>;
  replicate: number;
  seed: number;
  /** "pending": never ran (or its result is missing). */
  status: MemberStatus | "pending";
  digest: string | null;
  wall_sec: number | null;
  error: string | null;
  metrics: Record<string, number | null>;
}

/**
 * The default metrics: message counts and events for every scenario, latency
 * percentiles of the series the scenario produces (those its node types record, in
 * the order of the table of node kinds, then `decision` when it has ML inference).
 */
export function defaultMetrics(scenario: ResolvedScenario): string[] {
  const metrics = ["events", "messages.sent", "messages.delivered", "messages.dropped", "messages.late_deliveries"];
  const types = new Set(scenario.nodes.map((n) => n.type));
  const series: string[] = NODE_TYPES.filter((type) => types.has(type)).flatMap((type) => nodeKind(type).latencySeries ?? []);
  if (scenario.ml_inference) series.push("decision");
  for (const name of series) for (const figure of ["mean", "p50", "p95", "p99"]) metrics.push(`latency_ms.${name}.${figure}`);
  return metrics;
}

/** A number at `metric`'s key path in summary.json, else null (an empty cell). */
export function metricValue(summary: unknown, metric: string): number | null {
  let node: unknown = summary;
  for (const segment of parseKeyPath(metric)) {
    if (node === null || typeof node !== "object") return null;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return typeof node === "number" && Number.isFinite(node) ? node : null;
}

export async function collectRows(store: string, members: readonly TableMember[], metrics: readonly string[]): Promise<ResultRow[]> {
  return Promise.all(
    members.map(async (m): Promise<ResultRow> => {
      const result = await readMemberResult(store, m.key);
      const summary = result ? await readJson<RunSummaryJson>(join(memberDir(store, m.key), OUTPUT_FILES.summary)) : null;
      return {
        key: m.key,
        point: m.point.index,
        parameters: m.point.values,
        replicate: m.replicate,
        seed: m.seed,
        status: result?.status ?? "pending",
        digest: result?.digest ?? null,
        wall_sec: result?.wall_sec ?? null,
        // The first line: a table cell, not a log (result.json and the logs have the rest).
        error: result?.error?.message.split("\n")[0] ?? null,
        metrics: Object.fromEntries(metrics.map((metric) => [metric, summary ? metricValue(summary, metric) : null])),
      };
    }),
  );
}

export interface Tables {
  resultsCsv: string;
  resultsJsonl: string;
  pointsCsv: string;
}

export function buildTables(rows: readonly ResultRow[], parameterKeys: readonly string[], metrics: readonly string[], points: readonly SweepPoint[]): Tables {
  const resultHeader = [...parameterKeys, "point", "replicate", "seed", "status", "digest", "wall_sec", ...metrics, "key", "error"];
  const resultLines = rows.map((r) => [...parameterKeys.map((k) => r.parameters[k]), r.point, r.replicate, r.seed, r.status, r.digest, r.wall_sec, ...metrics.map((m) => r.metrics[m]), r.key, r.error]);
  const resultsJsonl = rows
    .map((r) => JSON.stringify({ ...Object.fromEntries(parameterKeys.map((k) => [k, r.parameters[k]])), point: r.point, replicate: r.replicate, seed: r.seed, status: r.status, digest: r.digest, wall_sec: r.wall_sec, ...r.metrics, key: r.key, error: r.error }))
    .join("\n");

  const stats = ["mean", "sd", "ci95_lo", "ci95_hi"];
  const pointHeader = [...parameterKeys, "point", "n", "failed", ...metrics.flatMap((m) => stats.map((s) => `${m}.${s}`))];
  const pointLines = points.map((point) => {
    const members = rows.filter((r) => r.point === point.index);
    const ok = members.filter((r) => r.status === "succeeded");
    const cells = metrics.flatMap((metric) => {
      const s = spread(ok.map((r) => r.metrics[metric]).filter((v): v is number => v !== null));
      return [s.mean, s.sd, s.ci95?.[0] ?? null, s.ci95?.[1] ?? null];
    });
    return [...parameterKeys.map((k) => point.values[k]), point.index, ok.length, members.filter((r) => r.status === "failed").length, ...cells];
  });
  return { resultsCsv: csv([resultHeader, ...resultLines]), resultsJsonl: resultsJsonl === "" ? "" : `${resultsJsonl}\n`, pointsCsv: csv([pointHeader, ...pointLines]) };
}

export async function writeTables(store: string, tables: Tables): Promise<void> {
  await Promise.all([
    writeFile(join(store, STORE_FILES.results), tables.resultsCsv),
    writeFile(join(store, STORE_FILES.resultsJsonl), tables.resultsJsonl),
    writeFile(join(store, STORE_FILES.points), tables.pointsCsv),
  ]);
}

function csv(rows: readonly (readonly unknown[])[]): string {
  return rows.map((row) => row.map(cell).join(",")).join("\n") + "\n";
}

/** Numbers as JavaScript prints them (shortest exact form), lists and mappings as JSON, null as empty. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "string") return csvField(value);
  return csvField(typeof value === "boolean" ? String(value) : JSON.stringify(value));
}
