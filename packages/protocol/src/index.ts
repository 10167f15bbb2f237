export { PROTOCOL_VERSION, MAX_LINE_LENGTH, MAX_PAYLOAD_DEPTH, LOG_LEVELS } from "./messages.js";
export type {
  LogLevel,
  InitMessage,
  DeliverMessage,
  AdvanceMessage,
  ShutdownMessage,
  CoordinatorMessage,
  ReadyMessage,
  SendMessage,
  LogMessage,
  DoneMessage,
  NodeMessage,
} from "./messages.js";
export { encodeMessage, decodeNodeMessage, decodeCoordinatorMessage, nestsDeeperThan } from "./codec.js";
export type { DecodeResult, DecodeFailureKind } from "./codec.js";
export { LineSplitter } from "./line-splitter.js";
export { encodeInbound, MAX_UART_LINE_BYTES, UartLineSplitter, uartLinePayload } from "./uart-lines.js";
export { UartMessages, UartSendLimitError } from "./uart-messages.js";
export { ProtocolError } from "./errors.js";
export type { ProtocolFailureKind } from "./errors.js";
export { createProtocolNode } from "./protocol-node.js";
export { LogLimit } from "./log-limit.js";
export { BoundedLog } from "./bounded-log.js";
export type { LogVerdict } from "./log-limit.js";
export type { ProtocolNode, ProtocolNodeOptions, NodeExit } from "./protocol-node.js";
export { runNode } from "./sdk.js";
export type { Delivery, NodeRuntime, NodeHandlers, RunNodeOptions } from "./sdk.js";
