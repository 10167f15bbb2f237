import { EVENT_DELIVER, EVENT_TIMER, EventPool } from "./_event-pool.js";
import type { Failures } from "./_failures.js";
import type { LinkRecord } from "./_link-record.js";
import type { NodeSlot } from "./_node-slot.js";
import type { RunState } from "./_run-state.js";
import type { WallTime } from "./_wall-time.js";
import { EventQueue } from "./event-queue.js";
import type { TimeSeriesRecorder } from "./time-series.js";
import type { TraceRecorder } from "./trace-pipeline.js";
import type { Message, TimeUs } from "./types.js";

// Why a slice of events ended.
const SLICE_DONE = 0;
const SLICE_YIELD = 1;
const SLICE_DRAIN = 2;
const SLICE_PACE = 3;
const SLICE_STOP = 4;

/** Events per synchronous slice; between slices the loop yields (abort, I/O, progress). */
const SLICE_EVENTS = 1 << 14;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The discrete-event loop of in-process nodes: timers and deliveries ordered by
 * (time, scheduling order), each run by calling its node at its exact time.
 */
export class EventLoop {
  private readonly queue = new EventQueue(1024);
  private readonly pool = new EventPool();

  constructor(
    private readonly state: RunState,
    private readonly slots: readonly NodeSlot[],
    private readonly trace: TraceRecorder | null,
    private readonly ts: TimeSeriesRecorder | null,
    private readonly wall: WallTime,
    private readonly failures: Failures,
  ) {}

  scheduleTimer(atUs: TimeUs, node: number, tag: number): void {
    const pool = this.pool;
    const slot = pool.alloc();
    pool.kind[slot] = EVENT_TIMER;
    pool.node[slot] = node;
    pool.tag[slot] = tag;
    this.queue.push(atUs, slot);
  }

  /** Message `msgId` on `link` arrives at `atUs` (an in-process receiver). */
  scheduleDelivery(atUs: TimeUs, link: LinkRecord, msgId: number, msg: Message): void {
    const pool = this.pool;
    const slot = pool.alloc();
    pool.kind[slot] = EVENT_DELIVER;
    pool.node[slot] = link.toIdx;
    pool.msgId[slot] = msgId;
    pool.msg[slot] = msg;
    pool.link[slot] = link;
    this.queue.push(atUs, slot);
  }

  /**
   * Runs every event before `limit` (a barrier or the end), in slices: between them
   * it yields to Node's loop, waits for the trace to drain and paces to wall time.
   */
  async runUntil(limit: TimeUs): Promise<void> {
    const { state, wall, failures } = this;
    for (;;) {
      wall.catchUp();
      let status: number;
      try {
        status = this.slice(limit);
      } catch (err) {
        failures.record(state.current, err);
        return;
      }
      // Every delivery before now has happened (see docs/results.md): its bins can be reduced.
      if (this.ts !== null) this.ts.settle(state.nowUs);
      wall.maybeProgress();
      if (status === SLICE_DONE || status === SLICE_STOP) return;
      if (status === SLICE_YIELD) await yieldToLoop();
      else if (status === SLICE_DRAIN) {
        try {
          await this.trace!.drain();
        } catch (err) {
          failures.record(null, err);
          return;
        }
      } else if (status === SLICE_PACE) await wall.pace(this.queue.peekTime());
    }
  }

  /** Runs events with time < limit until one of the SLICE_* conditions. Synchronous. */
  private slice(limit: number): number {
    const { queue, pool, trace, slots, state, wall } = this;
    let budget = SLICE_EVENTS;
    for (;;) {
      const t = queue.peekTime();
      if (t >= limit) return SLICE_DONE;
      if (state.stopped) return SLICE_STOP;
      if (budget-- === 0) return SLICE_YIELD;
      if (trace !== null && trace.blocked) return SLICE_DRAIN;
      if (t > wall.allowedUs) return SLICE_PACE;
      const slot = queue.pop();
      state.nowUs = t;
      // The pool's arrays are read on every event: a callback that schedules many
      // events may replace them (the pool grows).
      const idx = pool.node[slot]!;
      const st = slots[idx]!;
      state.current = idx;
      state.events++;
      if (pool.kind[slot] === EVENT_DELIVER) {
        const msg = pool.msg[slot]!;
        const link = pool.link[slot]!;
        pool.msg[slot] = null;
        pool.link[slot] = null;
        pool.release(slot);
        link.delivered++;
        state.delivered++;
        st.received++;
        if (trace !== null) trace.deliver(t, link.id, pool.msgId[slot]!, msg.sentAtUs, msg.sizeBytes);
        if (this.ts !== null) this.ts.deliver(link.tsPair, link.tsToGroup, t, msg.sentAtUs);
        st.node!.receive(msg, st);
      } else {
        const tag = pool.tag[slot]!;
        pool.release(slot);
        if (trace !== null) trace.timer(t, idx, tag);
        st.node!.timer(tag, st);
      }
    }
  }
}
