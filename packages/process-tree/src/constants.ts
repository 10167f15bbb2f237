/**
 * Time between SIGTERM and SIGKILL. A program that handles SIGTERM (flushes its
 * results, closes sockets) is normally done within a second; 3 s leaves room on a
 * loaded machine without letting a stuck node visibly delay the end of a run, which
 * adds up over a sweep of hundreds of runs.
 */
export const SIGKILL_AFTER_MS = 3_000;

/**
 * How long to wait after SIGKILL. The kernel ends a killed process at once unless it
 * is stuck in uninterruptible I/O; waiting longer would not help, so the process is
 * reported as left over (and stays in the registry for the reaper and `sim clean`).
 */
export const KILL_WAIT_MS = 5_000;

/** Environment variables that mark a process as belonging to a run and a node. */
export const RUN_ID_ENV = "SIM_RUN_ID";
export const NODE_ID_ENV = "SIM_NODE_ID";
