import type { NodeKind } from "../node-kind.js";

/** `type: actuator`: in-process; takes commands from other nodes and records them. */
export const actuatorKind = {
  runs: "in-process",
  receives: true,
  latencySeries: ["actuation"],
  schema: "actuator_node",
  references: [],
  defaults: Object.freeze({}),
  resolve: (_entry, input) => {
    const deadline = input.deadline_ms ?? null;
    return (base) => ({ id: base.id, group: base.group, group_index: base.group_index, group_size: base.group_size, type: "actuator", deadline_ms: deadline });
  },
} as const satisfies NodeKind<"actuator">;
