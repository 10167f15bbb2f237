import { UnknownNetworkTypeError, type ResolvedNetwork } from "@sim/config";
import { describe, expect, it } from "vitest";
import { DirectNetwork } from "./direct-network.js";
import { LatencyNetwork } from "./latency-network.js";
import { createNetworkModel } from "./network.js";
import { createRng } from "./rng.js";
import type { Route } from "./types.js";

const at = (r: Route) => {
  if (!("deliverAtUs" in r)) throw new Error(`dropped: ${r.drop}`);
  return r.deliverAtUs;
};

/** A resolved section of each network type (a new type must add one). */
const SMALLEST: { [T in ResolvedNetwork["type"]]: Extract<ResolvedNetwork, { type: T }> } = {
  direct: { type: "direct" },
  latency: { type: "latency", default_latency_ms: 3, jitter_ms: 0, loss: 0, bandwidth_kbps: null, links: [] },
};

describe("createNetworkModel", () => {
  it("builds the model the resolved network names", () => {
    expect(createNetworkModel(SMALLEST.direct)).toBeInstanceOf(DirectNetwork);
    const latency = createNetworkModel(SMALLEST.latency);
    expect(latency).toBeInstanceOf(LatencyNetwork);
    expect(at(latency.route("a", "b", 1, 5, createRng("x")))).toBe(3005);
    expect(at(createNetworkModel(SMALLEST.direct).route("a", "b", 1, 5, createRng("x")))).toBe(5);
  });

  it("refuses a type outside the table instead of building some other model", () => {
    const satellite = { type: "satellite", latency_ms: 3 } as unknown as ResolvedNetwork;
    expect(() => createNetworkModel(satellite)).toThrow(UnknownNetworkTypeError);
    expect(() => createNetworkModel(satellite)).toThrow(/^unknown network type "satellite"; the network types are direct, latency\b/);
    expect(() => createNetworkModel({ type: "toString" } as unknown as ResolvedNetwork)).toThrow(expect.objectContaining({ code: "SIM_NETWORK_TYPE_UNKNOWN", type: "toString" }));
  });
});
