import { SimError } from "@sim/config";

/** A node of the run could not be started; everything already started was torn down. */
export class LaunchFailedError extends SimError {
  readonly nodeId: string;
  constructor(nodeId: string, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super("SIM_LAUNCH_FAILED", `node "${nodeId}" could not be started: ${reason}`, options);
    this.nodeId = nodeId;
  }
}

/** The whole run exceeded `--timeout` / `timeoutSec`. */
export class RunTimeoutError extends SimError {
  constructor(timeoutSec: number) {
    super("SIM_RUN_TIMEOUT", `the run exceeded its time limit of ${timeoutSec} s (wall clock); raise --timeout or shorten duration_sec`);
  }
}

/** The run was interrupted (SIGINT, SIGTERM or an aborted signal). */
export class RunInterruptedError extends SimError {
  constructor(reason: string) {
    super("SIM_INTERRUPTED", `the run was interrupted: ${reason}`);
  }
}

/** Two runs of the same scenario and seed produced different traces. */
export class NondeterminismError extends SimError {
  readonly firstDifference: { line: number; first: string | null; second: string | null };
  constructor(firstDifference: { line: number; first: string | null; second: string | null }) {
    super(
      "SIM_NONDETERMINISTIC",
      `two runs with the same seed differ at trace line ${firstDifference.line}:\n  run 1: ${firstDifference.first ?? "(end of trace)"}\n  run 2: ${firstDifference.second ?? "(end of trace)"}`,
    );
    this.firstDifference = firstDifference;
  }
}

/** No launcher is registered for a node type the scenario uses. */
export class UnknownNodeTypeError extends SimError {
  constructor(type: string) {
    super("SIM_NODE_TYPE_UNKNOWN", `no launcher is registered for node type "${type}"`);
  }
}
