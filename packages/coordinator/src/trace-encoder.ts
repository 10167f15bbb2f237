/**
 * Turns trace records into canonical JSON lines, in the trace worker thread
 * (trace-worker.ts) or inline (trace-pipeline.ts). One class at module level (not
 * closures made per encoder) keeps V8's feedback monomorphic however many runs a
 * process makes.
 *
 * Record layout in a Float64Array, one record after another, each starting with its
 * kind (the REC_* constant of the name, its value given here):
 *   LINK          7, link, from, to                 (declares a link; writes nothing)
 *   TIMER         1, t, node, tag
 *   SEND          2, t, link, msg, size, payload    (payload: text span, or -1 for none)
 *   DELIVER       3, t, link, msg, sent, size
 *   DELIVER_LATE  4, t, link, msg, sent, size, due
 *   DROP          5, t, link, msg, size, reason     (reason: text span of the JSON reason)
 *   NODE_EVENT    6, t, node, kind, rest            (kind: text span of the JSON kind; rest: span or -1)
 *   SEND_ASTRAY   8, t, from, to, msg, size, payload (to: text span of a JSON id that names no node)
 *   DROP_ASTRAY   9, t, from, to, msg, size, reason
 *   TEMPLATE      10, tpl, parts, span…              (declares payload template tpl: `parts` text spans; writes nothing)
 *   SEND_VALUES   11, t, link, msg, size, tpl, value… (a send whose payload is template tpl filled with parts-1 numbers)
 * `msg` is the message id (the engine's count of sends before this one): the send
 * line and the deliver or drop line of one message carry the same one.
 * Nodes are indexes into `idsJson`; links are numbered by the engine. A text span
 * is `start * 2^24 + length` in bytes into the batch's `text`, which holds every
 * JSON string of the batch as UTF-8, back to back: one buffer crosses to the worker
 * per batch instead of thousands of strings. Everything before a line's numbers ("head") is built once per node or
 * link and copied whole.
 */
export const REC_TIMER = 1;
export const REC_SEND = 2;
export const REC_DELIVER = 3;
export const REC_DELIVER_LATE = 4;
export const REC_DROP = 5;
export const REC_NODE_EVENT = 6;
export const REC_LINK = 7;
export const REC_SEND_ASTRAY = 8;
export const REC_DROP_ASTRAY = 9;
export const REC_TEMPLATE = 10;
export const REC_SEND_VALUES = 11;
/** Doubles taken by the largest fixed-size record (TEMPLATE and SEND_VALUES are sized by their template). */
export const REC_MAX_WORDS = 7;
/** A text span is `start * SPAN + length`; the length of one JSON string stays below it. */
export const SPAN = 2 ** 24;

// ASCII codes of the bytes the encoder stores one by one (a call per fragment costs more).
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const QUOTE = 0x22; // "
const COLON = 0x3a; // :
const COMMA = 0x2c; // ,
const NEWLINE = 0x0a;
const MINUS = 0x2d; // -
const DOT = 0x2e; // .
const DIGIT_0 = 0x30; // 0
/** "00", "01", ... "99" as ASCII: decimals are written two digits per division. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = DIGIT_0 + ((i / 10) | 0);
  DIGIT_PAIRS[2 * i + 1] = DIGIT_0 + (i % 10);
}
const LETTER_E = 0x65;
const LETTER_I = 0x69;
const LETTER_N = 0x6e;
const LETTER_S = 0x73;
const LETTER_T = 0x74;
const LETTER_Z = 0x7a;

/** Encodes record batches into UTF-8 JSON lines, emitting chunks of `chunkSize` bytes. */
export class TraceEncoder {
  private readonly chunkSize: number;
  private readonly emit: (chunk: Uint8Array) => void;
  private readonly utf8 = new TextEncoder();
  private readonly idsJson: readonly string[];
  private readonly maxFixedLine: number;
  private buf: Uint8Array;
  private pos = 0;
  private dv: DataView;
  private readonly linkFrom: number[] = [];
  private readonly linkTo: number[] = [];
  // Heads live back to back in one arena, built on first use: nodes and links are
  // used in about the order they were created, so copying heads walks the arena
  // sequentially (separate small arrays each sat behind a cold pointer).
  private arena = new Uint32Array(1 << 14);
  private arenaBytes = new Uint8Array(this.arena.buffer);
  private arenaWords = 0;
  private readonly headStart: number[] = [];
  private readonly headLen: number[] = [];
  // Head number per node (timer) or link (send, deliver, drop); -1: not built yet.
  private readonly timerHead: number[] = [];
  private readonly sendHead: number[] = [];
  private readonly deliverHead: number[] = [];
  private readonly dropHead: number[] = [];
  // Payload templates: first head number (one head per part), part count, longest line tail.
  private readonly tplFirst: number[] = [];
  private readonly tplParts: number[] = [];
  private readonly tplRoom: number[] = [];
  private readonly littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  private text: Uint8Array = new Uint8Array(0);
  private readonly utf8Decoder = new TextDecoder();
  private readonly DUE: Uint8Array;
  private readonly PAYLOAD: Uint8Array;
  private readonly REASON: Uint8Array;

  /**
   * @param idsJson JSON-quoted node ids, by node index.
   * @param chunkSize bytes per emitted chunk (a line longer than that gets a chunk of its own).
   * @param emit receives each chunk; the encoder never touches a chunk again once emitted,
   *   unless `reuse`.
   * @param reuse `emit` is done with a chunk when it returns (it hashed it, wrote it with
   *   writeSync): the encoder fills the same buffer again. A new megabyte per chunk is
   *   memory outside V8's heap, and its growth starts full garbage collections, which
   *   cost as much as the heap is big: with a million sensors, most of the run.
   */
  constructor(
    idsJson: readonly string[],
    chunkSize: number,
    emit: (chunk: Uint8Array) => void,
    private readonly reuse = false,
  ) {
    this.chunkSize = chunkSize;
    this.emit = emit;
    this.idsJson = idsJson;
    for (let i = 0; i < idsJson.length; i++) this.timerHead.push(-1);
    let longestId = 0;
    for (const id of idsJson) if (id.length > longestId) longestId = id.length;
    // Fixed parts, two ids (UTF-8: up to 3 bytes per UTF-16 unit), five numbers of at most 24 characters.
    this.maxFixedLine = 240 + 6 * longestId;
    this.buf = this.chunk(chunkSize);
    this.dv = new DataView(this.buf.buffer);
    this.DUE = this.bytes(',"due":');
    this.PAYLOAD = this.bytes(',"payload":');
    this.REASON = this.bytes(',"reason":');
  }

  /**
   * Record fields are doubles: indexes are converted with `| 0` to keep element loads
   * on the integer-key path. The common lines are assembled with the buffer and
   * position in locals, constant bytes stored directly and heads copied with
   * TypedArray#set (measured: calls per fragment cost more than the bytes).
   */
  encode(rec: Float64Array, words: number, text: Uint8Array): void {
    this.text = text;
    let i = 0;
    while (i < words) {
      const kind = rec[i]! | 0;
      if (kind === REC_LINK) {
        // Links are declared in order 0, 1, 2...: growing every array by one keeps
        // them dense (a sparse write would turn a V8 array into a slow dictionary).
        const link = rec[i + 1]! | 0;
        if (link !== this.linkFrom.length) throw new Error(`trace encoder: link ${link} declared out of order`);
        this.linkFrom.push(rec[i + 2]! | 0);
        this.linkTo.push(rec[i + 3]! | 0);
        this.sendHead.push(-1);
        this.deliverHead.push(-1);
        this.dropHead.push(-1);
        i += 4;
        continue;
      }
      if (kind === REC_TEMPLATE) {
        i = this.declareTemplate(rec, i);
        continue;
      }
      if (this.pos + this.maxFixedLine > this.buf.length) this.room(this.maxFixedLine);
      const buf = this.buf;
      let p = this.pos;
      // {"t":
      buf[p] = OPEN_BRACE;
      buf[p + 1] = QUOTE;
      buf[p + 2] = LETTER_T;
      buf[p + 3] = QUOTE;
      buf[p + 4] = COLON;
      p = this.num(buf, p + 5, rec[i + 1]!);
      if (kind === REC_DELIVER || kind === REC_DELIVER_LATE) {
        const link = rec[i + 2]! | 0;
        let head = this.deliverHead[link]!;
        if (head < 0) head = this.makeLinkHead(this.deliverHead, link, ',"ev":"deliver","from":');
        p = this.num(buf, this.head(p, head), rec[i + 3]!);
        p = this.sent(buf, p, rec[i + 4]!);
        p = this.size(buf, p, rec[i + 5]!);
        if (kind === REC_DELIVER_LATE) {
          buf.set(this.DUE, p);
          p = this.num(buf, p + this.DUE.length, rec[i + 6]!);
          i += 7;
        } else i += 6;
      } else if (kind === REC_TIMER) {
        const node = rec[i + 2]! | 0;
        let head = this.timerHead[node]!;
        if (head < 0) head = this.makeTimerHead(node);
        p = this.num(buf, this.head(p, head), rec[i + 3]!);
        i += 4;
      } else if (kind === REC_SEND) {
        const link = rec[i + 2]! | 0;
        let head = this.sendHead[link]!;
        if (head < 0) head = this.makeLinkHead(this.sendHead, link, ',"ev":"send","from":');
        p = this.num(buf, this.head(p, head), rec[i + 3]!);
        p = this.size(buf, p, rec[i + 4]!);
        const payload = rec[i + 5]!;
        if (payload >= 0) p = this.tagged(p, this.PAYLOAD, payload);
        i += 6;
      } else if (kind === REC_SEND_VALUES) {
        const link = rec[i + 2]! | 0;
        let head = this.sendHead[link]!;
        if (head < 0) head = this.makeLinkHead(this.sendHead, link, ',"ev":"send","from":');
        p = this.num(buf, this.head(p, head), rec[i + 3]!);
        p = this.size(buf, p, rec[i + 4]!);
        const tpl = rec[i + 5]! | 0;
        const first = this.tplFirst[tpl];
        if (first === undefined) throw new Error(`trace encoder: payload template ${tpl} used before it was declared`);
        const n = this.tplParts[tpl]! - 1;
        this.pos = p;
        this.room(this.tplRoom[tpl]!);
        const out = this.buf;
        // The first head is `,"payload":` and the first part.
        p = this.head(this.pos, first);
        const values = i + 6;
        for (let k = 0; k < n; k++) p = this.head(this.num(out, p, rec[values + k]!), first + k + 1);
        i = values + n;
      } else if (kind === REC_DROP) {
        const link = rec[i + 2]! | 0;
        let head = this.dropHead[link]!;
        if (head < 0) head = this.makeLinkHead(this.dropHead, link, ',"ev":"drop","from":');
        p = this.num(buf, this.head(p, head), rec[i + 3]!);
        p = this.size(buf, p, rec[i + 4]!);
        p = this.tagged(p, this.REASON, rec[i + 5]!);
        i += 6;
      } else if (kind === REC_SEND_ASTRAY || kind === REC_DROP_ASTRAY) {
        this.pos = p;
        this.json(`${kind === REC_SEND_ASTRAY ? ',"ev":"send","from":' : ',"ev":"drop","from":'}${this.idsJson[rec[i + 2]! | 0]!},"to":${this.span(rec[i + 3]!)},"msg":`);
        this.room(this.maxFixedLine);
        p = this.num(this.buf, this.pos, rec[i + 4]!);
        p = this.size(this.buf, p, rec[i + 5]!);
        const extra = rec[i + 6]!;
        if (kind === REC_DROP_ASTRAY) p = this.tagged(p, this.REASON, extra);
        else if (extra >= 0) p = this.tagged(p, this.PAYLOAD, extra);
        i += 7;
      } else if (kind === REC_NODE_EVENT) {
        this.pos = p;
        const rest = rec[i + 4]!;
        this.json(`,"ev":${this.span(rec[i + 3]!)},"node":${this.idsJson[rec[i + 2]! | 0]!}${rest >= 0 ? `,${this.span(rest)}` : ""}`);
        p = this.pos;
        i += 5;
      } else {
        throw new Error(`trace encoder: unknown record kind ${kind} at word ${i}`);
      }
      // The line may have moved to a new chunk (long JSON): room() keeps `pos` right.
      this.pos = p;
      this.room(2);
      const out = this.buf;
      out[this.pos] = CLOSE_BRACE;
      out[this.pos + 1] = NEWLINE;
      this.pos += 2;
    }
  }

  /** Emits the last, partial chunk. */
  finish(): void {
    this.flush();
  }

  private span(span: number): string {
    const start = Math.floor(span / SPAN);
    return this.utf8Decoder.decode(this.text.subarray(start, start + (span % SPAN)));
  }

  /** `<tag><json text span>` at `p` (`,"payload":{...}`); returns the new position (the chunk may change). */
  private tagged(p: number, tag: Uint8Array, span: number): number {
    this.pos = p;
    this.put(tag);
    const start = Math.floor(span / SPAN);
    const length = span % SPAN;
    this.room(length);
    this.buf.set(this.text.subarray(start, start + length), this.pos);
    this.pos += length;
    return this.pos;
  }

  /** `,"sent":<n>` */
  private sent(buf: Uint8Array, p: number, n: number): number {
    buf[p] = COMMA;
    buf[p + 1] = QUOTE;
    buf[p + 2] = LETTER_S;
    buf[p + 3] = LETTER_E;
    buf[p + 4] = LETTER_N;
    buf[p + 5] = LETTER_T;
    buf[p + 6] = QUOTE;
    buf[p + 7] = COLON;
    return this.num(buf, p + 8, n);
  }

  /** `,"size":<n>` */
  private size(buf: Uint8Array, p: number, n: number): number {
    buf[p] = COMMA;
    buf[p + 1] = QUOTE;
    buf[p + 2] = LETTER_S;
    buf[p + 3] = LETTER_I;
    buf[p + 4] = LETTER_Z;
    buf[p + 5] = LETTER_E;
    buf[p + 6] = QUOTE;
    buf[p + 7] = COLON;
    return this.num(buf, p + 8, n);
  }

  private bytes(s: string): Uint8Array {
    return this.utf8.encode(s);
  }

  /** Reads a TEMPLATE record at `i`; returns the index after it. */
  private declareTemplate(rec: Float64Array, i: number): number {
    const tpl = rec[i + 1]! | 0;
    const parts = rec[i + 2]! | 0;
    if (tpl !== this.tplFirst.length) throw new Error(`trace encoder: payload template ${tpl} declared out of order`);
    const first = this.headStart.length;
    let bytes = 0;
    for (let k = 0; k < parts; k++) {
      const span = rec[i + 3 + k]!;
      const start = Math.floor(span / SPAN);
      const length = span % SPAN;
      let part = this.text.subarray(start, start + length);
      if (k === 0) {
        const tagged = new Uint8Array(this.PAYLOAD.length + length);
        tagged.set(this.PAYLOAD);
        tagged.set(part, this.PAYLOAD.length);
        part = tagged;
      }
      this.addHeadBytes(part);
      bytes += length;
    }
    this.tplFirst.push(first);
    this.tplParts.push(parts);
    // The payload tag, the parts, up to 24 characters per number, 3 bytes of head scratch.
    this.tplRoom.push(this.PAYLOAD.length + bytes + 24 * (parts - 1) + 3);
    return i + 3 + parts;
  }

  private makeTimerHead(node: number): number {
    const head = this.addHead(`,"ev":"timer","node":${this.idsJson[node]!},"tag":`);
    this.timerHead[node] = head;
    return head;
  }

  /** `<ev><from>,"to":<to>,"msg":` of a link, stored once. */
  private makeLinkHead(cache: number[], link: number, ev: string): number {
    const from = this.linkFrom[link];
    const to = this.linkTo[link];
    if (from === undefined || to === undefined) throw new Error(`trace encoder: link ${link} used before it was declared`);
    const head = this.addHead(`${ev}${this.idsJson[from]!},"to":${this.idsJson[to]!},"msg":`);
    cache[link] = head;
    return head;
  }

  /**
   * Stores a head in the arena (word-aligned) and returns its number. Written in
   * place, ASCII by hand: `TextEncoder#encode` made a new buffer for each of the ~3
   * heads per link and node (~1.3 µs each: 30-40 ms at 10,000 nodes, seconds at a
   * million), and even `encodeInto` costs a native call (~0.6 µs).
   */
  private addHead(text: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const at = this.reserveHead(text.length * 3);
    const bytes = this.arenaBytes;
    const n = text.length;
    for (let k = 0; k < n; k++) {
      const c = text.charCodeAt(k);
      if (c >= 0x80) return this.commitHead(at, this.utf8.encodeInto(text, bytes.subarray(at)).written);
      bytes[at + k] = c;
    }
    return this.commitHead(at, n);
  }

  private addHeadBytes(bytes: Uint8Array): number {
    const at = this.reserveHead(bytes.length);
    this.arenaBytes.set(bytes, at);
    return this.commitHead(at, bytes.length);
  }

  /** Room for a head of up to `bytes` at the arena's end; returns its byte offset. */
  private reserveHead(bytes: number): number {
    const words = (bytes + 3) >> 2;
    if (this.arenaWords + words > this.arena.length) {
      const grown = new Uint32Array(Math.max(this.arena.length * 2, this.arenaWords + words));
      grown.set(this.arena);
      this.arena = grown;
      this.arenaBytes = new Uint8Array(grown.buffer);
    }
    return this.arenaWords * 4;
  }

  private commitHead(at: number, length: number): number {
    this.headStart.push(at >> 2);
    this.headLen.push(length);
    this.arenaWords += (length + 3) >> 2;
    return this.headStart.length - 1;
  }

  /**
   * Copies head `h` to `p` four bytes at a time (up to 3 bytes past its end are
   * scratch, overwritten next: the room check leaves space); returns its end.
   */
  private head(p: number, h: number): number {
    const start = this.headStart[h]!;
    const len = this.headLen[h]!;
    const arena = this.arena;
    const dv = this.dv;
    const le = this.littleEndian;
    const words = (len + 3) >> 2;
    for (let k = 0; k < words; k++) dv.setUint32(p + 4 * k, arena[start + k]!, le);
    return p + len;
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.emit(this.buf.subarray(0, this.pos));
    this.pos = 0;
    // A buffer grown for one long line is not kept.
    if (this.reuse && this.buf.length === this.chunkSize) return;
    this.buf = this.chunk(this.chunkSize);
    this.dv = new DataView(this.buf.buffer);
  }

  /**
   * A chunk buffer, not zero-filled (every byte emitted is written first): zeroing a
   * megabyte per chunk was a measurable share of encoding. Its own ArrayBuffer, so
   * it can be transferred.
   */
  private chunk(size: number): Uint8Array {
    return Buffer.allocUnsafeSlow(size);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) {
      this.buf = new Uint8Array(n);
      this.dv = new DataView(this.buf.buffer);
    }
  }

  // Measured: TypedArray#set (a memcpy) wins from about 16 bytes (heads are 40-60),
  // a plain loop below that.
  private put(b: Uint8Array): void {
    const buf = this.buf;
    const p = this.pos;
    const n = b.length;
    if (n > 16) buf.set(b, p);
    else for (let k = 0; k < n; k++) buf[p + k] = b[k]!;
    this.pos = p + n;
  }

  /** A number exactly as JavaScript prints it (JSON's `null` for non-finite values), at `p`; returns the end. */
  private num(buf: Uint8Array, p: number, x: number): number {
    if (x >= 0 && x < 2147483648 && (x | 0) === x) return this.uint(buf, p, x | 0);
    // Readings rounded to 1-3 decimals, printed without String(): if k / 10^d is
    // exactly x (IEEE division is correctly rounded), the decimal k / 10^d reads
    // back as x, and no other decimal with at most d places does (doubles below
    // 2e6 are far closer together than 0.001), so it is the shortest round-trip
    // form, which is what JavaScript prints; the first d that fits has no
    // trailing zero. k < 2e9 stays in int32.
    const ax = x < 0 ? -x : x;
    if (ax < 2e6) {
      if (ax < 2147483648 && (ax | 0) === ax) {
        buf[p] = MINUS;
        return this.uint(buf, p + 1, ax | 0);
      }
      if (ax >= 0.001) {
        let scale = 10;
        for (let d = 1; d <= 3; d++) {
          const k = Math.round(ax * scale);
          if (k / scale === ax) {
            if (x < 0) buf[p++] = MINUS;
            const whole = (k / scale) | 0;
            p = this.uint(buf, p, whole);
            buf[p] = DOT;
            let frac = k - whole * scale;
            const end = p + 1 + d;
            for (let q = end - 1; q > p; q--) {
              const r = (frac / 10) | 0;
              buf[q] = DIGIT_0 + frac - r * 10;
              frac = r;
            }
            return end;
          }
          scale *= 10;
        }
      }
    }
    const s = Number.isFinite(x) ? String(x) : "null";
    for (let k = 0; k < s.length; k++) buf[p + k] = s.charCodeAt(k);
    return p + s.length;
  }

  /**
   * A non-negative int32 in decimal at `p`; returns the end. Two digits per division
   * (a table of pairs), the length from comparisons: about half the work of a digit at
   * a time, on the three to six numbers of every line.
   */
  private uint(buf: Uint8Array, p: number, v: number): number {
    const end =
      p +
      (v < 100000
        ? v < 100
          ? v < 10
            ? 1
            : 2
          : v < 1000
            ? 3
            : v < 10000
              ? 4
              : 5
        : v < 10000000
          ? v < 1000000
            ? 6
            : 7
          : v < 100000000
            ? 8
            : v < 1000000000
              ? 9
              : 10);
    let q = end;
    while (v >= 100) {
      const hi = (v / 100) | 0;
      const pair = (v - hi * 100) << 1;
      buf[q - 1] = DIGIT_PAIRS[pair + 1]!;
      buf[q - 2] = DIGIT_PAIRS[pair]!;
      q -= 2;
      v = hi;
    }
    if (v >= 10) {
      buf[q - 1] = DIGIT_PAIRS[(v << 1) + 1]!;
      buf[q - 2] = DIGIT_PAIRS[v << 1]!;
    } else buf[q - 1] = DIGIT_0 + v;
    return end;
  }

  /** A string that is already JSON, UTF-8 encoded here. */
  private json(s: string): void {
    this.room(s.length * 3 + 2);
    this.pos += this.utf8.encodeInto(s, this.buf.subarray(this.pos)).written;
  }
}
