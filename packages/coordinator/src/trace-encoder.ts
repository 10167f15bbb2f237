/**
 * Turns trace records into canonical JSON lines. Runs in the trace worker thread
 * (see trace-pipeline.ts), so `TraceEncoder` must be self-contained: its source
 * text is sent to the worker. It may not refer to anything outside its own body,
 * not even the constants below (it repeats them; the tests cover every kind).
 * One class at module level (not closures made per encoder) keeps V8's feedback
 * monomorphic however many runs a process makes.
 *
 * Record layout in a Float64Array, one record after another:
 *   TIMER         1, t, node, tag
 *   SEND          2, t, from, to, size, payload   (payload: string index or -1)
 *   DELIVER       3, t, from, to, sent, size
 *   DELIVER_LATE  4, t, from, to, sent, size, due
 *   DROP          5, t, from, to, size, reason    (reason: string index)
 *   NODE_EVENT    6, t, node, kind, rest          (kind: string index of the JSON kind; rest: string index or -1)
 * A node is an index into `idsJson`; a negative `to` is -(1 + string index) of a
 * JSON-quoted id that names no node. Strings are per batch.
 */
export const REC_TIMER = 1;
export const REC_SEND = 2;
export const REC_DELIVER = 3;
export const REC_DELIVER_LATE = 4;
export const REC_DROP = 5;
export const REC_NODE_EVENT = 6;
/** Doubles taken by the largest record. */
export const REC_MAX_WORDS = 7;

/** Encodes record batches into UTF-8 JSON lines, emitting chunks of `chunkSize` bytes. */
export class TraceEncoder {
  private readonly chunkSize: number;
  private readonly emit: (chunk: Uint8Array) => void;
  private readonly utf8 = new TextEncoder();
  private readonly ids: Uint8Array[];
  private readonly maxFixedLine: number;
  private buf: Uint8Array;
  private pos = 0;
  private readonly T: Uint8Array;
  private readonly EV_TIMER: Uint8Array;
  private readonly TAG: Uint8Array;
  private readonly EV_SEND: Uint8Array;
  private readonly EV_DELIVER: Uint8Array;
  private readonly EV_DROP: Uint8Array;
  private readonly TO: Uint8Array;
  private readonly SIZE: Uint8Array;
  private readonly SENT: Uint8Array;
  private readonly DUE: Uint8Array;
  private readonly PAYLOAD: Uint8Array;
  private readonly REASON: Uint8Array;
  private readonly EV: Uint8Array;
  private readonly NODE: Uint8Array;
  private readonly COMMA: Uint8Array;
  private readonly END: Uint8Array;

  /**
   * @param idsJson JSON-quoted node ids, by node index.
   * @param chunkSize bytes per emitted chunk (a line longer than that gets a chunk of its own).
   * @param emit receives each chunk; the encoder never touches a chunk again once emitted.
   */
  constructor(idsJson: readonly string[], chunkSize: number, emit: (chunk: Uint8Array) => void) {
    this.chunkSize = chunkSize;
    this.emit = emit;
    const enc = (s: string) => this.utf8.encode(s);
    this.ids = idsJson.map(enc);
    let longestId = 0;
    for (const id of this.ids) if (id.length > longestId) longestId = id.length;
    // Fixed parts, two ids, up to four numbers of at most 24 characters.
    this.maxFixedLine = 200 + 2 * longestId;
    this.buf = new Uint8Array(chunkSize);
    this.T = enc('{"t":');
    this.EV_TIMER = enc(',"ev":"timer","node":');
    this.TAG = enc(',"tag":');
    this.EV_SEND = enc(',"ev":"send","from":');
    this.EV_DELIVER = enc(',"ev":"deliver","from":');
    this.EV_DROP = enc(',"ev":"drop","from":');
    this.TO = enc(',"to":');
    this.SIZE = enc(',"size":');
    this.SENT = enc(',"sent":');
    this.DUE = enc(',"due":');
    this.PAYLOAD = enc(',"payload":');
    this.REASON = enc(',"reason":');
    this.EV = enc(',"ev":');
    this.NODE = enc(',"node":');
    this.COMMA = enc(",");
    this.END = enc("}\n");
  }

  /** Record fields are doubles: indexes are converted with `| 0` to keep element loads on the integer-key path. */
  encode(rec: Float64Array, words: number, strings: readonly string[]): void {
    const ids = this.ids;
    let i = 0;
    while (i < words) {
      this.room(this.maxFixedLine);
      const kind = rec[i]! | 0;
      this.put(this.T);
      this.num(rec[i + 1]!);
      if (kind === 1) {
        this.put(this.EV_TIMER);
        this.put(ids[rec[i + 2]! | 0]!);
        this.put(this.TAG);
        this.num(rec[i + 3]!);
        i += 4;
      } else if (kind === 3 || kind === 4) {
        this.put(this.EV_DELIVER);
        this.put(ids[rec[i + 2]! | 0]!);
        this.put(this.TO);
        this.put(ids[rec[i + 3]! | 0]!);
        this.put(this.SENT);
        this.num(rec[i + 4]!);
        this.put(this.SIZE);
        this.num(rec[i + 5]!);
        if (kind === 4) {
          this.put(this.DUE);
          this.num(rec[i + 6]!);
          i += 7;
        } else i += 6;
      } else if (kind === 2) {
        this.put(this.EV_SEND);
        this.put(ids[rec[i + 2]! | 0]!);
        this.put(this.TO);
        this.node(rec[i + 3]! | 0, strings);
        this.put(this.SIZE);
        this.num(rec[i + 4]!);
        const payload = rec[i + 5]! | 0;
        if (payload >= 0) {
          this.put(this.PAYLOAD);
          this.json(strings[payload]!);
        }
        i += 6;
      } else if (kind === 5) {
        this.put(this.EV_DROP);
        this.put(ids[rec[i + 2]! | 0]!);
        this.put(this.TO);
        this.node(rec[i + 3]! | 0, strings);
        this.put(this.SIZE);
        this.num(rec[i + 4]!);
        this.put(this.REASON);
        this.json(strings[rec[i + 5]! | 0]!);
        i += 6;
      } else if (kind === 6) {
        this.put(this.EV);
        this.json(strings[rec[i + 3]! | 0]!);
        this.room(this.maxFixedLine);
        this.put(this.NODE);
        this.put(ids[rec[i + 2]! | 0]!);
        const rest = rec[i + 4]! | 0;
        if (rest >= 0) {
          this.put(this.COMMA);
          this.json(strings[rest]!);
        }
        i += 5;
      } else {
        throw new Error(`trace encoder: unknown record kind ${kind} at word ${i}`);
      }
      this.room(2);
      this.put(this.END);
    }
  }

  /** Emits the last, partial chunk. */
  finish(): void {
    this.flush();
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.emit(this.buf.subarray(0, this.pos));
    this.buf = new Uint8Array(this.chunkSize);
    this.pos = 0;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = new Uint8Array(n);
  }

  // Short arrays: a loop beats TypedArray#set's call overhead.
  private put(b: Uint8Array): void {
    const buf = this.buf;
    const p = this.pos;
    const n = b.length;
    for (let k = 0; k < n; k++) buf[p + k] = b[k]!;
    this.pos = p + n;
  }

  /** A number exactly as JavaScript prints it (JSON's `null` for non-finite values). */
  private num(x: number): void {
    const buf = this.buf;
    if (x >= 0 && x < 2147483648 && (x | 0) === x) {
      let v = x | 0;
      let d = 1;
      for (let y = v; y >= 10; y = (y / 10) | 0) d++;
      let p = this.pos + d;
      this.pos = p;
      do {
        const q = (v / 10) | 0;
        buf[--p] = 48 + v - q * 10;
        v = q;
      } while (v > 0);
      return;
    }
    const s = Number.isFinite(x) ? String(x) : "null";
    const p = this.pos;
    for (let k = 0; k < s.length; k++) buf[p + k] = s.charCodeAt(k);
    this.pos = p + s.length;
  }

  /** A string that is already JSON, UTF-8 encoded here. */
  private json(s: string): void {
    this.room(s.length * 3 + 2);
    this.pos += this.utf8.encodeInto(s, this.buf.subarray(this.pos)).written;
  }

  private node(i: number, strings: readonly string[]): void {
    if (i >= 0) this.put(this.ids[i]!);
    else this.json(strings[-1 - i]!);
  }
}
