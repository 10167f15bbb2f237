// The payloads of the events a run emits (`CoordinatorEvents`), public.
import type { TimeUs } from "./types.js";

export interface ProgressEvent {
  nowUs: TimeUs;
  durationUs: TimeUs;
  events: number;
  /** Virtual time over wall time achieved so far (2 = twice as fast as real time). */
  realtimeFactor: number;
}

export interface QuantumEvent {
  /** The barrier the external nodes were advanced to. */
  untilUs: TimeUs;
  /** Messages handed to external nodes for this quantum. */
  inbound: number;
  /** Messages they sent during it. */
  outbound: number;
}

export interface NodeErrorEvent {
  nodeId: string;
  error: Error;
}
