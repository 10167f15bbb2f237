/**
 * The coordinator side of the node protocol, over any pair of streams (a child's
 * stdio, a container's attached and demultiplexed stdio). Launchers supply the
 * streams and the lifecycle; the protocol lives here only.
 */
import { performance } from "node:perf_hooks";
import { StringDecoder } from "node:string_decoder";
import type { Readable, Writable } from "node:stream";
import { SCENARIO_DEFAULTS } from "@sim/config";
import type { ExternalInit, ExternalNode, InboundMessage, OutboundMessage, TimeUs } from "@sim/coordinator";
import { decodeNodeMessage, encodeDeliver, encodeMessage, excerpt } from "./codec.js";
import { ProtocolError, type ProtocolFailureKind } from "./errors.js";
import { LineSplitter } from "./line-splitter.js";
import { MAX_LINE_LENGTH, PROTOCOL_VERSION, type NodeMessage } from "./messages.js";

/** How the process or container behind a protocol node ended. */
export interface NodeExit {
  code: number | null;
  signal: string | null;
}

export interface ProtocolNodeOptions {
  id: string;
  /** Node type as in the scenario ("process", "docker"). */
  type: string;
  /** To the node. */
  stdin: Writable;
  /** From the node (already demultiplexed). */
  stdout: Readable;
  /** Handed to the node in `init`. */
  config: Record<string, unknown>;
  /** Deadline for each `advance` to be answered with `done` (timeouts.quantum_wall_sec * 1000). */
  quantumWallMs: number;
  /** Deadline for `init` to be answered with `ready` (timeouts.startup_sec * 1000); default quantumWallMs. */
  startupMs?: number;
  /**
   * Most `send` lines accepted in one quantum (limits.sends_per_quantum); one more
   * fails the node (`too-many-sends`). Default: SCENARIO_DEFAULTS.limits.sends_per_quantum.
   */
  maxSendsPerQuantum?: number;
  /** Settles when the process behind the node is gone; an exit before shutdown() fails the node. */
  exited?: Promise<NodeExit>;
  /** Receives the node's `log` lines. */
  onLog?: (level: string, msg: string) => void;
  /** Recent free-text output (e.g. the tail of stderr), appended to failure messages. */
  diagnostics?: () => string;
}

/**
 * An `ExternalNode` speaking the NDJSON protocol. Ending the process or container
 * behind it is its launcher's `StartedNode.stop()`, which begins with `shutdown()`.
 */
export interface ProtocolNode extends ExternalNode {
  /** Sends `{"type":"shutdown"}` and ends the node's stdin: the polite request to exit. Idempotent; never rejects. */
  shutdown(): Promise<void>;
  /** The failure that ended this node, if any. */
  readonly failure: ProtocolError | null;
}

/**
 * How long to wait for the exit status once the node's stdout closed or its stdin
 * broke (EPIPE), so that the error can say "exited with code 3" and quote its stderr
 * instead of naming the broken pipe. A dead process's exit is normally known within
 * milliseconds; 1 s covers a loaded machine, and is only ever spent on a failure.
 */
export const EXIT_STATUS_WAIT_MS = 1000;

type State = "new" | "starting" | "idle" | "advancing" | "closing" | "failed";

/** Creates the coordinator side of the protocol over `stdin`/`stdout`. */
export function createProtocolNode(options: ProtocolNodeOptions): ProtocolNode {
  if (!(options.quantumWallMs > 0) || !Number.isFinite(options.quantumWallMs)) {
    throw new RangeError(`quantumWallMs must be a positive number of milliseconds, got ${options.quantumWallMs}`);
  }
  if (options.maxSendsPerQuantum !== undefined && !(Number.isSafeInteger(options.maxSendsPerQuantum) && options.maxSendsPerQuantum >= 0)) {
    throw new RangeError(`maxSendsPerQuantum must be a non-negative integer, got ${options.maxSendsPerQuantum}`);
  }
  return new StreamProtocolNode(options);
}

class StreamProtocolNode implements ProtocolNode {
  readonly kind = "external" as const;
  readonly id: string;
  readonly type: string;
  failure: ProtocolError | null = null;

  private readonly opts: ProtocolNodeOptions;
  private readonly maxSends: number;
  private readonly splitter = new LineSplitter(MAX_LINE_LENGTH);
  private readonly decoder = new StringDecoder("utf8");
  private state: State = "new";
  private fromUs: TimeUs = 0;
  private untilUs: TimeUs = 0;
  private nodeSeq = 0;
  private outbound: OutboundMessage[] = [];
  private lastLine: string | null = null;
  /** performance.now() when lastLine arrived. */
  private lastLineAt = 0;
  /** performance.now() when the pending wait (for ready or done) began. */
  private waitSince = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Armed while waiting for the exit status after the node's pipes broke. */
  private exitWait: NodeJS.Timeout | undefined;
  /** Reports the broken pipe that exitWait waits about. */
  private reportBrokenPipe: (() => void) | null = null;
  private resolvePending: ((value: OutboundMessage[]) => void) | null = null;
  private rejectPending: ((err: ProtocolError) => void) | null = null;
  private shutdownPromise: Promise<void> | null = null;
  private exit: NodeExit | null = null;

  constructor(opts: ProtocolNodeOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.type = opts.type;
    this.maxSends = opts.maxSendsPerQuantum ?? SCENARIO_DEFAULTS.limits.sends_per_quantum;
    const { stdin, stdout } = opts;
    // Without a listener an EPIPE from a dead node would crash the harness. A node
    // that exited at start-up breaks the pipe before its exit is noticed: wait for
    // the exit, so that the error tells how it ended instead of "EPIPE".
    stdin.on("error", (err) => this.pipeBroke("write-failed", `writing to its stdin failed: ${err.message}`, null, err));
    stdout.on("data", (chunk: Buffer | string) => this.onData(chunk));
    stdout.on("end", () => this.onStdoutClosed());
    stdout.on("close", () => this.onStdoutClosed());
    stdout.on("error", (err) => this.pipeBroke("stdout-closed", `reading its stdout failed: ${err.message}`, null, err));
    opts.exited?.then(
      (exit) => {
        this.exit = exit;
        this.failExited();
      },
      () => {},
    );
  }

  start(init: ExternalInit): Promise<void> {
    // A node that already died (e.g. exited before it was started) reports how.
    if (this.failure) return Promise.reject(this.failure);
    if (this.state !== "new") return Promise.reject(new Error(`node "${this.id}" was already started`));
    this.state = "starting";
    const wait = this.expect(this.opts.startupMs ?? this.opts.quantumWallMs, () =>
      `did not answer "init" with "ready" within ${formatMs(this.opts.startupMs ?? this.opts.quantumWallMs)} (timeouts.startup_sec)`,
    );
    this.write(
      encodeMessage({
        type: "init",
        protocol: PROTOCOL_VERSION,
        node_id: this.id,
        seed: init.seed,
        time_quantum_us: init.timeQuantumUs,
        config: this.opts.config,
      }),
    );
    return wait.then(() => undefined);
  }

  advance(untilUs: TimeUs, inbound: InboundMessage[]): Promise<OutboundMessage[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.state !== "idle") {
      return Promise.reject(new Error(`node "${this.id}" cannot advance while ${this.state}`));
    }
    if (!Number.isSafeInteger(untilUs) || untilUs <= this.fromUs) {
      return Promise.reject(new RangeError(`node "${this.id}": advance to ${untilUs} µs, but its clock is at ${this.fromUs} µs`));
    }
    this.state = "advancing";
    this.untilUs = untilUs;
    this.outbound = [];
    const wait = this.expect(this.opts.quantumWallMs, () =>
      `did not answer "advance" to ${untilUs} µs with "done" within ${formatMs(this.opts.quantumWallMs)} (timeouts.quantum_wall_sec)`,
    );
    // Every deliver line and the advance go out in one write: one wake-up of the node per quantum.
    let text = "";
    for (const m of inbound) text += encodeDeliver(m);
    text += `{"type":"advance","until_us":${untilUs}}\n`;
    this.write(text);
    return wait;
  }

  shutdown(): Promise<void> {
    if (this.shutdownPromise) return this.shutdownPromise;
    if (this.state !== "failed") this.state = "closing";
    this.clearPending();
    const { stdin } = this.opts;
    this.shutdownPromise = new Promise<void>((resolve) => {
      if (stdin.destroyed || stdin.writableEnded) return resolve();
      const done = (): void => resolve();
      stdin.once("error", done);
      stdin.once("close", done);
      stdin.end(encodeMessage({ type: "shutdown" }), done);
    });
    return this.shutdownPromise;
  }

  // -------------------------------------------------------------------------

  private write(text: string): void {
    const { stdin } = this.opts;
    if (stdin.destroyed || stdin.writableEnded) {
      this.pipeBroke("write-failed", "its stdin is closed", null);
      return;
    }
    stdin.write(text);
  }

  /** Arms the deadline and returns the promise settled by the awaited message or a failure. */
  private expect(ms: number, timeoutReason: () => string): Promise<OutboundMessage[]> {
    this.waitSince = performance.now();
    return new Promise<OutboundMessage[]>((resolve, reject) => {
      this.resolvePending = resolve;
      this.rejectPending = reject;
      this.timer = setTimeout(() => this.timedOut(timeoutReason()), ms);
    });
  }

  /**
   * The deadline passed. No line is at fault, so none is quoted as the offending
   * one (`line` stays null); the last line received is shown, labelled as such,
   * because it tells how far the node got.
   */
  private timedOut(reason: string): void {
    // A pipe already broke and the exit status is still awaited: that is the failure.
    if (this.reportBrokenPipe) return this.reportBrokenPipe();
    const now = performance.now();
    let context: string;
    let hint: string | undefined;
    if (this.lastLine === null) {
      context = "; nothing was received from it on stdout";
      if (this.state === "starting") {
        hint = "Does the node write {\"type\":\"ready\",\"protocol\":1} and flush stdout after each line (Python: print(..., flush=True))?";
      }
    } else if (this.lastLineAt >= this.waitSince) {
      context = `; last line received (${formatMs(Math.round(now - this.lastLineAt))} before the deadline): ${excerpt(this.lastLine)}`;
    } else {
      context = `; nothing was received during the wait (last line received before it: ${excerpt(this.lastLine)})`;
    }
    this.fail("timeout", reason + context, null, undefined, hint);
  }

  private settle(): void {
    const resolve = this.resolvePending;
    const outbound = this.outbound;
    this.clearPending();
    this.outbound = [];
    resolve?.(outbound);
  }

  private clearPending(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.resolvePending = null;
    this.rejectPending = null;
  }

  private onData(chunk: Buffer | string): void {
    if (this.state === "failed") return;
    const text = typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    const overlong = this.splitter.push(text, this.onLine);
    if (overlong !== null) {
      this.fail("line-too-long", `wrote a line longer than ${MAX_LINE_LENGTH} characters`, overlong);
    }
  }

  private readonly onLine = (line: string): void => {
    if (this.state === "failed") return;
    this.lastLine = line;
    this.lastLineAt = performance.now();
    const decoded = decodeNodeMessage(line);
    if (!decoded.ok) {
      if (decoded.kind === "payload-too-deep") {
        this.fail(decoded.kind, `wrote a line with ${decoded.reason}`, line, undefined, "Send a flatter payload (e.g. a list of records instead of nested ones).");
      } else {
        this.fail(decoded.kind, `wrote a line that is not a valid protocol message: ${decoded.reason}`, line);
      }
      return;
    }
    this.handle(decoded.message, line);
  };

  private handle(msg: NodeMessage, line: string): void {
    switch (msg.type) {
      case "log":
        this.opts.onLog?.(msg.level, msg.msg);
        return;
      case "send":
        if (this.state !== "advancing") {
          this.unexpected(msg.type, line);
        } else if (msg.at_us < this.fromUs || msg.at_us >= this.untilUs) {
          this.fail(
            "send-outside-quantum",
            `sent at ${msg.at_us} µs, outside the quantum being run [${this.fromUs}, ${this.untilUs}) µs (a send due at the quantum's end belongs to the next one)`,
            line,
          );
        } else if (this.outbound.length >= this.maxSends) {
          this.fail(
            "too-many-sends",
            `sent more than ${this.maxSends} messages in the quantum [${this.fromUs}, ${this.untilUs}] µs (limits.sends_per_quantum)`,
            line,
            undefined,
            "Raise limits.sends_per_quantum in the scenario if the node really sends that many, or send fewer, larger messages.",
          );
        } else {
          this.outbound.push({
            to: msg.to,
            atUs: msg.at_us,
            payload: msg.payload,
            sizeBytes: msg.size_bytes ?? Buffer.byteLength(JSON.stringify(msg.payload)),
            nodeSeq: this.nodeSeq++,
          });
        }
        return;
      case "done":
        if (this.state !== "advancing") {
          this.unexpected(msg.type, line);
        } else if (msg.now_us !== this.untilUs) {
          this.fail("wrong-done", `answered "done" at ${msg.now_us} µs, but was asked to advance to ${this.untilUs} µs`, line);
        } else {
          this.state = "idle";
          this.fromUs = this.untilUs;
          this.settle();
        }
        return;
      case "ready":
        if (this.state !== "starting") {
          this.unexpected(msg.type, line);
        } else if (msg.protocol !== PROTOCOL_VERSION) {
          this.fail(
            "version-mismatch",
            `speaks protocol version ${msg.protocol}, this harness speaks version ${PROTOCOL_VERSION}`,
            line,
            undefined,
            "Use a node SDK of the same major version as the harness.",
          );
        } else {
          this.state = "idle";
          this.settle();
        }
        return;
    }
  }

  private unexpected(type: string, line: string): void {
    const when = { new: "before init", starting: "before ready", idle: "between quanta", closing: "after shutdown" } as const;
    if (this.state === "closing") return; // late output while stopping is harmless
    this.fail("unexpected-message", `wrote "${type}" ${when[this.state as keyof typeof when] ?? "out of turn"}`, line);
  }

  private onStdoutClosed(): void {
    const rest = this.splitter.rest;
    // An unfinished line is the node's fault: quote it.
    this.pipeBroke("stdout-closed", "closed its stdout", rest.length > 0 ? rest : null);
  }

  /**
   * A pipe to or from the node broke. A crashing process breaks its pipes just before
   * its exit status is known: wait for it (at most EXIT_STATUS_WAIT_MS), so that the
   * error says how the node ended rather than which pipe noticed first.
   */
  private pipeBroke(kind: ProtocolFailureKind, reason: string, line: string | null, cause?: unknown): void {
    if (this.state === "failed" || this.state === "closing") return;
    const { exited } = this.opts;
    if (this.exit) return this.failExited(line);
    if (!exited) return this.fail(kind, reason, line, cause);
    if (this.exitWait !== undefined) return;
    this.reportBrokenPipe = () => this.fail(kind, reason, line, cause);
    this.exitWait = setTimeout(() => this.reportBrokenPipe?.(), EXIT_STATUS_WAIT_MS);
    // An exit within the wait is reported by the handler installed in the constructor,
    // which quotes the unfinished line, if any, as this would.
  }

  private failExited(line: string | null = null): void {
    const rest = line ?? (this.splitter.rest.length > 0 ? this.splitter.rest : null);
    const last = rest === null && this.lastLine !== null ? `; last line received: ${excerpt(this.lastLine)}` : "";
    this.fail("exited", `exited with ${describeExit(this.exit!)}${last}`, rest);
  }

  private fail(kind: ProtocolFailureKind, reason: string, line: string | null, cause?: unknown, hint?: string): void {
    if (this.state === "failed") return;
    if (this.state === "closing" && (kind === "exited" || kind === "stdout-closed" || kind === "write-failed")) return;
    if (this.exitWait !== undefined) clearTimeout(this.exitWait);
    this.exitWait = undefined;
    this.reportBrokenPipe = null;
    const diagnostics = this.opts.diagnostics?.().trim();
    const fullReason = diagnostics ? `${reason}\n  recent output:\n    ${diagnostics.split("\n").join("\n    ")}` : reason;
    this.failure = new ProtocolError(this.id, kind, fullReason, { line, cause, hint });
    this.state = "failed";
    const reject = this.rejectPending;
    this.clearPending();
    reject?.(this.failure);
  }
}

function describeExit(exit: NodeExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}
