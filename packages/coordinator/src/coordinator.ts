import { EventEmitter } from "eventemitter3";
import { pino, type Logger } from "pino";
import { Engine, type EngineHooks } from "./_engine.js";
import { DirectNetwork } from "./direct-network.js";
import { CoordinatorOptionsError } from "./errors.js";
import type { LatencySamples } from "./latency-stats.js";
import type { RunSummary } from "./summary.js";
import type { TimeSeries, TimeSeriesOptions } from "./time-series.js";
import type { TraceSink } from "./trace-sinks.js";
import type { NodeErrorEvent, ProgressEvent, QuantumEvent } from "./events.js";
import type { NetworkModel, SimNode, TimeUs, TracePayloads } from "./types.js";

export interface CoordinatorOptions {
  /** Every node, in scenario order (the order of `start` calls at t = 0). Ids must be unique. */
  nodes: readonly SimNode[];
  /** Default: `DirectNetwork`. */
  network?: NetworkModel;
  /** Integer seed; random streams are keyed `${seed}/${nodeId}` and `${seed}/link/${from}->${to}`. */
  seed: number;
  /** Virtual time simulated: events at t < durationUs run. Give this or `endUs`. */
  durationUs?: TimeUs;
  /** Same as `durationUs` (runs start at 0). */
  endUs?: TimeUs;
  /** Lockstep quantum for external nodes. Default 10 000 µs. */
  timeQuantumUs?: TimeUs;
  /** Pace virtual time to wall time × factor; null/absent: as fast as possible. */
  realtimeFactor?: number | null;
  /** Where the trace goes; false/absent: nowhere (the digest is still computed). */
  trace?: TraceSink | false;
  /** Compute the SHA-256 digest of the trace. Default true. */
  digest?: boolean;
  /**
   * Which send lines carry the payload (JSON): "all" (default: the readings are the
   * experiment's data, so the digest covers them), "external" (only messages from or
   * to an external node), "none". Serialising every payload is the trace's main cost.
   */
  tracePayloads?: TracePayloads;
  /** Encode the trace in a worker thread: "auto" (default) once it outgrows one batch, or always/never. */
  traceThread?: boolean | "auto";
  /** Group of each node id, for the `links` summary (`sensor->gateway`); default: the id itself. */
  groups?: Readonly<Record<string, string>> | ((nodeId: string) => string);
  /** Wall clock in ms, only for wall-time figures, progress, pacing and whether the trace gets a thread (never for results). Default `performance.now`. */
  clock?: () => number;
  /** Sleep used for pacing. Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Default: silent. */
  logger?: Logger;
  /** Minimum wall time between `progress` events. Default 250 ms. */
  progressIntervalMs?: number;
  /**
   * Keep the node and time of each latency sample for `latencySamples()` while the
   * run has at most this many samples (`Infinity`: always). Default 0: never.
   */
  latencySamples?: number;
  /** Count messages, latency and node counters per bin of virtual time, for `timeSeries()`. Default: off. */
  timeSeries?: TimeSeriesOptions | null;
}

export interface CoordinatorEvents {
  progress: (p: ProgressEvent) => void;
  /** After every barrier: external nodes were advanced to `untilUs`. */
  quantum: (q: QuantumEvent) => void;
  /** A node failed; the run stops and its summary has `success: false` and `error`. */
  "node-error": (e: NodeErrorEvent) => void;
  finished: (summary: RunSummary) => void;
}

const DEFAULT_QUANTUM_US = 10_000;
const DEFAULT_PROGRESS_MS = 250;
/** Bins a time series may have: each costs a few doubles per group and link pair. */
export const MAX_TIME_SERIES_BINS = 1_000_000;

/**
 * The deterministic engine: virtual time in integer µs, one event queue ordered by
 * (time, insertion), in-process nodes called at exact event times, external nodes
 * advanced in lockstep at barriers of `timeQuantumUs`, a network model, and a
 * streamed trace with its SHA-256 digest.
 *
 * `run()` resolves with the summary in every case (also after a node failure or
 * `abort()`: `success` is false and `error`/`aborted` say why); it rejects only when
 * called twice.
 */
export class Coordinator extends EventEmitter<CoordinatorEvents> {
  private readonly engine: Engine;

  constructor(options: CoordinatorOptions) {
    super();
    const { nodes, seed } = options;
    if (!Array.isArray(nodes)) throw new CoordinatorOptionsError("nodes must be an array of SimNode");
    // Ids appearing twice are refused by the engine, as it indexes them.
    for (const node of nodes) {
      if (node === null || typeof node !== "object" || typeof node.id !== "string" || node.id === "") {
        throw new CoordinatorOptionsError("every node needs a non-empty string id");
      }
      if (node.kind !== "in-process" && node.kind !== "external") {
        throw new CoordinatorOptionsError(`node "${node.id}": kind must be "in-process" or "external", got ${JSON.stringify((node as { kind?: unknown }).kind)}`);
      }
    }
    if (!Number.isSafeInteger(seed)) throw new CoordinatorOptionsError(`seed must be an integer, got ${String(seed)}`);
    const { durationUs, endUs } = options;
    if (durationUs !== undefined && endUs !== undefined && durationUs !== endUs) {
      throw new CoordinatorOptionsError(`durationUs (${durationUs}) and endUs (${endUs}) disagree; give one of them`);
    }
    const end = durationUs ?? endUs;
    if (end === undefined || !Number.isSafeInteger(end) || end <= 0) {
      throw new CoordinatorOptionsError(`durationUs must be a positive integer number of µs, got ${String(end)}`);
    }
    const quantum = options.timeQuantumUs ?? DEFAULT_QUANTUM_US;
    if (!Number.isSafeInteger(quantum) || quantum <= 0) throw new CoordinatorOptionsError(`timeQuantumUs must be a positive integer, got ${String(quantum)}`);
    const factor = options.realtimeFactor ?? null;
    if (factor !== null && !(Number.isFinite(factor) && factor > 0)) throw new CoordinatorOptionsError(`realtimeFactor must be a number > 0, got ${String(factor)}`);
    const payloads = options.tracePayloads ?? "all";
    if (payloads !== "external" && payloads !== "all" && payloads !== "none") {
      throw new CoordinatorOptionsError(`tracePayloads must be "external", "all" or "none", got ${JSON.stringify(payloads)}`);
    }
    const keep = options.latencySamples ?? 0;
    if (!(keep >= 0)) throw new CoordinatorOptionsError(`latencySamples must be a number >= 0, got ${String(keep)}`);
    const series = options.timeSeries ?? null;
    if (series !== null) {
      if (!Number.isSafeInteger(series.binUs) || series.binUs <= 0) throw new CoordinatorOptionsError(`timeSeries.binUs must be a positive integer number of µs, got ${String(series.binUs)}`);
      if (Math.ceil(end / series.binUs) > MAX_TIME_SERIES_BINS) {
        throw new CoordinatorOptionsError(`timeSeries.binUs = ${series.binUs} µs gives ${Math.ceil(end / series.binUs)} bins; at most ${MAX_TIME_SERIES_BINS} are allowed`);
      }
    }
    const groups = options.groups;
    const groupOf = typeof groups === "function" ? groups : groups === undefined ? (id: string) => id : (id: string) => groups[id] ?? id;
    const hooks: EngineHooks = {
      progress: (p) => this.emit("progress", p),
      quantum: (q) => this.emit("quantum", q),
      nodeError: (e) => this.emit("node-error", e),
    };
    this.engine = new Engine(
      {
        nodes,
        network: options.network ?? new DirectNetwork(),
        seed,
        endUs: end,
        timeQuantumUs: quantum,
        realtimeFactor: factor,
        sink: options.trace === false || options.trace === undefined ? null : options.trace,
        digest: options.digest ?? true,
        tracePayloads: payloads,
        traceThread: options.traceThread ?? "auto",
        groupOf,
        // Wall time feeds only wall_sec, progress and pacing, never the trace.
        clock: options.clock ?? (() => performance.now()),
        sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        // A silent logger with a no-op destination: pino's default one would hook process exit.
        logger: options.logger ?? pino({ level: "silent" }, { write() {} }),
        progressIntervalMs: options.progressIntervalMs ?? DEFAULT_PROGRESS_MS,
        latencySamples: keep,
        timeSeries: series,
      },
      hooks,
    );
  }

  /** Runs to the end (or a failure, or `abort`) and resolves with the summary. Once per Coordinator. */
  async run(): Promise<RunSummary> {
    const summary = await this.engine.run();
    this.emit("finished", summary);
    return summary;
  }

  /**
   * Stops the run early (interrupt, timeout): the current event completes, in-process
   * nodes get `finish`, the trace is closed, and the summary has `success: false`,
   * `aborted: reason`. An external node's `advance` in progress is not awaited.
   */
  abort(reason = "aborted"): void {
    this.engine.abort(reason);
  }

  /** The error that ended the run (a NodeFailedError names the node), or null. */
  get error(): Error | null {
    return this.engine.error;
  }

  /**
   * After `run()`: every latency sample with the node that recorded it and when, in
   * recording order; null unless `latencySamples` was given and the run stayed within it.
   */
  latencySamples(): LatencySamples | null {
    return this.engine.latencySamples();
  }

  /** After `run()`: the counts per bin of virtual time; null unless `timeSeries` was given. */
  timeSeries(): TimeSeries | null {
    return this.engine.timeSeries();
  }
}
