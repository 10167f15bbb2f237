export { Coordinator, MAX_TIME_SERIES_BINS } from "./coordinator.js";
export { createRng } from "./rng.js";
export { createNetworkModel } from "./network.js";
export { DirectNetwork } from "./direct-network.js";
export { LatencyNetwork } from "./latency-network.js";
export { FileTraceSink, MemoryTraceSink, NullTraceSink } from "./trace-sinks.js";
export { NodeFailedError, CoordinatorOptionsError, TraceWriteError, NetworkModelError } from "./errors.js";
export { scenarioOptions } from "./scenario-options.js";

export type { CoordinatorOptions, CoordinatorEvents } from "./coordinator.js";
export type { ProgressEvent, QuantumEvent, NodeErrorEvent } from "./events.js";
export type { RunSummary, MessageSummary, NodeSummary, LinkSummary } from "./summary.js";
export type { LatencyFigures, LatencySamples } from "./latency-stats.js";
export type { TimeSeries, TimeSeriesOptions, LinkBins, GroupBins } from "./time-series.js";
export type { LatencyNetworkConfig } from "./latency-network.js";
export type { TraceSink } from "./trace-sinks.js";
export type * from "./types.js";
export type * from "./launcher.js";
