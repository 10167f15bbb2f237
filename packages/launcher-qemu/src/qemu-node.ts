import { join } from "node:path";
import { SCENARIO_DEFAULTS, type ResolvedQemuNode } from "@sim/config";
import type { ExternalInit, ExternalNode, InboundMessage, LaunchContext, OutboundMessage, StartedNode, TimeUs } from "@sim/coordinator";
import { isProcessAlive } from "@sim/process-tree";
import { BoundedLog, UartMessages } from "@sim/protocol";
import { QemuNodeFailedError, QemuTimeoutError, QemuUsageError, type QemuNodePhase } from "./errors.js";
import { QemuStepper } from "./qemu-stepper.js";
import { planSteps } from "./step-plan.js";

/** What `launch` needs besides the node and the run's context. */
export interface QemuLaunchSettings {
  /** The emulator: a command name on the PATH or a path. */
  qemu: string;
  /** The compiled plugin; default: built on first use. */
  plugin?: string;
  env: Record<string, string | undefined>;
}

/**
 * One firmware node in its own `qemu-system-arm`, stepped in virtual time by
 * `QemuStepper`. Each quantum runs in steps of the node's `quantum_us`, stopping also
 * at every delivery time, so that a message reaches the UART when the network
 * delivers it; each UART line becomes a message to the target, stamped with the last
 * microsecond of the step it ended in.
 */
/** The lockstep participant and, for the harness, the started node itself (`stop()` ends it). */
export class QemuNode implements ExternalNode, StartedNode {
  readonly kind = "external";
  readonly type = "qemu";
  readonly id: string;

  /** Starts QEMU at virtual time 0; on any failure nothing is left and the error names the node. */
  static async launch(node: ResolvedQemuNode, ctx: LaunchContext, settings: QemuLaunchSettings): Promise<QemuNode> {
    const self = new QemuNode(node, ctx);
    try {
      await self.boot(settings);
      return self;
    } catch (error) {
      throw await self.fail("launch", error);
    }
  }

  private stepper: QemuStepper | null = null;
  private readonly logger: LaunchContext["logger"];
  private readonly qemuLog: BoundedLog;
  private readonly uartLog: BoundedLog;
  private readonly uart: UartMessages;
  private pid: number | null = null;
  private nowUs: TimeUs = 0;
  /** Bytes of messages delivered at the end of the last quantum, given with the next grant. */
  private carry: Uint8Array = new Uint8Array(0);
  private failure: QemuNodeFailedError | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly node: ResolvedQemuNode,
    private readonly ctx: LaunchContext,
  ) {
    this.id = node.id;
    this.logger = ctx.logger.child({ node: node.id });
    // A scenario resolved by an older version (or built by hand) may lack `limits`.
    const limits = { ...SCENARIO_DEFAULTS.limits, ...ctx.scenario.limits };
    const warn = (note: string) => this.logger.warn(note);
    this.qemuLog = new BoundedLog(ctx.logDir === null ? null : join(ctx.logDir, `${node.id}.log`), limits, warn);
    this.uartLog = new BoundedLog(ctx.logDir === null ? null : join(ctx.logDir, `${node.id}.uart.log`), limits, warn);
    this.uart = new UartMessages(node.target, limits.sends_per_quantum);
  }

  /** Virtual time the node has been run to. */
  get timeUs(): TimeUs {
    return this.nowUs;
  }

  async start(init: ExternalInit): Promise<void> {
    if (this.failure) throw this.failure;
    if (init.timeQuantumUs < this.node.quantum_us) {
      throw await this.fail("start", new QemuUsageError(`quantum_us ${this.node.quantum_us} µs is longer than the run's time quantum ${init.timeQuantumUs} µs`));
    }
  }

  async advance(untilUs: TimeUs, inbound: InboundMessage[]): Promise<OutboundMessage[]> {
    if (this.failure) throw this.failure;
    if (this.stopping) throw new QemuNodeFailedError(this.id, "advance", "after stop");
    const stepper = this.stepper!;
    const wallMs = this.ctx.scenario.timeouts.quantum_wall_sec * 1000;
    const deadline = performance.now() + wallMs;
    try {
      if (!Number.isSafeInteger(untilUs) || untilUs < this.nowUs) throw new QemuUsageError(`cannot advance to ${untilUs} µs: the node is already at ${this.nowUs} µs`);
      const outbound: OutboundMessage[] = [];
      if (untilUs === this.nowUs) return outbound;
      const plan = planSteps(this.nowUs, untilUs, this.node.quantum_us, inbound, this.carry);
      this.carry = plan.carry;
      for (const step of plan.steps) {
        const { txBytes } = await stepper.advance(step.untilUs, step.rx);
        this.nowUs = step.untilUs;
        // The bytes of a step are known only at its end: a line is stamped with its last µs.
        const stamp = step.untilUs - 1;
        this.uart.push(txBytes, stamp, outbound, (line) => this.uartLog.write(`${seconds(stamp)} ${line}\n`));
        if (performance.now() > deadline) throw new QemuTimeoutError("the quantum (timeouts.quantum_wall_sec)", wallMs);
      }
      return outbound;
    } catch (error) {
      throw await this.fail("advance", error, untilUs);
    }
  }

  get external(): ExternalNode {
    return this;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Asks QEMU to quit, then ends its process tree. Idempotent; resolves when nothing of it is left. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async boot(settings: QemuLaunchSettings): Promise<void> {
    const { scenario, signal } = this.ctx;
    signal?.throwIfAborted();
    this.stepper = await QemuStepper.start({
      firmware: this.node.firmware,
      machine: this.node.machine,
      icountShift: this.node.icount_shift,
      serial: this.node.serial,
      qemu: settings.qemu,
      plugin: settings.plugin,
      env: settings.env,
      runId: this.ctx.runId,
      nodeId: this.id,
      startupTimeoutMs: scenario.timeouts.startup_sec * 1000,
      quantumTimeoutMs: scenario.timeouts.quantum_wall_sec * 1000,
      signal,
      onSpawn: (pid, workDir) => {
        this.pid = pid;
        // The folder too: after a SIGKILL of the harness the reaper removes it with QEMU.
        this.ctx.resources.addProcess({ node: this.id, pid, pgid: pid, workDir });
      },
      onLine: (line, stream) => this.qemuLog.write(`${line}\n`, () => this.logger.debug({ stream }, line)),
    });
    this.qemuLog.write(`[sim] started: ${this.stepper.commandLine.join(" ")}\n`);
    this.logger.info({ pid: this.pid, command: this.stepper.commandLine }, "QEMU is ready");
  }

  /** Records the failure, ends QEMU, and returns the error to throw. */
  private async fail(phase: QemuNodePhase, error: unknown, untilUs?: TimeUs): Promise<QemuNodeFailedError> {
    if (this.failure) return this.failure;
    const where = untilUs === undefined ? "" : `of the quantum ending at ${seconds(untilUs)} s`;
    const parts = [`${where}${where === "" ? "" : ": "}${error instanceof Error ? error.message : String(error)}`];
    if (error instanceof QemuTimeoutError) parts.push(phase === "launch" ? "raise timeouts.startup_sec if QEMU is just slow to start" : "raise timeouts.quantum_wall_sec if a quantum legitimately takes longer to emulate");
    if (this.ctx.logDir !== null) parts.push(`QEMU's output: ${join(this.ctx.logDir, `${this.id}.log`)}`);
    this.failure = error instanceof QemuNodeFailedError ? error : new QemuNodeFailedError(this.id, phase, parts.join("; "), { cause: error });
    this.logger.error({ err: this.failure }, "QEMU node failed");
    this.stopping ??= this.shutdown();
    await this.stopping.catch(() => undefined);
    return this.failure;
  }

  private async shutdown(): Promise<void> {
    try {
      // QemuStepper.start stops what it started when it fails: only a started stepper is ours to stop.
      await this.stepper?.stop();
      // After a failed start the stepper has already ended its tree (or left it to the reaper, alive).
      if (this.pid !== null && (this.stepper !== null || !isProcessAlive(this.pid))) this.ctx.resources.removeProcess(this.pid);
    } catch (error) {
      this.logger.error({ err: error, pid: this.pid }, "QEMU's process group survived SIGKILL; left for the reaper");
      throw error;
    } finally {
      await Promise.all([this.qemuLog.close(), this.uartLog.close()]);
    }
  }
}

/** A virtual time in seconds with microseconds, as the logs show it. */
function seconds(us: TimeUs): string {
  return (us / 1e6).toFixed(6);
}
