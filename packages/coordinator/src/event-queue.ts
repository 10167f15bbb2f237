import { grown } from "./_typed-arrays.js";

/**
 * The event queue: a binary min-heap ordered by `(timeUs, seq)`, where `seq` is a
 * global insertion counter, so events at the same time come out in insertion order.
 *
 * Keys live in typed arrays indexed by heap position (not by event), so a sift
 * compares neighbouring array cells without an indirection; the payload is an
 * integer (the coordinator's event-record slot). Measured against a heap of slot
 * indices with keys stored per slot, and a 4-ary heap: this layout was as fast or
 * faster on the reference workload (see docs/engine.md).
 */
export class EventQueue {
  private time: Float64Array;
  // Float64 rather than Uint32: a long run may insert more than 2^32 events.
  private seq: Float64Array;
  private value: Int32Array;
  private count = 0;
  private nextSeq = 0;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity);
    this.time = new Float64Array(cap);
    this.seq = new Float64Array(cap);
    this.value = new Int32Array(cap);
  }

  get size(): number {
    return this.count;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): number {
    return this.count > 0 ? this.time[0]! : Infinity;
  }

  push(timeUs: number, value: number): void {
    if (this.count === this.time.length) this.grow();
    const time = this.time;
    const seq = this.seq;
    const val = this.value;
    const s = this.nextSeq++;
    let i = this.count++;
    // Sift the hole up; the new element is written once at its final place.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = time[p]!;
      if (pt < timeUs || (pt === timeUs && seq[p]! < s)) break;
      time[i] = pt;
      seq[i] = seq[p]!;
      val[i] = val[p]!;
      i = p;
    }
    time[i] = timeUs;
    seq[i] = s;
    val[i] = value;
  }

  /** Removes the earliest event and returns its value. The queue must not be empty. */
  pop(): number {
    const time = this.time;
    const seq = this.seq;
    const val = this.value;
    const top = val[0]!;
    const n = --this.count;
    if (n > 0) {
      const t = time[n]!;
      const s = seq[n]!;
      const v = val[n]!;
      let i = 0;
      const half = n >> 1;
      while (i < half) {
        let c = 2 * i + 1;
        let ct = time[c]!;
        let cs = seq[c]!;
        const r = c + 1;
        if (r < n) {
          const rt = time[r]!;
          if (rt < ct || (rt === ct && seq[r]! < cs)) {
            c = r;
            ct = rt;
            cs = seq[r]!;
          }
        }
        if (t < ct || (t === ct && s < cs)) break;
        time[i] = ct;
        seq[i] = cs;
        val[i] = val[c]!;
        i = c;
      }
      time[i] = t;
      seq[i] = s;
      val[i] = v;
    }
    return top;
  }

  private grow(): void {
    const cap = this.time.length * 2;
    this.time = grown(this.time, cap);
    this.seq = grown(this.seq, cap);
    this.value = grown(this.value, cap);
  }
}
