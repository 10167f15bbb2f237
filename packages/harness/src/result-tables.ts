/**
 * The CSV tables of a run (docs/results.md): metrics.csv (one row per node),
 * latency.csv (one row per latency sample) and timeseries.csv (long: one row per
 * bin, group and metric). Pure functions of the run's figures.
 */
import type { LatencySamples, NodeSummary, TimeSeries } from "@sim/coordinator";
import { BUILTIN_COUNTERS } from "@sim/nodes";

/** Latency samples a run may have for latency.csv to be written without asking (`samples: true`). */
export const LATENCY_CSV_MAX_SAMPLES = 1_000_000;

/** Bins of timeseries.csv by default (bin width = duration / this, rounded up to a µs). */
export const DEFAULT_TIME_SERIES_BINS = 200;

/** Bins timeseries.csv may have (`--bin-ms` small against the duration). */
export const MAX_TIME_SERIES_CSV_BINS = 100_000;

/** Node counters the time series follows per node group (anomalies flagged = true + false positives). */
export const TIME_SERIES_COUNTERS = ["inferences", "true_positives", "false_positives"] as const;

/** Drop reasons every link row has, whether or not they happened (the built-in network models' reason). */
const FIXED_DROP_REASONS = ["loss"];

export function csvField(value: string | number): string {
  if (typeof value === "number") return Number.isNaN(value) ? "" : String(value);
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const row = (fields: (string | number)[]) => fields.map(csvField).join(",");

/**
 * Counter columns: every counter a built-in node type declares, plus any other
 * counter a node of this run produced (external nodes' are free-form), sorted.
 */
export function counterColumns(nodes: Readonly<Record<string, NodeSummary>>): string[] {
  const names = new Set<string>(Object.values(BUILTIN_COUNTERS).flat());
  for (const n of Object.values(nodes)) for (const c of Object.keys(n.counters)) names.add(c);
  return [...names].sort();
}

/** metrics.csv: one row per node, in scenario order; every counter column, 0 when a node never counted it. */
export function metricsCsv(nodes: Readonly<Record<string, NodeSummary>>, run: { runId: string; seed: number; groupOf: (id: string) => string }): string {
  const counters = counterColumns(nodes);
  const lines = [row(["run_id", "seed", "node", "type", "group", "sent", "received", "dropped", ...counters])];
  for (const [id, n] of Object.entries(nodes)) {
    lines.push(row([run.runId, run.seed, id, n.type, run.groupOf(id), n.sent, n.received, n.dropped, ...counters.map((c) => n.counters[c] ?? 0)]));
  }
  return lines.join("\n") + "\n";
}

export const LATENCY_CSV_HEADER = "series,node,sent_us,received_us,latency_ms\n";

/**
 * latency.csv's rows after the header, in recording order, as chunks of text (a
 * million rows make ~50 MB: written chunk by chunk). `sent_us` is `received_us`
 * minus the sample: for the built-in series the sensor's sample time.
 */
export function* latencyCsvChunks(samples: LatencySamples, rowsPerChunk = 20_000): Generator<string> {
  const series = samples.series.map((s) => csvField(s));
  const nodes = samples.nodes.map((s) => csvField(s));
  let text = "";
  for (let i = 0; i < samples.count; i++) {
    const at = samples.atUs[i]!;
    const value = samples.valueUs[i]!;
    text += `${series[samples.seriesIndex[i]!]},${nodes[samples.nodeIndex[i]!] ?? ""},${at - value},${at},${value / 1000}\n`;
    if ((i + 1) % rowsPerChunk === 0) {
      yield text;
      text = "";
    }
  }
  if (text !== "") yield text;
}

/** The link metrics of timeseries.csv, in row order, for the drop reasons given. */
export function linkMetrics(reasons: readonly string[]): string[] {
  return ["sent", "delivered", "dropped", ...reasons.map((r) => `dropped_${r}`), "bytes", "latency_mean_ms", "latency_p95_ms"];
}

export const NODE_METRICS = ["received", "inferences", "anomalies_flagged"] as const;

/**
 * timeseries.csv, long: `bin,start_ms,end_ms,scope,group,metric,value`, one row per
 * bin, then scope (link before node), group and metric. Every bin has every row;
 * a latency with nothing delivered in the bin is empty (NaN in pandas, NA in R).
 */
export function timeSeriesCsv(ts: TimeSeries, durationUs: number): string {
  const reasons = [...new Set([...FIXED_DROP_REASONS, ...Object.values(ts.links).flatMap((l) => Object.keys(l.dropped_by_reason))])].sort();
  const zeros = new Float64Array(ts.bins);
  const links = Object.entries(ts.links).map(([group, l]) => ({
    group: csvField(group),
    columns: [l.sent, l.delivered, l.dropped, ...reasons.map((r) => l.dropped_by_reason[r] ?? zeros), l.bytes, l.latency_mean_ms, l.latency_p95_ms],
  }));
  const metrics = linkMetrics(reasons).map((m) => csvField(m));
  const groups = Object.entries(ts.groups).map(([group, g]) => {
    const [inferences, tp, fp] = TIME_SERIES_COUNTERS.map((c) => g.counters[c] ?? zeros) as [Float64Array, Float64Array, Float64Array];
    const flagged = tp.map((v, b) => v + fp[b]!);
    return { group: csvField(group), columns: [g.received, inferences, flagged] };
  });
  const parts = ["bin,start_ms,end_ms,scope,group,metric,value\n"];
  for (let b = 0; b < ts.bins; b++) {
    const head = `${b},${(b * ts.binUs) / 1000},${Math.min((b + 1) * ts.binUs, durationUs) / 1000}`;
    let text = "";
    for (const l of links) for (let m = 0; m < metrics.length; m++) text += `${head},link,${l.group},${metrics[m]},${csvField(l.columns[m]![b]!)}\n`;
    for (const g of groups) for (let m = 0; m < NODE_METRICS.length; m++) text += `${head},node,${g.group},${NODE_METRICS[m]},${g.columns[m]![b]!}\n`;
    parts.push(text);
  }
  return parts.join("");
}

/** The bin width in µs: `binMs` if given, else the duration over DEFAULT_TIME_SERIES_BINS (rounded up). */
export function binWidthUs(durationUs: number, binMs: number | undefined): number {
  if (binMs === undefined) return Math.max(1, Math.ceil(durationUs / DEFAULT_TIME_SERIES_BINS));
  return Math.round(binMs * 1000);
}
