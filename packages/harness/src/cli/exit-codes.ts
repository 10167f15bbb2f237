/** Exit codes of the `sim` CLI; only the CLI maps errors to them. */
export const ExitCode = {
  ok: 0,
  /** The simulation ran and failed (a node error, a timeout). */
  simulationFailed: 1,
  /** Invalid input: nothing was started. */
  invalidInput: 2,
  /** Interrupted by SIGINT (128 + 2). */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15). */
  terminated: 143,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
