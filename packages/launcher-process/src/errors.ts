import { SimError } from "@sim/config";

/** A process node could not be started (command not found, not executable, bad cwd). Code `SIM_NODE_START_FAILED`. */
export class ProcessStartError extends SimError {
  readonly node: string;
  constructor(node: string, message: string, options?: { cause?: unknown }) {
    super("SIM_NODE_START_FAILED", `node "${node}": ${message}`, options);
    this.node = node;
  }
}
