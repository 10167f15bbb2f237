import type { FastLinkRoute } from "./_fast-route.js";
import type { LinkRoute, NetworkModel, Route, Rng, TimeUs } from "./types.js";

const DIRECT_LINK: FastLinkRoute = {
  route(_sizeBytes: number, nowUs: TimeUs): Route {
    return { deliverAtUs: nowUs };
  },
  deliverAtUs(_sizeBytes: number, nowUs: TimeUs): TimeUs {
    return nowUs;
  },
};

/** Every message arrives at the time it was sent; nothing is lost. */
export class DirectNetwork implements NetworkModel {
  route(_from: string, _to: string, _sizeBytes: number, nowUs: TimeUs, _rng: Rng): Route {
    return { deliverAtUs: nowUs };
  }

  link(_from: string, _to: string): LinkRoute {
    return DIRECT_LINK;
  }
}
