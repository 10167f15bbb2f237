export { ProcessTree, findPython, SUPERVISOR_SCRIPT } from "./process-tree.js";
export type { ProcessTreeOptions } from "./process-tree.js";
export { findRunProcesses, terminateRun, removeRunCgroups, isSupervisor } from "./run-processes.js";
export type { RecordedProcess, RunProcesses, RunSearchOptions } from "./run-processes.js";
export { terminateSet, waitEmpty } from "./terminate.js";
export type { ProcessSet } from "./terminate.js";
export {
  ownCgroupDir,
  createNodeCgroup,
  cgroupProcesses,
  killCgroup,
  removeCgroup,
  findRunCgroups,
  runCgroupName,
  nodeCgroupName,
} from "./cgroup.js";
export {
  readStat,
  liveProcesses,
  processStartTime,
  isProcessAlive,
  processGroupMembers,
  isProcessGroupAlive,
  signalProcessGroup,
  signalProcess,
  descendantsOf,
  processesWithEnv,
  commandLine,
  holdersOf,
} from "./proc.js";
export type { ProcStat } from "./proc.js";
export { SIGKILL_AFTER_MS, KILL_WAIT_MS, RUN_ID_ENV, NODE_ID_ENV } from "./constants.js";
export type { Containment, ExitInfo, TerminateResult } from "./types.js";
