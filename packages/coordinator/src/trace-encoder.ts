/**
 * Turns trace records into canonical JSON lines. Runs in the trace worker thread
 * (see trace-pipeline.ts), so `createTraceEncoder` must be self-contained: its
 * source text is sent to the worker. It may not refer to anything outside its own
 * body, not even the constants below (it repeats them; a test checks they agree).
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

export interface TraceEncoder {
  encode(rec: Float64Array, words: number, strings: readonly string[]): void;
  /** Emits the last, partial chunk. */
  finish(): void;
}

/**
 * @param idsJson JSON-quoted node ids, by node index.
 * @param chunkSize bytes per emitted chunk (a line longer than that gets a chunk of its own).
 * @param emit receives each chunk; the encoder never touches a chunk again once emitted.
 */
export function createTraceEncoder(idsJson: readonly string[], chunkSize: number, emit: (chunk: Uint8Array) => void): TraceEncoder {
  const utf8 = new TextEncoder();
  const ids = idsJson.map((s) => utf8.encode(s));
  let longestId = 0;
  for (const id of ids) if (id.length > longestId) longestId = id.length;
  // Fixed parts plus two ids plus up to four numbers of at most 24 characters.
  const maxFixedLine = 200 + 2 * longestId;
  const T = utf8.encode('{"t":');
  const EV_TIMER = utf8.encode(',"ev":"timer","node":');
  const TAG = utf8.encode(',"tag":');
  const EV_SEND = utf8.encode(',"ev":"send","from":');
  const EV_DELIVER = utf8.encode(',"ev":"deliver","from":');
  const EV_DROP = utf8.encode(',"ev":"drop","from":');
  const TO = utf8.encode(',"to":');
  const SIZE = utf8.encode(',"size":');
  const SENT = utf8.encode(',"sent":');
  const DUE = utf8.encode(',"due":');
  const PAYLOAD = utf8.encode(',"payload":');
  const REASON = utf8.encode(',"reason":');
  const EV = utf8.encode(',"ev":');
  const NODE = utf8.encode(',"node":');
  const COMMA = utf8.encode(",");
  const END = utf8.encode("}\n");

  // Record fields are doubles; every index is converted with `| 0` so that element
  // loads stay on the fast integer-key path.
  let buf = new Uint8Array(chunkSize);
  let pos = 0;

  function flush(): void {
    if (pos === 0) return;
    emit(buf.subarray(0, pos));
    buf = new Uint8Array(chunkSize);
    pos = 0;
  }
  function room(n: number): void {
    if (pos + n <= buf.length) return;
    flush();
    if (n > buf.length) buf = new Uint8Array(n);
  }
  // Short arrays: a loop beats TypedArray#set's call overhead.
  function put(b: Uint8Array): void {
    const n = b.length;
    const p = pos;
    for (let k = 0; k < n; k++) buf[p + k] = b[k]!;
    pos = p + n;
  }
  /** A number exactly as JavaScript prints it (JSON's `null` for non-finite values). */
  function num(x: number): void {
    if (x >= 0 && x < 2147483648 && (x | 0) === x) {
      let v = x | 0;
      let d = 1;
      for (let y = v; y >= 10; y = (y / 10) | 0) d++;
      let p = pos + d;
      pos = p;
      do {
        const q = (v / 10) | 0;
        buf[--p] = 48 + v - q * 10;
        v = q;
      } while (v > 0);
      return;
    }
    const s = Number.isFinite(x) ? String(x) : "null";
    const p = pos;
    for (let k = 0; k < s.length; k++) buf[p + k] = s.charCodeAt(k);
    pos = p + s.length;
  }
  /** A string that is already JSON (UTF-8 encoded here). */
  function json(s: string): void {
    room(s.length * 3 + 2);
    pos += utf8.encodeInto(s, buf.subarray(pos)).written;
  }
  function node(i: number, strings: readonly string[]): void {
    if (i >= 0) put(ids[i]!);
    else json(strings[-1 - i]!);
  }

  return {
    encode(rec, words, strings) {
      let i = 0;
      while (i < words) {
        room(maxFixedLine);
        const kind = rec[i]! | 0;
        put(T);
        num(rec[i + 1]!);
        if (kind === 1) {
          put(EV_TIMER);
          put(ids[rec[i + 2]! | 0]!);
          put(TAG);
          num(rec[i + 3]!);
          i += 4;
        } else if (kind === 3 || kind === 4) {
          put(EV_DELIVER);
          put(ids[rec[i + 2]! | 0]!);
          put(TO);
          put(ids[rec[i + 3]! | 0]!);
          put(SENT);
          num(rec[i + 4]!);
          put(SIZE);
          num(rec[i + 5]!);
          if (kind === 4) {
            put(DUE);
            num(rec[i + 6]!);
            i += 7;
          } else i += 6;
        } else if (kind === 2) {
          put(EV_SEND);
          put(ids[rec[i + 2]! | 0]!);
          put(TO);
          node(rec[i + 3]! | 0, strings);
          put(SIZE);
          num(rec[i + 4]!);
          const payload = rec[i + 5]! | 0;
          if (payload >= 0) {
            put(PAYLOAD);
            json(strings[payload]!);
          }
          i += 6;
        } else if (kind === 5) {
          put(EV_DROP);
          put(ids[rec[i + 2]! | 0]!);
          put(TO);
          node(rec[i + 3]! | 0, strings);
          put(SIZE);
          num(rec[i + 4]!);
          put(REASON);
          json(strings[rec[i + 5]! | 0]!);
          i += 6;
        } else if (kind === 6) {
          put(EV);
          json(strings[rec[i + 3]! | 0]!);
          room(longestId + 16);
          put(NODE);
          put(ids[rec[i + 2]! | 0]!);
          const rest = rec[i + 4]! | 0;
          if (rest >= 0) {
            put(COMMA);
            json(strings[rest]!);
          }
          i += 5;
        } else {
          throw new Error(`trace encoder: unknown record kind ${kind} at word ${i}`);
        }
        room(2);
        put(END);
      }
    },
    finish() {
      flush();
    },
  };
}
