/**
 * Kept for importers of `@sim/launcher-process/process-group`: the process helpers
 * now live in `@sim/process-tree`, shared by every launcher that starts processes
 * and by the harness's reaper.
 */
export {
  processGroupMembers,
  isProcessGroupAlive,
  signalProcessGroup,
  processesWithEnv,
  processStartTime,
  isProcessAlive,
  SIGKILL_AFTER_MS,
  KILL_WAIT_MS,
  RUN_ID_ENV,
} from "@sim/process-tree";
export type { TerminateResult } from "@sim/process-tree";
