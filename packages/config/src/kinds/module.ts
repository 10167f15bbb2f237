import type { NodeKind } from "../node-kind.js";
import { absolute } from "../resolve-context.js";

const DEFAULTS = Object.freeze({ export: "default" });

/**
 * `type: module`: in-process; a class written by the scenario's author, exported by a
 * module file or registered in code. Only the entry's shape is checked here (no I/O):
 * the harness loads the module, finds the export and checks `params` against its schema.
 */
export const moduleKind = {
  runs: "in-process",
  receives: true,
  schema: "module_node",
  references: [],
  defaults: DEFAULTS,
  resolve(_entry, input, ctx) {
    const file = input.module === undefined ? null : absolute(ctx, input.module);
    const name = input.export ?? DEFAULTS.export;
    const params = input.params ?? {};
    return (base) => ({
      id: base.id,
      group: base.group,
      group_index: base.group_index,
      group_size: base.group_size,
      type: "module",
      module: file,
      export: name,
      // A copy per member, as for a process node's config: a node that changes its own params changes no other's.
      params: structuredClone(params),
    });
  },
  files: (node) => (node.module === null ? [] : [{ key: ["module"], file: node.module, kind: "file", what: "node module" }]),
} as const satisfies NodeKind<"module">;
