import type { ResolvedNode, ResolvedScenario } from "@sim/config";
import type { InProcessNode } from "@sim/coordinator";
import { CloudNode } from "./cloud.js";
import { MlUnavailableError } from "./errors.js";
import { GatewayNode } from "./gateway.js";
import { SensorNode } from "./sensor.js";
import type { InferenceEngine, NodeServices } from "./types.js";

/** Node types this package builds; every other type is external. */
export const BUILTIN_NODE_TYPES = ["sensor", "gateway", "cloud"] as const;

export type BuiltinNodeType = (typeof BUILTIN_NODE_TYPES)[number];

/**
 * Every counter each built-in node type can produce (`ctx.count`), so that tables
 * of counters have the same columns whichever of them a run happened to reach.
 */
export const BUILTIN_COUNTERS: Readonly<Record<BuiltinNodeType, readonly string[]>> = Object.freeze({
  sensor: SensorNode.COUNTERS,
  gateway: GatewayNode.COUNTERS,
  cloud: CloudNode.COUNTERS,
});

/** The node type that runs the model at each placement. */
const RUNS_MODEL = { edge: "gateway", cloud: "cloud" } as const;

/** True when some node of the scenario will run the model: only then load one with `loadInference`. */
export function needsInference(scenario: ResolvedScenario): boolean {
  const ml = scenario.ml_inference;
  return ml !== null && scenario.nodes.some((n) => n.type === RUNS_MODEL[ml.placement]);
}

/**
 * Builds the in-process node for a built-in type, or returns null for an external
 * type (process, docker, renode). Throws MlUnavailableError when the node must
 * run the model and `services.inference` is missing.
 */
export function createBuiltinNode(node: ResolvedNode, scenario: ResolvedScenario, services: NodeServices = {}): InProcessNode | null {
  switch (node.type) {
    case "sensor":
      return new SensorNode(node);
    case "gateway":
      return new GatewayNode(node, engineFor(node.type, node.id, scenario, services));
    case "cloud":
      return new CloudNode(node, engineFor(node.type, node.id, scenario, services));
    default:
      return null;
  }
}

function engineFor(type: "gateway" | "cloud", id: string, scenario: ResolvedScenario, services: NodeServices): InferenceEngine | null {
  const ml = scenario.ml_inference;
  if (ml === null || RUNS_MODEL[ml.placement] !== type) return null;
  const engine = services.inference;
  if (engine === undefined || engine === null) {
    throw new MlUnavailableError(
      `node "${id}" runs the model (ml_inference placement ${ml.placement}) but no inference engine was given: ` +
        "load one with loadInference(scenario.ml_inference) and pass it as services.inference",
    );
  }
  if (engine.placement !== ml.placement) {
    throw new MlUnavailableError(
      `node "${id}": the inference engine was loaded for placement ${engine.placement}, the scenario says ${ml.placement}`,
    );
  }
  return engine;
}
