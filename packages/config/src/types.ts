/**
 * The scenario as written in YAML (input types) and as resolved by validation
 * (defaults applied, groups expanded, references resolved to concrete node ids).
 *
 * Keys stay snake_case on both sides: they are the file format, and the resolved
 * scenario is written back to `scenario.resolved.yaml` as it is.
 *
 * `schema.json` is the source of truth for the input types; a test fails when the
 * two drift apart.
 */

// ---------------------------------------------------------------------------
// Input: what a scenario file (or defineScenario) contains
// ---------------------------------------------------------------------------

export interface ScenarioInput {
  duration_sec: number;
  seed?: number;
  time_quantum_us?: number;
  realtime_factor?: number;
  nodes: Record<string, NodeInput>;
  network?: NetworkInput;
  ml_inference?: MlInferenceInput;
  output?: OutputInput;
  timeouts?: TimeoutsInput;
  limits?: LimitsInput;
}

/**
 * A node as written. Each type's row in the table of node kinds (node-kinds.ts)
 * says how it runs, resolves and is checked; its schema part is `<type>_node`.
 */
export type NodeInput =
  | SensorNodeInput
  | GatewayNodeInput
  | CloudNodeInput
  | ActuatorNodeInput
  | ModuleNodeInput
  | ProcessNodeInput
  | DockerNodeInput
  | QemuNodeInput
  | RenodeNodeInput;

export type NodeType = NodeInput["type"];

export interface AnomalyInput {
  /** Probability in [0, 1] that one sample is anomalous. */
  probability: number;
  /** Added to the reading, in the sensor kind's unit. */
  magnitude: number;
}

/** Kinds of reading the built-in sensor simulates. */
export type SensorKind = "temperature" | "humidity" | "moisture" | "light" | "pressure" | "co2";

export interface SensorNodeInput {
  type: "sensor";
  count?: number;
  sensors?: SensorKind[];
  period_ms?: number;
  start_ms?: number;
  until_sec?: number;
  target?: string;
  payload_bytes?: number;
  anomaly?: AnomalyInput;
}

export interface GatewayNodeInput {
  type: "gateway";
  count?: number;
  upstream?: string;
  batch?: number;
  processing_ms?: number;
}

export interface CloudNodeInput {
  type: "cloud";
  count?: number;
}

export interface ActuatorNodeInput {
  type: "actuator";
  count?: number;
  /** A command applied later than this after the sample it was made from misses its deadline. */
  deadline_ms?: number;
}

/**
 * A node written in TypeScript or JavaScript (docs/custom-nodes.md): the class
 * `export` of the file `module`, or with no `module` the class registered under
 * `export` in code (runScenario's `nodeTypes`).
 */
export interface ModuleNodeInput {
  type: "module";
  count?: number;
  /** The module file, relative to the scenario file. */
  module?: string;
  /** The exported class; default `default` when `module` is given. */
  export?: string;
  /** The node's own parameters, checked against its class's `paramsSchema`. */
  params?: Record<string, unknown>;
}

export interface ProcessNodeInput {
  type: "process";
  count?: number;
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Free-form object handed to the node in the protocol's `init` message. */
  config?: Record<string, unknown>;
}

export interface DockerBuildInput {
  context: string;
  dockerfile?: string;
  args?: Record<string, string>;
}

export interface DockerWaitForInput {
  log?: string;
  port?: number;
  timeout_sec?: number;
}

export interface DockerNodeInput {
  type: "docker";
  count?: number;
  image?: string;
  build?: DockerBuildInput;
  command?: string[];
  env?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  networks?: string[];
  resources?: { cpus?: number; memory_mb?: number };
  wait_for?: DockerWaitForInput;
  protocol?: "stdio" | "none";
  docker_host?: string;
  privileged?: boolean;
  /** Allow volumes with host paths outside the scenario's folder (mounted read-only unless `:rw`). */
  allow_host_paths?: boolean;
  config?: Record<string, unknown>;
}

export interface QemuNodeInput {
  type: "qemu";
  count?: number;
  machine: string;
  firmware: string;
  serial?: number;
  target?: string;
  icount_shift?: number;
  quantum_us?: number;
}

export interface RenodeNodeInput {
  type: "renode";
  count?: number;
  platform: string;
  firmware: string;
  uart: string;
  target?: string;
  renode?: { path?: string; args?: string[]; quantum_us?: number };
}

export interface LinkInput {
  from: string;
  to: string;
  latency_ms?: number;
  jitter_ms?: number;
  loss?: number;
  bandwidth_kbps?: number;
}

/**
 * The network as written. Each type's row in the table of network kinds
 * (network-kinds.ts) says how it resolves and is checked; its schema part is
 * `network_<type>`; the coordinator builds its model from a table over the same types.
 */
export type NetworkInput =
  | { type: "direct" }
  | {
      type: "latency";
      default_latency_ms?: number;
      jitter_ms?: number;
      loss?: number;
      bandwidth_kbps?: number;
      links?: LinkInput[];
    };

export type NetworkType = NetworkInput["type"];

export interface MlPlacementConfigInput {
  model_path?: string;
  inference_ms?: number;
  /** Number of most recent readings the model sees. */
  window?: number;
}

export interface MlInferenceInput {
  placement: "edge" | "cloud";
  edge_config?: MlPlacementConfigInput;
  cloud_config?: MlPlacementConfigInput;
}

export interface OutputInput {
  dir?: string;
  trace?: boolean;
  metrics?: boolean;
}

export interface TimeoutsInput {
  startup_sec?: number;
  shutdown_grace_sec?: number;
  quantum_wall_sec?: number;
}

/**
 * What each external node may cost the harness (defaults in SCENARIO_DEFAULTS.limits,
 * reasons in docs/scenario-format.md). Each applies per node.
 */
export interface LimitsInput {
  /** Most messages one node may send in one quantum; one more fails the node. */
  sends_per_quantum?: number;
  /** Most lines kept in each of a node's log files; later output is dropped with a note. */
  log_lines?: number;
  /** Most bytes kept in each of a node's log files; later output is dropped with a note. */
  log_bytes?: number;
}

// ---------------------------------------------------------------------------
// Resolved: what validation returns and every other package consumes
// ---------------------------------------------------------------------------

/** Fields every resolved node carries. */
export interface ResolvedNodeBase {
  /** Concrete id: the YAML key, or `<key>_<i>` for a member of a `count` group. */
  id: string;
  /** The YAML key the node came from (equals `id` when there is no `count`). */
  group: string;
  /** Index within the group (0 when there is no `count`). */
  group_index: number;
  /** Size of the group (1 when there is no `count`). */
  group_size: number;
}

export interface ResolvedSensorNode extends ResolvedNodeBase {
  type: "sensor";
  sensors: SensorKind[];
  period_ms: number;
  start_ms: number;
  /** Absent: sample until the end of the run. */
  until_sec: number | null;
  /** Concrete node id, or null: no target and no gateway, so the sensor records its readings and sends nothing. */
  target: string | null;
  payload_bytes: number;
  anomaly: AnomalyInput | null;
}

export interface ResolvedGatewayNode extends ResolvedNodeBase {
  type: "gateway";
  /** Concrete node id, or null: the gateway is a sink. */
  upstream: string | null;
  batch: number;
  processing_ms: number;
}

export interface ResolvedCloudNode extends ResolvedNodeBase {
  type: "cloud";
}

export interface ResolvedActuatorNode extends ResolvedNodeBase {
  type: "actuator";
  /** Null: no deadline. */
  deadline_ms: number | null;
}

export interface ResolvedModuleNode extends ResolvedNodeBase {
  type: "module";
  /** Absolute path of the module file; null: the class registered in code under `export`. */
  module: string | null;
  /** The exported (or registered) class's name; `default` for a default export. */
  export: string;
  /** As written (`{}` when absent); its shape is checked against the class's `paramsSchema` by the harness. */
  params: Record<string, unknown>;
}

export interface ResolvedProcessNode extends ResolvedNodeBase {
  type: "process";
  command: string[];
  /** Absolute. */
  cwd: string;
  env: Record<string, string>;
  config: Record<string, unknown>;
}

export interface ResolvedDockerNode extends ResolvedNodeBase {
  type: "docker";
  image: string | null;
  /** `context` absolute; `dockerfile` relative to the context as Docker expects. */
  build: { context: string; dockerfile: string; args: Record<string, string> } | null;
  command: string[] | null;
  env: Record<string, string>;
  ports: string[];
  /** Host paths made absolute. */
  volumes: string[];
  networks: string[];
  resources: { cpus: number | null; memory_mb: number | null };
  wait_for: { log: string | null; port: number | null; timeout_sec: number } | null;
  protocol: "stdio" | "none";
  docker_host: string | null;
  privileged: boolean;
  allow_host_paths: boolean;
  config: Record<string, unknown>;
}

export interface ResolvedQemuNode extends ResolvedNodeBase {
  type: "qemu";
  /** A QEMU machine name (`qemu-system-arm -M help`). */
  machine: string;
  /** Absolute. */
  firmware: string;
  /** The index of QEMU's serial port the firmware's UART is (its `-serial` order). */
  serial: number;
  /** Concrete node id, or null: UART lines are only logged. */
  target: string | null;
  /** `-icount shift=N`: every instruction takes 2^N ns of virtual time. */
  icount_shift: number;
  /** QEMU's own step inside a quantum: UART lines are stamped at the end of the step they end in. */
  quantum_us: number;
}

export interface ResolvedRenodeNode extends ResolvedNodeBase {
  type: "renode";
  /** Absolute. */
  platform: string;
  /** Absolute. */
  firmware: string;
  uart: string;
  /** Concrete node id, or null: UART lines are only traced. */
  target: string | null;
  renode: { path: string | null; args: string[]; quantum_us: number | null };
}

export type ResolvedNode =
  | ResolvedSensorNode
  | ResolvedGatewayNode
  | ResolvedCloudNode
  | ResolvedActuatorNode
  | ResolvedModuleNode
  | ResolvedProcessNode
  | ResolvedDockerNode
  | ResolvedQemuNode
  | ResolvedRenodeNode;

/**
 * One `links` rule. `from`/`to` keep what was written (a node id or a group name);
 * `from_nodes`/`to_nodes` list the concrete ids it covers. For a pair of nodes each
 * field comes from the LAST matching rule that sets it, else from the network defaults.
 */
export interface ResolvedLink {
  from: string;
  to: string;
  from_nodes: string[];
  to_nodes: string[];
  latency_ms: number | null;
  jitter_ms: number | null;
  loss: number | null;
  bandwidth_kbps: number | null;
}

export type ResolvedNetwork =
  | { type: "direct" }
  | {
      type: "latency";
      default_latency_ms: number;
      jitter_ms: number;
      loss: number;
      /** null: infinite bandwidth, no serialisation delay. */
      bandwidth_kbps: number | null;
      links: ResolvedLink[];
    };

export interface ResolvedMlInference {
  placement: "edge" | "cloud";
  /** Absolute path of the ONNX model used at the chosen placement. */
  model_path: string;
  /** Virtual-time cost of one inference at the chosen placement. */
  inference_ms: number;
  window: number;
  edge_config: { model_path: string | null; inference_ms: number; window: number };
  cloud_config: { model_path: string | null; inference_ms: number; window: number };
}

export interface ResolvedScenario {
  /** Absolute path of the scenario file; null for a scenario built in code. */
  source: string | null;
  /** Folder that relative paths in the scenario were resolved against. */
  base_dir: string;
  /** Scenario file name without extension ("scenario" when built in code). */
  name: string;
  duration_sec: number;
  seed: number;
  time_quantum_us: number;
  realtime_factor: number | null;
  /** Every node after group expansion, in file order (members of a group in index order). */
  nodes: ResolvedNode[];
  network: ResolvedNetwork;
  ml_inference: ResolvedMlInference | null;
  /** `dir` null: the harness picks `runs/<name>-<seed>-<time>`. */
  output: { dir: string | null; trace: boolean; metrics: boolean };
  timeouts: { startup_sec: number; shutdown_grace_sec: number; quantum_wall_sec: number };
  limits: ResolvedLimits;
}

/** `limits` with its defaults applied; each applies to every external node on its own. */
export interface ResolvedLimits {
  sends_per_quantum: number;
  log_lines: number;
  log_bytes: number;
}

// ---------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------

export type ProblemSeverity = "error" | "warning";

/** One structured validation problem; stays structured until the CLI prints it. */
export interface Problem {
  severity: ProblemSeverity;
  /** Stable machine-readable code, e.g. "unknown-key", "yaml-syntax". */
  code: string;
  /** File the problem is in; null for a scenario built in code. */
  file: string | null;
  /** 1-based; null when the problem has no position (e.g. a scenario built in code). */
  line: number | null;
  column: number | null;
  /** Key path, e.g. ["nodes", "sensor_1", "period_ms"]. */
  path: (string | number)[];
  message: string;
  hint?: string;
}
