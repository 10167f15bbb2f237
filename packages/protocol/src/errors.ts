import { NodeFailedError } from "@sim/coordinator";
import { excerpt } from "./codec.js";

/** What went wrong with an external node; stable, safe to match on. */
export type ProtocolFailureKind =
  | "invalid-message"
  | "payload-too-deep"
  | "line-too-long"
  | "unexpected-message"
  | "version-mismatch"
  | "send-outside-quantum"
  | "wrong-done"
  | "too-many-sends"
  | "timeout"
  | "stdout-closed"
  | "exited"
  | "write-failed";

/**
 * An external node broke the protocol, exited, or missed a deadline: a
 * `NodeFailedError` (code `SIM_NODE_FAILED`) that names the node, says which kind of
 * failure it was, and quotes the offending line (first 200 characters) when there is one.
 */
export class ProtocolError extends NodeFailedError {
  /** Same as `nodeId`. */
  readonly node: string;
  readonly kind: ProtocolFailureKind;

  constructor(
    node: string,
    kind: ProtocolFailureKind,
    reason: string,
    options: { line?: string | null; hint?: string; cause?: unknown } = {},
  ) {
    const message = options.hint ? `${reason}\n  ${options.hint}` : reason;
    super(node, message, { cause: options.cause, line: options.line == null ? null : excerpt(options.line) });
    this.node = node;
    this.kind = kind;
  }
}
