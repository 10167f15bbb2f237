/**
 * The bound on one log file of an external node (`limits.log_lines`,
 * `limits.log_bytes`): whole lines are kept until either limit would be passed; from
 * then on everything is dropped and counted, and the run goes on. Launchers own the
 * files; this only decides. No I/O.
 */
import type { ResolvedLimits } from "@sim/config";

/** What to do with one log entry. */
export type LogVerdict =
  /** Write it. */
  | "keep"
  /** The limit is reached with this entry: write `note` instead, once. */
  | "truncate"
  /** The log was truncated earlier: drop it. */
  | "drop";

export class LogLimit {
  readonly #maxLines: number;
  readonly #maxBytes: number;
  #lines = 0;
  #bytes = 0;
  #droppedLines = 0;
  #droppedBytes = 0;
  #note: string | null = null;

  constructor(limits: Pick<ResolvedLimits, "log_lines" | "log_bytes">) {
    this.#maxLines = limits.log_lines;
    this.#maxBytes = limits.log_bytes;
  }

  /**
   * Counts `entry` (one line as written to the file, its newline included) against
   * the limits. The first entry that does not fit ends the log: it and every later
   * one are dropped, even a shorter one that would still fit.
   */
  admit(entry: string): LogVerdict {
    const bytes = Buffer.byteLength(entry, "utf8");
    if (this.#note === null) {
      const overLines = this.#lines + 1 > this.#maxLines;
      if (!overLines && this.#bytes + bytes <= this.#maxBytes) {
        this.#lines++;
        this.#bytes += bytes;
        return "keep";
      }
      const [key, value] = overLines ? ["log_lines", this.#maxLines] : ["log_bytes", this.#maxBytes];
      this.#note =
        `log truncated after ${this.#lines} lines, ${this.#bytes} bytes (limits.${key} is ${value}); ` +
        `the node kept running, its further output is dropped (raise limits.${key} in the scenario to keep more)`;
    }
    this.#droppedLines++;
    this.#droppedBytes += bytes;
    return this.#droppedLines === 1 ? "truncate" : "drop";
  }

  /** True once an entry was dropped. */
  get truncated(): boolean {
    return this.#note !== null;
  }

  /** Why the log ends, without the "[sim] " prefix; null while nothing was dropped. */
  get note(): string | null {
    return this.#note;
  }

  /** For the end of the file: how much was dropped; null when nothing was. */
  summary(): string | null {
    if (this.#note === null) return null;
    return `dropped ${this.#droppedLines} lines, ${this.#droppedBytes} bytes of output after the log was truncated`;
  }
}
