/**
 * Core contracts of the engine. Everything that plugs into the coordinator
 * (built-in nodes, external-node launchers, network models, another simulator
 * embedding it) codes against these interfaces only.
 */

/** Virtual time: an integer number of microseconds, safe to 2^53. */
export type TimeUs = number;

/** A seeded random stream. One per consumer: `${seed}/${nodeId}`, `${seed}/link/${from}->${to}`. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

/** Which send lines of the trace carry the payload (see docs/engine.md). */
export type TracePayloads = "external" | "all" | "none";

/** A message as delivered to a node. */
export interface Message {
  from: string;
  to: string;
  /** Virtual time at which the sender sent it. */
  sentAtUs: TimeUs;
  sizeBytes: number;
  payload: unknown;
}

/** A message an external node emitted while running a quantum. */
export interface OutboundMessage {
  to: string;
  /** Send time, inside the quantum that was being run. */
  atUs: TimeUs;
  payload: unknown;
  sizeBytes: number;
  /** Per-node emission counter: the tie-breaker after (atUs, nodeId). */
  nodeSeq: number;
}

/** A message handed to an external node for the coming quantum. */
export interface InboundMessage {
  from: string;
  /** Delivery time, inside the quantum about to be run. */
  atUs: TimeUs;
  payload: unknown;
  sizeBytes: number;
  /**
   * `JSON.stringify(payload)` when the engine already has it (it wrote the payload
   * into the trace), so that a node speaking JSON need not serialise it again.
   */
  payloadJson?: string;
}

// ---------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------

/** What an in-process node may do while it is being called. */
export interface NodeContext {
  readonly id: string;
  /** This node's own seeded stream. */
  readonly rng: Rng;
  /** Current virtual time. */
  now(): TimeUs;
  /**
   * Send now; the network model decides when (and whether) it arrives. `json`
   * (optional) is the payload's JSON text, ready-made, for the trace: it must be
   * exactly `JSON.stringify(payload)`. Without it the coordinator serialises the
   * payload when the trace carries it.
   */
  send(to: string, payload: unknown, sizeBytes: number, json?: string | PayloadJson): void;
  /** Call `timer(tag)` on this node `delayUs` from now (>= 0, integer). */
  setTimer(delayUs: TimeUs, tag: number): void;
  /** Append a node-specific event (e.g. an inference) to the trace. */
  trace(kind: string, data: Record<string, unknown>): void;
  /** Add to one of this node's counters (reported per node in the summary). */
  count(counter: string, delta?: number): void;
  /** Record an end-to-end latency sample (µs) under a named series, e.g. "cloud", "decision". */
  latency(series: string, valueUs: TimeUs): void;
}

/**
 * A payload's JSON text as a fixed template with numbers in between:
 * `parts[0] + values[0] + parts[1] + … + values[n-1] + parts[n]`, each number
 * written as `JSON.stringify` writes it. Lets a node that sends the same shape
 * again and again hand over its numbers instead of a string (the trace formats
 * them off the engine's thread). Reuse one `parts` array per shape: the
 * coordinator registers a template by the identity of `parts`. `values` is read
 * during `send` only, so one array may be refilled for every message.
 */
export interface PayloadJson {
  readonly parts: readonly string[];
  readonly values: ArrayLike<number>;
}

/** A node called synchronously by the coordinator at the exact virtual time of each event. */
export interface InProcessNode {
  readonly kind: "in-process";
  readonly id: string;
  /** Node type as in the scenario, e.g. "sensor". */
  readonly type: string;
  start(ctx: NodeContext): void;
  receive(msg: Message, ctx: NodeContext): void;
  timer(tag: number, ctx: NodeContext): void;
  /** Called once after the run; async work (e.g. ML inference) must have settled by then. */
  finish?(ctx: NodeContext): void | Promise<void>;
}

/** What an external node is told when the run starts. */
export interface ExternalInit {
  seed: number;
  timeQuantumUs: TimeUs;
}

/**
 * A node outside the coordinator's process (a child process, a container, an
 * emulator), advanced in lockstep at barriers of `time_quantum_us`. It has no
 * `stop`: the coordinator only starts and advances it, and whoever started the
 * process or container behind it ends it (the harness through the launcher's
 * `StartedNode.stop()`, an embedder by its own means), so that there is one stop path.
 */
export interface ExternalNode {
  readonly kind: "external";
  readonly id: string;
  readonly type: string;
  /** Handshake (e.g. the protocol's init/ready). Rejects with NodeFailedError. */
  start(init: ExternalInit): Promise<void>;
  /**
   * Deliver `inbound` (sorted by atUs) and run the node up to `untilUs`.
   * Resolves with what it sent during the quantum; rejects with NodeFailedError
   * (which names the node and quotes the offending line) on any failure.
   */
  advance(untilUs: TimeUs, inbound: InboundMessage[]): Promise<OutboundMessage[]>;
}

export type SimNode = InProcessNode | ExternalNode;

// ---------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------

/** Result of routing one message: a delivery time, or a drop with its reason. */
export type Route = { deliverAtUs: TimeUs } | { drop: string };

export interface NetworkModel {
  route(from: string, to: string, sizeBytes: number, nowUs: TimeUs, rng: Rng): Route;
  /**
   * Optional fast path: the routing of one directed link, resolved once. The
   * coordinator caches it per (from, to) pair and calls its `route` instead of the
   * model's; both must give the same result.
   */
  link?(from: string, to: string): LinkRoute;
}

/** Routing of one directed link (see `NetworkModel.link`). */
export interface LinkRoute {
  route(sizeBytes: number, nowUs: TimeUs, rng: Rng): Route;
}
