import { createWriteStream, type WriteStream } from "node:fs";
import type { ResolvedLimits } from "@sim/config";
import { LogLimit } from "./log-limit.js";

/**
 * One log file of a node (`<logDir>/<node>.log`, `<node>.uart.log`) within
 * `limits.log_lines` and `limits.log_bytes`: past them a `[sim]` note says the log was
 * truncated, and on close how much was dropped. Without a file (no log folder) kept
 * lines go to `forward` instead.
 */
export class BoundedLog {
  readonly #file: WriteStream | null;
  readonly #limit: LogLimit;
  readonly #warn: (note: string) => void;

  /** `path` null: nothing is written; `warn` hears the truncation note. */
  constructor(path: string | null, limits: Pick<ResolvedLimits, "log_lines" | "log_bytes">, warn: (note: string) => void) {
    this.#file = path === null ? null : createWriteStream(path, { flags: "a" });
    // A full disk must not crash the harness.
    this.#file?.on("error", () => undefined);
    this.#limit = new LogLimit(limits);
    this.#warn = warn;
  }

  /** Writes `entry` (one line, its newline included) within the limits; `forward` runs instead when there is no file and the entry is kept. */
  write(entry: string, forward?: () => void): void {
    const verdict = this.#limit.admit(entry);
    if (verdict === "keep") {
      if (this.#file !== null) this.#file.write(entry);
      else forward?.();
    } else if (verdict === "truncate") {
      this.#file?.write(`[sim] ${this.#limit.note}\n`);
      this.#warn(this.#limit.note!);
    }
  }

  /** Notes how much was dropped, if anything, and closes the file. Idempotent. */
  close(): Promise<void> {
    const file = this.#file;
    if (file === null || file.writableEnded) return Promise.resolve();
    const dropped = this.#limit.summary();
    if (dropped !== null) file.write(`[sim] ${dropped}\n`);
    return new Promise((resolve) => file.end(() => resolve()));
  }
}
