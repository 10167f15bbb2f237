import type { LinkRoute, Rng, TimeUs } from "./types.js";

/**
 * Internal fast path of the built-in network models: the delivery time, or -1 for a
 * drop with reason "loss". Same result as `route()`, without allocating a Route.
 */
export interface FastLinkRoute extends LinkRoute {
  deliverAtUs(sizeBytes: number, nowUs: TimeUs, rng: Rng): TimeUs;
}

export function isFastLinkRoute(route: LinkRoute): route is FastLinkRoute {
  return typeof (route as Partial<FastLinkRoute>).deliverAtUs === "function";
}
