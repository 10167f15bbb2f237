import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { SCENARIO_DEFAULTS, type ResolvedLimits } from "@sim/config";
import type { LaunchContext } from "@sim/coordinator";
import { LogLimit } from "@sim/protocol";

type Logger = LaunchContext["logger"];

/** Lines kept for error messages (a crash, a missed `wait_for`). */
const TAIL_LINES = 20;
/** Longest line kept in the tail; the file always gets everything. */
const TAIL_LINE_CHARS = 500;

/** A partial line longer than this is written out without waiting for its newline. */
const MAX_PARTIAL_CHARS = 64 * 1024;

type StreamName = "stdout" | "stderr";

/**
 * Where one container's output goes: `<logDir>/<node>.log` (or the run's logger
 * when there is no log folder), a short tail for error messages, and line
 * listeners (`wait_for: {log}`). The file (or logger) keeps the container's lines and
 * the node's protocol `log` messages up to `limits.log_lines` / `limits.log_bytes`,
 * then notes the truncation; the tail and the listeners keep following the output.
 * sim's own `[sim]` notes are always written.
 */
export class LogSink {
  readonly path: string | null;
  readonly #file: WriteStream | null;
  readonly #logger: Logger;
  readonly #node: string;
  readonly #tail: string[] = [];
  readonly #listeners = new Set<(line: string) => void>();
  readonly #partial: Record<StreamName, string> = { stdout: "", stderr: "" };
  readonly #decoders: Record<StreamName, StringDecoder> = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
  readonly #limit: LogLimit;
  #closed: Promise<void> | null = null;

  constructor(
    logDir: string | null,
    node: string,
    logger: Logger,
    limits: Pick<ResolvedLimits, "log_lines" | "log_bytes"> = SCENARIO_DEFAULTS.limits,
  ) {
    this.#node = node;
    this.#logger = logger;
    this.#limit = new LogLimit(limits);
    this.path = logDir === null ? null : join(logDir, `${node}.log`);
    this.#file = this.path === null ? null : createWriteStream(this.path, { flags: "w" });
    // A full disk must not crash the harness; the run's logger says why the file is short.
    this.#file?.on("error", (error) => logger.warn({ node, err: error }, `writing ${this.path} failed`));
  }

  /**
   * Container output. The file gets it line by line per stream, so that stdout and
   * stderr interleave by whole lines (and never split a UTF-8 character).
   */
  write(stream: StreamName, chunk: Buffer): void {
    if (this.#closed !== null) return;
    const text = this.#partial[stream] + this.#decoders[stream].write(chunk);
    const lines = text.split("\n");
    let rest = lines.pop() ?? "";
    if (rest.length > MAX_PARTIAL_CHARS) {
      // Output without newlines is still written, in pieces.
      lines.push(rest);
      rest = "";
    }
    this.#partial[stream] = rest;
    for (const line of lines) this.#line(stream, line);
  }

  /** A line sim itself adds (lifecycle: image, readiness, exit), marked "[sim]"; without a log folder it goes to the logger. */
  note(text: string): void {
    if (this.#closed !== null) return;
    this.#file?.write(`[sim] ${text}\n`);
    if (this.#file === null) this.#logger.info({ node: this.#node }, text);
  }

  /** A protocol `log` message of the node, marked "[node:<level>]" (the caller also hands it to the run's logger). */
  nodeLog(level: string, msg: string): boolean {
    if (this.#closed !== null) return false;
    return this.#keep(`[node:${level}] ${msg}\n`);
  }

  /** Calls `listener` with each complete output line from now on; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The last output lines, oldest first. */
  tail(): string[] {
    return [...this.#tail];
  }

  /** Marks that the complete log follows again, after the live log stream broke. */
  markRefetch(): void {
    if (this.#closed !== null || this.#file === null) return;
    this.#file.write("[sim] the live log stream broke; the complete log follows\n");
  }

  /** Writes out the last lines that had no newline (the output has ended). */
  flush(): void {
    if (this.#closed !== null) return;
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.#partial[stream] + this.#decoders[stream].end();
      if (rest !== "") this.#line(stream, rest);
      this.#partial[stream] = "";
    }
  }

  /** Flushes partial lines, says how much was dropped if the log was truncated, and closes the file. Idempotent. */
  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    this.flush();
    const dropped = this.#limit.summary();
    if (dropped !== null) this.note(dropped);
    this.#listeners.clear();
    const file = this.#file;
    this.#closed = file === null ? Promise.resolve() : new Promise<void>((resolve) => file.end(resolve));
    return this.#closed;
  }

  #line(stream: StreamName, raw: string): void {
    const line = raw.replace(/\r$/, "");
    if (this.#keep(`${raw}\n`) && this.#file === null) this.#logger.info({ node: this.#node, stream }, line);
    this.#tail.push(line.length > TAIL_LINE_CHARS ? `${line.slice(0, TAIL_LINE_CHARS)}…` : line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    for (const listener of [...this.#listeners]) listener(line);
  }

  /** Writes `entry` to the file if the limits allow it (the caller logs it elsewhere only then). */
  #keep(entry: string): boolean {
    const verdict = this.#limit.admit(entry);
    if (verdict === "keep") {
      this.#file?.write(entry);
      return true;
    }
    if (verdict === "truncate") {
      this.#file?.write(`[sim] ${this.#limit.note}\n`);
      this.#logger.warn({ node: this.#node }, this.#limit.note!);
    }
    return false;
  }
}
