import type { LinkRoute, NetworkModel, Route, Rng, TimeUs } from "./types.js";

const DIRECT_LINK: LinkRoute = {
  route(_sizeBytes: number, nowUs: TimeUs): Route {
    return { deliverAtUs: nowUs };
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
