// `@sim/protocol/sdk`: the node-side SDK alone, without loading the coordinator side.
export { runNode } from "./sdk.js";
export type { Delivery, NodeRuntime, NodeHandlers, RunNodeOptions } from "./sdk.js";
export { PROTOCOL_VERSION, LOG_LEVELS } from "./messages.js";
export type { LogLevel } from "./messages.js";
