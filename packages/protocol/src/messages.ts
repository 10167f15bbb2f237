/**
 * The wire messages of the node protocol (NDJSON over stdin/stdout), exactly as
 * they appear on the wire: snake_case keys, integer microseconds.
 * This module has no dependencies so that the node-side SDK stays light.
 */

/** Major version of the protocol spoken by this package. */
export const PROTOCOL_VERSION = 1;

/**
 * Longest line (in UTF-16 code units, after UTF-8 decoding) accepted from a node.
 * Bounds the buffer a misbehaving node can make the harness hold; a real message
 * (one payload) is far below it.
 */
export const MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects in a payload (the message object itself is
 * not counted). Everything that handles a payload later (JSON.stringify for its size
 * and the trace, structuredClone, other languages' JSON libraries) recurses per
 * level: a 1 MiB line can hold 500,000 levels, which overflows the stack. 64 is the
 * nesting limit of scenario files too, and far more than a real reading needs.
 */
export const MAX_PAYLOAD_DEPTH = 64;

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// coordinator -> node

export interface InitMessage {
  type: "init";
  protocol: number;
  node_id: string;
  seed: number;
  /** Length of one lockstep quantum. */
  time_quantum_us: number;
  config: Record<string, unknown>;
}

export interface DeliverMessage {
  type: "deliver";
  at_us: number;
  from: string;
  payload: unknown;
  size_bytes: number;
}

export interface AdvanceMessage {
  type: "advance";
  until_us: number;
}

export interface ShutdownMessage {
  type: "shutdown";
}

export type CoordinatorMessage = InitMessage | DeliverMessage | AdvanceMessage | ShutdownMessage;

// node -> coordinator

export interface ReadyMessage {
  type: "ready";
  protocol: number;
}

export interface SendMessage {
  type: "send";
  at_us: number;
  to: string;
  payload: unknown;
  /** Optional: defaults to the UTF-8 length of the payload's JSON text. */
  size_bytes?: number;
}

export interface LogMessage {
  type: "log";
  level: LogLevel;
  msg: string;
}

export interface DoneMessage {
  type: "done";
  now_us: number;
}

export type NodeMessage = ReadyMessage | SendMessage | LogMessage | DoneMessage;
