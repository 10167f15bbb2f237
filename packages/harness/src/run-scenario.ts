import { homedir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import {
  loadScenario,
  locateProblems,
  parseKeyPath,
  ScenarioInvalidError,
  validateScenario,
  type Override,
  type Problem,
  type ResolvedScenario,
  type ScenarioInput,
} from "@sim/config";
import {
  Coordinator,
  FileTraceSink,
  NullTraceSink,
  scenarioOptions,
  type LatencySamples,
  type ProgressEvent,
  type RunSummary,
  type TimeSeries,
  type TraceSink,
} from "@sim/coordinator";
import { pino, type Logger } from "pino";
import { NondeterminismError, RunInterruptedError, RunTimeoutError } from "./errors.js";
import type { CustomNodeTypes } from "./custom-nodes/check-module-nodes.js";
import type { AnyNodeLauncher } from "./launchers.js";
import { dockerEndpoints, type DockerEndpoint } from "./docker-endpoints.js";
import { mlDecisionFigures, type MlDecisionFigures } from "./ml-summary.js";
import {
  defaultOutDir,
  OUTPUT_FILES,
  prepareOutDir,
  SUMMARY_SCHEMA_VERSION,
  versions,
  writeLatencySamples,
  writeMetrics,
  writeResolvedScenario,
  writeSummary,
  writeTimeSeries,
  writtenFiles,
  type Versions,
} from "./outputs.js";
import { binWidthUs, LATENCY_CSV_MAX_SAMPLES, MAX_TIME_SERIES_CSV_BINS, metricsCsv, TIME_SERIES_COUNTERS, timeSeriesCsv } from "./result-tables.js";
import { checkOutputDir, prepareOutputDir } from "./output-dir.js";
import { planOf, type RunPlan } from "./plan.js";
import { defaultStateDir } from "./resources/state-dir.js";
import { SimulationLauncher, newRunId, type CleanupReport } from "./simulation-launcher.js";
import { firstDifferingLine, parseTraceLines, TeeTraceSink, type TraceEvent } from "./trace-events.js";

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /**
   * Values replacing the scenario's, by key path (`{"network.links[0].loss": 0.01}`),
   * or overrides as parsed from `--set`. Checked like the file: a problem names them.
   */
  set?: Record<string, unknown> | readonly Override[];
  /**
   * Folder relative paths of a scenario built in code are resolved against
   * (default: the current directory). A scenario file's paths are always relative
   * to its own folder.
   */
  baseDir?: string;
  /** Write trace.jsonl (default: the scenario's `output.trace`); the digest is computed either way. */
  keepTrace?: boolean;
  /** Output folder; default: the scenario's `output.dir`, else `runs/<scenario>-<seed>-<time>` under `cwd`. */
  outDir?: string;
  /** Write into an output folder that already holds a run's summary.json (default: refuse). */
  force?: boolean;
  /** Validate and return the plan; start nothing, write nothing. */
  dryRun?: boolean;
  /** Wall-clock limit for the whole run, in seconds. */
  timeoutSec?: number;
  /** Aborting it interrupts the run: a clean shutdown, the summary marked interrupted. */
  signal?: AbortSignal;
  onProgress?: (progress: ProgressEvent) => void;
  /** Also return every trace event, parsed (memory grows with the trace: for small runs). */
  collectEvents?: boolean;
  /** Run twice and fail with the first differing trace line if the digests differ. */
  checkDeterminism?: boolean;
  /** Launchers by node type; default: process, docker, renode. */
  launchers?: readonly AnyNodeLauncher[];
  /**
   * In-process node types written in code, by name: a `type: module` entry without a
   * `module` file takes the class its `export` names here (docs/custom-nodes.md). The
   * counterpart of `launchers` for nodes that run in sim's own process.
   */
  nodeTypes?: CustomNodeTypes;
  /** sim's state folder (run registry); default `$XDG_STATE_HOME/sim` or `~/.local/state/sim`. */
  stateDir?: string;
  /** Default: silent. */
  logger?: Logger;
  /** Folder the default output folder is made in; default: the current directory. */
  cwd?: string;
  /**
   * latency.csv: true writes it whatever its size, false never; by default it is
   * written when the run has at most LATENCY_CSV_MAX_SAMPLES (1,000,000) samples.
   */
  samples?: boolean;
  /** Width of timeseries.csv's bins in virtual ms; default: the duration / 200. */
  binMs?: number;
  /**
   * Encode the trace on a worker thread: "auto" (default) once it outgrows a batch.
   * false when the cores are busy anyway (sweep members side by side): the thread
   * only adds the cost of handing batches over. The trace's bytes are the same.
   */
  traceThread?: boolean | "auto";
}

/** summary.json: the coordinator's figures plus what reproduces and cleans up the run. */
export interface RunSummaryJson extends RunSummary {
  /** docs/harness.md#json-output; first in the file. */
  schema_version: typeof SUMMARY_SCHEMA_VERSION;
  run_id: string;
  scenario: string;
  interrupted: boolean;
  cleanup: CleanupReport;
  /** Inference figures; wall time is reported here only, never in the trace. */
  ml: MlSummary | null;
  /** timeseries.csv's bins. */
  time_series: { bin_ms: number; bins: number } | null;
  /** The files written into the output folder (docs/results.md). */
  files: string[];
  /** Published ports and network addresses of the Docker nodes, by node id. */
  docker: Record<string, DockerEndpoint>;
  versions: Versions;
  warnings: Problem[];
}

/** The model's placement, its cost (wall time), and its decisions against the injected anomalies. */
export interface MlSummary extends MlDecisionFigures {
  placement: "edge" | "cloud";
  model_path: string;
  inferences: number;
  rows: number;
  wall_ms: number;
}

export interface RunResult {
  success: boolean;
  seed: number;
  /** Virtual seconds simulated. */
  durationSec: number;
  digest: string | null;
  eventCount: number;
  /** Null for a dry run. */
  summary: RunSummaryJson | null;
  /** Null for a dry run. */
  outDir: string | null;
  interrupted: boolean;
  /** What the run starts (also for a dry run). */
  plan: RunPlan;
  events?: TraceEvent[];
}

/**
 * Runs one scenario from a file or from data: validates it (throwing
 * ScenarioInvalidError with every problem, before anything starts), launches every
 * node, runs the coordinator, shuts everything down and writes the outputs.
 *
 * A run that starts and then fails (a node error, the timeout, an interrupt)
 * resolves with `success: false`; the summary says why. Never calls process.exit.
 */
export async function runScenario(scenarioOrPath: string | ScenarioInput | ResolvedScenario, options: RunOptions = {}): Promise<RunResult> {
  const { scenario, warnings } = await resolveInput(scenarioOrPath, options);
  if (!options.checkDeterminism || options.dryRun) return runOnce(scenario, warnings, options);

  const first = await runOnce(scenario, warnings, options);
  if (!first.success || first.outDir === null) return first;
  const second = await runOnce(scenario, warnings, { ...options, outDir: join(first.outDir, "determinism-check") });
  if (second.success && second.outDir !== null && first.digest !== second.digest) {
    throw await nondeterminismError(first.outDir, second.outDir);
  }
  return first;
}

async function runOnce(scenario: ResolvedScenario, warnings: Problem[], options: RunOptions): Promise<RunResult> {
  const logger = options.logger ?? pino({ level: "silent" });
  const started = new Date();
  const runId = newRunId(started);
  const outDir = resolve(options.outDir ?? scenario.output.dir ?? defaultOutDir(scenario, started, options.cwd ?? process.cwd()));
  const launcher = new SimulationLauncher(scenario, {
    runId,
    launchers: options.launchers,
    ...(options.nodeTypes !== undefined ? { nodeTypes: options.nodeTypes } : {}),
    stateDir: options.stateDir ?? defaultStateDir(process.env, homedir()),
    logDir: options.dryRun ? null : join(outDir, OUTPUT_FILES.logs),
    logger,
  });

  const durationUs = Math.round(scenario.duration_sec * 1e6);
  const binUs = binWidthUs(durationUs, options.binMs);
  const problems = [...warnings, ...(await launcher.validate()), ...outputDirProblems(scenario, options), ...binProblems(durationUs, binUs, options.binMs)];
  if (problems.some((p) => p.severity === "error")) throw new ScenarioInvalidError(problems);
  const plan = planOf(scenario, launcher.describeExternal());
  const outDirCheck = { marker: OUTPUT_FILES.summary, force: options.force ?? false, forceHint: "pass --force (force: true) to overwrite it, or choose another --out" };
  if (options.dryRun) {
    await checkOutputDir(outDir, outDirCheck);
    return { success: true, seed: scenario.seed, durationSec: 0, digest: null, eventCount: 0, summary: null, outDir: null, interrupted: false, plan };
  }

  const version = await versions();
  await prepareOutputDir(outDir, outDirCheck);
  await prepareOutDir(outDir);
  await writeResolvedScenario(outDir, scenario, version);

  const stop = new RunStopper(options);
  let summary: RunSummary;
  let events: TraceEvent[] | undefined;
  let ml: MlSummary | null = null;
  let samples: LatencySamples | null = null;
  let timeSeries: TimeSeries | null = null;
  let docker: Record<string, DockerEndpoint> = {};
  try {
    stop.throwIfStopped();
    const launched = await stop.during(launcher.launch());
    docker = await dockerEndpoints(scenario, runId, launched.started, logger);
    const fileSink: TraceSink = (options.keepTrace ?? scenario.output.trace) ? new FileTraceSink(join(outDir, OUTPUT_FILES.trace)) : new NullTraceSink();
    const sink = options.collectEvents ? new TeeTraceSink(fileSink) : fileSink;
    // Payloads of every message go into the trace: the readings are the experiment's
    // data, and without them two seeds could give the same trace.
    const coordinator = new Coordinator({
      ...scenarioOptions(scenario),
      nodes: launched.nodes,
      trace: sink,
      tracePayloads: "all",
      traceThread: options.traceThread ?? "auto",
      logger,
      latencySamples: options.samples === true ? Infinity : options.samples === false ? 0 : LATENCY_CSV_MAX_SAMPLES,
      timeSeries: { binUs, counters: TIME_SERIES_COUNTERS },
    });
    if (options.onProgress) coordinator.on("progress", options.onProgress);
    coordinator.on("node-error", (e) => logger.error({ node: e.nodeId, err: e.error }, "node failed"));
    stop.onStop((reason) => coordinator.abort(reason));
    summary = await coordinator.run();
    samples = coordinator.latencySamples();
    timeSeries = coordinator.timeSeries();
    if (launched.inference && scenario.ml_inference) {
      const stats = launched.inference.stats();
      const placement = scenario.ml_inference.placement;
      ml = {
        placement,
        model_path: launched.inference.modelPath,
        inferences: stats.inferences,
        rows: stats.rows,
        wall_ms: stats.wallMs,
        ...mlDecisionFigures(placement, summary.nodes, summary.latency_ms),
      };
    }
    if (sink instanceof TeeTraceSink) events = parseTraceLines(sink.text());
  } catch (error) {
    await launcher.shutdown();
    stop.dispose();
    if (stop.reason !== null && !(error instanceof ScenarioInvalidError)) throw stop.error();
    throw error;
  }
  const cleanup = await launcher.shutdown();
  stop.dispose();

  const interrupted = stop.interrupted;
  const error = stop.reason !== null && !interrupted ? stop.error() : null;
  const full: RunSummaryJson = {
    schema_version: SUMMARY_SCHEMA_VERSION,
    ...summary,
    success: summary.success && cleanup.leftovers.length === 0,
    error: summary.error ?? (error ? { code: error.code, message: error.message, node: null } : null),
    run_id: runId,
    scenario: scenario.source ?? scenario.name,
    interrupted,
    cleanup,
    ml,
    time_series: timeSeries === null ? null : { bin_ms: timeSeries.binUs / 1000, bins: timeSeries.bins },
    docker,
    files: writtenFiles({ trace: options.keepTrace ?? scenario.output.trace, metrics: scenario.output.metrics, latency: samples !== null, timeSeries: timeSeries !== null }),
    versions: version,
    warnings,
  };
  await writeSummary(outDir, full);
  if (scenario.output.metrics) {
    const groups = new Map(scenario.nodes.map((node) => [node.id, node.group]));
    await writeMetrics(outDir, metricsCsv(summary.nodes, { runId, seed: scenario.seed, groupOf: (id) => groups.get(id) ?? id }));
  }
  if (samples !== null) await writeLatencySamples(outDir, samples);
  if (timeSeries !== null) await writeTimeSeries(outDir, timeSeriesCsv(timeSeries, Math.round(summary.duration_sec * 1e6)));
  return {
    success: full.success,
    seed: scenario.seed,
    durationSec: summary.duration_sec,
    digest: summary.digest,
    eventCount: summary.events,
    summary: full,
    outDir,
    interrupted,
    plan,
    ...(events ? { events } : {}),
  };
}

async function resolveInput(input: string | ScenarioInput | ResolvedScenario, options: RunOptions): Promise<{ scenario: ResolvedScenario; warnings: Problem[] }> {
  const { seed } = options;
  const overrides = overridesOf(options.set);
  let loaded: { scenario: ResolvedScenario; warnings: Problem[] };
  if (typeof input === "string") {
    loaded = await loadScenario(input, { overrides });
  } else if (isResolved(input)) {
    if (overrides.length > 0) throw new ScenarioInvalidError([problem("bad-override", [], "`set` applies to scenario files and data, not to an already resolved scenario")]);
    loaded = { scenario: input, warnings: [] };
  } else {
    const result = validateScenario(input, { overrides, ...(options.baseDir !== undefined ? { baseDir: options.baseDir } : {}) });
    if (!result.ok) throw new ScenarioInvalidError(result.problems);
    loaded = { scenario: result.scenario, warnings: result.warnings };
  }
  if (seed === undefined) return loaded;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ScenarioInvalidError([problem("seed-out-of-range", ["seed"], `--seed must be a non-negative integer, got ${seed}`)]);
  }
  return { ...loaded, scenario: { ...loaded.scenario, seed } };
}

/**
 * A scenario's `output.dir` stays inside the scenario's folder: a scenario file from
 * somewhere else must not write elsewhere on its own. `--out` (outDir) may.
 */
function outputDirProblems(scenario: ResolvedScenario, options: RunOptions): Problem[] {
  const dir = scenario.output.dir;
  if (options.outDir !== undefined || dir === null) return [];
  const rel = relative(scenario.base_dir, dir);
  if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) return [];
  return locateProblems(scenario, [
    {
      ...problem("output-dir-outside", ["output", "dir"], `output.dir ${JSON.stringify(dir)} is outside the scenario's folder ${scenario.base_dir}`),
      hint: "give a folder inside the scenario's folder, or choose the folder on the command line with --out",
    },
  ]);
}

/** `binMs` must give whole µs bins, at most MAX_TIME_SERIES_CSV_BINS of them. */
function binProblems(durationUs: number, binUs: number, binMs: number | undefined): Problem[] {
  if (binMs === undefined) return [];
  const bins = Math.ceil(durationUs / binUs);
  if (Number.isFinite(binMs) && binUs >= 1 && bins <= MAX_TIME_SERIES_CSV_BINS) return [];
  return [
    {
      ...problem("bin-out-of-range", [], `--bin-ms must be at least 0.001 (1 µs) and give at most ${MAX_TIME_SERIES_CSV_BINS.toLocaleString("en-US")} bins over the ${durationUs / 1e6} s run, got ${binMs}`),
      hint: `use at least ${Math.ceil(durationUs / MAX_TIME_SERIES_CSV_BINS) / 1000} ms`,
    },
  ];
}

function overridesOf(set: RunOptions["set"]): Override[] {
  if (set === undefined) return [];
  if (Array.isArray(set)) return [...(set as readonly Override[])];
  return Object.entries(set as Record<string, unknown>).map(([key, value]) => {
    const origin = `set[${JSON.stringify(key)}]`;
    return { path: parseKeyPath(key, origin), value, origin };
  });
}

function problem(code: string, path: (string | number)[], message: string): Problem {
  return { severity: "error", code, file: null, line: null, column: null, path, message };
}

function isResolved(input: ScenarioInput | ResolvedScenario): input is ResolvedScenario {
  return Array.isArray((input as ResolvedScenario).nodes) && typeof (input as ResolvedScenario).base_dir === "string";
}

/**
 * Turns the run's stop conditions (the caller's signal, the wall-clock limit)
 * into one `onStop(reason)` callback, and remembers which fired.
 */
class RunStopper {
  reason: string | null = null;
  interrupted = false;
  private readonly timeoutSec: number | null;
  private readonly listeners: ((reason: string) => void)[] = [];
  private readonly cleanups: (() => void)[] = [];
  private rejectDuring: ((error: Error) => void) | null = null;

  constructor(options: RunOptions) {
    this.timeoutSec = options.timeoutSec ?? null;
    const signal = options.signal;
    if (signal) {
      const onAbort = () => this.stop(`interrupted (${abortReason(signal)})`, true);
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener("abort", onAbort, { once: true });
        this.cleanups.push(() => signal.removeEventListener("abort", onAbort));
      }
    }
    if (this.timeoutSec !== null) {
      const timer = setTimeout(() => this.stop(`timeout after ${this.timeoutSec} s`, false), this.timeoutSec * 1000);
      this.cleanups.push(() => clearTimeout(timer));
    }
  }

  onStop(listener: (reason: string) => void): void {
    if (this.reason !== null) listener(this.reason);
    else this.listeners.push(listener);
  }

  /** Resolves with `work`, or rejects as soon as the run is stopped. */
  during<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolveWork, rejectWork) => {
      this.rejectDuring = rejectWork;
      if (this.reason !== null) rejectWork(this.error());
      work.then(resolveWork, rejectWork).finally(() => {
        this.rejectDuring = null;
      });
    });
  }

  throwIfStopped(): void {
    if (this.reason !== null) throw this.error();
  }

  error(): RunInterruptedError | RunTimeoutError {
    return this.interrupted ? new RunInterruptedError(this.reason ?? "interrupted") : new RunTimeoutError(this.timeoutSec ?? 0);
  }

  dispose(): void {
    for (const cleanup of this.cleanups) cleanup();
  }

  private stop(reason: string, interrupted: boolean): void {
    if (this.reason !== null) return;
    this.reason = reason;
    this.interrupted = interrupted;
    for (const listener of this.listeners) listener(reason);
    this.rejectDuring?.(this.error());
  }
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === "string") return reason;
  if (reason instanceof Error && reason.name !== "AbortError") return reason.message;
  return "aborted";
}

async function nondeterminismError(firstDir: string, secondDir: string): Promise<NondeterminismError> {
  return new NondeterminismError(await firstDifferingLine(join(firstDir, OUTPUT_FILES.trace), join(secondDir, OUTPUT_FILES.trace)));
}
