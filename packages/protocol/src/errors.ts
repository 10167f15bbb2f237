import { SimError } from "@sim/config";
import { excerpt } from "./codec.js";

/** What went wrong with an external node; stable, safe to match on. */
export type ProtocolFailureKind =
  | "invalid-message"
  | "line-too-long"
  | "unexpected-message"
  | "version-mismatch"
  | "send-outside-quantum"
  | "wrong-done"
  | "timeout"
  | "stdout-closed"
  | "exited"
  | "write-failed";

/**
 * An external node broke the protocol, exited, or missed a deadline. Names the
 * node and quotes the offending line (first 200 characters) when there is one.
 * Code `SIM_NODE_FAILED`.
 */
export class ProtocolError extends SimError {
  readonly node: string;
  readonly kind: ProtocolFailureKind;
  /** The offending line (an excerpt of it), or null when the failure has none. */
  readonly line: string | null;

  constructor(
    node: string,
    kind: ProtocolFailureKind,
    reason: string,
    options: { line?: string | null; hint?: string; cause?: unknown } = {},
  ) {
    const line = options.line == null ? null : excerpt(options.line);
    let message = `node "${node}" failed: ${reason}`;
    if (line !== null) message += `\n  offending line: ${line}`;
    if (options.hint) message += `\n  ${options.hint}`;
    super("SIM_NODE_FAILED", message, options.cause === undefined ? {} : { cause: options.cause });
    this.node = node;
    this.kind = kind;
    this.line = line;
  }
}
