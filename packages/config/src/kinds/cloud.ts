import type { NodeKind } from "../node-kind.js";

/** `type: cloud`: in-process; a sink that records latency; runs the model at cloud placement. */
export const cloudKind = {
  runs: "in-process",
  receives: true,
  latencySeries: ["cloud"],
  schema: "cloud_node",
  references: [],
  defaults: Object.freeze({}),
  runsModelAt: "cloud",
  resolve: () => (base) => ({ id: base.id, group: base.group, group_index: base.group_index, group_size: base.group_size, type: "cloud" }),
} as const satisfies NodeKind<"cloud">;
