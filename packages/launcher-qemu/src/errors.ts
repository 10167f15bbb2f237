import { SimError } from "@sim/config";
import { NodeFailedError } from "@sim/coordinator";

/** No usable `qemu-system-arm` (not on the PATH, or the path given does not exist). */
export class QemuNotFoundError extends SimError {
  constructor(message: string) {
    super("SIM_QEMU_NOT_FOUND", message);
  }
}

/** A C build (the plugin with gcc, the example firmware with arm-none-eabi-gcc) failed or its compiler is missing. */
export class QemuBuildError extends SimError {
  /** What was being built: "plugin" or "firmware". */
  readonly target: "plugin" | "firmware";
  /** The compiler's own output (stderr), for the message and for logs. */
  readonly output: string;
  constructor(target: "plugin" | "firmware", message: string, output: string, options?: { cause?: unknown }) {
    super("SIM_QEMU_BUILD_FAILED", message, options);
    this.target = target;
    this.output = output;
  }
}

/**
 * This QEMU cannot be stepped: the plugin refused to load because functions it
 * needs are not exported (see docs/qemu.md), or QEMU has no plugin support.
 */
export class QemuPluginUnsupportedError extends SimError {
  /** The symbols the plugin reported missing (empty when QEMU refused the plugin itself). */
  readonly missing: readonly string[];
  constructor(message: string, missing: readonly string[]) {
    super("SIM_QEMU_PLUGIN_UNSUPPORTED", message);
    this.missing = missing;
  }
}

/** QEMU exited, or refused to start, before or while it was being stepped. */
export class QemuExitedError extends SimError {
  /** Its last lines of output. */
  readonly outputTail: readonly string[];
  constructor(message: string, outputTail: readonly string[], options?: { cause?: unknown }) {
    super("SIM_QEMU_EXITED", message, options);
    this.outputTail = outputTail;
  }
}

/** QEMU did not answer in time (start-up, or one quantum); it has been killed. */
export class QemuTimeoutError extends SimError {
  readonly operation: string;
  readonly timeoutMs: number;
  constructor(operation: string, timeoutMs: number) {
    super("SIM_QEMU_TIMEOUT", `QEMU did not finish ${operation} within ${timeoutMs / 1000} s; it was killed`);
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/** The plugin said something unexpected, reported an error, or stopped at the wrong time. */
export class QemuProtocolError extends SimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SIM_QEMU_PROTOCOL", message, options);
  }
}

/** A call the stepper cannot take in its current state (bad grant time, after stop, options QEMU cannot carry). */
export class QemuUsageError extends SimError {
  constructor(message: string) {
    super("SIM_QEMU_USAGE", message);
  }
}

/** What a QEMU node was doing when it failed. */
export type QemuNodePhase = "launch" | "start" | "advance";

/**
 * A `type: qemu` node failed. It is the coordinator's `NodeFailedError`
 * (`code: "SIM_NODE_FAILED"`, `nodeId`), so the run reports it as that node's
 * failure; `phase` says what the node was doing, and the stepper's error is the `cause`.
 */
export class QemuNodeFailedError extends NodeFailedError {
  readonly phase: QemuNodePhase;
  constructor(node: string, phase: QemuNodePhase, message: string, options?: { cause?: unknown }) {
    super(node, `qemu ${phase} ${message}`, options);
    this.phase = phase;
  }
}
