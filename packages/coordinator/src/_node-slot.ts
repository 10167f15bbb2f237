import type { LinkRecord } from "./_link-record.js";
import type { RunState } from "./_run-state.js";
import type { LatencyStats } from "./latency-stats.js";
import { aleaNextAt, nodeRngKey, type AleaTable } from "./rng.js";
import type { TimeSeriesRecorder } from "./time-series.js";
import type { ExternalNode, InProcessNode, NodeContext, PayloadJson, Rng, TimeUs } from "./types.js";

/** The engine as a node's context sees it: what `ctx` forwards to and the state it reads. */
export interface NodeHost {
  readonly seed: number;
  readonly state: RunState;
  readonly latency: LatencyStats;
  readonly ts: TimeSeriesRecorder | null;
  /** Every node's stream state, by node index (made for every node at once: it never grows). */
  readonly nodeStreams: AleaTable;
  send(from: NodeSlot, to: string, payload: unknown, sizeBytes: number, json?: string | PayloadJson): void;
  setTimer(node: number, delayUs: TimeUs, tag: number): void;
  nodeEvent(node: number, kind: string, data: Record<string, unknown>): void;
}

/**
 * Everything the engine keeps per node, in one object so that an event touches few
 * cache lines; for an in-process node it is also the node's context.
 */
export class NodeSlot implements NodeContext, Rng {
  sent = 0;
  received = 0;
  dropped = 0;
  counters: Map<string, number> | null = null;
  /** One-entry cache of the last destination: nodes mostly talk to one peer. */
  lastTo: string | null = null;
  lastLink: LinkRecord | null = null;
  /** One-entry cache of the last payload template (`parts` array -> template number). */
  lastParts: readonly string[] | null = null;
  lastTemplate = -1;
  /** The node's group in the time series (-1 without one). */
  tsGroup = -1;
  // The node's stream `${seed}/${id}` (in the host's table), seeded when `rng` is first read; `rng` is this object.
  private seeded = false;
  private readonly streams: Float64Array;
  constructor(
    readonly id: string,
    readonly index: number,
    readonly node: InProcessNode | null,
    readonly external: ExternalNode | null,
    private readonly host: NodeHost,
  ) {
    this.streams = host.nodeStreams.a;
  }
  get rng(): Rng {
    // Seeded here, not in next(): V8 judges next() by its optimised code, and the
    // seeding inlined there would keep it from being inlined into the node's code
    // (then every draw returns a boxed double).
    if (!this.seeded) this.seedStream();
    return this;
  }
  next(): number {
    return aleaNextAt(this.streams, this.index << 2);
  }
  private seedStream(): void {
    this.host.nodeStreams.seed(this.index, nodeRngKey(this.host.seed, this.id));
    this.seeded = true;
  }
  now(): TimeUs {
    return this.host.state.nowUs;
  }
  send(to: string, payload: unknown, sizeBytes: number, json?: string | PayloadJson): void {
    this.host.send(this, to, payload, sizeBytes, json);
  }
  setTimer(delayUs: TimeUs, tag: number): void {
    this.host.setTimer(this.index, delayUs, tag);
  }
  trace(kind: string, data: Record<string, unknown>): void {
    this.host.nodeEvent(this.index, kind, data);
  }
  count(counter: string, delta = 1): void {
    const map = (this.counters ??= new Map());
    map.set(counter, (map.get(counter) ?? 0) + delta);
    const ts = this.host.ts;
    if (ts !== null) ts.count(this.tsGroup, counter, delta, this.host.state.nowUs);
  }
  latency(series: string, valueUs: TimeUs): void {
    this.host.latency.add(series, valueUs, this.index, this.host.state.nowUs);
  }
}
