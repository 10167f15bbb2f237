import type { NetworkKind } from "../network-kind.js";

/** `type: direct` (also a scenario without `network`): every message arrives the instant it is sent. */
export const directKind = {
  schema: "network_direct",
  defaults: Object.freeze({}),
  resolve: () => ({ type: "direct" }),
  smallestLatency: () => ({ ms: 0, path: ["network", "type"], what: "the direct network's zero latency" }),
  describe: () => "direct (no delay)",
} as const satisfies NetworkKind<"direct">;
