import type { JsonSchema, ResolvedModuleNode } from "@sim/config";
import type { InProcessNode } from "@sim/coordinator";
import { CustomNodeError } from "./errors.js";

/**
 * A node type written by a scenario's author (docs/custom-nodes.md): a class whose
 * instances are in-process nodes. sim constructs one instance per node with the
 * node's resolved entry (id, group, `params`, ...) and then calls it like a built-in
 * node: `start`, `receive`, `timer` and `finish` with the node's context, which holds
 * its seeded random stream (`ctx.rng`) and the virtual time (`ctx.now()`).
 */
export interface CustomNodeType {
  new (node: ResolvedModuleNode): InProcessNode;
  /**
   * JSON Schema (draft 2020-12) of the node's `params`, checked before anything starts.
   * Without one the node takes no params.
   */
  readonly paramsSchema?: JsonSchema;
}

/** Whether `value` can be a CustomNodeType: something `new` can call (a class, not an arrow function). */
export function isConstructor(value: unknown): value is CustomNodeType {
  return typeof value === "function" && value.prototype !== undefined;
}

/**
 * Builds the node of a `module` entry with its class. Throws CustomNodeError when the
 * constructor throws, or builds something that is not an in-process node with this id.
 */
export function createCustomNode(node: ResolvedModuleNode, type: CustomNodeType): InProcessNode {
  let built: unknown;
  try {
    built = new type(node);
  } catch (error) {
    throw new CustomNodeError(node.id, "threw", `new ${className(type, node)}() threw for node "${node.id}": ${messageOf(error)}`, { cause: error });
  }
  const wrong = shapeProblem(built, node.id);
  if (wrong !== null) throw new CustomNodeError(node.id, "not-a-node", `new ${className(type, node)}() for node "${node.id}" ${wrong}`);
  return built as InProcessNode;
}

/** What keeps `value` from being an in-process node with this id, or null. */
function shapeProblem(value: unknown, id: string): string | null {
  if (value === null || typeof value !== "object") return `gave ${value === null ? "null" : typeof value}, not an object`;
  const node = value as Record<string, unknown>;
  if (node.kind !== "in-process") return `has kind ${JSON.stringify(node.kind) ?? "undefined"}, not "in-process" (add \`readonly kind = "in-process"\`)`;
  if (node.id !== id) return `has id ${JSON.stringify(node.id) ?? "undefined"}, not "${id}" (set \`this.id = node.id\`)`;
  if (typeof node.type !== "string" || node.type === "") return "has no `type` (a non-empty string, reported in summary.json and metrics.csv)";
  for (const method of ["start", "receive", "timer"]) {
    if (typeof node[method] !== "function") return `has no ${method}() method`;
  }
  if (node.finish !== undefined && typeof node.finish !== "function") return "has a `finish` that is not a method";
  return null;
}

function className(type: CustomNodeType, node: ResolvedModuleNode): string {
  return type.name !== "" ? type.name : node.export;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
