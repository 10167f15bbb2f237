/**
 * Between UART bytes and node messages: firmware output is split into lines
 * (each complete line becomes one message), and an inbound message becomes the
 * bytes of one line written to the firmware's UART. Pure functions, no I/O.
 */
import { nestsDeeperThan } from "./codec.js";
import { MAX_PAYLOAD_DEPTH } from "./messages.js";

/** A line longer than this is cut and emitted as it is, so a firmware that never prints a newline cannot grow memory. */
export const MAX_UART_LINE_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** Splits a UART byte stream into lines; bytes of an unfinished line are kept for the next push. */
export class UartLineSplitter {
  private partial: Uint8Array[] = [];
  private partialBytes = 0;
  private readonly decoder = new TextDecoder("utf-8");

  constructor(private readonly maxLineBytes: number = MAX_UART_LINE_BYTES) {}

  /** Complete lines in `chunk` (plus what earlier chunks left), without `\r`/`\n`; empty lines are skipped. */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === LF) {
        this.append(chunk.subarray(start, i), lines);
        this.finishLine(lines);
        start = i + 1;
      }
    }
    this.append(chunk.subarray(start), lines);
    return lines;
  }

  /** Bytes of an unfinished line, e.g. what is left when the run ends. */
  get pendingBytes(): number {
    return this.partialBytes;
  }

  private append(bytes: Uint8Array, lines: string[]): void {
    let rest = bytes;
    while (this.partialBytes + rest.length > this.maxLineBytes) {
      const room = this.maxLineBytes - this.partialBytes;
      this.partial.push(rest.slice(0, room));
      this.partialBytes += room;
      this.finishLine(lines);
      rest = rest.subarray(room);
    }
    if (rest.length > 0) {
      this.partial.push(rest.slice());
      this.partialBytes += rest.length;
    }
  }

  private finishLine(lines: string[]): void {
    const joined = new Uint8Array(this.partialBytes);
    let at = 0;
    for (const part of this.partial) {
      joined.set(part, at);
      at += part.length;
    }
    this.partial = [];
    this.partialBytes = 0;
    let end = joined.length;
    while (end > 0 && joined[end - 1] === CR) end--;
    let begin = 0;
    while (begin < end && joined[begin] === CR) begin++;
    // Invalid UTF-8 becomes U+FFFD: the same bytes always give the same text.
    const line = this.decoder.decode(joined.subarray(begin, end));
    if (line.length > 0) lines.push(line);
  }
}

/**
 * The payload of the message a UART line becomes: a line holding a JSON object
 * (`{"seq":1,"temp_c":21.5}`) is sent as that object, any other line as its text.
 * An object nested deeper than the protocol's MAX_PAYLOAD_DEPTH is sent as text too:
 * a 64 KiB line can nest 30,000 levels, which JSON.parse reads but everything that
 * walks the payload later (its size, the trace, other nodes) would overflow the stack on.
 */
export function uartLinePayload(line: string): unknown {
  const trimmed = line.trim();
  if (trimmed.startsWith("{") && trimmed.endsWith("}") && !nestsDeeperThan(trimmed, MAX_PAYLOAD_DEPTH)) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
    } catch {
      // not JSON after all: sent as text
    }
  }
  return line;
}

/**
 * The bytes written to the firmware's UART for one inbound message: a string
 * payload as its UTF-8 text, anything else as compact JSON, then `\n`.
 */
export function encodeInbound(payload: unknown): Uint8Array {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload ?? null);
  return new TextEncoder().encode(text.endsWith("\n") ? text : `${text}\n`);
}
