import type { NodeKind } from "../node-kind.js";
import { NodeNames } from "../node-names.js";
import { absolute } from "../resolve-context.js";

/** `type: renode`: firmware inside the Renode emulator, started by @sim/launcher-renode. */
export const renodeKind = {
  runs: "external",
  receives: true,
  schema: "renode_node",
  references: ["target"],
  defaults: Object.freeze({}),
  command: { args: ["renode", "args"], env: false },
  resolve(entry, input, ctx) {
    const target = input.target !== undefined ? ctx.receiver(input.target, ["nodes", entry.key, "target"]) : null;
    if (target === undefined) return undefined;
    const path = input.renode?.path;
    const platform = absolute(ctx, input.platform);
    const firmware = absolute(ctx, input.firmware);
    // A bare command name is looked up on PATH; anything with a slash is a file path.
    const executable = path === undefined ? null : path.includes("/") ? absolute(ctx, path) : path;
    return (base) => ({
      id: base.id,
      group: base.group,
      group_index: base.group_index,
      group_size: base.group_size,
      type: "renode",
      platform,
      firmware,
      uart: input.uart,
      target: target === null ? null : NodeNames.targetFor(target, base.group_index),
      renode: { path: executable, args: [...(input.renode?.args ?? [])], quantum_us: input.renode?.quantum_us ?? null },
    });
  },
  files: (node) => [
    { key: ["platform"], file: node.platform, kind: "file", what: "renode platform" },
    { key: ["firmware"], file: node.firmware, kind: "file", what: "firmware" },
  ],
} as const satisfies NodeKind<"renode">;
