import { createHash } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, open, rm, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SCENARIO_DEFAULTS, type ResolvedLimits, type ResolvedRenodeNode } from "@sim/config";
import type { ExternalInit, ExternalNode, InboundMessage, LaunchContext, OutboundMessage, StartedNode, TimeUs } from "@sim/coordinator";
import { encodeInbound, LogLimit, UartMessages } from "@sim/protocol";
import { RenodeMonitorError, RenodeNodeFailedError, RenodeTimeoutError, type RenodeNodePhase } from "./errors.js";
import { formatSeconds, monitorPath } from "./monitor-parser.js";
import { MonitorTransport } from "./monitor-transport.js";
import { findFreePort, RenodeProcess } from "./renode-process.js";
import type { RenodeTransport } from "./types.js";

// .NET runs its shutdown handlers on SIGTERM; Renode is normally gone within a
// second or two, 5 s leaves room on a loaded CI machine before SIGKILL.
const SIGTERM_GRACE_MS = 5_000;
// SIGKILL cannot be refused: this only bounds the wait for the kernel to remove the group.
const SIGKILL_WAIT_MS = 5_000;
// After the monitor connection drops, how long to wait for the process's exit
// status so that the error can say how it ended.
const CRASH_EXIT_WAIT_MS = 2_000;
// Pause between attempts to reach a monitor that is not listening yet.
const CONNECT_RETRY_MS = 200;
const UART_READ_CHUNK = 64 * 1024;

/** Everything `launch` needs besides the node and the run's context. */
export interface RenodeLaunchSettings {
  executable: string;
  quantumUs: TimeUs;
  env: Record<string, string | undefined>;
}

/**
 * Renode's seed for a node: Renode takes a 31-bit integer, so the node's named
 * stream `${seed}/${nodeId}` is hashed down to one. Adding a node does not
 * change another node's seed.
 */
export function renodeSeed(seed: number, nodeId: string): number {
  return createHash("sha256").update(`${seed}/${nodeId}`).digest().readUInt32BE(0) >>> 1;
}

/**
 * One firmware node inside its own Renode process, stepped in lockstep through
 * the monitor. Created by `launch`, which leaves the machine loaded at virtual
 * time 0; `advance` runs it quantum by quantum.
 */
/** The lockstep participant and, for the harness, the started node itself (`stop()` ends it). */
export class RenodeNode implements ExternalNode, StartedNode {
  readonly kind = "external";
  readonly type = "renode";
  readonly id: string;

  /** Starts Renode, loads platform and firmware; on any failure everything started is removed before the error is thrown. */
  static async launch(node: ResolvedRenodeNode, ctx: LaunchContext, settings: RenodeLaunchSettings): Promise<RenodeNode> {
    const workDir = await mkdtemp(join(tmpdir(), `sim-renode-${node.id}-`));
    const self = new RenodeNode(node, ctx, settings, workDir);
    try {
      await self.boot();
      return self;
    } catch (error) {
      throw await self.fail("launch", error);
    }
  }

  private readonly seed: number;
  private readonly logger: LaunchContext["logger"];
  private process: RenodeProcess | null = null;
  private transport: RenodeTransport | null = null;
  private uartFile: FileHandle | null = null;
  private uartOffset = 0;
  private readonly uart: UartMessages;
  private renodeLog: WriteStream | null = null;
  private uartLog: WriteStream | null = null;
  private readonly limits: ResolvedLimits;
  /** <id>.log and <id>.uart.log are bounded each on its own (limits.log_lines, limits.log_bytes). */
  private readonly renodeLogLimit: LogLimit;
  private readonly uartLogLimit: LogLimit;
  private nowUs: TimeUs = 0;
  private failure: RenodeNodeFailedError | null = null;
  private stopping: Promise<void> | null = null;
  private registeredPids: number[] = [];

  private constructor(
    private readonly node: ResolvedRenodeNode,
    private readonly ctx: LaunchContext,
    private readonly settings: RenodeLaunchSettings,
    private readonly workDir: string,
  ) {
    this.id = node.id;
    this.seed = renodeSeed(ctx.scenario.seed, node.id);
    this.logger = ctx.logger.child({ node: node.id });
    // A scenario resolved by an older version (or built by hand) may lack `limits`.
    this.limits = { ...SCENARIO_DEFAULTS.limits, ...ctx.scenario.limits };
    this.renodeLogLimit = new LogLimit(this.limits);
    this.uartLogLimit = new LogLimit(this.limits);
    this.uart = new UartMessages(node.target, this.limits.sends_per_quantum);
  }

  /** The Renode process id (also its process group), once started. */
  get pid(): number | null {
    return this.process?.pid ?? null;
  }

  /** Virtual time the node has been run to. */
  get timeUs(): TimeUs {
    return this.nowUs;
  }

  async start(init: ExternalInit): Promise<void> {
    if (this.failure) throw this.failure;
    try {
      if (init.timeQuantumUs < this.settings.quantumUs) {
        throw new RangeError(`Renode's quantum ${this.settings.quantumUs} µs exceeds the run's time quantum ${init.timeQuantumUs} µs`);
      }
      if (init.seed !== this.ctx.scenario.seed) {
        // The machine was seeded at launch from the scenario's seed; a different
        // seed now would not reach it.
        this.logger.warn({ runSeed: init.seed, scenarioSeed: this.ctx.scenario.seed }, "the run's seed differs from the scenario's; Renode keeps the scenario's");
      }
      const now = await this.transportOrThrow().currentTime({ timeoutMs: this.ctx.scenario.timeouts.startup_sec * 1000 });
      if (now !== this.nowUs) throw new RenodeMonitorError(`Renode reports virtual time ${formatSeconds(now)} s before the run started`);
    } catch (error) {
      throw await this.fail("start", error);
    }
  }

  async advance(untilUs: TimeUs, inbound: InboundMessage[]): Promise<OutboundMessage[]> {
    if (this.failure) throw this.failure;
    if (this.stopping) throw this.nodeError("advance", new Error("the node was stopped"));
    const wallMs = this.ctx.scenario.timeouts.quantum_wall_sec * 1000;
    const transport = this.transportOrThrow();
    // One timer for the whole quantum: when it fires, the pending monitor command
    // is rejected with it, and the node fails and is killed below.
    const timer = setTimeout(() => {
      transport.close(new RenodeTimeoutError("the quantum (timeouts.quantum_wall_sec)", wallMs));
    }, wallMs);
    try {
      if (!Number.isSafeInteger(untilUs) || untilUs < this.nowUs) {
        throw new RangeError(`cannot advance to ${untilUs} µs: the node is already at ${this.nowUs} µs`);
      }
      const outbound: OutboundMessage[] = [];
      for (const [atUs, messages] of groupByDeliveryTime(inbound, this.nowUs)) {
        if (atUs > untilUs) throw new RangeError(`an inbound message at ${atUs} µs lies after the quantum's end ${untilUs} µs`);
        // Renode is stopped at each delivery time, so the firmware sees the bytes
        // exactly when the network model delivered them.
        await this.runTo(atUs, outbound);
        for (const message of messages) await this.writeUart(encodeInbound(message.payload));
      }
      await this.runTo(untilUs, outbound);
      const reached = await transport.currentTime();
      if (reached !== untilUs) {
        throw new RenodeMonitorError(`Renode's virtual time is ${formatSeconds(reached)} s after running to ${formatSeconds(untilUs)} s`);
      }
      return outbound;
    } catch (error) {
      throw await this.fail("advance", error, untilUs);
    } finally {
      clearTimeout(timer);
    }
  }

  get external(): ExternalNode {
    return this;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Polite `quit`, then SIGTERM and SIGKILL to the process group. Idempotent; resolves when Renode is gone. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown(true);
    return this.stopping;
  }

  // -------------------------------------------------------------------------

  private async boot(): Promise<void> {
    const { scenario, signal } = this.ctx;
    const startupMs = scenario.timeouts.startup_sec * 1000;
    signal?.throwIfAborted();
    if (this.ctx.logDir !== null) {
      this.renodeLog = createWriteStream(join(this.ctx.logDir, `${this.id}.log`), { flags: "a" });
      this.uartLog = createWriteStream(join(this.ctx.logDir, `${this.id}.uart.log`), { flags: "a" });
    }
    const port = await findFreePort();
    const args = [
      "--disable-xwt",
      "--plain",
      "--port",
      String(port),
      "--pid-file",
      join(this.workDir, "renode.pid"),
      "--config",
      join(this.workDir, "renode.cfg"),
      ...this.node.renode.args,
    ];
    this.logger.info({ executable: this.settings.executable, args }, "starting Renode");
    const proc = await RenodeProcess.start({
      executable: this.settings.executable,
      args,
      cwd: this.workDir,
      env: this.settings.env,
      runId: this.ctx.runId,
      nodeId: this.id,
      onLine: (line, stream) => {
        this.toLog(this.renodeLog, this.renodeLogLimit, `${line}\n`, () => this.logger.debug({ stream }, line));
      },
    });
    this.process = proc;
    this.register(proc.pid);
    this.logger.debug({ pid: proc.pid, containment: proc.containment }, "Renode started");

    // Startup has one deadline for everything: connecting and every setup command.
    const abort = (reason: Error) => this.transport?.close(reason);
    const timer = setTimeout(() => abort(new RenodeTimeoutError("starting (timeouts.startup_sec)", startupMs)), startupMs);
    const onAbort = () => abort(signal?.reason instanceof Error ? signal.reason : new Error("the run was interrupted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const transport = await this.connect(proc, port, startupMs);
      this.transport = transport;
      await this.recordRenodePid(proc);
      const uartLogPath = join(this.workDir, "uart.log");
      const setup = [
        `emulation SetSeed ${this.seed}`,
        // Without it Renode never lets virtual time run ahead of the wall clock.
        "emulation SetGlobalAdvanceImmediately true",
        "emulation SetGlobalSerialExecution true",
        `emulation SetGlobalQuantum "${formatSeconds(this.settings.quantumUs)}"`,
        `mach create "${this.id}"`,
        `machine LoadPlatformDescription ${monitorPath(this.node.platform)}`,
        `sysbus LoadELF ${monitorPath(this.node.firmware)}`,
        // Written synchronously while the emulation runs: once RunFor returns,
        // the file holds every byte sent up to that virtual time.
        `${this.node.uart} CreateFileBackend ${monitorPath(uartLogPath)} true`,
      ];
      for (const command of setup) {
        signal?.throwIfAborted();
        await this.transport.execute(command);
      }
      this.uartFile = await open(uartLogPath, "r");
      this.logger.info({ pid: proc.pid, port, banner: transport.banner }, "Renode is ready");
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Connects to the monitor once it listens; Renode's .NET start-up can take seconds. */
  private async connect(proc: RenodeProcess, port: number, startupMs: number): Promise<MonitorTransport> {
    const giveUp = new AbortController();
    const timer = setTimeout(() => giveUp.abort(new RenodeTimeoutError(`opening its monitor on port ${port} (timeouts.startup_sec)`, startupMs)), startupMs);
    void proc.exited.then(() => giveUp.abort(new RenodeMonitorError("Renode exited before its monitor came up")));
    const interrupted = () => giveUp.abort(this.ctx.signal?.reason);
    let announced = false;
    void proc.monitorAnnounced.then(() => (announced = true));
    this.ctx.signal?.addEventListener("abort", interrupted, { once: true });
    try {
      for (;;) {
        this.ctx.signal?.throwIfAborted();
        giveUp.signal.throwIfAborted();
        try {
          return await MonitorTransport.connect({
            port,
            timeoutMs: startupMs,
            signal: giveUp.signal,
            onUnsolicited: (text) => this.logger.debug({ text }, "unsolicited monitor output"),
          });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== "ECONNREFUSED" && code !== "ECONNRESET") throw error;
        }
        // Not listening yet: retry soon, or as soon as Renode logs that it is.
        const pause = sleep(CONNECT_RETRY_MS, undefined, { signal: giveUp.signal }).catch(() => undefined);
        await (announced ? pause : Promise.race([proc.monitorAnnounced, pause]));
      }
    } finally {
      clearTimeout(timer);
      this.ctx.signal?.removeEventListener("abort", interrupted);
    }
  }

  /** Renode writes its own pid to --pid-file; if a wrapper script started it, that pid differs and is recorded too. */
  private async recordRenodePid(proc: RenodeProcess): Promise<void> {
    try {
      const handle = await open(join(this.workDir, "renode.pid"), "r");
      const text = (await handle.readFile("utf8")).trim();
      await handle.close();
      const pid = Number(text);
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== proc.pid) this.register(pid);
    } catch {
      // No pid file (yet): the process group still covers Renode.
    }
  }

  private register(pid: number): void {
    this.registeredPids.push(pid);
    // The work folder too: after a SIGKILL of the harness the reaper removes it with Renode.
    this.ctx.resources.addProcess({ node: this.id, pid, pgid: this.process?.pid ?? pid, workDir: this.workDir });
  }

  private transportOrThrow(): RenodeTransport {
    if (this.transport === null) throw new RenodeMonitorError("the monitor is not connected");
    return this.transport;
  }

  /**
   * Runs Renode from the node's time up to `atUs` (a no-op if it is there already)
   * and turns the UART lines completed meanwhile into messages.
   */
  private async runTo(atUs: TimeUs, outbound: OutboundMessage[]): Promise<void> {
    if (atUs <= this.nowUs) return;
    await this.transportOrThrow().runFor(atUs - this.nowUs);
    this.nowUs = atUs;
    // Renode is only asked between steps, so a line is stamped with the last µs of
    // the step its final byte was sent in: a send time inside the quantum being
    // run, never earlier than the line (see docs/renode.md, "Resolution limit").
    const stamp = atUs - 1;
    const file = this.uartFile;
    if (file === null) return;
    const buffer = Buffer.alloc(UART_READ_CHUNK);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, this.uartOffset);
      if (bytesRead === 0) return;
      this.uartOffset += bytesRead;
      this.uart.push(buffer.subarray(0, bytesRead), stamp, outbound, (line) => this.toLog(this.uartLog, this.uartLogLimit, `${formatSeconds(stamp)} ${line}\n`));
    }
  }

  /** Writes one entry to a log file within its limits; `forward` (without a log folder) only if kept. */
  private toLog(file: WriteStream | null, limit: LogLimit, entry: string, forward?: () => void): void {
    const verdict = limit.admit(entry);
    if (verdict === "keep") {
      if (file !== null) file.write(entry);
      else forward?.();
    } else if (verdict === "truncate") {
      file?.write(`[sim] ${limit.note}\n`);
      this.logger.warn(limit.note!);
    }
  }

  private async writeUart(bytes: Uint8Array): Promise<void> {
    const transport = this.transportOrThrow();
    for (const byte of bytes) {
      await transport.execute(`${this.node.uart} WriteChar 0x${byte.toString(16).padStart(2, "0")}`);
    }
  }

  /** Records the failure, kills Renode, and returns the error to throw. */
  private async fail(phase: RenodeNodePhase, error: unknown, untilUs?: TimeUs): Promise<RenodeNodeFailedError> {
    if (this.failure) return this.failure;
    const proc = this.process;
    // A dropped connection is usually a crash: wait briefly to report how it ended.
    if (error instanceof RenodeMonitorError && proc !== null) await proc.waitExit(CRASH_EXIT_WAIT_MS);
    const crashed = proc?.exitInfo ?? null;
    this.failure = this.nodeError(phase, error, untilUs);
    this.logger.error({ err: this.failure, exit: crashed }, "Renode node failed");
    this.stopping ??= this.shutdown(false);
    await this.stopping;
    return this.failure;
  }

  private nodeError(phase: RenodeNodePhase, error: unknown, untilUs?: TimeUs): RenodeNodeFailedError {
    if (error instanceof RenodeNodeFailedError) return error;
    const proc = this.process;
    const where = untilUs === undefined ? "" : ` of the quantum ending at ${formatSeconds(untilUs)} s`;
    const parts = [`${where}: ${error instanceof Error ? error.message : String(error)}`];
    const timedOut = error instanceof RenodeTimeoutError;
    if (proc?.exitInfo) parts.push(`Renode exited (${describeExit(proc.exitInfo)})`);
    if (timedOut) parts.push(phase === "launch" ? "Renode was stopped (raise timeouts.startup_sec if it is just slow to start)" : "the emulator was killed (raise timeouts.quantum_wall_sec if a quantum legitimately takes longer to emulate)");
    const tail = proc?.outputTail() ?? [];
    if (tail.length > 0 && (proc?.exitInfo || (timedOut && phase === "launch"))) parts.push(`last output: ${tail.slice(-5).join(" | ")}`);
    if (this.ctx.logDir !== null && proc !== null) parts.push(`Renode's log: ${join(this.ctx.logDir, `${this.id}.log`)}`);
    return new RenodeNodeFailedError(this.id, phase, parts.join("; ").trimStart(), { cause: error });
  }

  private async shutdown(polite: boolean): Promise<void> {
    const proc = this.process;
    const transport = this.transport;
    if (proc !== null && polite && transport !== null && transport.usable && proc.exitInfo === null) {
      try {
        await transport.quit();
        await proc.waitExit(this.ctx.scenario.timeouts.shutdown_grace_sec * 1000);
      } catch (error) {
        this.logger.warn({ err: error }, "quit failed; terminating Renode");
      }
    }
    transport?.close();
    if (proc !== null) {
      const gone = await proc.terminate(SIGTERM_GRACE_MS, SIGKILL_WAIT_MS);
      if (gone) for (const pid of this.registeredPids) this.ctx.resources.removeProcess(pid);
      else this.logger.error({ pid: proc.pid }, "Renode's process group survived SIGKILL; left for the reaper");
    }
    await this.uartFile?.close().catch(() => undefined);
    this.uartFile = null;
    for (const [file, limit] of [[this.renodeLog, this.renodeLogLimit], [this.uartLog, this.uartLogLimit]] as const) {
      const dropped = limit.summary();
      if (dropped !== null && file !== null && !file.writableEnded) file.write(`[sim] ${dropped}\n`);
    }
    await Promise.all([closeStream(this.renodeLog), closeStream(this.uartLog)]);
    await rm(this.workDir, { recursive: true, force: true });
  }
}

/** Inbound messages grouped by delivery time (a time already passed counts as now), in time order. */
function groupByDeliveryTime(inbound: readonly InboundMessage[], nowUs: TimeUs): [TimeUs, InboundMessage[]][] {
  const sorted = inbound.map((m, i) => ({ m, i, at: Math.max(m.atUs, nowUs) })).sort((a, b) => a.at - b.at || a.i - b.i);
  const groups: [TimeUs, InboundMessage[]][] = [];
  for (const { m, at } of sorted) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0] === at) last[1].push(m);
    else groups.push([at, [m]]);
  }
  return groups;
}

function describeExit(exit: { code: number | null; signal: string | null }): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function closeStream(stream: WriteStream | null): Promise<void> {
  if (stream === null || stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.end(() => resolve()));
}
