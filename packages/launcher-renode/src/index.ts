export { createRenodeLauncher, renodeLauncher } from "./launcher.js";
export type { RenodeLauncherOptions } from "./launcher.js";
export { MonitorTransport } from "./monitor-transport.js";
export type { MonitorConnectOptions } from "./monitor-transport.js";
export type { CommandOptions, RenodeTransport } from "./types.js";
export {
  RenodeCommandError,
  RenodeMonitorError,
  RenodeNodeFailedError,
  RenodeNotFoundError,
  RenodeSendLimitError,
  RenodeTimeoutError,
} from "./errors.js";
export type { RenodeNodePhase } from "./errors.js";
