import type { LinkRecord } from "./_link-record.js";
import { grown } from "./_typed-arrays.js";
import type { Message } from "./types.js";

export const EVENT_TIMER = 1;
export const EVENT_DELIVER = 2;

/**
 * The pending events' records, pooled: the event queue orders slot numbers, and a
 * slot's fields sit in typed arrays by slot number (no object per timer). A freed
 * slot is reused by the next event scheduled.
 *
 * The arrays are replaced when the pool grows, which a node's callback may cause:
 * read them through the pool on every event, never keep them in locals across calls.
 */
export class EventPool {
  kind = new Uint8Array(1024);
  /** The node the event is for. */
  node = new Int32Array(1024);
  /** A timer's tag. */
  tag = new Float64Array(1024);
  /** A delivery's message id. */
  msgId = new Float64Array(1024);
  msg: (Message | null)[] = new Array<Message | null>(1024).fill(null);
  link: (LinkRecord | null)[] = new Array<LinkRecord | null>(1024).fill(null);
  private free = new Int32Array(1024);
  private nFree = 0;
  private used = 0;

  alloc(): number {
    if (this.nFree > 0) return this.free[--this.nFree]!;
    if (this.used === this.kind.length) this.grow();
    return this.used++;
  }

  /** Returns `slot` to the pool (a delivery's `msg` and `link` must be cleared first). */
  release(slot: number): void {
    this.free[this.nFree++] = slot;
  }

  private grow(): void {
    const cap = this.kind.length * 2;
    this.kind = grown(this.kind, cap);
    this.node = grown(this.node, cap);
    this.tag = grown(this.tag, cap);
    this.msgId = grown(this.msgId, cap);
    this.free = grown(this.free, cap);
    for (let i = this.msg.length; i < cap; i++) {
      this.msg.push(null);
      this.link.push(null);
    }
  }
}
