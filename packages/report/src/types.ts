import type { TopLevelSpec } from "vega-lite";

/** One figure of a report, before rendering: a Vega-Lite specification with its data inline. */
export interface FigureSpec {
  /** The SVG file's name without `.svg`, and the figure's id in the page. */
  name: string;
  title: string;
  /** What is drawn and how to read it (HTML-escaped when written). */
  caption: string;
  spec: TopLevelSpec;
}

/** Turns a Vega-Lite specification into standalone SVG text. */
export interface SvgRenderer {
  render(spec: TopLevelSpec): Promise<string>;
}

export interface ReportOptions {
  /** The HTML file to write; default `<folder>/report.html`. Figures go to `figures/` beside it. */
  output?: string;
  /** Default: Vega (vega-renderer.ts). */
  renderer?: SvgRenderer;
}

export interface ReportResult {
  kind: "run" | "sweep";
  /** Absolute path of the HTML report. */
  report: string;
  /** Absolute paths of the figures' SVG files, in the order of the report. */
  figures: string[];
  /** What the report could not show and why (a missing file, no drops, no inference). */
  notes: string[];
}

/** The part of a run's summary.json the report reads (docs/results.md). */
export interface RunSummaryFile {
  success: boolean;
  seed: number;
  duration_sec: number;
  wall_sec?: number;
  digest: string | null;
  events: number;
  messages: { sent: number; delivered: number; dropped: number; dropped_by_reason?: Record<string, number>; late_deliveries?: number; in_flight?: number };
  latency_ms: Record<string, LatencyFigures>;
  nodes: Record<string, { type: string; sent: number; received: number; dropped: number; counters: Record<string, number> }>;
  links?: Record<string, { messages: number; delivered: number; dropped: number; bytes: number }>;
  error?: { code: string; message: string; node: string | null } | null;
  run_id?: string;
  scenario?: string;
  interrupted?: boolean;
  ml?: MlFigures | null;
  time_series?: { bin_ms: number; bins: number } | null;
  files?: string[];
  versions?: { sim: string; sim_commit: string | null; node: string };
  warnings?: { message: string }[];
}

export interface LatencyFigures {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface MlFigures {
  placement: string;
  model_path?: string;
  inferences: number;
  wall_ms: number;
  decisions: number;
  true_positives: number;
  false_positives: number;
  false_negatives: number;
  true_negatives: number;
  precision: number | null;
  recall: number | null;
}
