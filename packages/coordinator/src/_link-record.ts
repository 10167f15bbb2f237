import { isFastLinkRoute, type FastLinkRoute } from "./_fast-route.js";
import type { NodeSlot } from "./_node-slot.js";
import { aleaNextAt, linkRngKey, type AleaTable } from "./rng.js";
import type { LinkRoute, Rng } from "./types.js";

/**
 * State of one directed (from, to) pair: its network route, its counts and its
 * random stream (its state in the engine's table of link streams, by link id, seeded
 * on the first draw).
 */
export class LinkRecord implements Rng {
  sent = 0;
  delivered = 0;
  dropped = 0;
  bytes = 0;
  private seeded = false;
  readonly fromIdx: number;
  readonly toIdx: number;
  readonly fromId: string;
  readonly toId: string;
  readonly toExternal: boolean;
  readonly fast: FastLinkRoute | null;
  /** Its `fromGroup->toGroup` pair and the receiver's group in the time series (-1 without one). */
  tsPair = -1;
  tsToGroup = -1;
  constructor(
    /** Number of the link in creation order (the trace refers to links by it). */
    readonly id: number,
    readonly from: NodeSlot,
    readonly to: NodeSlot,
    readonly route: LinkRoute | null,
    readonly tracePayload: boolean,
    private readonly seed: number,
    private readonly streams: AleaTable,
  ) {
    this.fromIdx = from.index;
    this.toIdx = to.index;
    this.fromId = from.id;
    this.toId = to.id;
    this.toExternal = to.external !== null;
    this.fast = route !== null && isFastLinkRoute(route) ? route : null;
  }
  /** The link's stream `${seed}/link/${from}->${to}`. */
  next(): number {
    if (!this.seeded) this.seedStream();
    return aleaNextAt(this.streams.a, this.id << 2);
  }
  private seedStream(): void {
    this.streams.ensure(this.id + 1);
    this.streams.seed(this.id, linkRngKey(this.seed, this.fromId, this.toId));
    this.seeded = true;
  }
}
