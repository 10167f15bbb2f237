/** The figures of a run report, as Vega-Lite specs with their data inline. */
import { cdfPoints, tailPoints } from "./distribution.js";
import { paperFigure } from "./paper.js";
import type { RunData } from "./read-run.js";
import type { FigureSpec, RunSummaryFile } from "./types.js";

export interface RunFigures {
  figures: FigureSpec[];
  /** Figures left out, and why. */
  notes: string[];
}

const time = { field: "t_s", type: "quantitative", title: "virtual time (s)" } as const;

export function runFigures(run: RunData): RunFigures {
  const figures: FigureSpec[] = [];
  const notes: string[] = [];
  const add = (figure: FigureSpec | string | null) => {
    if (typeof figure === "string") notes.push(figure);
    else if (figure !== null) figures.push(figure);
  };
  add(latencyFigures(run, figures));
  if (run.timeSeries === null) notes.push("timeseries.csv is missing (a run of an older sim, or written without it): no figures over virtual time.");
  else {
    add(throughputFigure(run.timeSeries));
    add(dropsFigure(run.timeSeries));
  }
  add(dropReasonsFigure(run));
  add(nodeGroupsFigure(run));
  add(confusionFigure(run.summary));
  if (run.timeSeries !== null && run.summary.ml) add(inferenceFigure(run.timeSeries));
  return { figures, notes };
}

/** Latency CDF and tail per series: from latency.csv, else through the summary's percentiles. */
function latencyFigures(run: RunData, figures: FigureSpec[]): string | null {
  const series = Object.entries(run.summary.latency_ms).filter(([, f]) => f.count > 0).map(([name]) => name);
  if (series.length === 0) return "No latency samples: no latency figures.";
  const cdf: Record<string, unknown>[] = [];
  const tail: Record<string, unknown>[] = [];
  let note: string | null = null;
  if (run.latency !== null) {
    for (const [name, sorted] of run.latency) {
      for (const p of cdfPoints(sorted)) cdf.push({ series: name, ...p });
      for (const p of tailPoints(sorted)) tail.push({ series: name, ...p });
    }
  } else {
    for (const name of series) {
      const f = run.summary.latency_ms[name]!;
      for (const [latency_ms, p] of [[f.p50, 0.5], [f.p95, 0.95], [f.p99, 0.99], [f.max, 1]] as const) {
        cdf.push({ series: name, latency_ms, p });
        tail.push({ series: name, latency_ms, tail: p === 1 ? 1 / f.count : 1 - p });
      }
    }
    note = "latency.csv was not written (a run with more than 1,000,000 samples writes it only with --samples): the latency figures join the summary's p50, p95, p99 and maximum with straight lines.";
  }
  const estimated = run.latency === null;
  const seriesCount = new Set(cdf.map((r) => r["series"])).size;
  // One series: no legend, the caption names it.
  const legendEntries = seriesCount > 1 ? seriesCount : 0;
  const color = { field: "series", type: "nominal", title: "series" };
  const layers = (name: string, y: Record<string, unknown>) => [
    { name, mark: "line", encoding: { x: { field: "latency_ms", type: "quantitative", title: "latency (ms)", scale: { zero: false } }, y, color } },
    ...(estimated ? [{ name: `${name}_points`, mark: "point", encoding: { x: { field: "latency_ms", type: "quantitative" }, y, color } }] : []),
  ];
  const how = estimated ? "through the summary's p50, p95, p99 and maximum (latency.csv was not written)" : "from every sample of latency.csv";
  figures.push({
    name: "latency-cdf",
    title: "Latency CDF",
    caption: `Empirical CDF of the latency of each series (${series.join(", ")}), ${how}: the fraction of samples at or below each latency.`,
    spec: paperFigure({ data: { values: cdf }, layer: layers("cdf", { field: "p", type: "quantitative", title: "fraction of samples ≤ x", scale: { domain: [0, 1] } }) }, { legendEntries }),
  });
  figures.push({
    name: "latency-tail",
    title: "Latency tail",
    caption: `The tail of the same distributions: the fraction of samples at or above each latency (1 − CDF), on a log scale, so that the slowest 1 %, 0.1 %, … stay visible (as tornettools draws them).`,
    spec: paperFigure({ data: { values: tail }, layer: layers("tail", { field: "tail", type: "quantitative", title: "fraction of samples ≥ x (log)", scale: { type: "log" } }) }, { legendEntries }),
  });
  return note;
}

/** Rows of one link metric per bin, as a rate per virtual second. */
function linkRates(rows: Record<string, string>[], metric: string): Record<string, unknown>[] {
  return rows
    .filter((r) => r["scope"] === "link" && r["metric"] === metric)
    .map((r) => {
      const start = Number(r["start_ms"]);
      const end = Number(r["end_ms"]);
      return { t_s: (start + end) / 2000, link: r["group"], rate: end > start ? Number(r["value"]) / ((end - start) / 1000) : 0 };
    });
}

function throughputFigure(rows: Record<string, string>[]): FigureSpec | string {
  const values = linkRates(rows, "delivered");
  if (values.length === 0) return "timeseries.csv has no link rows: no throughput figure.";
  const links = new Set(values.map((r) => r["link"])).size;
  return {
    name: "throughput",
    title: "Throughput over virtual time",
    caption: "Messages delivered per virtual second on each link rule (timeseries.csv, metric delivered, divided by the bin width).",
    spec: paperFigure(
      { data: { values }, mark: "line", name: "throughput", encoding: { x: time, y: { field: "rate", type: "quantitative", title: "delivered (messages/s)" }, color: { field: "link", type: "nominal", title: "link" } } },
      { legendEntries: links },
    ),
  };
}

function dropsFigure(rows: Record<string, string>[]): FigureSpec | string {
  const values = linkRates(rows, "dropped");
  if (!values.some((r) => (r["rate"] as number) > 0)) return "No message was dropped on a link: no drops-over-time figure.";
  const links = new Set(values.map((r) => r["link"])).size;
  return {
    name: "drops",
    title: "Drops over virtual time",
    caption: "Messages dropped per virtual second on each link rule, whatever the reason (timeseries.csv, metric dropped).",
    spec: paperFigure(
      { data: { values }, mark: "line", name: "drops", encoding: { x: time, y: { field: "rate", type: "quantitative", title: "dropped (messages/s)" }, color: { field: "link", type: "nominal", title: "link" } } },
      { legendEntries: links },
    ),
  };
}

/** Drops by reason and link (timeseries.csv's dropped_<reason> rows); reasons only the summary knows go to "elsewhere". */
export function dropReasonRows(run: RunData): { reason: string; link: string; count: number }[] {
  const counts = new Map<string, { reason: string; link: string; count: number }>();
  for (const r of run.timeSeries ?? []) {
    const metric = r["metric"] ?? "";
    if (r["scope"] !== "link" || !metric.startsWith("dropped_")) continue;
    const reason = metric.slice("dropped_".length);
    const key = `${reason}\u0000${r["group"]}`;
    const entry = counts.get(key) ?? { reason, link: r["group"] ?? "", count: 0 };
    entry.count += Number(r["value"]);
    counts.set(key, entry);
  }
  const rows = [...counts.values()].filter((e) => e.count > 0);
  for (const [reason, total] of Object.entries(run.summary.messages.dropped_by_reason ?? {})) {
    const onLinks = rows.filter((e) => e.reason === reason).reduce((sum, e) => sum + e.count, 0);
    if (total > onLinks) rows.push({ reason, link: run.timeSeries === null ? "all" : "elsewhere", count: total - onLinks });
  }
  return rows;
}

function dropReasonsFigure(run: RunData): FigureSpec | string {
  const values = dropReasonRows(run);
  if (values.length === 0) return "No message was dropped: no drop-reasons figure.";
  const links = new Set(values.map((r) => r.link)).size;
  const reasons = new Set(values.map((r) => r.reason)).size;
  return {
    name: "drop-reasons",
    title: "Drop reasons",
    caption: "Messages dropped over the whole run, by reason, stacked by link rule (timeseries.csv's dropped_<reason> rows; reasons the summary counts outside the links as “elsewhere”).",
    spec: paperFigure(
      {
        data: { values },
        mark: "bar",
        name: "reasons",
        encoding: {
          y: { field: "reason", type: "nominal", title: "reason" },
          x: { field: "count", type: "quantitative", title: "messages dropped", stack: "zero" },
          color: { field: "link", type: "nominal", title: "link" },
        },
      },
      { legendEntries: links, plotHeight: 40 + reasons * 28 },
    ),
  };
}

/** Sent, received and dropped summed over each node group, from metrics.csv (else the summary's nodes). */
export function nodeGroupRows(run: RunData): { group: string; type: string; nodes: number; sent: number; received: number; dropped: number; counters: Record<string, number> }[] {
  const groups = new Map<string, { group: string; type: string; nodes: number; sent: number; received: number; dropped: number; counters: Record<string, number> }>();
  const fixed = new Set(["run_id", "seed", "node", "type", "group", "sent", "received", "dropped"]);
  const entries =
    run.metrics ??
    Object.entries(run.summary.nodes).map(([id, n]) => ({ node: id, type: n.type, group: id.replace(/_\d+$/, ""), sent: String(n.sent), received: String(n.received), dropped: String(n.dropped), ...Object.fromEntries(Object.entries(n.counters).map(([k, v]) => [k, String(v)])) }));
  for (const r of entries as Record<string, string>[]) {
    const name = r["group"] ?? r["node"] ?? "";
    const g = groups.get(name) ?? { group: name, type: r["type"] ?? "", nodes: 0, sent: 0, received: 0, dropped: 0, counters: {} };
    g.nodes++;
    g.sent += Number(r["sent"] ?? 0);
    g.received += Number(r["received"] ?? 0);
    g.dropped += Number(r["dropped"] ?? 0);
    for (const [k, v] of Object.entries(r)) if (!fixed.has(k) && Number(v) !== 0 && v !== "") g.counters[k] = (g.counters[k] ?? 0) + Number(v);
    groups.set(name, g);
  }
  return [...groups.values()];
}

function nodeGroupsFigure(run: RunData): FigureSpec | string {
  const groups = nodeGroupRows(run);
  if (groups.length === 0) return "No node figures: no per-group figure.";
  const measures = ["sent", "received", "dropped"] as const;
  const values = groups.flatMap((g) => measures.map((measure) => ({ group: `${g.group} (${g.nodes} ${g.type})`, measure, value: g[measure] })));
  return {
    name: "node-groups",
    title: "Messages per node group",
    caption: "Messages sent, received and dropped by the nodes of each group, summed over the group (metrics.csv); every counter per group is in the table below.",
    spec: paperFigure(
      {
        data: { values },
        mark: "bar",
        name: "groups",
        encoding: {
          y: { field: "group", type: "nominal", title: null, sort: null },
          yOffset: { field: "measure", type: "nominal", sort: [...measures] },
          x: { field: "value", type: "quantitative", title: "messages" },
          color: { field: "measure", type: "nominal", title: null, sort: [...measures], scale: { range: ["#4c78a8", "#54a24b", "#e45756"] } },
        },
      },
      { legendEntries: 3, plotHeight: 30 + groups.length * 36 },
    ),
  };
}

function confusionFigure(summary: RunSummaryFile): FigureSpec | string {
  const ml = summary.ml;
  if (!ml) return "The scenario runs no ML inference: no confusion figure.";
  const values = [
    { actual: "anomalous", decided: "flagged", count: ml.true_positives, label: `TP ${ml.true_positives}` },
    { actual: "anomalous", decided: "not flagged", count: ml.false_negatives, label: `FN ${ml.false_negatives}` },
    { actual: "normal", decided: "flagged", count: ml.false_positives, label: `FP ${ml.false_positives}` },
    { actual: "normal", decided: "not flagged", count: ml.true_negatives, label: `TN ${ml.true_negatives}` },
  ];
  const x = { field: "decided", type: "nominal", title: "model's decision", sort: ["flagged", "not flagged"], axis: { labelAngle: 0, orient: "top" } };
  const y = { field: "actual", type: "nominal", title: "injected reading", sort: ["anomalous", "normal"] };
  return {
    name: "ml-confusion",
    title: "ML decisions against the injected anomalies",
    caption: `Confusion matrix of the ${ml.decisions} decisions of the model at the ${ml.placement} against the anomalies the sensors injected: precision ${ml.precision ?? "n/a"}, recall ${ml.recall ?? "n/a"}. Shading: count on a log scale.`,
    spec: paperFigure(
      {
        data: { values },
        encoding: { x, y },
        layer: [
          { name: "confusion", mark: "rect", encoding: { color: { field: "count", type: "quantitative", scale: { type: "symlog", range: ["#f4f8fb", "#7fb0d6"] }, legend: null } } },
          { name: "confusion_text", mark: { type: "text", fontSize: 11 }, encoding: { text: { field: "label", type: "nominal" } } },
        ],
      },
      { legendEntries: 0, plotHeight: 130 },
    ),
  };
}

function inferenceFigure(rows: Record<string, string>[]): FigureSpec | string {
  const running = new Set(rows.filter((r) => r["scope"] === "node" && r["metric"] === "inferences" && Number(r["value"]) > 0).map((r) => r["group"]));
  const values = rows
    .filter((r) => r["scope"] === "node" && running.has(r["group"]) && (r["metric"] === "inferences" || r["metric"] === "anomalies_flagged"))
    .map((r) => {
      const start = Number(r["start_ms"]);
      const end = Number(r["end_ms"]);
      return { t_s: (start + end) / 2000, series: `${r["group"]}: ${r["metric"] === "anomalies_flagged" ? "flagged" : "inferences"}`, rate: end > start ? Number(r["value"]) / ((end - start) / 1000) : 0 };
    });
  if (values.length === 0) return "No inference in timeseries.csv: no inference-rate figure.";
  return {
    name: "ml-rate",
    title: "Inferences over virtual time",
    caption: "Inferences and anomalies flagged per virtual second by the node groups that run the model (timeseries.csv, node rows).",
    spec: paperFigure(
      { data: { values }, mark: "line", name: "mlrate", encoding: { x: time, y: { field: "rate", type: "quantitative", title: "per virtual second" }, color: { field: "series", type: "nominal", title: null } } },
      { legendEntries: new Set(values.map((r) => r.series)).size },
    ),
  };
}
