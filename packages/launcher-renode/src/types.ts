import type { TimeUs } from "@sim/coordinator";

/** Per-call options of a transport operation. */
export interface CommandOptions {
  /** Wall-clock limit for this call; past it the call rejects with RenodeTimeoutError and the transport is unusable. */
  timeoutMs?: number;
}

/**
 * How the launcher talks to one Renode instance. `MonitorTransport` speaks the
 * text monitor over telnet; Renode's binary External Control API (whose wire
 * format changed after 1.16.1) can be added as another implementation.
 */
export interface RenodeTransport {
  /** Runs one command; resolves with its output lines, rejects with RenodeCommandError when Renode reports an error. */
  execute(command: string, options?: CommandOptions): Promise<string[]>;
  /** Advances virtual time by exactly `durationUs` (> 0); resolves when Renode has got there. */
  runFor(durationUs: TimeUs, options?: CommandOptions): Promise<void>;
  /** Renode's current virtual time. */
  currentTime(options?: CommandOptions): Promise<TimeUs>;
  /** Asks Renode to exit; resolves once the request is sent (Renode answers by closing the connection). */
  quit(): Promise<void>;
  /** True while commands can be sent: connected, and no command timed out. */
  readonly usable: boolean;
  /** Closes the connection; a call in progress rejects with `reason` (default: connection closed). Idempotent. */
  close(reason?: Error): void;
}
