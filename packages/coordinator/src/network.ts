import type { NetworkType, ResolvedNetwork, ResolvedNetworkOf } from "@sim/config";
// The errors alone: the engine must not load the validator (ajv) or the YAML parser.
import { UnknownNetworkTypeError } from "@sim/config/errors";
import { DirectNetwork } from "./direct-network.js";
import { LatencyNetwork } from "./latency-network.js";
import type { NetworkModel } from "./types.js";

/** Builds the model of one network type from its resolved section. */
type NetworkModelBuilder<T extends NetworkType> = (resolved: ResolvedNetworkOf<T>) => NetworkModel;

/**
 * One model per type of the table of network kinds (`NETWORK_KINDS` in `@sim/config`):
 * typed over those types, so that a type without its model here does not compile.
 */
const NETWORK_MODELS: { readonly [T in NetworkType]: NetworkModelBuilder<T> } = {
  direct: () => new DirectNetwork(),
  latency: (resolved) => new LatencyNetwork(resolved),
};

/**
 * The built-in network model for a resolved scenario's `network`. Throws
 * UnknownNetworkTypeError for a type outside the table (a network built in code
 * around the types).
 */
export function createNetworkModel(resolved: ResolvedNetwork): NetworkModel {
  if (!Object.hasOwn(NETWORK_MODELS, resolved.type)) throw new UnknownNetworkTypeError(resolved.type, Object.keys(NETWORK_MODELS));
  // `resolved.type` picks the builder of `resolved`'s own type; TypeScript cannot relate the two through the union.
  return (NETWORK_MODELS[resolved.type] as NetworkModelBuilder<NetworkType>)(resolved);
}
