/**
 * Ctrl-C and SIGTERM for a long command: the first signal asks the work to stop
 * cleanly (through `signal`), a second one leaves at once. The exit code follows
 * the first signal: 130 after SIGINT, 143 after SIGTERM, whatever came second (a
 * second Ctrl-C through `pnpm sim` may arrive as SIGTERM from pnpm).
 */
import type { CliIo } from "./io.js";
import { signalExitCode } from "./io.js";

export class Interrupts {
  private readonly controller = new AbortController();
  private first: "SIGINT" | "SIGTERM" | null = null;
  private readonly stopListening: () => void;

  constructor(io: CliIo, messages: { stopping: string; leaving: string }) {
    this.stopListening = io.onSignal((signal) => {
      if (this.first === null) {
        this.first = signal;
        io.stderr(`\nsim: ${signal}: ${messages.stopping} (press Ctrl-C again to force)\n`);
        this.controller.abort(signal);
      } else {
        io.stderr(`sim: ${signal} again: ${messages.leaving}\n`);
        io.forceExit(signalExitCode(this.first));
      }
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** 130 or 143 for the signal that interrupted the command (130 when none did). */
  exitCode(): number {
    return signalExitCode(this.first ?? "SIGINT");
  }

  /** Call once the command's last output is written. */
  dispose(): void {
    this.stopListening();
  }
}
