import { SCENARIO_DEFAULTS } from "./defaults.js";
import { entryRuns } from "./node-kinds.js";
import { NodeNames } from "./node-names.js";
import type { NodeEntry } from "./node-names.js";
import type { PathSegment } from "./positions.js";
import { describePath } from "./problem.js";
import { lookupName } from "./resolve-context.js";
import type { ResolveContext } from "./resolve-context.js";
import type { LinkInput, NetworkInput, ResolvedLink, ResolvedNetwork } from "./types.js";

/**
 * The network with defaults applied and every link's names resolved to concrete
 * ids. With schema errors in `network`, only the link names that are themselves
 * valid are checked (the result is then discarded anyway).
 */
export function resolveNetwork(ctx: ResolveContext, names: NodeNames, input: NetworkInput | undefined): ResolvedNetwork {
  if (input === undefined || input.type !== "latency") return { type: "direct" };
  const defaults = SCENARIO_DEFAULTS.latency;
  const links: ResolvedLink[] = [];
  const inputLinks: unknown[] = Array.isArray(input.links) ? input.links : [];
  inputLinks.forEach((item, i) => {
    if (item === null || typeof item !== "object") return;
    const link = item as LinkInput;
    const path = ["network", "links", i];
    const name = (end: "from" | "to") => (ctx.isClean([...path, end]) && typeof link[end] === "string" ? lookupName(ctx, names, link[end], [...path, end]) : undefined);
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
  return {
    type: "latency",
    default_latency_ms: input.default_latency_ms ?? defaults.default_latency_ms,
    jitter_ms: input.jitter_ms ?? defaults.jitter_ms,
    loss: input.loss ?? defaults.loss,
    bandwidth_kbps: input.bandwidth_kbps ?? null,
    links,
  };
}

/** Takes part in lockstep (a service does not). */
function isExternal(entry: NodeEntry): boolean {
  return entryRuns(entry) === "external";
}

/**
 * Warns when the quantum is longer than the smallest latency of a path that
 * touches an external node: deliveries inside an already granted quantum arrive at
 * the next barrier (counted as late_deliveries). The network's default latency
 * counts whenever an external node exists, since it applies to every other pair.
 */
export function warnAboutLateDeliveries(ctx: ResolveContext, names: NodeNames, network: NetworkInput | undefined, quantumUs: number): void {
  const firstExternal = names.entries.find(isExternal);
  if (!firstExternal) return;
  let smallest: { ms: number; path: PathSegment[]; what: string };
  if (network === undefined || network.type === "direct") {
    // Without a network section, point at the external node the warning is about.
    smallest = { ms: 0, path: network ? ["network", "type"] : ["nodes", firstExternal.key], what: "the direct network's zero latency" };
  } else {
    const fallback = network.default_latency_ms ?? SCENARIO_DEFAULTS.latency.default_latency_ms;
    smallest = { ms: fallback, path: ["network", network.default_latency_ms === undefined ? "type" : "default_latency_ms"], what: `the network's default latency (${fallback} ms)` };
    (network.links ?? []).forEach((link: LinkInput, i) => {
      const ms = link.latency_ms ?? fallback;
      if (ms >= smallest.ms || !touchesExternal(names, link)) return;
      smallest = { ms, path: ["network", "links", i, link.latency_ms === undefined ? "from" : "latency_ms"], what: `the latency of ${describePath(["network", "links", i])} (${link.from} -> ${link.to}, ${ms} ms)` };
    });
  }
  if (quantumUs <= smallest.ms * 1000) return;
  const limitUs = Math.floor(smallest.ms * 1000);
  ctx.problems.add({
    severity: "warning",
    code: "late-deliveries",
    path: smallest.path,
    at: smallest.path[0] === "nodes" ? "key" : "value",
    message: `time_quantum_us (${quantumUs} µs) is longer than ${smallest.what}: messages to or from external nodes can arrive inside a quantum already granted, and are then delivered at the next barrier and counted as late_deliveries`,
    hint: limitUs >= 1 ? `set time_quantum_us to at most ${limitUs}, or raise the latency` : "use `network: {type: latency}` with latencies of at least one quantum, or accept late deliveries",
  });
}

function touchesExternal(names: NodeNames, link: LinkInput): boolean {
  const from = names.lookup(link.from);
  const to = names.lookup(link.to);
  return (from !== undefined && isExternal(from.entry)) || (to !== undefined && isExternal(to.entry));
}
