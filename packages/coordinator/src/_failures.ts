// The errors alone: the engine must not load the validator (ajv) or the YAML parser.
import { SimError } from "@sim/config/errors";
import type { Logger } from "pino";
import { NetworkModelError, NodeFailedError } from "./errors.js";
import type { NodeErrorEvent } from "./events.js";
import type { RunState } from "./_run-state.js";
import type { RunSummary } from "./summary.js";

/**
 * Failure handling: the first error stops the run and is the one reported; an error
 * thrown by a node's code is wrapped in a NodeFailedError that names the node.
 */
export class Failures {
  private first: { error: Error; node: string | null } | null = null;

  constructor(
    private readonly state: RunState,
    /** Node ids by index. */
    private readonly ids: readonly string[],
    private readonly logger: Logger,
    private readonly onNodeError: (e: NodeErrorEvent) => void,
  ) {}

  /**
   * Stops the run with `err`. `nodeIdx`: the node being called when it was thrown
   * (null or -1: none), blamed unless the error is the network model's or the trace's.
   */
  record(nodeIdx: number | null, err: unknown): void {
    this.state.stopped = true;
    if (this.first !== null) return;
    let node: string | null = null;
    let error: Error;
    if (err instanceof NodeFailedError) {
      error = err;
      node = err.nodeId;
    } else if (nodeIdx !== null && nodeIdx >= 0 && !(err instanceof NetworkModelError) && !(err instanceof SimError && err.code === "SIM_TRACE_WRITE_FAILED")) {
      node = this.ids[nodeIdx]!;
      const message = err instanceof Error ? err.message : String(err);
      error = new NodeFailedError(node, `threw at t=${this.state.nowUs} µs: ${message}`, { cause: err });
    } else {
      error = err instanceof Error ? err : new Error(String(err));
    }
    this.first = { error, node };
    this.logger.error({ err: error, node }, "run failed");
    if (node !== null) this.onNodeError({ nodeId: node, error });
  }

  /** The error that ended the run, if any. */
  get error(): Error | null {
    return this.first?.error ?? null;
  }

  /** The summary's `error`: a SimError's code, SIM_INTERNAL_ERROR for anything else. */
  summaryError(): RunSummary["error"] {
    const first = this.first;
    if (first === null) return null;
    return { code: first.error instanceof SimError ? first.error.code : "SIM_INTERNAL_ERROR", message: first.error.message, node: first.node };
  }
}
