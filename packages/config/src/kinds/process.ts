import type { NodeKind } from "../node-kind.js";
import { absolute } from "../resolve-context.js";

/** `type: process`: a local program speaking the node protocol, started by @sim/launcher-process. */
export const processKind = {
  runs: "external",
  receives: true,
  schema: "process_node",
  references: [],
  defaults: Object.freeze({}),
  command: { args: ["command"], env: true },
  resolve(_entry, input, ctx) {
    const cwd = absolute(ctx, input.cwd ?? ".");
    return (base) => ({
      id: base.id,
      group: base.group,
      group_index: base.group_index,
      group_size: base.group_size,
      type: "process",
      command: [...input.command],
      cwd,
      env: { ...input.env },
      config: structuredClone(input.config ?? {}),
    });
  },
  files: (node) => [{ key: ["cwd"], file: node.cwd, kind: "directory", what: "working directory" }],
} as const satisfies NodeKind<"process">;
