import type { NodeContext, TimeUs } from "@sim/coordinator";
import type { ParsedReading } from "./_payload.js";
import { sensorKind } from "./sensor-kinds.js";
import type { InferenceEngine } from "./types.js";

/** A model decision taken at request time, applied (traced, counted) when the inference completes. */
export interface Decision {
  origin: string;
  sampledAtUs: TimeUs;
  /** When the reading reached the node and the model ran; the decision is applied later. */
  requestedAtUs: TimeUs;
  /** Highest score over the reading's kinds, rounded to SCORE_DECIMALS. */
  score: number;
  /** Ground truth: the scored reading carried an injected anomaly. */
  anomaly: boolean;
}

/** Counters a node that runs the model produces (`ctx.count`). */
export const DETECTOR_COUNTERS = ["inferences", "unscored_values", "decisions", "true_positives", "false_positives", "false_negatives", "true_negatives"] as const;

/** A score at or above this flags the reading as anomalous. */
export const ANOMALY_THRESHOLD = 0.5;

// Scores enter the trace rounded: onnxruntime's kernels may differ in the last bit
// between CPU instruction sets, and a probability needs no more digits than this.
const SCORE_SCALE = 1_000;

/** A window of the latest normalised readings of one (origin, kind) series. */
class Series {
  private readonly values: Float32Array;
  private next = 0;
  private filled = 0;
  constructor(size: number) {
    this.values = new Float32Array(size);
  }
  push(value: number): boolean {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.values.length;
    if (this.filled < this.values.length) this.filled += 1;
    return this.filled === this.values.length;
  }
  /** Writes the window, oldest first. */
  copyTo(out: Float32Array, offset: number): void {
    const tail = this.values.subarray(this.next);
    out.set(tail, offset);
    out.set(this.values.subarray(0, this.next), offset + tail.length);
  }
}

/**
 * Keeps one window per (origin, sensor kind), normalises readings per kind as
 * `(value - baseline) / noise`, and runs the model on every window a reading
 * completes. Shared by the gateway (edge placement) and the cloud (cloud placement).
 */
export class Detector {
  readonly inferenceUs: TimeUs;
  private readonly series = new Map<string, Series>();
  private input: Float32Array;

  constructor(private readonly engine: InferenceEngine) {
    this.inferenceUs = engine.inferenceUs;
    this.input = new Float32Array(engine.window * 4);
  }

  /** Runs the model now if the reading completes at least one window; null while windows fill up. */
  observe(reading: ParsedReading, ctx: NodeContext): Decision | null {
    const window = this.engine.window;
    const values = reading.readings;
    if (values === null) return null;
    let rows = 0;
    for (const kind in values) {
      const value = values[kind];
      const spec = sensorKind(kind);
      if (typeof value !== "number" || spec === undefined) {
        ctx.count("unscored_values");
        continue;
      }
      const key = `${reading.origin}\u0000${kind}`;
      let series = this.series.get(key);
      if (series === undefined) {
        series = new Series(window);
        this.series.set(key, series);
      }
      if (!series.push((value - spec.baseline) / spec.noise)) continue;
      if ((rows + 1) * window > this.input.length) {
        const bigger = new Float32Array(this.input.length * 2);
        bigger.set(this.input);
        this.input = bigger;
      }
      series.copyTo(this.input, rows * window);
      rows += 1;
    }
    if (rows === 0) return null;
    const scores = this.engine.run(this.input.subarray(0, rows * window), rows);
    ctx.count("inferences");
    let score = 0;
    for (let i = 0; i < rows; i++) score = Math.max(score, scores[i]!);
    return {
      origin: reading.origin,
      sampledAtUs: reading.sampledAtUs,
      requestedAtUs: ctx.now(),
      score: Math.round(score * SCORE_SCALE) / SCORE_SCALE,
      anomaly: reading.anomaly,
    };
  }

  /** Applies a decision at its virtual time: trace line, confusion counters, decision latency. */
  apply(decision: Decision, ctx: NodeContext): void {
    const flagged = decision.score >= ANOMALY_THRESHOLD;
    ctx.trace("decision", {
      origin: decision.origin,
      sampledAtUs: decision.sampledAtUs,
      requestedAtUs: decision.requestedAtUs,
      score: decision.score,
      flagged,
      anomaly: decision.anomaly,
    });
    ctx.count("decisions");
    ctx.count(flagged ? (decision.anomaly ? "true_positives" : "false_positives") : decision.anomaly ? "false_negatives" : "true_negatives");
    ctx.latency("decision", ctx.now() - decision.sampledAtUs);
  }
}
