/**
 * The table of network kinds: one row per `network: type:` (each in its own file under
 * network-kinds/), saying where its schema part is, its defaults, how its section
 * resolves, its smallest latency for the late-deliveries warning and its line in a
 * dry run's plan. The coordinator builds each type's model through its own table,
 * typed over the same types (`NETWORK_MODELS` in `@sim/coordinator`), so that a type
 * without its row or its model does not compile.
 */
import { UnknownNetworkTypeError } from "./errors.js";
import type { NetworkKind } from "./network-kind.js";
import { directKind } from "./network-kinds/direct.js";
import { latencyKind } from "./network-kinds/latency.js";
import type { NetworkType, ResolvedNetwork } from "./types.js";

/** Every network type's row; the order is the schema's `type` enum's. */
export const NETWORK_KINDS = Object.freeze({
  direct: directKind,
  latency: latencyKind,
} as const satisfies { readonly [T in NetworkType]: NetworkKind<T> });

/** Every network type, in the table's order. */
export const NETWORK_TYPES: readonly NetworkType[] = Object.freeze(Object.keys(NETWORK_KINDS) as NetworkType[]);

/** True for a string that names a network type. */
export function isNetworkType(value: unknown): value is NetworkType {
  return typeof value === "string" && Object.hasOwn(NETWORK_KINDS, value);
}

/**
 * The row of a network type. Throws UnknownNetworkTypeError for a type outside the
 * table (a network built in code around the types).
 */
export function networkKind<T extends NetworkType>(type: T): NetworkKind<T> {
  if (!isNetworkType(type)) throw new UnknownNetworkTypeError(type, NETWORK_TYPES);
  // TypeScript cannot see that the row of a type parameter T is a NetworkKind<T>: one cast here, none at the callers.
  return NETWORK_KINDS[type] as unknown as NetworkKind<T>;
}

/** The resolved network in one line, as `sim run --dry-run` prints it. */
export function describeNetwork(network: ResolvedNetwork): string {
  return networkKind(network.type).describe(network);
}
