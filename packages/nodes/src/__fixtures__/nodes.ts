// Resolved nodes and scenarios for unit tests, as @sim/config would produce them.
import { fileURLToPath } from "node:url";
import type {
  ResolvedActuatorNode,
  ResolvedCloudNode,
  ResolvedGatewayNode,
  ResolvedMlInference,
  ResolvedNode,
  ResolvedScenario,
  ResolvedSensorNode,
} from "@sim/config";

export const MODEL_PATH = fileURLToPath(new URL("../../../../scenarios/models/anomaly.onnx", import.meta.url));

const base = (id: string) => ({ id, group: id, group_index: 0, group_size: 1 });

export function sensor(id: string, over: Partial<ResolvedSensorNode> = {}): ResolvedSensorNode {
  return {
    ...base(id),
    type: "sensor",
    sensors: ["temperature"],
    period_ms: 1000,
    start_ms: 0,
    until_sec: null,
    target: "gw",
    payload_bytes: 64,
    anomaly: null,
    ...over,
  };
}

export function gateway(id: string, over: Partial<ResolvedGatewayNode> = {}): ResolvedGatewayNode {
  return { ...base(id), type: "gateway", upstream: "cloud", batch: 1, processing_ms: 0, ...over };
}

export function cloud(id: string): ResolvedCloudNode {
  return { ...base(id), type: "cloud" };
}

export function actuator(id: string, over: Partial<ResolvedActuatorNode> = {}): ResolvedActuatorNode {
  return { ...base(id), type: "actuator", deadline_ms: null, ...over };
}

export function ml(placement: "edge" | "cloud", over: Partial<ResolvedMlInference> = {}): ResolvedMlInference {
  const inference_ms = placement === "edge" ? 8 : 1;
  return {
    placement,
    model_path: MODEL_PATH,
    inference_ms,
    window: 8,
    edge_config: { model_path: MODEL_PATH, inference_ms: 8, window: 8 },
    cloud_config: { model_path: MODEL_PATH, inference_ms: 1, window: 8 },
    ...over,
  };
}

export function scenario(nodes: ResolvedNode[], mlInference: ResolvedMlInference | null = null): ResolvedScenario {
  return {
    source: null,
    base_dir: "/tmp",
    name: "scenario",
    duration_sec: 10,
    seed: 1,
    time_quantum_us: 10_000,
    realtime_factor: null,
    nodes,
    network: { type: "direct" },
    ml_inference: mlInference,
    output: { dir: null, trace: true, metrics: true },
    timeouts: { startup_sec: 60, shutdown_grace_sec: 10, quantum_wall_sec: 30 },
    limits: { sends_per_quantum: 100_000, log_lines: 100_000, log_bytes: 10 * 1024 * 1024 },
  };
}
