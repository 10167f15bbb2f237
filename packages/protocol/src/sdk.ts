/**
 * The SDK for writing an external node in TypeScript/JavaScript: `runNode()` speaks
 * the protocol on the process's stdin/stdout and keeps the node's virtual clock.
 *
 * Dependency-free (importable as `@sim/protocol/sdk` without loading the rest of sim).
 */
import { readSync, writeSync } from "node:fs";
import { Console } from "node:console";
import { StringDecoder } from "node:string_decoder";
import type { Readable, Writable } from "node:stream";
import { decodeCoordinatorMessage, encodeMessage } from "./codec.js";
import { LineSplitter } from "./line-splitter.js";
import { PROTOCOL_VERSION, type CoordinatorMessage, type LogLevel } from "./messages.js";

/** A message delivered to the node. */
export interface Delivery {
  from: string;
  /** Virtual delivery time; `node.now()` equals it while `onDeliver` runs. */
  atUs: number;
  payload: unknown;
  sizeBytes: number;
}

/** What a node can see and do. */
export interface NodeRuntime {
  readonly id: string;
  readonly seed: number;
  readonly timeQuantumUs: number;
  /** The `config` object of the scenario's node. */
  readonly config: Record<string, unknown>;
  /** The node's virtual clock, in microseconds. */
  now(): number;
  /**
   * Sends a message at `atUs` (default: now), which must lie in the quantum being run.
   * `sizeBytes` defaults to the UTF-8 length of the payload's JSON text.
   */
  send(to: string, payload: unknown, options?: { atUs?: number; sizeBytes?: number }): void;
  /** Runs `callback` at now + `delayUs` (virtual time), in order with deliveries. */
  setTimer(delayUs: number, callback: () => void | Promise<void>): void;
  /** A line in the run's log. */
  log(level: LogLevel, msg: string): void;
}

export interface NodeHandlers {
  /** Called once on `init`, before the node answers `ready`. */
  init?(node: NodeRuntime): void | Promise<void>;
  /** Called at the start of each quantum (`node.now()` is its start) with the quantum's end. */
  onAdvance?(untilUs: number, node: NodeRuntime): void | Promise<void>;
  /** Called for each delivery, in time order with timers, during the quantum it falls in. */
  onDeliver?(message: Delivery, node: NodeRuntime): void | Promise<void>;
  /** Called once when the coordinator says `shutdown` or closes stdin. */
  onShutdown?(node: NodeRuntime): void | Promise<void>;
}

export interface RunNodeOptions extends NodeHandlers {
  /**
   * "sync" (default): blocking reads and writes on fds 0 and 1, the fastest way for a
   * node that waits on nothing else (the event loop still runs while a handler's
   * promise is pending). "async": stream I/O, for a node that must keep serving other
   * I/O between quanta.
   */
  io?: "sync" | "async";
  /** Streams for "async" mode (default process.stdin/stdout), e.g. in tests. */
  stdin?: Readable;
  stdout?: Writable;
  /** Exit the process when the protocol ends: 0 after shutdown, 1 after an error (default true). */
  exit?: boolean;
  /** Send console.log/info/debug to stderr, since stdout carries the protocol (default true). */
  redirectConsole?: boolean;
}

interface QueuedEvent {
  atUs: number;
  seq: number;
  delivery: Delivery | null;
  callback: (() => void | Promise<void>) | null;
}

/**
 * Runs a node until the coordinator shuts it down or closes stdin. Resolves when the
 * protocol has ended (unless `exit` is true, in which case the process exits).
 */
export async function runNode(options: RunNodeOptions): Promise<void> {
  const io = options.io ?? "sync";
  const exit = options.exit ?? true;
  if (options.redirectConsole ?? true) redirectConsole();
  // process.stdout is only touched in async mode: creating it makes fd 1 non-blocking.
  const stdout = io === "async" ? (options.stdout ?? process.stdout) : null;
  const write = stdout === null ? writeAllSync : (text: string) => void stdout.write(text);
  const engine = new NodeEngine(options, write);
  let code = 0;
  try {
    if (io === "sync") await runSync(engine);
    else await runAsync(engine, options.stdin ?? process.stdin);
    await engine.finish();
  } catch (err) {
    if (!exit) throw err;
    code = 1;
    process.stderr.write(`node failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  if (exit) {
    if (stdout !== null) await new Promise<void>((resolve) => stdout.write("", () => resolve()));
    process.exit(code);
  }
}

class NodeEngine implements NodeRuntime {
  id = "";
  seed = 0;
  timeQuantumUs = 0;
  config: Record<string, unknown> = {};
  ended = false;

  private clock = 0;
  private quantumStart = 0;
  private untilUs = -1;
  private seq = 0;
  private readonly queue: QueuedEvent[] = [];
  private out = "";
  private finished = false;

  constructor(
    private readonly handlers: NodeHandlers,
    private readonly write: (text: string) => void,
  ) {}

  now(): number {
    return this.clock;
  }

  send(to: string, payload: unknown, options?: { atUs?: number; sizeBytes?: number }): void {
    if (this.untilUs < 0) throw new Error("send() is only allowed while the node runs a quantum (in onAdvance, onDeliver or a timer)");
    const atUs = options?.atUs ?? this.clock;
    if (!Number.isSafeInteger(atUs) || atUs < this.quantumStart || atUs >= this.untilUs) {
      throw new RangeError(`send(): atUs ${atUs} is outside the quantum being run [${this.quantumStart}, ${this.untilUs})`);
    }
    const body = JSON.stringify(payload ?? null);
    const sizeBytes = options?.sizeBytes ?? Buffer.byteLength(body);
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) throw new RangeError(`send(): sizeBytes must be a non-negative integer, got ${sizeBytes}`);
    // Hand-built to avoid stringifying the payload twice; `to` is escaped by JSON.stringify.
    this.out += `{"type":"send","at_us":${atUs},"to":${JSON.stringify(to)},"payload":${body},"size_bytes":${sizeBytes}}\n`;
  }

  setTimer(delayUs: number, callback: () => void | Promise<void>): void {
    if (!Number.isSafeInteger(delayUs) || delayUs < 0) throw new RangeError(`setTimer(): delayUs must be a non-negative integer, got ${delayUs}`);
    this.enqueue({ atUs: this.clock + delayUs, seq: this.seq++, delivery: null, callback });
  }

  log(level: LogLevel, msg: string): void {
    this.out += encodeMessage({ type: "log", level, msg: String(msg) });
    if (this.untilUs < 0) this.flush();
  }

  /** Handles one line from the coordinator; returns a promise only when a handler did. */
  handleLine(line: string): void | Promise<void> {
    const decoded = decodeCoordinatorMessage(line);
    if (!decoded.ok) throw new Error(`the coordinator sent an invalid line (${decoded.reason}): ${line.slice(0, 200)}`);
    return this.handle(decoded.message);
  }

  private handle(msg: CoordinatorMessage): void | Promise<void> {
    switch (msg.type) {
      case "init": {
        this.id = msg.node_id;
        this.seed = msg.seed;
        this.timeQuantumUs = msg.time_quantum_us;
        this.config = msg.config;
        // Answer with our own version even on a mismatch: the coordinator refuses with a clear error.
        return then(this.handlers.init?.(this), () => {
          this.out += encodeMessage({ type: "ready", protocol: PROTOCOL_VERSION });
          this.flush();
        });
      }
      case "deliver":
        this.enqueue({
          atUs: msg.at_us,
          seq: this.seq++,
          delivery: { from: msg.from, atUs: msg.at_us, payload: msg.payload, sizeBytes: msg.size_bytes },
          callback: null,
        });
        return;
      case "advance":
        return this.runQuantum(msg.until_us);
      case "shutdown":
        this.ended = true;
        return;
    }
  }

  private runQuantum(untilUs: number): void | Promise<void> {
    this.untilUs = untilUs;
    this.quantumStart = this.clock;
    return then(this.handlers.onAdvance?.(untilUs, this), () => this.drain());
  }

  /** Runs queued deliveries and timers before the end of the quantum, then answers done. */
  private drain(): void | Promise<void> {
    for (;;) {
      const next = this.queue[0];
      if (next === undefined || next.atUs >= this.untilUs) break;
      this.queue.shift();
      // Never let the clock run backwards (e.g. a late delivery stamped before now).
      if (next.atUs > this.clock) this.clock = next.atUs;
      const result = next.delivery ? this.handlers.onDeliver?.(next.delivery, this) : next.callback?.();
      if (isPromise(result)) return result.then(() => this.drain());
    }
    this.clock = this.untilUs;
    this.out += `{"type":"done","now_us":${this.untilUs}}\n`;
    this.untilUs = -1;
    this.flush();
  }

  private enqueue(event: QueuedEvent): void {
    const q = this.queue;
    // Mostly appended in order: scan from the end.
    let i = q.length;
    while (i > 0) {
      const prev = q[i - 1]!;
      if (prev.atUs < event.atUs || (prev.atUs === event.atUs && prev.seq < event.seq)) break;
      i--;
    }
    if (i === q.length) q.push(event);
    else q.splice(i, 0, event);
  }

  private flush(): void {
    if (this.out.length === 0) return;
    const text = this.out;
    this.out = "";
    this.write(text);
  }

  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.handlers.onShutdown?.(this);
    this.flush();
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** Runs `next` after `result`, staying synchronous when `result` is not a promise. */
function then(result: unknown, next: () => void | Promise<void>): void | Promise<void> {
  return isPromise(result) ? result.then(next) : next();
}

/** Handles `lines` from index `i`; stays synchronous (no awaits) unless a handler returns a promise. */
function handleLines(engine: NodeEngine, lines: string[], i = 0): Promise<void> | null {
  for (; i < lines.length && !engine.ended; i++) {
    const r = engine.handleLine(lines[i]!);
    if (r) {
      const next = i + 1;
      return r.then(() => handleLines(engine, lines, next) ?? undefined);
    }
  }
  return null;
}

function splitChunk(splitter: LineSplitter, chunk: string): string[] {
  const lines: string[] = [];
  splitter.push(chunk, (line) => lines.push(line));
  return lines;
}

async function runSync(engine: NodeEngine): Promise<void> {
  const splitter = new LineSplitter(Number.MAX_SAFE_INTEGER);
  const decoder = new StringDecoder("utf8");
  const buf = Buffer.allocUnsafe(1 << 16);
  while (!engine.ended) {
    const n = readSyncRetry(0, buf);
    if (n === 0) break;
    const r = handleLines(engine, splitChunk(splitter, decoder.write(buf.subarray(0, n))));
    if (r) await r;
  }
}

async function runAsync(engine: NodeEngine, stdin: Readable): Promise<void> {
  const splitter = new LineSplitter(Number.MAX_SAFE_INTEGER);
  stdin.setEncoding("utf8");
  for await (const chunk of stdin) {
    const r = handleLines(engine, splitChunk(splitter, chunk as string));
    if (r) await r;
    if (engine.ended) break;
  }
}

function readSyncRetry(fd: number, buf: Buffer): number {
  for (;;) {
    try {
      return readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EOF") return 0;
      // A non-blocking stdin (inherited from a parent that set O_NONBLOCK): wait a little.
      if (code === "EAGAIN") {
        sleepMs(1);
        continue;
      }
      throw err;
    }
  }
}

function writeAllSync(text: string): void {
  let written = 0;
  try {
    written = writeSync(1, text);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
  }
  // A blocking pipe takes everything at once; only a non-blocking fd 1 leaves a rest.
  if (written === text.length && text.length === Buffer.byteLength(text)) return;
  let data = Buffer.from(text).subarray(written);
  while (data.length > 0) {
    try {
      const n = writeSync(1, data);
      data = data.subarray(n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      sleepMs(1);
    }
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function redirectConsole(): void {
  const toStderr = new Console({ stdout: process.stderr, stderr: process.stderr });
  console.log = toStderr.log.bind(toStderr);
  console.info = toStderr.info.bind(toStderr);
  console.debug = toStderr.debug.bind(toStderr);
}
