import type { ResolvedLink, ResolvedNetwork } from "@sim/config";
import type { FastLinkRoute } from "./_fast-route.js";
import { CoordinatorOptionsError } from "./errors.js";
import type { NetworkModel, Route, Rng, TimeUs } from "./types.js";

/** The `latency` network as resolved by `@sim/config` (`type` may be left out). */
export type LatencyNetworkConfig = Omit<Extract<ResolvedNetwork, { type: "latency" }>, "type"> & { type?: "latency" };

type LinkRule = Pick<ResolvedLink, "latency_ms" | "jitter_ms" | "loss" | "bandwidth_kbps">;

const LOSS: Route = Object.freeze({ drop: "loss" });

/**
 * One directed link: fixed parameters plus its FIFO state. Times are integer µs:
 * the base latency is rounded to the nearest µs once, jitter is
 * `floor(u * jitter_µs)` (so it stays in [0, jitter)), and the serialisation delay
 * `size * 8 / kbps` is rounded up (the last bit has to leave).
 */
class LatencyLink implements FastLinkRoute {
  private busyUntilUs = 0;
  constructor(
    readonly latencyUs: number,
    readonly jitterUs: number,
    readonly loss: number,
    readonly bandwidthKbps: number | null,
  ) {}

  route(sizeBytes: number, nowUs: TimeUs, rng: Rng): Route {
    const at = this.deliverAtUs(sizeBytes, nowUs, rng);
    return at < 0 ? LOSS : { deliverAtUs: at };
  }

  deliverAtUs(sizeBytes: number, nowUs: TimeUs, rng: Rng): TimeUs {
    let departUs = nowUs;
    if (this.bandwidthKbps !== null) {
      // FIFO: a message starts when the previous one on this link has left. A lost
      // message was still transmitted, so it occupies the link too.
      const startUs = departUs > this.busyUntilUs ? departUs : this.busyUntilUs;
      departUs = startUs + Math.ceil((sizeBytes * 8000) / this.bandwidthKbps);
      this.busyUntilUs = departUs;
    }
    // Draw order is part of the semantics: loss first, then jitter, each only when configured.
    if (this.loss > 0 && rng.next() < this.loss) return -1;
    let atUs = departUs + this.latencyUs;
    if (this.jitterUs > 0) atUs += Math.floor(rng.next() * this.jitterUs);
    return atUs;
  }
}

/**
 * Latency, jitter, loss and bandwidth, with defaults and per-link rules. For a pair
 * of nodes every matching rule is applied in order, field by field: the last rule
 * that sets a field wins, fields no rule sets come from the defaults. Links are
 * resolved lazily, once per pair that actually talks (the engine keeps each pair's
 * link), never by a scan of all rules per message.
 */
export class LatencyNetwork implements NetworkModel {
  private readonly defaults: Required<{ [K in keyof LinkRule]: NonNullable<LinkRule[K]> | null }>;
  private readonly rules: LinkRule[];
  private readonly ruleTo: Set<string>[];
  /** from node id -> indexes of the rules naming it, ascending (shared, never changed). */
  private readonly rulesFrom = new Map<string, readonly number[]>();
  /** Links with a bandwidth (a FIFO queue each), by from and to. */
  private readonly links = new Map<string, Map<string, LatencyLink>>();
  /** Links without one, by their parameters. */
  private readonly stateless = new Map<string, LatencyLink>();

  constructor(config: LatencyNetworkConfig) {
    checkParams("network", config.default_latency_ms, config.jitter_ms, config.loss, config.bandwidth_kbps);
    this.defaults = {
      latency_ms: config.default_latency_ms,
      jitter_ms: config.jitter_ms,
      loss: config.loss,
      bandwidth_kbps: config.bandwidth_kbps,
    };
    this.rules = [];
    this.ruleTo = [];
    config.links.forEach((link, i) => {
      checkParams(`network.links[${i}]`, link.latency_ms, link.jitter_ms, link.loss, link.bandwidth_kbps);
      this.rules.push(link);
      this.ruleTo.push(new Set(link.to_nodes));
      // Senders with the same rules share one list (a million sensors named by one rule:
      // one list, not a million): `list + [i]` is made once per distinct list.
      const withRule = new Map<readonly number[] | undefined, readonly number[]>();
      for (const from of link.from_nodes) {
        const list = this.rulesFrom.get(from);
        if (list !== undefined && list[list.length - 1] === i) continue;
        let next = withRule.get(list);
        if (next === undefined) {
          next = list === undefined ? [i] : [...list, i];
          withRule.set(list, next);
        }
        this.rulesFrom.set(from, next);
      }
    });
  }

  route(from: string, to: string, sizeBytes: number, nowUs: TimeUs, rng: Rng): Route {
    return this.link(from, to).route(sizeBytes, nowUs, rng);
  }

  link(from: string, to: string): LatencyLink {
    const cached = this.links.get(from)?.get(to);
    if (cached !== undefined) return cached;
    const p = this.merge(from, to);
    const latencyUs = Math.round(p.latency_ms! * 1000);
    const jitterUs = p.jitter_ms! * 1000;
    if (p.bandwidth_kbps === null) {
      // Without a bandwidth a link keeps no state: pairs with the same parameters share
      // one, and no pair is remembered (a million sensors' pairs were ~250 MB).
      const key = `${latencyUs}/${jitterUs}/${p.loss!}`;
      let shared = this.stateless.get(key);
      if (shared === undefined) {
        shared = new LatencyLink(latencyUs, jitterUs, p.loss!, null);
        this.stateless.set(key, shared);
      }
      return shared;
    }
    // Its queue is the pair's own.
    const link = new LatencyLink(latencyUs, jitterUs, p.loss!, p.bandwidth_kbps);
    let byTo = this.links.get(from);
    if (byTo === undefined) {
      byTo = new Map();
      this.links.set(from, byTo);
    }
    byTo.set(to, link);
    return link;
  }

  /** The effective parameters of a link (after rules and defaults), in the scenario's units. */
  params(from: string, to: string): { latency_ms: number; jitter_ms: number; loss: number; bandwidth_kbps: number | null } {
    const p = this.merge(from, to);
    return { latency_ms: p.latency_ms!, jitter_ms: p.jitter_ms!, loss: p.loss!, bandwidth_kbps: p.bandwidth_kbps };
  }

  private merge(from: string, to: string): LinkRule {
    const p: LinkRule = { ...this.defaults };
    for (const i of this.rulesFrom.get(from) ?? []) {
      if (!this.ruleTo[i]!.has(to)) continue;
      const rule = this.rules[i]!;
      if (rule.latency_ms !== null) p.latency_ms = rule.latency_ms;
      if (rule.jitter_ms !== null) p.jitter_ms = rule.jitter_ms;
      if (rule.loss !== null) p.loss = rule.loss;
      if (rule.bandwidth_kbps !== null) p.bandwidth_kbps = rule.bandwidth_kbps;
    }
    return p;
  }
}

function checkParams(where: string, latencyMs: number | null, jitterMs: number | null, loss: number | null, kbps: number | null): void {
  const bad = (what: string) => {
    throw new CoordinatorOptionsError(`${where}: ${what}`);
  };
  if (latencyMs !== null && !(Number.isFinite(latencyMs) && latencyMs >= 0)) bad(`latency_ms must be a finite number >= 0, got ${latencyMs}`);
  if (jitterMs !== null && !(Number.isFinite(jitterMs) && jitterMs >= 0)) bad(`jitter_ms must be a finite number >= 0, got ${jitterMs}`);
  if (loss !== null && !(loss >= 0 && loss <= 1)) bad(`loss must be a probability in [0, 1], got ${loss}`);
  if (kbps !== null && !(Number.isFinite(kbps) && kbps > 0)) bad(`bandwidth_kbps must be a finite number > 0 (or null for unlimited), got ${kbps}`);
}
