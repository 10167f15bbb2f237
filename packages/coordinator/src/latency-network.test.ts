import type { ResolvedLink } from "@sim/config";
import { describe, expect, it } from "vitest";
import { CoordinatorOptionsError } from "./errors.js";
import { LatencyNetwork, type LatencyNetworkConfig } from "./latency-network.js";
import { createRng } from "./rng.js";
import type { Route } from "./types.js";

const rule = (from_nodes: string[], to_nodes: string[], fields: Partial<ResolvedLink>): ResolvedLink => ({
  from: from_nodes.join(","),
  to: to_nodes.join(","),
  from_nodes,
  to_nodes,
  latency_ms: null,
  jitter_ms: null,
  loss: null,
  bandwidth_kbps: null,
  ...fields,
});

const net = (over: Partial<LatencyNetworkConfig> = {}) =>
  new LatencyNetwork({ default_latency_ms: 10, jitter_ms: 0, loss: 0, bandwidth_kbps: null, links: [], ...over });

const at = (r: Route) => {
  if (!("deliverAtUs" in r)) throw new Error(`dropped: ${r.drop}`);
  return r.deliverAtUs;
};

describe("LatencyNetwork", () => {
  it("delivers after the default latency, in integer µs", () => {
    const n = net({ default_latency_ms: 10.0004 });
    expect(at(n.route("a", "b", 10, 1000, createRng("x")))).toBe(1000 + 10_000);
  });

  it("applies matching rules field by field, the last rule that sets a field winning", () => {
    const n = net({
      links: [
        rule(["s1", "s2"], ["g1"], { latency_ms: 5, jitter_ms: 2 }),
        rule(["s1"], ["g1"], { loss: 0.5 }),
        rule(["s1"], ["g1", "g2"], { latency_ms: 7 }),
      ],
    });
    expect(n.params("s1", "g1")).toEqual({ latency_ms: 7, jitter_ms: 2, loss: 0.5, bandwidth_kbps: null });
    expect(n.params("s2", "g1")).toEqual({ latency_ms: 5, jitter_ms: 2, loss: 0, bandwidth_kbps: null });
    expect(n.params("s1", "g2")).toEqual({ latency_ms: 7, jitter_ms: 0, loss: 0, bandwidth_kbps: null });
    // No rule: defaults. Rules are directed.
    expect(n.params("g1", "s1")).toEqual({ latency_ms: 10, jitter_ms: 0, loss: 0, bandwidth_kbps: null });
  });

  it("resolves a 10k x 50 group rule without expanding it (lookups stay fast)", () => {
    const sensors = Array.from({ length: 10_000 }, (_, i) => `sensor_${i}`);
    const gateways = Array.from({ length: 50 }, (_, i) => `gateway_${i}`);
    const n = net({ links: [rule(sensors, gateways, { latency_ms: 5 })] });
    expect(n.params("sensor_9999", "gateway_49").latency_ms).toBe(5);
    expect(n.params("gateway_1", "sensor_1").latency_ms).toBe(10);
  });

  it("adds jitter uniform in [0, jitter): mean and bounds on a long run", () => {
    const n = net({ default_latency_ms: 5, jitter_ms: 2 });
    const rng = createRng("test/jitter");
    const delays: number[] = [];
    for (let i = 0; i < 50_000; i++) delays.push(at(n.route("a", "b", 0, 0, rng)));
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(Math.min(...delays)).toBe(5000);
    expect(Math.max(...delays)).toBeLessThan(7000);
    expect(Math.max(...delays)).toBeGreaterThan(6990);
    // floor(u * 2000) has mean 999.5 and sd ~577: 5 standard errors is ~13 µs.
    expect(Math.abs(mean - 5999.5)).toBeLessThan(13);
    expect(delays.every(Number.isInteger)).toBe(true);
  });

  it("drops with probability `loss` (reason loss)", () => {
    const n = net({ loss: 0.1 });
    const rng = createRng("test/loss");
    let lost = 0;
    const total = 100_000;
    for (let i = 0; i < total; i++) {
      const r = n.route("a", "b", 10, i, rng);
      if ("drop" in r) {
        expect(r.drop).toBe("loss");
        lost++;
      }
    }
    // Binomial sd = sqrt(n p (1-p)) ~ 95: 5 sd.
    expect(Math.abs(lost - 10_000)).toBeLessThan(475);
  });

  it("serialises at size*8/kbps, FIFO per link, rounding up", () => {
    // 250 kbps: 100 bytes take 3200 µs; 1 byte 32 µs; 3 bytes 96 µs.
    const n = net({ default_latency_ms: 1, bandwidth_kbps: 250 });
    const rng = createRng("x");
    expect(at(n.route("a", "b", 100, 0, rng))).toBe(3200 + 1000);
    // Sent at once behind the first: starts when it has left.
    expect(at(n.route("a", "b", 100, 0, rng))).toBe(6400 + 1000);
    // Another link is independent.
    expect(at(n.route("a", "c", 100, 0, rng))).toBe(3200 + 1000);
    // After the link went idle, no queueing.
    expect(at(n.route("a", "b", 1, 10_000, rng))).toBe(10_032 + 1000);
    const odd = net({ default_latency_ms: 0, bandwidth_kbps: 3 });
    // 1 byte at 3 kbps = 2666.67 µs -> 2667.
    expect(at(odd.route("a", "b", 1, 0, rng))).toBe(2667);
  });

  it("pairs without a bandwidth share one link per set of parameters; a pair with a bandwidth has its own queue", () => {
    const n = net({ links: [rule(["s1", "s2"], ["g1"], { latency_ms: 5 }), rule(["s3"], ["g1"], { bandwidth_kbps: 8 })] });
    // Stateless: equal parameters, one object; other parameters, another.
    expect(n.link("s1", "g1")).toBe(n.link("s2", "g1"));
    expect(n.link("s1", "g2")).not.toBe(n.link("s1", "g1"));
    expect(n.link("s1", "g2")).toBe(n.link("x", "y"));
    // With a bandwidth: the same pair gets its queue back, another pair its own.
    const queued = n.link("s3", "g1");
    expect(n.link("s3", "g1")).toBe(queued);
    const rng = createRng("x");
    // 8 kbps: 10 bytes take 10,000 µs; the second message waits for the first.
    expect(at(n.route("s3", "g1", 10, 0, rng))).toBe(10_000 + 10_000);
    expect(at(queued.route(10, 0, rng))).toBe(20_000 + 10_000);
  });

  it("a saturated link's queue grows at the rate the configuration implies", () => {
    // 64 kbps, 80-byte messages every 5 ms: service 10 ms, so each waits 5 ms more than the previous.
    const n = net({ default_latency_ms: 0, bandwidth_kbps: 64 });
    const rng = createRng("x");
    const arrivals = Array.from({ length: 1000 }, (_, i) => at(n.route("a", "b", 80, i * 5000, rng)));
    const waits = arrivals.map((a, i) => a - i * 5000 - 10_000);
    expect(waits[0]).toBe(0);
    expect(waits[999]).toBe(999 * 5000);
  });

  it("a lost message still occupies the link", () => {
    const n = net({ default_latency_ms: 0, bandwidth_kbps: 8, loss: 1 });
    const rng = createRng("x");
    expect(n.route("a", "b", 1, 0, rng)).toEqual({ drop: "loss" });
    const ok = new LatencyNetwork({ default_latency_ms: 0, jitter_ms: 0, loss: 0, bandwidth_kbps: 8, links: [] });
    ok.route("a", "b", 1, 0, rng);
    expect(at(ok.route("a", "b", 1, 0, rng))).toBe(2000);
  });

  it("rejects impossible parameters with a message that names them", () => {
    expect(() => net({ loss: 1.5 })).toThrow(CoordinatorOptionsError);
    expect(() => net({ default_latency_ms: -1 })).toThrow(/latency_ms/);
    expect(() => net({ links: [rule(["a"], ["b"], { bandwidth_kbps: 0 })] })).toThrow(/network\.links\[0\]: bandwidth_kbps/);
  });
});
