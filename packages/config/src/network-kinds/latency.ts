import type { NetworkContext, NetworkKind, SmallestLatency } from "../network-kind.js";
import { NodeNames } from "../node-names.js";
import { describePath } from "../problem.js";
import { lookupName } from "../resolve-context.js";
import type { LinkInput, ResolvedLink } from "../types.js";

const DEFAULTS = Object.freeze({ default_latency_ms: 0, jitter_ms: 0, loss: 0 });

/** `type: latency`: latency, jitter, loss and bandwidth, with per-link rules naming nodes or groups. */
export const latencyKind = {
  schema: "network_latency",
  defaults: DEFAULTS,
  resolve: (input, ctx) => ({
    type: "latency",
    default_latency_ms: input.default_latency_ms ?? DEFAULTS.default_latency_ms,
    jitter_ms: input.jitter_ms ?? DEFAULTS.jitter_ms,
    loss: input.loss ?? DEFAULTS.loss,
    bandwidth_kbps: input.bandwidth_kbps ?? null,
    links: resolveLinks(input.links, ctx),
  }),
  smallestLatency(input, touchesExternal) {
    // The default latency counts whenever an external node exists, since it applies to every pair without a rule.
    const fallback = input.default_latency_ms ?? DEFAULTS.default_latency_ms;
    let smallest: SmallestLatency = {
      ms: fallback,
      path: ["network", input.default_latency_ms === undefined ? "type" : "default_latency_ms"],
      what: `the network's default latency (${fallback} ms)`,
    };
    (input.links ?? []).forEach((link, i) => {
      const ms = link.latency_ms ?? fallback;
      if (ms >= smallest.ms || !touchesExternal(link.from, link.to)) return;
      smallest = { ms, path: ["network", "links", i, link.latency_ms === undefined ? "from" : "latency_ms"], what: `the latency of ${describePath(["network", "links", i])} (${link.from} -> ${link.to}, ${ms} ms)` };
    });
    return smallest;
  },
  describe(network) {
    const parts = [`latency ${network.default_latency_ms} ms`];
    if (network.jitter_ms > 0) parts.push(`jitter ${network.jitter_ms} ms`);
    if (network.loss > 0) parts.push(`loss ${network.loss}`);
    if (network.bandwidth_kbps !== null) parts.push(`${network.bandwidth_kbps} kbps`);
    if (network.links.length > 0) parts.push(`${network.links.length} link rule(s)`);
    return parts.join(", ");
  },
} as const satisfies NetworkKind<"latency">;

/**
 * Each rule with its names resolved to concrete ids. With schema errors in `network`,
 * only the names that are themselves valid are checked (the result is then discarded
 * anyway), and unusable items are skipped.
 */
function resolveLinks(input: unknown, ctx: NetworkContext): ResolvedLink[] {
  const links: ResolvedLink[] = [];
  const items: unknown[] = Array.isArray(input) ? input : [];
  items.forEach((item, i) => {
    if (item === null || typeof item !== "object") return;
    const link = item as LinkInput;
    const path = ["network", "links", i];
    const name = (end: "from" | "to") => (ctx.isClean([...path, end]) && typeof link[end] === "string" ? lookupName(ctx, ctx.names, link[end], [...path, end]) : undefined);
    const from = name("from");
    const to = name("to");
    if (!from || !to) return;
    links.push({
      from: link.from,
      to: link.to,
      from_nodes: NodeNames.idsOf(from),
      to_nodes: NodeNames.idsOf(to),
      latency_ms: link.latency_ms ?? null,
      jitter_ms: link.jitter_ms ?? null,
      loss: link.loss ?? null,
      bandwidth_kbps: link.bandwidth_kbps ?? null,
    });
  });
  return links;
}
