/** Reads a run's output folder (docs/results.md): summary.json and whichever tables it has. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { csvRecords, parseCsv } from "./csv.js";
import type { RunSummaryFile } from "./types.js";

export interface RunData {
  dir: string;
  summary: RunSummaryFile;
  /** metrics.csv's rows (one per node), or null without it. */
  metrics: Record<string, string>[] | null;
  /** latency.csv's samples by series, sorted ascending, or null without it. */
  latency: Map<string, Float64Array> | null;
  /** timeseries.csv's rows, or null without it. */
  timeSeries: Record<string, string>[] | null;
  /** Top-level values of scenario.resolved.yaml (name, duration_sec, …) and its network's type. */
  scenario: Record<string, string>;
  /** The scenario file as written (summary.scenario), when it can still be read. */
  scenarioText: string | null;
}

export async function readRun(dir: string, summary: RunSummaryFile): Promise<RunData> {
  const [metrics, latency, timeSeries, resolved] = await Promise.all([
    readOptional(join(dir, "metrics.csv")),
    readOptional(join(dir, "latency.csv")),
    readOptional(join(dir, "timeseries.csv")),
    readOptional(join(dir, "scenario.resolved.yaml")),
  ]);
  const source = summary.scenario;
  const scenarioText = source !== undefined && /\.ya?ml$/.test(source) ? await readOptional(source) : null;
  return {
    dir,
    summary,
    metrics: metrics === null ? null : parseCsv(metrics).rows,
    latency: latency === null ? null : latencySamples(latency),
    timeSeries: timeSeries === null ? null : parseCsv(timeSeries).rows,
    scenario: resolved === null ? {} : resolvedHead(resolved),
    scenarioText: scenarioText !== null && scenarioText.length <= 64 * 1024 ? scenarioText : null,
  };
}

/** latency.csv (`series,node,sent_us,received_us,latency_ms`) by series, each sorted. */
export function latencySamples(text: string): Map<string, Float64Array> {
  const bySeries = new Map<string, number[]>();
  let start = text.indexOf("\n") + 1;
  while (start > 0 && start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, "");
    start = end + 1;
    if (line === "") continue;
    // Series and node names may be quoted; the numbers never are.
    const series = line.includes('"') ? (csvRecords(line)[0]?.[0] ?? "") : line.slice(0, line.indexOf(","));
    const value = Number(line.slice(line.lastIndexOf(",") + 1));
    let values = bySeries.get(series);
    if (!values) bySeries.set(series, (values = []));
    values.push(value);
  }
  return new Map([...bySeries].map(([series, values]) => [series, Float64Array.from(values).sort()]));
}

/**
 * The top-level scalars of scenario.resolved.yaml and `network.type`, read from the
 * text: the file lists every node and can be megabytes (parsing the YAML of a
 * 10,000-node run takes seconds).
 */
function resolvedHead(text: string): Record<string, string> {
  const head: Record<string, string> = {};
  for (const match of text.matchAll(/^([a-z_]+): (.+)$/gm)) head[match[1]!] = match[2]!.trim();
  const network = /^network:\n(?: {2}.*\n)*? {2}type: (\S+)$/m.exec(text);
  if (network) head["network.type"] = network[1]!;
  return head;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "EISDIR") return null;
    throw error;
  }
}
