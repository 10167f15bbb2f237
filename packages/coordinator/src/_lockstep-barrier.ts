import type { Failures } from "./_failures.js";
import type { LinkRecord } from "./_link-record.js";
import type { NodeSlot } from "./_node-slot.js";
import type { RunState } from "./_run-state.js";
import { NodeFailedError } from "./errors.js";
import type { QuantumEvent } from "./events.js";
import type { TimeSeriesRecorder } from "./time-series.js";
import type { TraceRecorder } from "./trace-pipeline.js";
import type { ExternalInit, ExternalNode, InboundMessage, OutboundMessage, TimeUs } from "./types.js";

/** What the barrier needs from the engine. */
export interface BarrierHost {
  readonly state: RunState;
  readonly slots: readonly NodeSlot[];
  readonly trace: TraceRecorder | null;
  readonly ts: TimeSeriesRecorder | null;
  readonly failures: Failures;
  /** Sends on behalf of `from` at `state.nowUs`, as its context would (throws alike). */
  send(from: NodeSlot, to: string, payload: unknown, sizeBytes: number): void;
}

/** A message for an external node, held until the barrier of its quantum. */
interface PendingInbound {
  at: TimeUs;
  link: LinkRecord;
  /** Message id. */
  msg: number;
  sent: TimeUs;
  size: number;
  payload: unknown;
  /** The payload's JSON if the engine had it, else null. */
  json: string | null;
}

/**
 * The lockstep barrier of external nodes (docs/engine.md#external-nodes-lockstep):
 * at each barrier every external node gets its messages of the next quantum and
 * runs it, all at once; what they sent is sorted so that the order in which replies
 * arrive never changes the trace.
 */
export class LockstepBarrier {
  /** Node indexes of the external nodes, in node order. */
  private readonly externalIdx: number[] = [];
  /** Held messages by receiver index (external nodes only). */
  private readonly inbox: (PendingInbound[] | null)[];

  constructor(
    private readonly host: BarrierHost,
    private readonly onQuantum: (q: QuantumEvent) => void,
  ) {
    const slots = host.slots;
    this.inbox = new Array<PendingInbound[] | null>(slots.length).fill(null);
    for (const slot of slots) {
      if (slot.external === null) continue;
      this.externalIdx.push(slot.index);
      this.inbox[slot.index] = [];
    }
  }

  /** With no external node there are no barriers at all. */
  get active(): boolean {
    return this.externalIdx.length > 0;
  }

  /** Holds message `msg` on `link` (to an external node), due at `at`, until its barrier; `json`: the payload's JSON, if known. */
  hold(link: LinkRecord, at: TimeUs, msg: number, sent: TimeUs, size: number, payload: unknown, json: string | null): void {
    this.inbox[link.toIdx]!.push({ at, link, msg, sent, size, payload, json });
  }

  /** The external nodes' `start(init)` handshakes, in parallel. */
  async start(init: ExternalInit): Promise<void> {
    if (this.externalIdx.length === 0) return;
    await this.allExternal((node) => node.start(init));
  }

  /** The barrier at `atUs`: hands over the messages due before `untilUs`, advances every external node to it, routes what they sent. */
  async advance(atUs: TimeUs, untilUs: TimeUs): Promise<void> {
    const { state, slots, failures } = this.host;
    let inboundCount = 0;
    const inbound = this.externalIdx.map((idx) => {
      const ready = this.takeDue(idx, atUs, untilUs);
      inboundCount += ready.length;
      return ready;
    });
    const outbound = await this.allExternal((node, j) => node.advance(untilUs, inbound[j]!));
    if (outbound === null) return;
    const sends: { idx: number; id: string; m: OutboundMessage }[] = [];
    for (let j = 0; j < outbound.length; j++) {
      const idx = this.externalIdx[j]!;
      const id = slots[idx]!.id;
      const list = outbound[j];
      if (!Array.isArray(list)) {
        failures.record(idx, new NodeFailedError(id, `advance(${untilUs}) resolved with ${typeof list}, expected an array of messages`));
        return;
      }
      for (const m of list) {
        const problem = outboundProblem(m, atUs, untilUs);
        if (problem !== null) {
          failures.record(idx, new NodeFailedError(id, problem));
          return;
        }
        sends.push({ idx, id, m });
      }
    }
    // Replies arrive in wall-clock order; this sort makes the trace independent of it.
    sends.sort((a, b) => a.m.atUs - b.m.atUs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || a.m.nodeSeq - b.m.nodeSeq);
    for (const s of sends) {
      state.nowUs = s.m.atUs;
      state.current = s.idx;
      try {
        this.host.send(slots[s.idx]!, s.m.to, s.m.payload, s.m.sizeBytes);
      } catch (err) {
        failures.record(s.idx, err);
        return;
      }
    }
    state.nowUs = atUs;
    this.onQuantum({ untilUs, inbound: inboundCount, outbound: sends.length });
  }

  /**
   * Takes node `idx`'s messages due before `untilUs`, delivering them (trace, counts)
   * at their time, or at `atUs` if that time lies in a quantum already granted (late).
   */
  private takeDue(idx: number, atUs: TimeUs, untilUs: TimeUs): InboundMessage[] {
    const box = this.inbox[idx]!;
    if (box.length === 0) return [];
    const { state, trace, ts } = this.host;
    const receiver = this.host.slots[idx]!;
    box.sort(byTime); // stable: equal times stay in send order
    const ready: InboundMessage[] = [];
    const keep: PendingInbound[] = [];
    for (const p of box) {
      if (p.at >= untilUs) {
        keep.push(p);
        continue;
      }
      const late = p.at < atUs;
      const at = late ? atUs : p.at;
      if (late) {
        state.late++;
        if (trace !== null) trace.deliverLate(at, p.link.id, p.msg, p.sent, p.size, p.at);
      } else if (trace !== null) trace.deliver(at, p.link.id, p.msg, p.sent, p.size);
      p.link.delivered++;
      state.delivered++;
      receiver.received++;
      if (ts !== null) ts.deliver(p.link.tsPair, p.link.tsToGroup, at, p.sent);
      state.events++;
      ready.push({ from: p.link.fromId, atUs: at, payload: p.payload, sizeBytes: p.size, payloadJson: p.json ?? undefined });
    }
    this.inbox[idx] = keep;
    return ready;
  }

  /**
   * Calls `call` on every external node at once; resolves with their results in node
   * order, or with null after the first failure (recorded) or an abort.
   */
  private async allExternal<T>(call: (node: ExternalNode, j: number) => Promise<T>): Promise<T[] | null> {
    const { state, slots, failures } = this.host;
    const results = new Array<T>(this.externalIdx.length);
    let failed: { idx: number; err: unknown } | null = null;
    const all = new Promise<void>((resolve) => {
      let pending = this.externalIdx.length;
      this.externalIdx.forEach((idx, j) => {
        let p: Promise<T>;
        try {
          p = Promise.resolve(call(slots[idx]!.external!, j));
        } catch (err) {
          p = Promise.reject(err);
        }
        p.then(
          (value) => {
            results[j] = value;
            if (--pending === 0) resolve();
          },
          (err: unknown) => {
            failed ??= { idx, err };
            resolve();
          },
        );
      });
    });
    await state.orAbort(all);
    if (failed !== null) {
      const { idx, err } = failed;
      failures.record(idx, err);
    }
    return state.stopped ? null : results;
  }
}

function byTime(a: PendingInbound, b: PendingInbound): number {
  return a.at - b.at;
}

/** What is wrong with a message an external node sent in [fromUs, untilUs), or null. */
function outboundProblem(m: OutboundMessage, fromUs: number, untilUs: number): string | null {
  if (m === null || typeof m !== "object") return `sent ${String(m)} instead of a message`;
  if (typeof m.to !== "string") return `sent a message without a "to" node id`;
  if (!(typeof m.atUs === "number" && Math.floor(m.atUs) === m.atUs)) return `sent a message with at_us=${String(m.atUs)}, which is not an integer`;
  if (m.atUs < fromUs || m.atUs >= untilUs) return `sent a message at at_us=${m.atUs}, outside the quantum it was running [${fromUs}, ${untilUs})`;
  if (!(typeof m.sizeBytes === "number" && m.sizeBytes >= 0 && Math.floor(m.sizeBytes) === m.sizeBytes && m.sizeBytes <= Number.MAX_SAFE_INTEGER)) {
    return `sent a message with size_bytes=${String(m.sizeBytes)}; it must be a non-negative integer`;
  }
  if (typeof m.nodeSeq !== "number" || !Number.isFinite(m.nodeSeq)) return `sent a message without a numeric nodeSeq`;
  return null;
}
