import type { KindContext, NodeBuilder } from "./node-kind.js";
import { NODE_TYPES, nodeKind } from "./node-kinds.js";
import { memberId } from "./node-names.js";
import type { NameMeaning, NodeEntry, NodeNames } from "./node-names.js";
import type { PathSegment } from "./positions.js";
import { describePath, quote } from "./problem.js";
import { lookupName } from "./resolve-context.js";
import type { ResolveContext } from "./resolve-context.js";
import type { NodeType, ResolvedNode } from "./types.js";

/**
 * Expands every clean entry into concrete nodes (file order, members in index
 * order), each type by its row of the table of node kinds. Problems go to `ctx.problems`.
 */
export function resolveNodes(ctx: ResolveContext, names: NodeNames, settings: { startupSec: number; timeQuantumUs: number }): ResolvedNode[] {
  reportCollisions(ctx, names);
  const byType = new Map<NodeType, NodeEntry[]>();
  for (const entry of names.entries) {
    if (entry.type === null) continue;
    const list = byType.get(entry.type) ?? [];
    list.push(entry);
    byType.set(entry.type, list);
  }
  const kindCtx: KindContext = {
    ...ctx,
    names,
    ...settings,
    entriesOf: (type) => byType.get(type) ?? [],
    receiver: (name, path) => receiverFor(ctx, names, name, path),
  };
  const nodes: ResolvedNode[] = [];
  for (const entry of names.entries) {
    if (entry.type === null) continue;
    if (!entry.clean) {
      checkReferencesOnly(ctx, names, entry, entry.type);
      continue;
    }
    // The schema accepted the entry, so its input has its type's shape.
    const build: NodeBuilder<NodeType> | undefined = nodeKind(entry.type).resolve(entry, entry.input as never, kindCtx);
    if (build !== undefined) expand(entry, nodes, build);
  }
  for (const type of NODE_TYPES) {
    const check = nodeKind(type).checkAll;
    if (check !== undefined) check(nodes.filter((n) => n.type === type), ctx);
  }
  return nodes;
}

/**
 * Looks up a name that must denote a node able to receive messages, reporting an
 * unknown name or a receiver that cannot receive. Returns undefined after a problem.
 */
function receiverFor(ctx: ResolveContext, names: NodeNames, name: string, path: readonly PathSegment[]): NameMeaning | undefined {
  const meaning = lookupName(ctx, names, name, path);
  if (!meaning) return undefined;
  const type = meaning.entry.type;
  // An entry without a valid type is reported by the schema already.
  if (type === null) return meaning;
  const kind = nodeKind(type);
  if (!kind.receives) {
    ctx.problems.add({
      code: "bad-target",
      path,
      message: `${describePath(path)} names the ${type} ${quote(name)}, but ${type}s do not receive messages`,
      hint: `send to a node that does: ${NODE_TYPES.filter((t) => nodeKind(t).receives).join(", ")}`,
    });
    return undefined;
  }
  if (kind.serviceWhen?.test(meaning.entry.input) === true) {
    ctx.problems.add({ code: "bad-target", path, message: `${describePath(path)} names the ${type} node ${quote(name)}, which ${kind.serviceWhen.because}`, hint: kind.serviceWhen.hint });
    return undefined;
  }
  return meaning;
}

/** An entry with schema errors is not built, but the names its references give are still checked. */
function checkReferencesOnly(ctx: ResolveContext, names: NodeNames, entry: NodeEntry, type: NodeType): void {
  for (const key of nodeKind(type).references) {
    const path = ["nodes", entry.key, key];
    const value = entry.input[key];
    if (typeof value === "string" && ctx.isClean(path)) receiverFor(ctx, names, value, path);
  }
}

function expand(entry: NodeEntry, out: ResolvedNode[], make: NodeBuilder<NodeType>): void {
  for (let i = 0; i < entry.size; i++) {
    out.push(make({ id: memberId(entry, i), group: entry.key, group_index: i, group_size: entry.size }));
  }
}

function reportCollisions(ctx: ResolveContext, names: NodeNames): void {
  for (const { entry, group, index } of names.collisions()) {
    const what = entry.grouped ? `the group ${quote(entry.key)}` : `the node ${quote(entry.key)}`;
    ctx.problems.add({
      code: "duplicate-id",
      path: ["nodes", entry.key],
      at: "key",
      message: `node id ${quote(entry.key)} is used twice: by ${what} and by member ${index} of the group ${quote(group.key)} (count: ${group.size})`,
      hint: `rename ${quote(entry.key)}; members of a group are named <group>_0 ... <group>_{count-1}`,
    });
  }
}
