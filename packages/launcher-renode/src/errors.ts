import { SimError } from "@sim/config";
import { NodeFailedError } from "@sim/coordinator";

/** The monitor printed an error for a command (it has no status codes, only text). */
export class RenodeCommandError extends SimError {
  readonly command: string;
  /** The command's output lines, echo removed. */
  readonly output: readonly string[];
  constructor(command: string, output: readonly string[]) {
    super(
      "SIM_RENODE_COMMAND_FAILED",
      `Renode refused the monitor command \`${command}\`: ${output.join(" / ") || "(no output)"}`,
    );
    this.command = command;
    this.output = output;
  }
}

/** The monitor connection broke or said something the launcher cannot read. */
export class RenodeMonitorError extends SimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SIM_RENODE_MONITOR", message, options);
  }
}

/** Renode did not answer in time (a command hung, or the monitor never came up). */
export class RenodeTimeoutError extends SimError {
  readonly operation: string;
  readonly timeoutMs: number;
  constructor(operation: string, timeoutMs: number) {
    super("SIM_RENODE_TIMEOUT", `Renode did not finish ${operation} within ${timeoutMs / 1000} s`);
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/** No usable `renode` executable (neither `renode.path` nor one on the PATH). */
export class RenodeNotFoundError extends SimError {
  constructor(message: string) {
    super("SIM_RENODE_NOT_FOUND", message);
  }
}

/**
 * The firmware printed more UART lines in one quantum than `limits.sends_per_quantum`
 * (each line is a message); the node fails with it as the cause. The same class for
 * every firmware launcher, from @sim/protocol.
 */
export { UartSendLimitError as RenodeSendLimitError } from "@sim/protocol";

/** What a Renode node was doing when it failed. */
export type RenodeNodePhase = "launch" | "start" | "advance" | "stop";

/**
 * A Renode node failed. It is the coordinator's `NodeFailedError`
 * (`code: "SIM_NODE_FAILED"`, `nodeId`), so the run reports it as that node's
 * failure; `phase` says what the node was doing, and the monitor or process
 * error is the `cause`.
 */
export class RenodeNodeFailedError extends NodeFailedError {
  readonly phase: RenodeNodePhase;
  constructor(node: string, phase: RenodeNodePhase, message: string, options?: { cause?: unknown }) {
    super(node, `renode ${phase}${message.startsWith(":") ? "" : " "}${message}`, options);
    this.phase = phase;
  }
}
