import { networkKind } from "./network-kinds.js";
import { entryRuns } from "./node-kinds.js";
import type { NodeEntry, NodeNames } from "./node-names.js";
import type { ResolveContext } from "./resolve-context.js";
import type { SmallestLatency } from "./network-kind.js";
import type { NetworkInput, ResolvedNetwork } from "./types.js";

/** What a scenario without a `network` section gets. */
const NO_NETWORK: NetworkInput = Object.freeze({ type: "direct" });

/**
 * The network through its type's row of the table of network kinds: defaults applied
 * and link names resolved to concrete ids. Null when `network.type` itself failed the
 * schema (which has reported it): there is no row to resolve the rest with.
 */
export function resolveNetwork(ctx: ResolveContext, names: NodeNames, input: NetworkInput | undefined): ResolvedNetwork | null {
  if (input !== undefined && !ctx.isClean(["network", "type"])) return null;
  const section = input ?? NO_NETWORK;
  return networkKind(section.type).resolve(section, { ...ctx, names });
}

/** Takes part in lockstep (a service does not). */
function isExternal(entry: NodeEntry): boolean {
  return entryRuns(entry) === "external";
}

/**
 * Warns when the quantum is longer than the smallest latency of a path that
 * touches an external node: deliveries inside an already granted quantum arrive at
 * the next barrier (counted as late_deliveries). Call it only on a `network` that
 * passed the schema.
 */
export function warnAboutLateDeliveries(ctx: ResolveContext, names: NodeNames, network: NetworkInput | undefined, quantumUs: number): void {
  const firstExternal = names.entries.find(isExternal);
  if (!firstExternal) return;
  const smallest: SmallestLatency =
    network === undefined
      ? // Without a network section, point at the external node the warning is about.
        { ...networkKind(NO_NETWORK.type).smallestLatency(NO_NETWORK, () => true), path: ["nodes", firstExternal.key] }
      : networkKind(network.type).smallestLatency(network, (from, to) => touchesExternal(names, from, to));
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

function touchesExternal(names: NodeNames, from: string, to: string): boolean {
  const sender = names.lookup(from);
  const receiver = names.lookup(to);
  return (sender !== undefined && isExternal(sender.entry)) || (receiver !== undefined && isExternal(receiver.entry));
}
