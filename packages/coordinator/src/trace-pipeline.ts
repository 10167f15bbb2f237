import { BATCH_WORDS, InlineBackend, TEXT_BUFFER_BYTES, WorkerBackend, type Backend, type TraceOutputOptions } from "./_trace-backends.js";
import {
  REC_DELIVER,
  REC_DELIVER_LATE,
  REC_DROP,
  REC_DROP_ASTRAY,
  REC_LINK,
  REC_MAX_WORDS,
  REC_NODE_EVENT,
  REC_SEND,
  REC_SEND_ASTRAY,
  REC_SEND_VALUES,
  REC_TEMPLATE,
  REC_TIMER,
  SPAN,
} from "./trace-encoder.js";

/** Bytes of JSON text per batch before it is shipped early (payload-heavy traces). */
const MAX_BATCH_TEXT = 1 << 20;
/**
 * Buffer#utf8Write: the native method behind Buffer#write(s, offset, "utf8"), without
 * its argument normalisation (a measurable share per payload). Public on
 * Buffer.prototype since Node 0.x, not in the type definitions.
 */
interface FastUtf8 {
  utf8Write(s: string, offset: number): number;
}

const EMPTY = new Uint8Array(0);
/**
 * With thread "auto": batches held back before deciding that the trace is worth a
 * thread. Starting the encoder thread costs a new isolate and its modules (about 0.1 s
 * of CPU and 20 MB); measured on 2 cores (docs/engine.md), it pays off from about
 * 3,000 sensors (57 batches) and costs a 1,000-sensor run (19 batches) a quarter of
 * its time. 32 batches hold at most ~50 MB before the decision.
 */
const AUTO_THREAD_AFTER_BATCHES = 32;
/**
 * With thread "auto": the thread is started only for a trace written at least this
 * fast (lines per second of wall time, from the first batch shipped). A lockstep run
 * writes ~50,000 lines a second, waiting for its external nodes; handing those
 * batches to a thread cost more CPU than encoding them inline (measured, 8 external
 * nodes: 40 against 27 µs per barrier, docs/engine.md). A run of in-process nodes
 * big enough to fill 32 batches writes 1-2 million a second.
 */
const AUTO_THREAD_MIN_LINES_PER_SEC = 300_000;
/** With thread "auto": a trace this slow for this long (ms) is encoded inline at once, not held back. */
const AUTO_SLOW_DECIDED_AFTER_MS = 1_000;

export interface TraceResult {
  /** Hex SHA-256 of the trace bytes; null when the digest was disabled. */
  digest: string | null;
  bytes: number;
  lines: number;
}

export interface TraceRecorderOptions extends TraceOutputOptions {
  /**
   * Encode in a worker thread: "auto" starts one once the trace outgrows a few
   * batches (short runs never pay for the thread), if it is written fast enough to
   * be worth one (not in lockstep with external nodes).
   */
  thread: boolean | "auto";
  /** Wall clock in ms, only for the "auto" decision (default `performance.now`). */
  clock?: () => number;
}

/**
 * The engine's side of the trace: appends compact numeric records (a few typed-array
 * stores per line), ships them in batches to the encoder, and signals backpressure
 * through `blocked`, which the event loop checks between events.
 */
export class TraceRecorder {
  blocked = false;
  lines = 0;
  private rec: Float64Array = new Float64Array(BATCH_WORDS);
  private words = 0;
  // Every JSON string of the batch, back to back (see trace-encoder.ts).
  private text: Buffer | null = null;
  private textPos = 0;
  private backend: Backend | null = null;
  private readonly pending: { rec: Float64Array; words: number; text: Uint8Array }[] = [];
  /** With thread "auto": when the first batch was shipped, and the lines then. */
  private firstShipMs = -1;
  private firstShipLines = 0;
  private readonly options: TraceRecorderOptions;

  constructor(options: TraceRecorderOptions) {
    this.options = options;
  }

  /** Declares link number `link` (from, to); writes no line. */
  link(link: number, from: number, to: number): void {
    this.reserve(REC_MAX_WORDS);
    const r = this.rec;
    const w = this.words;
    r[w] = REC_LINK;
    r[w + 1] = link;
    r[w + 2] = from;
    r[w + 3] = to;
    this.words = w + 4;
  }

  timer(t: number, node: number, tag: number): void {
    this.reserve(REC_MAX_WORDS);
    const r = this.rec;
    const w = this.words;
    r[w] = REC_TIMER;
    r[w + 1] = t;
    r[w + 2] = node;
    r[w + 3] = tag;
    this.words = w + 4;
    this.lines++;
  }

  /** `msg`: the message id; `payloadJson` null: no payload in the line. */
  send(t: number, link: number, msg: number, size: number, payloadJson: string | null): void {
    this.reserve(REC_MAX_WORDS);
    const r = this.rec;
    const w = this.words;
    r[w] = REC_SEND;
    r[w + 1] = t;
    r[w + 2] = link;
    r[w + 3] = msg;
    r[w + 4] = size;
    r[w + 5] = payloadJson === null ? -1 : this.str(payloadJson);
    this.words = w + 6;
    this.lines++;
  }

  /** Declares payload template `tpl` (numbered 0, 1, 2… in order); writes no line. */
  template(tpl: number, parts: readonly string[]): void {
    this.reserve(3 + parts.length);
    const r = this.rec;
    const w = this.words;
    r[w] = REC_TEMPLATE;
    r[w + 1] = tpl;
    r[w + 2] = parts.length;
    for (let k = 0; k < parts.length; k++) r[w + 3 + k] = this.str(parts[k]!);
    this.words = w + 3 + parts.length;
  }

  /** A send whose payload is template `tpl` filled with `values` (as many as the template has holes). */
  sendValues(t: number, link: number, msg: number, size: number, tpl: number, values: ArrayLike<number>): void {
    const n = values.length;
    this.reserve(6 + n);
    const r = this.rec;
    const w = this.words;
    r[w] = REC_SEND_VALUES;
    r[w + 1] = t;
    r[w + 2] = link;
    r[w + 3] = msg;
    r[w + 4] = size;
    r[w + 5] = tpl;
    for (let k = 0; k < n; k++) r[w + 6 + k] = values[k]!;
    this.words = w + 6 + n;
    this.lines++;
  }

  /** A send to an id that names no node (`toJson`: the id, JSON-quoted). */
  sendAstray(t: number, from: number, toJson: string, msg: number, size: number, payloadJson: string | null): void {
    this.reserve(REC_MAX_WORDS);
    const r = this.rec;
    const w = this.words;
    r[w] = REC_SEND_ASTRAY;
    r[w + 1] = t;
    r[w + 2] = from;
    r[w + 3] = this.str(toJson);
    r[w + 4] = msg;
    r[w + 5] = size;
    r[w + 6] = payloadJson === null ? -1 : this.str(payloadJson);
    this.words = w + 7;
    this.lines++;
  }

  deliver(t: number, link: number, msg: number, sent: number, size: number): void {
    this.reserve(REC_MAX_WORDS);
    const r = this.rec;
    const w = this.words;
    r[w] = REC_DELIVER;
    r[w + 1] = t;
    r[w + 2] = link;
    r[w + 3] = msg;
    r[w + 4] = sent;
    r[w + 5] = size;
    this.words = w + 6;
    this.lines++;
  }

  deliverLate(t: number, link: number, msg: number, sent: number, size: number, due: number): void {
    this.reserve(REC_MAX_WORDS);
    const r = this.rec;
    const w = this.words;
    r[w] = REC_DELIVER_LATE;
    r[w + 1] = t;
    r[w + 2] = link;
    r[w + 3] = msg;
    r[w + 4] = sent;
    r[w + 5] = size;
    r[w + 6] = due;
    this.words = w + 7;
    this.lines++;
  }

  drop(t: number, link: number, msg: number, size: number, reasonJson: string): void {
    this.reserve(REC_MAX_WORDS);
    const r = this.rec;
    const w = this.words;
    r[w] = REC_DROP;
    r[w + 1] = t;
    r[w + 2] = link;
    r[w + 3] = msg;
    r[w + 4] = size;
    r[w + 5] = this.str(reasonJson);
    this.words = w + 6;
    this.lines++;
  }

  dropAstray(t: number, from: number, toJson: string, msg: number, size: number, reasonJson: string): void {
    this.reserve(REC_MAX_WORDS);
    const r = this.rec;
    const w = this.words;
    r[w] = REC_DROP_ASTRAY;
    r[w + 1] = t;
    r[w + 2] = from;
    r[w + 3] = this.str(toJson);
    r[w + 4] = msg;
    r[w + 5] = size;
    r[w + 6] = this.str(reasonJson);
    this.words = w + 7;
    this.lines++;
  }

  /** `restJson`: the members after `"node"`, without braces (`"score":0.5`), or null. */
  nodeEvent(t: number, node: number, kindJson: string, restJson: string | null): void {
    this.reserve(REC_MAX_WORDS);
    const r = this.rec;
    const w = this.words;
    r[w] = REC_NODE_EVENT;
    r[w + 1] = t;
    r[w + 2] = node;
    r[w + 3] = this.str(kindJson);
    r[w + 4] = restJson === null ? -1 : this.str(restJson);
    this.words = w + 5;
    this.lines++;
  }

  /** Resolves when the engine may record again; rejects with TraceWriteError. */
  async drain(): Promise<void> {
    if (this.backend !== null) {
      await this.backend.drain();
      this.blocked = this.backend.blocked;
    }
  }

  async close(): Promise<TraceResult> {
    if (this.words > 0) this.ship();
    // Still undecided ("auto" and a short trace): encode here, no thread needed.
    if (this.backend === null) this.startBackend(false);
    const { digest, bytes } = await this.backend!.close();
    return { digest, bytes, lines: this.lines };
  }

  /** Where the trace is encoded; with thread "auto", null until decided. */
  get encodedIn(): "thread" | "inline" | null {
    return this.backend === null ? null : this.backend instanceof WorkerBackend ? "thread" : "inline";
  }

  /** Releases the encoder thread without finishing the trace (after a crash). */
  destroy(): void {
    this.backend?.destroy();
  }

  /**
   * Makes room for a record of `words` doubles: ships the batch first when the record
   * would not fit, or when the batch's text is already large (payload-heavy traces).
   */
  private reserve(words: number): void {
    if (this.words + words > BATCH_WORDS || this.textPos > MAX_BATCH_TEXT) this.ship();
  }

  /**
   * Appends `s` to the batch text as UTF-8 (one native write, no string building);
   * returns its span in bytes.
   */
  private str(s: string): number {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    const need = s.length * 3;
    if (need >= SPAN) throw new RangeError(`a JSON value in the trace is ${s.length} characters long; the limit is ${Math.floor((SPAN - 1) / 3)}`);
    let text = this.text;
    if (text === null || this.textPos + need > text.length) {
      // A fresh buffer: the current one may be full, or not exist yet.
      const next = this.textBufferFor(this.textPos + need);
      if (text !== null) text.copy(next, 0, 0, this.textPos);
      this.text = text = next;
    }
    const start = this.textPos;
    const written = (text as unknown as FastUtf8).utf8Write(s, start);
    this.textPos = start + written;
    return start * SPAN + written;
  }

  private textBufferFor(min: number): Buffer {
    return this.backend !== null ? this.backend.textBuffer(min) : Buffer.allocUnsafeSlow(Math.max(min, TEXT_BUFFER_BYTES));
  }

  private ship(): void {
    const text = this.text === null ? EMPTY : this.text.subarray(0, this.textPos);
    if (this.backend === null) {
      const { thread } = this.options;
      const useThread = thread === "auto" ? this.autoThread() : thread;
      if (useThread === null) {
        // "auto", undecided: hold the first batches back; a trace that ends before
        // there are enough is encoded inline, so short runs never pay for a thread.
        this.pending.push({ rec: this.rec, words: this.words, text });
        this.rec = new Float64Array(BATCH_WORDS);
        this.resetBatch();
        return;
      }
      this.startBackend(useThread);
    }
    this.rec = this.backend!.submit(this.rec, this.words, text);
    this.resetBatch();
    this.blocked = this.backend!.blocked;
  }

  private resetBatch(): void {
    this.words = 0;
    // The text buffer went with the batch (it may be transferred); take a new one lazily.
    this.text = null;
    this.textPos = 0;
  }

  /**
   * Thread "auto", at a batch boundary: true (start the thread) once enough batches
   * were written fast, false (encode inline) for a slow trace, null: not yet.
   */
  private autoThread(): boolean | null {
    const now = this.options.clock?.() ?? performance.now();
    if (this.firstShipMs < 0) {
      this.firstShipMs = now;
      this.firstShipLines = this.lines;
      return null;
    }
    const elapsedMs = now - this.firstShipMs;
    const fast = (this.lines - this.firstShipLines) * 1000 >= AUTO_THREAD_MIN_LINES_PER_SEC * elapsedMs;
    if (this.pending.length >= AUTO_THREAD_AFTER_BATCHES) return fast;
    return !fast && elapsedMs >= AUTO_SLOW_DECIDED_AFTER_MS ? false : null;
  }

  private startBackend(thread: boolean): void {
    const backend = thread ? new WorkerBackend(this.options) : new InlineBackend(this.options);
    this.backend = backend;
    for (const batch of this.pending.splice(0)) backend.submit(batch.rec, batch.words, batch.text);
  }
}
