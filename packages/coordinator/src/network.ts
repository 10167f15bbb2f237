import type { ResolvedNetwork } from "@sim/config";
import { DirectNetwork } from "./direct-network.js";
import { LatencyNetwork } from "./latency-network.js";
import type { NetworkModel } from "./types.js";

/** The built-in network model for a resolved scenario's `network`. */
export function createNetworkModel(resolved: ResolvedNetwork): NetworkModel {
  switch (resolved.type) {
    case "direct":
      return new DirectNetwork();
    case "latency":
      return new LatencyNetwork(resolved);
  }
}
