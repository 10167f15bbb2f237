/**
 * The messages a firmware node's UART lines become, the same for every emulator
 * launcher: each complete line is one message to the node's target, stamped with a
 * time the launcher chooses (inside the quantum being run), numbered per node.
 */
import { SimError } from "@sim/config";
import type { OutboundMessage, TimeUs } from "@sim/coordinator";
import { UartLineSplitter, uartLinePayload } from "./uart-lines.js";

/**
 * The firmware printed more UART lines in one quantum than `limits.sends_per_quantum`
 * (each line is a message). The node fails with it as the cause.
 */
export class UartSendLimitError extends SimError {
  readonly limit: number;
  constructor(limit: number) {
    super(
      "SIM_NODE_TOO_MANY_SENDS",
      `the firmware printed more than ${limit} UART lines, each a message, in one quantum (limits.sends_per_quantum); raise it in the scenario if that is intended`,
    );
    this.limit = limit;
  }
}

/** Turns the bytes a firmware sends on its UART into outbound messages, line by line. */
export class UartMessages {
  private readonly splitter = new UartLineSplitter();
  private nodeSeq = 0;

  /**
   * @param target The node each line is sent to; null: lines are only returned (logged).
   * @param sendsPerQuantum `limits.sends_per_quantum`.
   */
  constructor(
    private readonly target: string | null,
    private readonly sendsPerQuantum: number,
  ) {}

  /**
   * The lines `bytes` complete (with what earlier calls left), each also appended to
   * `outbound` (the quantum's messages so far) as a message sent at `atUs`, and `log`ged
   * first. Throws UartSendLimitError when `outbound` would hold more than the limit.
   */
  push(bytes: Uint8Array, atUs: TimeUs, outbound: OutboundMessage[], log: (line: string) => void = () => undefined): void {
    for (const line of this.splitter.push(bytes)) {
      log(line);
      if (this.target === null) continue;
      if (outbound.length >= this.sendsPerQuantum) throw new UartSendLimitError(this.sendsPerQuantum);
      outbound.push({ to: this.target, atUs, payload: uartLinePayload(line), sizeBytes: Buffer.byteLength(line, "utf8"), nodeSeq: this.nodeSeq++ });
    }
  }

  /** Bytes of a line not finished yet. */
  get pendingBytes(): number {
    return this.splitter.pendingBytes;
  }
}
