import type { NodeNames } from "./node-names.js";
import type { PathSegment } from "./positions.js";
import type { ResolveContext } from "./resolve-context.js";
import type { NetworkInput, NetworkType, ResolvedNetwork } from "./types.js";

/** The input shape of one network type. */
export type NetworkInputOf<T extends NetworkType> = Extract<NetworkInput, { type: T }>;

/** The resolved shape of one network type. */
export type ResolvedNetworkOf<T extends NetworkType> = Extract<ResolvedNetwork, { type: T }>;

/** What resolving the network may use besides its own section. */
export interface NetworkContext extends ResolveContext {
  /** The node and group names links may use. */
  readonly names: NodeNames;
}

/**
 * The smallest delay a message to or from an external node can get, and the key that
 * sets it: the late-deliveries warning compares it with the quantum and points there.
 */
export interface SmallestLatency {
  readonly ms: number;
  readonly path: readonly PathSegment[];
  /** Completes "time_quantum_us (… µs) is longer than …". */
  readonly what: string;
}

/**
 * One row of the table of network kinds (`NETWORK_KINDS`): everything sim knows about
 * a `network: type:` outside the model that routes messages (which the coordinator
 * builds from its own table over the same types).
 */
export interface NetworkKind<T extends NetworkType> {
  /** Its definition under `$defs` in schema.json; the schema's `type` enum and one if/then branch point to it. */
  readonly schema: `network_${T}`;
  /** Values of the keys a scenario may leave out (`SCENARIO_DEFAULTS.<type>`). */
  readonly defaults: Readonly<Record<string, unknown>>;
  /**
   * The network with defaults applied and names resolved to node ids. Called even when
   * the section has schema errors below `type` (then the result is discarded): read
   * only what `ctx.isClean` vouches for where a wrong value could throw.
   */
  resolve(input: NetworkInputOf<T>, ctx: NetworkContext): ResolvedNetworkOf<T>;
  /**
   * For the late-deliveries warning, on a section that passed the schema:
   * `touchesExternal(from, to)` says whether a link's ends (node or group names)
   * include a node that takes part in lockstep.
   */
  smallestLatency(input: NetworkInputOf<T>, touchesExternal: (from: string, to: string) => boolean): SmallestLatency;
  /** One line for `sim run --dry-run`: "direct (no delay)", "latency 10 ms, loss 0.01". */
  describe(network: ResolvedNetworkOf<T>): string;
}
