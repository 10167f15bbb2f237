// The errors alone: the engine must not load the validator (ajv) or the YAML parser.
import { SimError } from "@sim/config/errors";

/**
 * A node failed: an external node's `advance` rejected or broke the protocol, or an
 * in-process node threw. Names the node; `line` quotes the offending protocol line if any.
 */
export class NodeFailedError extends SimError {
  readonly nodeId: string;
  readonly line: string | null;
  constructor(nodeId: string, message: string, options?: { cause?: unknown; line?: string | null }) {
    const quoted = options?.line != null ? ` (line: ${options.line.length > 200 ? `${options.line.slice(0, 200)}…` : options.line})` : "";
    super("SIM_NODE_FAILED", `node "${nodeId}" failed: ${message}${quoted}`, { cause: options?.cause });
    this.nodeId = nodeId;
    this.line = options?.line ?? null;
  }
}

/** The options given to `new Coordinator()` (or a network model) are unusable. */
export class CoordinatorOptionsError extends SimError {
  constructor(message: string) {
    super("SIM_COORDINATOR_OPTIONS", message);
  }
}

/** The trace could not be written (disk full, unwritable path, encoder thread died). */
export class TraceWriteError extends SimError {
  readonly path: string | null;
  constructor(path: string | null, message: string, options?: { cause?: unknown }) {
    super("SIM_TRACE_WRITE_FAILED", `${path === null ? "trace" : `trace ${path}`}: ${message}`, options);
    this.path = path;
  }
}

/** The network model broke its contract (e.g. a delivery before the send). Not a node's fault. */
export class NetworkModelError extends SimError {
  constructor(message: string) {
    super("SIM_NETWORK_MODEL_FAILED", message);
  }
}
