import type { KindContext, NodeKind } from "../node-kind.js";
import { NodeNames } from "../node-names.js";
import type { NameMeaning, NodeEntry } from "../node-names.js";
import { describePath } from "../problem.js";
import type { ResolveContext } from "../resolve-context.js";
import type { ResolvedGatewayNode } from "../types.js";

const DEFAULTS = Object.freeze({ batch: 1, processing_ms: 0 });

/** `type: gateway`: in-process; batches what it receives and forwards it upstream; runs the model at the edge. */
export const gatewayKind = {
  runs: "in-process",
  receives: true,
  schema: "gateway_node",
  references: ["upstream"],
  defaults: DEFAULTS,
  runsModelAt: "edge",
  resolve(entry, input, ctx) {
    const upstream = input.upstream !== undefined ? ctx.receiver(input.upstream, ["nodes", entry.key, "upstream"]) : defaultUpstream(ctx, entry);
    if (upstream === undefined) return undefined;
    return (base) => ({
      id: base.id,
      group: base.group,
      group_index: base.group_index,
      group_size: base.group_size,
      type: "gateway",
      upstream: upstream === null ? null : NodeNames.targetFor(upstream, base.group_index),
      batch: input.batch ?? DEFAULTS.batch,
      processing_ms: input.processing_ms ?? DEFAULTS.processing_ms,
    });
  },
  checkAll: reportUpstreamCycles,
} as const satisfies NodeKind<"gateway">;

/** The only cloud entry, else null (a sink); several clouds leave it a sink with a warning. */
function defaultUpstream(ctx: KindContext, entry: NodeEntry): NameMeaning | null {
  const clouds = ctx.entriesOf("cloud");
  if (clouds.length === 1) return { kind: clouds[0]!.grouped ? "group" : "node", entry: clouds[0]! };
  if (clouds.length > 1) {
    ctx.problems.add({
      severity: "warning",
      code: "ambiguous-upstream",
      path: ["nodes", entry.key, "upstream"],
      locatePath: ["nodes", entry.key],
      at: "key",
      message: `${describePath(["nodes", entry.key])} has no \`upstream\` and there are ${clouds.length} cloud nodes, so it is a sink that forwards nothing`,
      hint: "add `upstream: <node or group>` if it should forward",
    });
  }
  return null;
}

/** Gateways forwarding in a circle would pass messages around forever. */
function reportUpstreamCycles(nodes: readonly ResolvedGatewayNode[], ctx: ResolveContext): void {
  const gateways = new Map<string, ResolvedGatewayNode>();
  for (const node of nodes) gateways.set(node.id, node);
  const state = new Map<string, "visiting" | "done">();
  const reportedGroups = new Set<string>();
  for (const start of gateways.values()) {
    const chain: ResolvedGatewayNode[] = [];
    let node: ResolvedGatewayNode | undefined = start;
    while (node && !state.has(node.id)) {
      state.set(node.id, "visiting");
      chain.push(node);
      node = node.upstream === null ? undefined : gateways.get(node.upstream);
    }
    if (node && state.get(node.id) === "visiting") {
      const cycle = chain.slice(chain.indexOf(node));
      const first = cycle[0]!;
      if (!reportedGroups.has(first.group)) {
        reportedGroups.add(first.group);
        const ids = cycle.slice(0, 6).map((n) => n.id);
        ctx.problems.add({
          code: "upstream-cycle",
          path: ["nodes", first.group, "upstream"],
          message: `gateway upstreams form a cycle: ${ids.join(" -> ")}${cycle.length > 6 ? " -> ..." : ""} -> ${first.id}; messages would circulate forever`,
          hint: "end the chain at a cloud node, an external node, or a gateway without upstream",
        });
      }
    }
    for (const n of chain) state.set(n.id, "done");
  }
}
