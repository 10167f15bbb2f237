import { isInProcess, modelRunner, type InProcessNodeType, type ResolvedModuleNode, type ResolvedNode, type ResolvedNodeOf, type ResolvedScenario } from "@sim/config";
import type { InProcessNode } from "@sim/coordinator";
import { ActuatorNode } from "./actuator.js";
import { CloudNode } from "./cloud.js";
import { createCustomNode, type CustomNodeType } from "./custom-node.js";
import { CustomNodeError, MlUnavailableError } from "./errors.js";
import { GatewayNode } from "./gateway.js";
import { SensorNode } from "./sensor.js";
import type { InferenceEngine, NodeServices } from "./types.js";

/** How this package builds the nodes of one in-process type. */
interface Builtin<T extends InProcessNodeType> {
  /** Every counter its nodes can produce (`ctx.count`), for fixed metrics columns. */
  readonly counters: readonly string[];
  create(node: ResolvedNodeOf<T>, scenario: ResolvedScenario, services: NodeServices): InProcessNode;
}

/**
 * One builder per type the table of node kinds (`@sim/config`) runs in-process:
 * typed over those types, so that an in-process row without its builder here (or a
 * builder for a type that is not in-process) does not compile.
 */
const BUILTINS: { readonly [T in InProcessNodeType]: Builtin<T> } = {
  sensor: { counters: SensorNode.COUNTERS, create: (node) => new SensorNode(node) },
  gateway: { counters: GatewayNode.COUNTERS, create: (node, scenario, services) => new GatewayNode(node, engineFor(node, scenario, services)) },
  cloud: { counters: CloudNode.COUNTERS, create: (node, scenario, services) => new CloudNode(node, engineFor(node, scenario, services)) },
  actuator: { counters: ActuatorNode.COUNTERS, create: (node) => new ActuatorNode(node) },
  // Its counters are the author's: metrics.csv adds a column for each one a run produced.
  module: { counters: [], create: (node, _scenario, services) => createCustomNode(node, customTypeFor(node, services)) },
};

export type BuiltinNodeType = InProcessNodeType;

/** Node types this package builds (the in-process rows of the table of node kinds); a launcher starts every other type. */
export const BUILTIN_NODE_TYPES: readonly BuiltinNodeType[] = Object.freeze(Object.keys(BUILTINS) as BuiltinNodeType[]);

/**
 * Every counter each built-in node type can produce (`ctx.count`), so that tables
 * of counters have the same columns whichever of them a run happened to reach.
 */
export const BUILTIN_COUNTERS: Readonly<Record<BuiltinNodeType, readonly string[]>> = Object.freeze(
  Object.fromEntries(BUILTIN_NODE_TYPES.map((type) => [type, BUILTINS[type].counters])) as Record<BuiltinNodeType, readonly string[]>,
);

/** True when some node of the scenario will run the model: only then load one with `loadInference`. */
export function needsInference(scenario: ResolvedScenario): boolean {
  const ml = scenario.ml_inference;
  if (ml === null) return false;
  const runner = modelRunner(ml.placement);
  return scenario.nodes.some((n) => n.type === runner);
}

/**
 * Builds the in-process node of a built-in type, or returns null for a type a
 * launcher starts (process, docker, renode). Throws MlUnavailableError when the
 * node must run the model and `services.inference` is missing, and CustomNodeError
 * when a `module` node has no class in `services.customNodeType` or cannot be built with it.
 */
export function createBuiltinNode(node: ResolvedNode, scenario: ResolvedScenario, services: NodeServices = {}): InProcessNode | null {
  if (!isInProcess(node.type)) return null;
  // `node.type` picks the builder of `node`'s own type; TypeScript cannot relate the two through the union.
  return (BUILTINS[node.type] as Builtin<InProcessNodeType>).create(node as ResolvedNodeOf<InProcessNodeType>, scenario, services);
}

function engineFor(node: ResolvedNodeOf<InProcessNodeType>, scenario: ResolvedScenario, services: NodeServices): InferenceEngine | null {
  const ml = scenario.ml_inference;
  if (ml === null || modelRunner(ml.placement) !== node.type) return null;
  const engine = services.inference;
  if (engine === undefined || engine === null) {
    throw new MlUnavailableError(
      `node "${node.id}" runs the model (ml_inference placement ${ml.placement}) but no inference engine was given: ` +
        "load one with loadInference(scenario.ml_inference) and pass it as services.inference",
    );
  }
  if (engine.placement !== ml.placement) {
    throw new MlUnavailableError(`node "${node.id}": the inference engine was loaded for placement ${engine.placement}, the scenario says ${ml.placement}`);
  }
  return engine;
}

function customTypeFor(node: ResolvedModuleNode, services: NodeServices): CustomNodeType {
  const type = services.customNodeType?.(node);
  if (type === undefined) {
    const from = node.module === null ? `registered as "${node.export}"` : `"${node.export}" of ${node.module}`;
    throw new CustomNodeError(node.id, "missing", `module node "${node.id}" needs its class (${from}) and none was given: pass it as services.customNodeType`);
  }
  return type;
}
