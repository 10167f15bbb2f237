// The trace encoder thread's entry point (started by trace-pipeline.ts): encodes the
// record batches it receives, hashes the bytes and writes them to the trace file (or
// hands the chunks to the engine's thread for its sink), and gives the batch buffers
// back to the engine's thread.
import { createHash } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { writeAllSync } from "./_write-all-sync.js";
import { TraceEncoder } from "./trace-encoder.js";

export interface TraceWorkerData {
  /** JSON-quoted node ids by node index. */
  ids: readonly string[];
  chunkSize: number;
  digest: boolean;
  /** Send the encoded chunks back (false: there is no sink, or the thread writes `fd`). */
  wantChunks: boolean;
  /** The trace file, written here with writeSync (the sink's `fd`); null: none. */
  fd: number | null;
}

export type ToTraceWorker = { type: "batch"; rec: Float64Array; words: number; text: Uint8Array } | { type: "close" };

export type FromTraceWorker =
  | { type: "ack"; rec: Float64Array; text: Uint8Array; chunks: Uint8Array[] }
  | { type: "closed"; chunks: Uint8Array[]; bytes: number; digest: string | null };

if (parentPort === null) throw new Error("trace-worker.js is the trace encoder's thread; it runs only as a worker");
const port = parentPort;
const options = workerData as TraceWorkerData;
const hash = options.digest ? createHash("sha256") : null;
let bytes = 0;
let out: Uint8Array[] = [];
const fd = options.fd;
// A chunk that stays here (hashed, written to the file) is done with when emit returns: reuse its buffer.
const encoder = new TraceEncoder(
  options.ids,
  options.chunkSize,
  (chunk) => {
    hash?.update(chunk);
    bytes += chunk.length;
    if (fd !== null) writeAllSync(fd, chunk);
    else if (options.wantChunks) out.push(chunk);
  },
  !options.wantChunks,
);

/** The chunks encoded since the last call, and their buffers to transfer. */
function takeChunks(): [Uint8Array[], ArrayBuffer[]] {
  const chunks = out;
  out = [];
  return [chunks, chunks.map((c) => c.buffer as ArrayBuffer)];
}

port.on("message", (m: ToTraceWorker) => {
  if (m.type === "batch") {
    encoder.encode(m.rec, m.words, m.text);
    const [chunks, buffers] = takeChunks();
    // The batch's buffers go back for reuse.
    const back = [m.rec.buffer as ArrayBuffer, ...buffers];
    if (m.text.byteLength > 0) back.push(m.text.buffer as ArrayBuffer);
    port.postMessage({ type: "ack", rec: m.rec, text: m.text, chunks } satisfies FromTraceWorker, back);
  } else {
    encoder.finish();
    const [chunks, buffers] = takeChunks();
    port.postMessage({ type: "closed", chunks, bytes, digest: hash === null ? null : hash.digest("hex") } satisfies FromTraceWorker, buffers);
  }
});
