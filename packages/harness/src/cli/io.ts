/** Where the CLI writes and how it hears signals; tests pass their own to run commands in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is an interactive terminal (the progress bar goes there). */
  isTTY: boolean;
  /** Environment, read only here at the edge (state folder, colours). */
  env: Readonly<Record<string, string | undefined>>;
  /** Calls `handler` on SIGINT/SIGTERM until the returned function is called. */
  onSignal: (handler: (signal: "SIGINT" | "SIGTERM") => void) => () => void;
  /** Leave now (a second Ctrl-C): the reaper cleans up what is still running. */
  forceExit: (code: number) => never;
}

/** 128 + the signal's number, as shells report a process ended by it. */
export function signalExitCode(signal: "SIGINT" | "SIGTERM"): number {
  return signal === "SIGINT" ? 130 : 143;
}

export interface ProcessIo extends CliIo {
  /**
   * The command has returned: from now on a signal no longer ends the process
   * before its output is written (the exit code is already decided).
   */
  finished(): void;
}

/**
 * The real process's streams and signals. One SIGINT/SIGTERM listener stays
 * installed for the whole life of the process, so that Node's default action (die
 * at once) never applies: while a command listens, its handler decides; while none
 * does, the signal ends the process with 128 + its number; once the command has
 * returned, a signal is ignored so that the last output is not cut short.
 *
 * Writing to a closed pipe (`sim run --json | head -c 100`) ends the output quietly.
 */
export function processIo(): ProcessIo {
  const handlers = new Set<(signal: "SIGINT" | "SIGTERM") => void>();
  let done = false;
  const dispatch = (signal: "SIGINT" | "SIGTERM") => {
    if (handlers.size > 0) for (const handler of [...handlers]) handler(signal);
    else if (!done) process.exit(signalExitCode(signal));
  };
  process.on("SIGINT", dispatch);
  process.on("SIGTERM", dispatch);

  const closed = { stdout: false, stderr: false };
  for (const name of ["stdout", "stderr"] as const) {
    process[name].on("error", (error: NodeJS.ErrnoException) => {
      // The reader went away: nothing more can be shown there. Anything else is a real error.
      if (error.code === "EPIPE") closed[name] = true;
      else throw error;
    });
  }
  return {
    stdout: (text) => {
      if (!closed.stdout) process.stdout.write(text);
    },
    stderr: (text) => {
      if (!closed.stderr) process.stderr.write(text);
    },
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    onSignal: (handler) => {
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
      };
    },
    forceExit: (code) => process.exit(code),
    finished: () => {
      done = true;
    },
  };
}
