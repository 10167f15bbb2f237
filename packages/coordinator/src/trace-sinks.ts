import { once } from "node:events";
import { createWriteStream, openSync, type WriteStream } from "node:fs";
import { resolve } from "node:path";
import { finished } from "node:stream/promises";
import { TraceWriteError } from "./errors.js";

/**
 * Where the canonical trace goes. The coordinator hands over chunks of complete
 * bytes (a chunk may end in the middle of a line; the concatenation is the trace).
 */
export interface TraceSink {
  /** File the trace is written to, for the summary; null when it is not a file. */
  readonly path: string | null;
  /**
   * Append a chunk; the sink may keep it (it is never reused). Returns false when
   * the writer should await `drained()` before handing over more.
   */
  write(chunk: Uint8Array): boolean;
  /**
   * Optional: a file the trace may be written to directly, with `writeSync` in order,
   * instead of through `write` (the encoder thread writes it then, and reuses its
   * chunk buffers). `close` still closes it.
   */
  readonly fd?: number;
  drained(): Promise<void>;
  /** Flushes and releases the sink; rejects if anything could not be written. */
  close(): Promise<void>;
}

/** Chunks in flight before `write` asks the caller to wait. */
const FILE_HIGH_WATER_MARK = 8 * 1024 * 1024;

/**
 * Streams the trace to a file with backpressure. The file is created (truncated)
 * synchronously by the constructor, so an unwritable path fails before a run starts.
 */
export class FileTraceSink implements TraceSink {
  readonly path: string;
  readonly fd: number;
  private readonly stream: WriteStream;
  private error: Error | null = null;

  constructor(path: string) {
    this.path = resolve(path);
    let fd: number;
    try {
      fd = openSync(this.path, "w");
    } catch (cause) {
      throw new TraceWriteError(this.path, `cannot create the trace file (${(cause as Error).message}); check that the folder exists and is writable`, { cause });
    }
    this.fd = fd;
    this.stream = createWriteStream("", { fd, highWaterMark: FILE_HIGH_WATER_MARK });
    this.stream.on("error", (err) => {
      this.error ??= err;
    });
  }

  write(chunk: Uint8Array): boolean {
    this.throwIfFailed();
    return this.stream.write(chunk);
  }

  async drained(): Promise<void> {
    this.throwIfFailed();
    if (!this.stream.writableNeedDrain) return;
    // once() rejects when 'error' is emitted first.
    await once(this.stream, "drain").catch((err: unknown) => {
      this.error ??= err as Error;
    });
    this.throwIfFailed();
  }

  async close(): Promise<void> {
    if (!this.stream.writableEnded) this.stream.end();
    await finished(this.stream).catch((err: unknown) => {
      this.error ??= err as Error;
    });
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.error !== null) throw new TraceWriteError(this.path, this.error.message, { cause: this.error });
  }
}

/** Keeps the trace in memory, for tests and small embedded runs. */
export class MemoryTraceSink implements TraceSink {
  readonly path = null;
  private readonly chunks: Uint8Array[] = [];
  private total = 0;

  write(chunk: Uint8Array): boolean {
    this.chunks.push(chunk);
    this.total += chunk.length;
    return true;
  }
  async drained(): Promise<void> {}
  async close(): Promise<void> {}

  /** Bytes received so far. */
  get bytes(): number {
    return this.total;
  }
  buffer(): Buffer {
    return Buffer.concat(this.chunks, this.total);
  }
  text(): string {
    return this.buffer().toString("utf8");
  }
  /** Lines without their trailing newline. */
  lines(): string[] {
    const text = this.text();
    return text === "" ? [] : text.slice(0, -1).split("\n");
  }
}

/** Discards the trace (the digest is still computed). */
export class NullTraceSink implements TraceSink {
  readonly path = null;
  private total = 0;
  write(chunk: Uint8Array): boolean {
    this.total += chunk.length;
    return true;
  }
  async drained(): Promise<void> {}
  async close(): Promise<void> {}
  get bytes(): number {
    return this.total;
  }
}
