/**
 * The table of node kinds: one row per node type (each in its own file under
 * kinds/), saying how its nodes run, whether they receive messages, where its schema
 * part is, its defaults, how an entry resolves and which files it names. Validation,
 * the file checks and the limits read it here; `@sim/nodes` builds one in-process
 * node per in-process row and the harness registers one launcher per launched row,
 * each through a table typed over these rows, so that a row without its builder or
 * launcher does not compile.
 */
import { UnknownNodeTypeError } from "./errors.js";
import { actuatorKind } from "./kinds/actuator.js";
import { cloudKind } from "./kinds/cloud.js";
import { dockerKind } from "./kinds/docker.js";
import { gatewayKind } from "./kinds/gateway.js";
import { moduleKind } from "./kinds/module.js";
import { processKind } from "./kinds/process.js";
import { qemuKind } from "./kinds/qemu.js";
import { renodeKind } from "./kinds/renode.js";
import { sensorKind } from "./kinds/sensor.js";
import type { NodeKind, NodeRuns, ResolvedNodeOf } from "./node-kind.js";
import type { NodeEntry } from "./node-names.js";
import type { NodeType, ResolvedNode } from "./types.js";

/** Every node type's row; the order is the schema's `type` enum's. */
export const NODE_KINDS = Object.freeze({
  sensor: sensorKind,
  gateway: gatewayKind,
  cloud: cloudKind,
  actuator: actuatorKind,
  module: moduleKind,
  process: processKind,
  docker: dockerKind,
  qemu: qemuKind,
  renode: renodeKind,
} as const satisfies { readonly [T in NodeType]: NodeKind<T> });

/** Every node type, in the table's order. */
export const NODE_TYPES: readonly NodeType[] = Object.freeze(Object.keys(NODE_KINDS) as NodeType[]);

/** Node types built in-process by `@sim/nodes`. */
export type InProcessNodeType = { [T in NodeType]: (typeof NODE_KINDS)[T]["runs"] extends "in-process" ? T : never }[NodeType];

/** Node types a launcher starts (external nodes and services). */
export type LaunchedNodeType = Exclude<NodeType, InProcessNodeType>;

/** Node types built in-process by `@sim/nodes`, in the table's order. */
export const IN_PROCESS_NODE_TYPES: readonly InProcessNodeType[] = Object.freeze(NODE_TYPES.filter((t): t is InProcessNodeType => NODE_KINDS[t].runs === "in-process"));

/** Node types a launcher starts: they run outside the coordinator's process (a docker node with `protocol: none` is a service). */
export const EXTERNAL_NODE_TYPES: readonly LaunchedNodeType[] = Object.freeze(NODE_TYPES.filter((t): t is LaunchedNodeType => NODE_KINDS[t].runs !== "in-process"));

/** True for a string that names a node type. */
export function isNodeType(value: unknown): value is NodeType {
  return typeof value === "string" && Object.hasOwn(NODE_KINDS, value);
}

/**
 * The row of a node type. Throws UnknownNodeTypeError for a type outside the table
 * (a node built in code around the types).
 */
export function nodeKind<T extends NodeType>(type: T): NodeKind<T> {
  if (!isNodeType(type)) throw new UnknownNodeTypeError(type, NODE_TYPES);
  // TypeScript cannot see that the row of a type parameter T is a NodeKind<T>: one cast here, none at the callers.
  return NODE_KINDS[type] as unknown as NodeKind<T>;
}

/** Whether a node of this type runs in the coordinator's process (built by `@sim/nodes`). */
export function isInProcess(type: NodeType): type is InProcessNodeType {
  return nodeKind(type).runs === "in-process";
}

/** `isInProcess` of a resolved node, as a guard on the node: after it, a switch over the other types can be exhaustive. */
export function isInProcessNode(node: ResolvedNode): node is ResolvedNodeOf<InProcessNodeType> {
  return isInProcess(node.type);
}

/** How the nodes of an entry run, from the entry as written (it may have failed the schema). */
export function entryRuns(entry: NodeEntry): NodeRuns | null {
  if (entry.type === null) return null;
  const kind = nodeKind(entry.type);
  return kind.serviceWhen?.test(entry.input) === true ? "service" : kind.runs;
}

/** The node type whose nodes run the model at an `ml_inference.placement`. */
export function modelRunner(placement: "edge" | "cloud"): NodeType {
  // Each placement has its row (the table's tests check it).
  return NODE_TYPES.find((t) => nodeKind(t).runsModelAt === placement)!;
}
