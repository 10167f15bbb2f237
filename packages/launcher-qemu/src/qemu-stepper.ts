import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ProcessTree, type Containment, type ExitInfo } from "@sim/process-tree";
import { execa } from "execa";
import { buildPlugin } from "./build-plugin.js";
import { DEFAULT_RX_INTERVAL_NS, qemuArgs } from "./command-line.js";
import { QemuExitedError, QemuNotFoundError, QemuPluginUnsupportedError, QemuProtocolError, QemuTimeoutError, QemuUsageError } from "./errors.js";
import { encodeGrant, encodeQuit, FrameReader, PROTOCOL_VERSION, type PluginFrame } from "./plugin-protocol.js";

export interface QemuStepperOptions {
  /** The firmware ELF, loaded with `-kernel`. */
  firmware: string;
  /** A QEMU machine with one Cortex-M core and its UART on the first serial port (default `netduinoplus2`). */
  machine?: string;
  /**
   * `-icount shift=N`: each instruction takes 2^N ns of virtual time (0..9, default 0).
   * With 0 every stop lands on the exact nanosecond; with N > 0 a stop can land up
   * to 2^N - 1 ns after the grant (the first instruction boundary), still within the
   * same microsecond. See docs/qemu.md.
   */
  icountShift?: number;
  /** The emulator: a command name on the PATH or a path (default `qemu-system-arm`). */
  qemu?: string;
  /** The compiled plugin (default: `buildPlugin()`, compiled on first use). */
  plugin?: string;
  /** Which of QEMU's serial ports (in `-serial` order) is the firmware's UART (default 0, the first). */
  serial?: number;
  /**
   * Called with QEMU's pid (or its supervisor's, also its process group) the moment it
   * exists, before the plugin connects, and with the stepper's temporary folder (the
   * control socket, the UART file), which `stop()` removes.
   */
  onSpawn?: (pid: number, workDir: string) => void;
  /** Aborting it while QEMU starts makes `start` give up (and leave nothing behind). */
  signal?: AbortSignal;
  /** Virtual time between attempts to inject a received byte the UART could not take yet (default 10,000 ns). */
  rxIntervalNs?: number;
  /** Extra QEMU flags, placed before the ones the stepper sets (e.g. `["-cpu", "cortex-m4"]`). */
  extraArgs?: readonly string[];
  /** QEMU's environment (default: ours). */
  env?: Record<string, string | undefined>;
  /** Every line QEMU prints on stdout or stderr (its UART goes to the stepper, not here). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** The run and node QEMU belongs to: its cgroup and the marks in its environment. */
  runId?: string;
  nodeId?: string;
  /** How its processes are kept together (default "auto", see @sim/process-tree). */
  containment?: Containment | "auto";
  /** Wall-clock limit for QEMU to start and the plugin to connect (default 30 s). */
  startupTimeoutMs?: number;
  /** Wall-clock limit for one `advance` (default 30 s). */
  quantumTimeoutMs?: number;
}

export interface AdvanceResult {
  /** What the firmware sent on its UART during the quantum. */
  txBytes: Buffer;
  /** The virtual time reached, µs since QEMU started; equals the grant. */
  reachedUs: number;
  /** The same, in ns as QEMU's virtual clock reports it (see `icountShift`). */
  reachedNs: bigint;
}

/** How long QEMU may take to exit after `quit`: it exits at once, 2 s covers a loaded machine. */
const QUIT_GRACE_MS = 2_000;
/** SIGTERM to SIGKILL: QEMU handles SIGTERM promptly unless stuck inside the plugin's socket wait. */
const SIGKILL_AFTER_MS = 2_000;
/** After SIGKILL, how long the kernel may take to remove the processes. */
const KILL_WAIT_MS = 5_000;
/** After QEMU exits, how long its last output lines may take to arrive. */
const OUTPUT_SETTLE_MS = 1_000;
const OUTPUT_TAIL_LINES = 30;
const MAX_SHIFT = 9;
/** QEMU's Arm boards have at most 4 serial ports. */
const MAX_SERIAL = 3;
const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const REFUSAL = /sim-qemu-step: refusing to load: this QEMU does not export ([^.]+)\./;

/**
 * `qemu-system-arm` running one firmware, stepped exactly in virtual time by the
 * `sim-qemu-step` plugin: `advance(untilUs, rx)` runs it to `untilUs` and returns
 * what the firmware sent on its UART. QEMU runs in its own process group (or
 * cgroup) through `@sim/process-tree`; `stop()` leaves nothing behind.
 */
export class QemuStepper implements AsyncDisposable {
  /** Starts QEMU and waits until the plugin has connected, at virtual time 0. */
  static async start(options: QemuStepperOptions): Promise<QemuStepper> {
    const machine = options.machine ?? "netduinoplus2";
    const shift = options.icountShift ?? 0;
    if (!MACHINE_NAME.test(machine)) throw new QemuUsageError(`not a QEMU machine name: ${JSON.stringify(machine)}`);
    if (!Number.isInteger(shift) || shift < 0 || shift > MAX_SHIFT) {
      throw new QemuUsageError(`icountShift must be an integer from 0 to ${MAX_SHIFT}, not ${shift}`);
    }
    const serial = options.serial ?? 0;
    if (!Number.isInteger(serial) || serial < 0 || serial > MAX_SERIAL) throw new QemuUsageError(`serial must be an integer from 0 to ${MAX_SERIAL}, not ${serial}`);
    const rxInterval = options.rxIntervalNs ?? DEFAULT_RX_INTERVAL_NS;
    if (!Number.isSafeInteger(rxInterval) || rxInterval <= 0) throw new QemuUsageError(`rxIntervalNs must be a positive integer, not ${rxInterval}`);
    try {
      await access(options.firmware, constants.R_OK);
    } catch {
      throw new QemuUsageError(`the firmware ${options.firmware} does not exist or cannot be read`);
    }
    const plugin = options.plugin ?? (await buildPlugin({ env: options.env })).path;
    const dir = await mkdtemp(join(tmpdir(), "sim-qemu-"));
    const socketPath = join(dir, "ctl.sock");
    const txPath = join(dir, "uart.tx");
    const args = qemuArgs({
      machine,
      firmware: options.firmware,
      icountShift: shift,
      serial,
      plugin,
      socketPath,
      txPath,
      rxIntervalNs: rxInterval,
      extraArgs: options.extraArgs,
    });
    const server = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(socketPath, () => resolve());
      });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    const stepper = new QemuStepper(options, shift, dir, server, [options.qemu ?? "qemu-system-arm", ...args]);
    try {
      await stepper.launch();
    } catch (error) {
      await stepper.stop().catch(() => undefined);
      throw error;
    }
    return stepper;
  }

  private tree: ProcessTree | null = null;
  private subprocess: ReturnType<typeof execa> | null = null;
  private socket: Socket | null = null;
  private readonly reader = new FrameReader();
  private readonly frames: PluginFrame[] = [];
  private waiter: (() => void) | null = null;
  private readonly tail: string[] = [];
  private outputDone: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;
  private nowNs = 0n;
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly options: QemuStepperOptions,
    /** The `-icount shift`. */
    readonly icountShift: number,
    private readonly dir: string,
    private readonly server: Server,
    /** The command line QEMU is started with (executable first). */
    readonly commandLine: readonly string[],
  ) {}

  /** QEMU's pid (or its supervisor's), also its process group id; null before start. */
  get pid(): number | null {
    return this.subprocess?.pid ?? null;
  }

  /** The virtual time reached so far, µs. */
  get nowUs(): number {
    return Number(this.nowNs / 1000n);
  }

  /** How QEMU ended, once it has. */
  get exitInfo(): ExitInfo | null {
    return this.tree?.exitInfo ?? null;
  }

  /** The last lines QEMU printed. */
  outputTail(): string[] {
    return [...this.tail];
  }

  /**
   * Runs the firmware until virtual time `untilUs` (after the current time),
   * giving `rx` to its UART from the start of the quantum, and returns what it
   * sent. Rejects with a typed error when QEMU fails, exits or takes longer than
   * `quantumTimeoutMs`; after that every call rejects with the same error.
   */
  async advance(untilUs: number, rx: Uint8Array = new Uint8Array(0)): Promise<AdvanceResult> {
    if (this.failure !== null) throw this.failure;
    if (this.stopping !== null) throw new QemuUsageError("advance() after stop()");
    if (!Number.isSafeInteger(untilUs)) throw new QemuUsageError(`untilUs must be an integer, not ${untilUs}`);
    const untilNs = BigInt(untilUs) * 1000n;
    if (untilNs <= this.nowNs) throw new QemuUsageError(`cannot advance to ${untilUs} µs: the virtual time is already ${this.nowNs} ns`);
    this.socket!.write(encodeGrant(untilNs, rx));
    const frame = await this.nextFrame(`the quantum ending at ${untilUs} µs`, this.options.quantumTimeoutMs ?? 30_000);
    if (frame.type !== "report") {
      throw this.fail(new QemuProtocolError(frame.type === "error" ? `the plugin failed: ${frame.message}` : `the plugin sent ${frame.type} where a report was expected`));
    }
    // The first instruction boundary at or after the grant: exact with shift 0.
    const limit = untilNs + (1n << BigInt(this.icountShift));
    if (frame.reachedNs < untilNs || frame.reachedNs >= limit) {
      throw this.fail(new QemuProtocolError(`QEMU stopped at ${frame.reachedNs} ns for a grant to ${untilNs} ns (icount shift ${this.icountShift})`));
    }
    this.nowNs = frame.reachedNs;
    return { txBytes: frame.tx, reachedUs: Number(frame.reachedNs / 1000n), reachedNs: frame.reachedNs };
  }

  /**
   * Asks QEMU to quit, then ends its whole process tree (SIGTERM, then SIGKILL),
   * and removes its temporary folder. Safe to call twice; resolves when nothing
   * is left.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async launch(): Promise<void> {
    const options = this.options;
    const [file, ...args] = this.commandLine as [string, ...string[]];
    const tree = new ProcessTree({
      runId: options.runId ?? `qemu-${randomBytes(4).toString("hex")}`,
      name: options.nodeId ?? "qemu",
      containment: options.containment,
      searchPath: options.env?.PATH,
    });
    this.tree = tree;
    const command = tree.command(file, args);
    const subprocess = execa(command.file, command.args, {
      cwd: this.dir,
      env: { ...(options.env ?? {}), ...tree.environment },
      extendEnv: options.env === undefined,
      detached: true,
      stdio: ["ignore", "pipe", "pipe", ...tree.stdio],
      buffer: false,
      reject: false,
    });
    void subprocess.catch(() => undefined);
    this.subprocess = subprocess;
    tree.attach(subprocess);
    this.outputDone = Promise.all([this.drain(subprocess.stdout, "stdout"), this.drain(subprocess.stderr, "stderr")]);
    await new Promise<void>((resolve, reject) => {
      subprocess.once("spawn", () => resolve());
      subprocess.once("error", (error) => reject(error));
    }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === "ENOENT"
        ? new QemuNotFoundError(`cannot start ${file}: not found (on Debian: apt-get install qemu-system-arm)`)
        : error;
    });
    void tree.exited.then((exit) => this.onExit(exit));
    if (subprocess.pid !== undefined) options.onSpawn?.(subprocess.pid, this.dir);

    const timeoutMs = options.startupTimeoutMs ?? 30_000;
    const connected = new Promise<Socket>((resolve) => this.server.once("connection", resolve));
    const signal = options.signal;
    const aborted = new Promise<"aborted">((resolve) => {
      if (signal?.aborted === true) resolve("aborted");
      signal?.addEventListener("abort", () => resolve("aborted"), { once: true });
    });
    const socket = await Promise.race([connected, tree.exited.then(() => null), aborted, sleep(timeoutMs, "timeout" as const, { ref: false })]);
    if (socket === "aborted") throw this.fail(signal?.reason instanceof Error ? signal.reason : new QemuUsageError("the start was interrupted"));
    if (socket === "timeout") throw this.fail(new QemuTimeoutError("starting (the plugin never connected)", timeoutMs));
    if (socket === null) throw await this.exitError("while starting");
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      let frames: PluginFrame[];
      try {
        frames = this.reader.push(chunk);
      } catch (error) {
        this.fail(new QemuProtocolError(`unreadable data from the plugin: ${(error as Error).message}`, { cause: error }));
        return;
      }
      this.frames.push(...frames);
      this.wake();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => this.wake());
    const hello = await this.nextFrame("starting (the plugin's hello)", timeoutMs);
    if (hello.type === "error") throw this.fail(new QemuProtocolError(`the plugin failed at start: ${hello.message}`));
    if (hello.type !== "hello" || hello.version !== PROTOCOL_VERSION) {
      throw this.fail(new QemuProtocolError(`expected the plugin's hello (protocol ${PROTOCOL_VERSION}), got ${JSON.stringify(hello, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`));
    }
    this.nowNs = hello.nowNs;
  }

  /** The next frame from the plugin, or a typed error (exit, closed socket, timeout). */
  private async nextFrame(operation: string, timeoutMs: number): Promise<PluginFrame> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.failure !== null) throw this.failure;
      const frame = this.frames.shift();
      if (frame !== undefined) return frame;
      if (this.socket === null || this.socket.destroyed || this.socket.readableEnded || this.exitInfo !== null) {
        throw await this.exitError(`during ${operation}`);
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        const error = this.fail(new QemuTimeoutError(operation, timeoutMs));
        await this.tree?.terminate({ killAfterMs: 0, killWaitMs: KILL_WAIT_MS });
        throw error;
      }
      const ac = new AbortController();
      await Promise.race([new Promise<void>((resolve) => (this.waiter = resolve)), sleep(left, undefined, { signal: ac.signal }).catch(() => undefined)]);
      ac.abort();
      this.waiter = null;
    }
  }

  private wake(): void {
    this.waiter?.();
  }

  private onExit(_exit: ExitInfo): void {
    this.wake();
  }

  /** The error for QEMU having exited (or its socket closed) `when`, with its own words. */
  private async exitError(when: string): Promise<Error> {
    if (this.failure !== null) return this.failure;
    const tree = this.tree;
    // Its last lines may still be in the pipes.
    await Promise.race([this.outputDone, sleep(OUTPUT_SETTLE_MS)]);
    const exit = tree?.exitInfo ?? (await Promise.race([tree?.exited, sleep(OUTPUT_SETTLE_MS, null)]));
    const tail = this.outputTail();
    const text = tail.join("\n");
    const refused = REFUSAL.exec(text);
    if (refused !== null) {
      const missing = refused[1]!.split(",").map((s) => s.trim());
      return this.fail(new QemuPluginUnsupportedError(`QEMU cannot be stepped: ${tail.find((l) => l.includes("refusing to load"))!.replace(/^.*?sim-qemu-step: /, "the plugin ")}`, missing));
    }
    if (/Could not load plugin|plugin.*(not supported|invalid)/i.test(text) && this.nowNs === 0n && this.socket === null) {
      return this.fail(new QemuPluginUnsupportedError(`QEMU refused the plugin: ${tail.filter((l) => l.trim() !== "").slice(-3).join(" / ")}`, []));
    }
    const how = exit === null || exit === undefined ? "closed the plugin's socket" : exit.signal !== null ? `was killed (${exit.signal})` : `exited (code ${exit.code})`;
    // QEMU's own complaint ("qemu-system-arm: ...", "qemu: fatal: ...") comes before any register dump.
    const said = tail.filter((l) => /^qemu[\w-]*:/.test(l));
    const last = said.length > 0 ? said.slice(-3) : tail.filter((l) => l.trim() !== "").slice(-5);
    return this.fail(new QemuExitedError(`QEMU ${how} ${when}${last.length > 0 ? `: ${last.join(" / ")}` : " without output"}`, tail));
  }

  /** Records the first failure (later calls reject with it); returns it. */
  private fail(error: Error): Error {
    this.failure ??= error;
    return this.failure;
  }

  private drain(stream: NodeJS.ReadableStream | null, name: "stdout" | "stderr"): Promise<void> {
    if (stream === null) return Promise.resolve();
    return new Promise((resolve) => {
      let partial = "";
      stream.setEncoding("utf8");
      const line = (text: string) => {
        this.tail.push(text);
        if (this.tail.length > OUTPUT_TAIL_LINES) this.tail.shift();
        this.options.onLine?.(text, name);
      };
      stream.on("data", (chunk: string) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const l of lines) line(l);
      });
      stream.on("error", () => resolve());
      stream.on("close", () => {
        if (partial !== "") line(partial);
        partial = "";
        resolve();
      });
    });
  }

  private async shutdown(): Promise<void> {
    const socket = this.socket;
    if (socket !== null && !socket.destroyed && socket.writable) {
      socket.write(encodeQuit());
      socket.end();
    }
    const tree = this.tree;
    let gone = true;
    if (tree !== null) {
      if (tree.exitInfo === null) await Promise.race([tree.exited, sleep(QUIT_GRACE_MS)]);
      gone = (await tree.terminate({ killAfterMs: SIGKILL_AFTER_MS, killWaitMs: KILL_WAIT_MS })).gone;
      this.subprocess?.stdout?.destroy();
      this.subprocess?.stderr?.destroy();
    }
    socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
    this.fail(new QemuUsageError("the stepper is stopped"));
    if (!gone) throw new QemuExitedError(`QEMU (pid ${this.pid}) survived SIGKILL; see /proc/${this.pid}`, this.outputTail());
  }
}
