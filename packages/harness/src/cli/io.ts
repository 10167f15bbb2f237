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

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    onSignal: (handler) => {
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
      return () => {
        process.off("SIGINT", handler);
        process.off("SIGTERM", handler);
      };
    },
    forceExit: (code) => process.exit(code),
  };
}
