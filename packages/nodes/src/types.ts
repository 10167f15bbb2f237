import type { ResolvedModuleNode } from "@sim/config";
import type { TimeUs } from "@sim/coordinator";
import type { CustomNodeType } from "./custom-node.js";

/** Payload a sensor sends: one reading per kind it measures. */
export interface SensorReading {
  /** Per-sensor sample counter, from 0. */
  seq: number;
  /** Virtual time of the sample. */
  sampledAtUs: TimeUs;
  /** Kind -> value in the kind's unit, in the order the sensor lists its kinds. */
  readings: Record<string, number>;
  /** True when an anomaly was injected into this sample (ground truth for scoring decisions). */
  anomaly: boolean;
}

/** Payload a gateway forwards upstream: the means of one batch. */
export interface GatewayAggregate extends SensorReading {
  /** The node every reading of the batch came from, or the gateway's id when they came from several. */
  origin: string;
  /** Readings in the batch. */
  count: number;
  /** Oldest `sampledAtUs` in the batch, so the cloud measures latency from sampling. */
  sampledAtUs: TimeUs;
  /** True when any reading in the batch was anomalous. */
  anomaly: boolean;
}

/** Calls made so far and their wall-clock cost; never part of the trace. */
export interface InferenceStats {
  inferences: number;
  /** Rows (windows) scored, over all calls. */
  rows: number;
  wallMs: number;
}

/**
 * A loaded model, shared by every node of a run. `run` is synchronous so that a
 * node gets its decision inside the event that asked for it.
 */
export interface InferenceEngine {
  readonly placement: "edge" | "cloud";
  readonly modelPath: string;
  /** Virtual-time cost of one inference. */
  readonly inferenceUs: TimeUs;
  /** Readings per series the model sees. */
  readonly window: number;
  /**
   * Scores `rows` windows of `window` normalised readings each (row-major, oldest
   * first). Returns one score in [0, 1] per row.
   */
  run(input: Float32Array, rows: number): Float32Array;
  stats(): InferenceStats;
  /** Releases the session. Idempotent. */
  close(): Promise<void>;
}

/** Run-wide services the factory hands to nodes. */
export interface NodeServices {
  /** Required when the scenario places inference on a gateway or cloud node. */
  inference?: InferenceEngine | null;
  /**
   * The class of each `module` node; required when the scenario has any. The harness
   * loads them from their files, or takes them from runScenario's `nodeTypes`.
   */
  customNodeType?: (node: ResolvedModuleNode) => CustomNodeType | undefined;
}
