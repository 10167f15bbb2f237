/**
 * Where the recorder's batches go: the encoder, inline on the engine's thread or in a
 * worker thread, and the output of its chunks (hash and sink). The recorder
 * (trace-pipeline.ts) picks one.
 */
import { createHash, type Hash } from "node:crypto";
import { Worker } from "node:worker_threads";
import { writeAllSync } from "./_write-all-sync.js";
import { TraceWriteError } from "./errors.js";
import { TraceEncoder } from "./trace-encoder.js";
import type { TraceSink } from "./trace-sinks.js";
import type { FromTraceWorker, ToTraceWorker, TraceWorkerData } from "./trace-worker.js";

/** Doubles per record batch (512 KiB, about 12k lines). */
export const BATCH_WORDS = 1 << 16;
/** Size of a batch's text buffer (bigger only for one huge value). */
export const TEXT_BUFFER_BYTES = 2 << 20;
/** Bytes per encoded chunk handed to the sink and the hash. */
const CHUNK_BYTES = 1 << 20;
/** Batches the encoder thread may hold before the engine waits: bounds memory. */
const MAX_BATCHES_IN_FLIGHT = 16;

/** What the encoder's output needs to know. */
export interface TraceOutputOptions {
  /** JSON-quoted node ids by node index. */
  idsJson: readonly string[];
  sink: TraceSink | null;
  digest: boolean;
}

export interface Backend {
  /** Takes the batch (the buffer may be transferred) and returns a buffer to fill next. */
  /** `text`: the batch's JSON strings, UTF-8, back to back (may be transferred too). */
  submit(rec: Float64Array, words: number, text: Uint8Array): Float64Array;
  /** A buffer for the next batch's text, at least `min` bytes. */
  textBuffer(min: number): Buffer;
  readonly blocked: boolean;
  drain(): Promise<void>;
  close(): Promise<{ digest: string | null; bytes: number }>;
  destroy(): void;
}

/** Hashes each chunk and hands it to the sink; remembers a sink failure for drain(). */
class ChunkOutput {
  bytes = 0;
  sinkBlocked = false;
  error: Error | null = null;
  private readonly hash: Hash | null;
  constructor(
    private readonly sink: TraceSink | null,
    digest: boolean,
  ) {
    this.hash = digest ? createHash("sha256") : null;
  }

  /** Whether a chunk is done with when write() returns (hashed, or written with writeSync): its buffer may be reused. */
  get consumesChunks(): boolean {
    return this.sink === null || this.sink.fd !== undefined;
  }

  /** `hashed`: the chunk was already hashed (by the encoder thread). */
  write(chunk: Uint8Array, hashed: boolean): void {
    if (!hashed) {
      this.hash?.update(chunk);
      this.bytes += chunk.length;
    }
    if (this.sink === null || this.error !== null) return;
    try {
      if (this.sink.fd !== undefined) writeAllSync(this.sink.fd, chunk);
      else if (!this.sink.write(chunk)) this.sinkBlocked = true;
    } catch (err) {
      this.fail(err);
    }
  }

  fail(err: unknown): void {
    this.error ??= err instanceof TraceWriteError ? err : new TraceWriteError(this.sink?.path ?? null, (err as Error)?.message ?? String(err), { cause: err });
  }

  async drainSink(): Promise<void> {
    if (this.error !== null) throw this.error;
    if (this.sinkBlocked && this.sink !== null) {
      try {
        await this.sink.drained();
      } catch (err) {
        this.fail(err);
        throw this.error;
      }
      this.sinkBlocked = false;
    }
  }

  async closeSink(): Promise<void> {
    if (this.sink !== null) {
      try {
        await this.sink.close();
      } catch (err) {
        this.fail(err);
      }
    }
    if (this.error !== null) throw this.error;
  }

  digest(): string | null {
    return this.hash === null ? null : this.hash.digest("hex");
  }
}

export class InlineBackend implements Backend {
  private readonly out: ChunkOutput;
  private readonly encoder: TraceEncoder;
  constructor(options: TraceOutputOptions) {
    this.out = new ChunkOutput(options.sink, options.digest);
    this.encoder = new TraceEncoder(options.idsJson, CHUNK_BYTES, (chunk) => this.out.write(chunk, false), this.out.consumesChunks);
  }
  private spareText: Buffer | null = null;
  submit(rec: Float64Array, words: number, text: Uint8Array): Float64Array {
    this.encoder.encode(rec, words, text);
    // Encoded: the text buffer can be reused.
    if (text.byteLength > 0) this.spareText = Buffer.from(text.buffer);
    return rec;
  }
  textBuffer(min: number): Buffer {
    const spare = this.spareText;
    this.spareText = null;
    return spare !== null && spare.length >= min ? spare : Buffer.allocUnsafeSlow(Math.max(min, TEXT_BUFFER_BYTES));
  }
  get blocked(): boolean {
    return this.out.sinkBlocked || this.out.error !== null;
  }
  drain(): Promise<void> {
    return this.out.drainSink();
  }
  async close(): Promise<{ digest: string | null; bytes: number }> {
    this.encoder.finish();
    await this.out.closeSink();
    return { digest: this.out.digest(), bytes: this.out.bytes };
  }
  destroy(): void {}
}

export class WorkerBackend implements Backend {
  private readonly out: ChunkOutput;
  private readonly worker: Worker;
  private inFlight = 0;
  private readonly spare: Float64Array[] = [];
  private readonly spareText: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private closed: { digest: string | null; bytes: number } | null = null;
  private exited = false;

  constructor(options: TraceOutputOptions) {
    this.out = new ChunkOutput(options.sink, false);
    this.worker = startTraceWorker({ ids: options.idsJson, chunkSize: CHUNK_BYTES, digest: options.digest, wantChunks: !this.out.consumesChunks, fd: options.sink?.fd ?? null });
    this.worker.on("message", (m: FromTraceWorker) => {
      for (const chunk of m.chunks) this.out.write(chunk, true);
      if (m.type === "ack") {
        this.inFlight--;
        this.spare.push(m.rec);
        if (m.text.byteLength > 0) this.spareText.push(Buffer.from(m.text.buffer));
      } else {
        this.closed = { digest: m.digest, bytes: m.bytes };
      }
      this.wake();
    });
    this.worker.on("error", (err) => {
      this.out.fail(new TraceWriteError(options.sink?.path ?? null, `trace encoder thread failed: ${err.message}`, { cause: err }));
      this.wake();
    });
    this.worker.on("exit", () => {
      this.exited = true;
      if (this.closed === null) this.out.fail(new TraceWriteError(options.sink?.path ?? null, "trace encoder thread exited early"));
      this.wake();
    });
  }

  submit(rec: Float64Array, words: number, text: Uint8Array): Float64Array {
    if (this.out.error === null) {
      const transfer: ArrayBuffer[] = [rec.buffer as ArrayBuffer];
      if (text.byteLength > 0) transfer.push(text.buffer as ArrayBuffer);
      this.worker.postMessage({ type: "batch", rec, words, text } satisfies ToTraceWorker, transfer);
      this.inFlight++;
      return this.spare.pop() ?? new Float64Array(BATCH_WORDS);
    }
    return rec;
  }

  textBuffer(min: number): Buffer {
    const spare = this.spareText.pop();
    return spare !== undefined && spare.length >= min ? spare : Buffer.allocUnsafeSlow(Math.max(min, TEXT_BUFFER_BYTES));
  }

  get blocked(): boolean {
    return this.inFlight >= MAX_BATCHES_IN_FLIGHT || this.out.sinkBlocked || this.out.error !== null;
  }

  async drain(): Promise<void> {
    for (;;) {
      await this.out.drainSink();
      if (this.inFlight < MAX_BATCHES_IN_FLIGHT) return;
      await this.next();
    }
  }

  async close(): Promise<{ digest: string | null; bytes: number }> {
    try {
      if (this.out.error === null) {
        this.worker.postMessage({ type: "close" } satisfies ToTraceWorker);
        while (this.closed === null && this.out.error === null) await this.next();
      }
      await this.out.closeSink();
      return this.closed!;
    } finally {
      this.destroy();
    }
  }

  destroy(): void {
    if (!this.exited) void this.worker.terminate();
  }

  private next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}

/**
 * Starts the encoder thread: the compiled trace-worker.js next to this module once
 * built, or trace-worker.ts through tsx from the sources (tests, tsx).
 */
function startTraceWorker(data: TraceWorkerData): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSource ? "./trace-worker-from-source.mjs" : "./trace-worker.js", import.meta.url);
  // No inherited execArgv: the parent's loaders (e.g. tsx) would only slow the start.
  return new Worker(entry, { execArgv: [], workerData: data });
}
