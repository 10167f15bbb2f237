import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { TraceSink } from "@sim/coordinator";

/** One parsed trace line (its fields are documented in docs/engine.md). */
export type TraceEvent = Record<string, unknown>;

/** Passes the trace on to `inner` and keeps a copy in memory, for `collectEvents`. */
export class TeeTraceSink implements TraceSink {
  private readonly chunks: Uint8Array[] = [];
  constructor(private readonly inner: TraceSink) {}

  get path(): string | null {
    return this.inner.path;
  }
  write(chunk: Uint8Array): boolean {
    this.chunks.push(chunk);
    return this.inner.write(chunk);
  }
  drained(): Promise<void> {
    return this.inner.drained();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

export function parseTraceLines(text: string): TraceEvent[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as TraceEvent);
}

/** The first line (1-based) at which two trace files differ, streamed: traces can be large. */
export async function firstDifferingLine(a: string, b: string): Promise<{ line: number; first: string | null; second: string | null }> {
  const left = createInterface({ input: createReadStream(a), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const right = createInterface({ input: createReadStream(b), crlfDelay: Infinity })[Symbol.asyncIterator]();
  try {
    for (let line = 1; ; line++) {
      const [x, y] = await Promise.all([left.next(), right.next()]);
      if (x.done && y.done) return { line, first: null, second: null };
      if (x.done || y.done || x.value !== y.value) {
        return { line, first: x.done ? null : (x.value as string), second: y.done ? null : (y.value as string) };
      }
    }
  } finally {
    await left.return?.();
    await right.return?.();
  }
}
