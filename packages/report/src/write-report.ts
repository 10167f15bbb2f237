/** `sim report`: a run folder or a sweep store -> one self-contained HTML file and its figures as SVG files. */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { ReportInputError } from "./errors.js";
import type { PageFigure } from "./html.js";
import { readRun } from "./read-run.js";
import { readSweep, type SweepFile } from "./read-sweep.js";
import { runFigures } from "./run-figures.js";
import { runPage } from "./run-page.js";
import { sweepFigures } from "./sweep-figures.js";
import { sweepPage } from "./sweep-page.js";
import type { FigureSpec, ReportOptions, ReportResult, RunSummaryFile, SvgRenderer } from "./types.js";
import { VegaSvgRenderer } from "./vega-renderer.js";

/** The folder of the output HTML holds the figures in this subfolder. */
export const FIGURES_DIR = "figures";

type Input = { kind: "run"; summary: RunSummaryFile } | { kind: "sweep"; file: SweepFile };

/**
 * Writes the report of a run folder (summary.json, …) or a sweep store (sweep.json,
 * results.csv, points.csv) to `options.output` (default `<folder>/report.html`) and
 * every figure to `figures/<name>.svg` beside it. Throws ReportInputError when the
 * folder is neither.
 */
export async function writeReport(folder: string, options: ReportOptions = {}): Promise<ReportResult> {
  const dir = resolve(folder);
  const input = await identify(dir, folder);
  const output = resolve(options.output ?? join(dir, "report.html"));
  const renderer = options.renderer ?? new VegaSvgRenderer();
  const command = `sim report ${folder}${options.output !== undefined ? ` -o ${options.output}` : ""}`;
  const figuresDir = join(dirname(output), FIGURES_DIR);

  if (input.kind === "run") {
    const run = await readRun(dir, input.summary);
    const { figures, notes } = runFigures(run);
    const rendered = await renderAll(figures, renderer, figuresDir, output);
    await writeFile(output, runPage(run, rendered.page, notes, command));
    return { kind: "run", report: output, figures: rendered.files, notes };
  }
  const sweep = await readSweep(dir, input.file);
  const { figures, notes } = sweepFigures(sweep);
  const rendered = await renderAll(figures, renderer, figuresDir, output);
  await writeFile(output, sweepPage(sweep, rendered.page, notes, command));
  return { kind: "sweep", report: output, figures: rendered.files, notes };
}

async function renderAll(figures: FigureSpec[], renderer: SvgRenderer, figuresDir: string, output: string): Promise<{ page: PageFigure[]; files: string[] }> {
  await mkdir(figuresDir, { recursive: true });
  const page: PageFigure[] = [];
  const files: string[] = [];
  // One at a time: rendering is CPU-bound, and the order of the files is the report's.
  for (const figure of figures) {
    const svg = await renderer.render(figure.spec);
    const file = join(figuresDir, `${figure.name}.svg`);
    await writeFile(file, svg);
    files.push(file);
    page.push({ name: figure.name, title: figure.title, caption: figure.caption, svg, href: relative(dirname(output), file).split("\\").join("/") });
  }
  return { page, files };
}

async function identify(dir: string, given: string): Promise<Input> {
  const info = await stat(dir).catch(() => null);
  if (info === null) throw new ReportInputError(given, "no such folder");
  if (!info.isDirectory()) throw new ReportInputError(given, "not a folder");
  const summary = await readJson(join(dir, "summary.json"), given);
  if (summary !== null) {
    if (!isRunSummary(summary)) throw new ReportInputError(given, "summary.json is not a run summary (no messages, latency_ms and nodes)");
    return { kind: "run", summary };
  }
  const sweep = await readJson(join(dir, "sweep.json"), given);
  if (sweep === null) throw new ReportInputError(given, "neither summary.json nor sweep.json is there");
  if (!isSweepFile(sweep)) throw new ReportInputError(given, "sweep.json is not a sweep's (no sweep.parameters and metrics)");
  for (const table of ["results.csv", "points.csv"]) {
    const exists = await stat(join(dir, table)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!exists) throw new ReportInputError(given, `sweep.json is there but ${table} is not (run the same \`sim sweep\` command again: it rebuilds the tables)`);
  }
  return { kind: "sweep", file: sweep };
}

async function readJson(path: string, given: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ReportInputError(given, `${path} is not valid JSON (${(error as Error).message})`);
  }
}

function isRunSummary(value: unknown): value is RunSummaryFile {
  const v = value as Partial<RunSummaryFile> | null;
  return typeof v === "object" && v !== null && typeof v.messages === "object" && typeof v.latency_ms === "object" && typeof v.nodes === "object" && typeof v.duration_sec === "number";
}

function isSweepFile(value: unknown): value is SweepFile {
  const v = value as Partial<SweepFile> | null;
  return typeof v === "object" && v !== null && typeof v.sweep === "object" && Array.isArray(v.sweep?.parameters) && Array.isArray(v.metrics);
}
