export { createProcessLauncher, processLauncher } from "./process-launcher.js";
export type { ProcessLauncherOptions, StartedProcess } from "./process-launcher.js";
export { ProcessStartError } from "./errors.js";
export { nodeEnvironment, RUN_ID_ENV, NODE_ID_ENV } from "./environment.js";
export { findExecutable } from "./find-executable.js";
export type { Containment } from "@sim/process-tree";
