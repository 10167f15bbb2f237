import { expect } from "vitest";
import type { RunSummary } from "../summary.js";
import type { TimeSeries } from "../time-series.js";

/**
 * Recomputes a time series from the trace lines (the message ids tie each deliver
 * or drop to its send) and compares it with the engine's: every count per bin, and
 * each bin's mean and nearest-rank p95 of delivery − send. Also checks that the
 * bins add up to the summary's `links` and per-node `received`.
 */
export function expectTimeSeriesMatchesTrace(ts: TimeSeries, lines: string[], summary: RunSummary, groupOf: (id: string) => string): void {
  const { binUs, bins } = ts;
  const bin = (t: number) => Math.floor(t / binUs);
  type Expected = { sent: number[]; delivered: number[]; dropped: number[]; bytes: number[]; latencies: number[][]; reasons: Record<string, number[]> };
  const zeros = () => new Array<number>(bins).fill(0);
  const expected = new Map<string, Expected>();
  const received = new Map<string, number[]>();
  const pair = (from: string, to: string) => {
    const key = `${groupOf(from)}->${groupOf(to)}`;
    let e = expected.get(key);
    if (e === undefined) {
      e = { sent: zeros(), delivered: zeros(), dropped: zeros(), bytes: zeros(), latencies: Array.from({ length: bins }, () => []), reasons: {} };
      expected.set(key, e);
    }
    return e;
  };
  const known = new Set(Object.keys(summary.nodes));
  for (const line of lines) {
    const e = JSON.parse(line) as { t: number; ev: string; from: string; to: string; size: number; sent: number; reason: string };
    if ((e.ev !== "send" && e.ev !== "deliver" && e.ev !== "drop") || !known.has(e.to)) continue;
    const p = pair(e.from, e.to);
    if (e.ev === "send") {
      p.sent[bin(e.t)]! += 1;
      p.bytes[bin(e.t)]! += e.size;
    } else if (e.ev === "drop") {
      p.dropped[bin(e.t)]! += 1;
      (p.reasons[e.reason] ??= zeros())[bin(e.t)]! += 1;
    } else {
      p.delivered[bin(e.t)]! += 1;
      p.latencies[bin(e.t)]!.push(e.t - e.sent);
      const g = groupOf(e.to);
      if (!received.has(g)) received.set(g, zeros());
      received.get(g)![bin(e.t)]! += 1;
    }
  }
  expect(Object.keys(ts.links).sort()).toEqual([...expected.keys()].sort());
  expect(Object.keys(ts.links)).toEqual(Object.keys(summary.links));
  for (const [key, e] of expected) {
    const got = ts.links[key]!;
    expect([...got.sent], `${key} sent`).toEqual(e.sent);
    expect([...got.delivered], `${key} delivered`).toEqual(e.delivered);
    expect([...got.dropped], `${key} dropped`).toEqual(e.dropped);
    expect([...got.bytes], `${key} bytes`).toEqual(e.bytes);
    expect(Object.fromEntries(Object.entries(got.dropped_by_reason).map(([r, a]) => [r, [...a]]))).toEqual(e.reasons);
    const mean = e.latencies.map((l) => (l.length === 0 ? NaN : l.reduce((a, b) => a + b, 0) / l.length / 1000));
    const p95 = e.latencies.map((l) => (l.length === 0 ? NaN : [...l].sort((a, b) => a - b)[Math.ceil(0.95 * l.length) - 1]! / 1000));
    expect([...got.latency_mean_ms].map((v, i) => (Number.isNaN(v) ? v : v - mean[i]!)).map((d) => (Number.isNaN(d) ? "none" : Math.abs(d) < 1e-9))).toEqual(mean.map((m) => (Number.isNaN(m) ? "none" : true)));
    expect([...got.latency_p95_ms], `${key} p95`).toEqual(p95);
    const sum = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);
    const link = summary.links[key]!;
    expect([sum(got.sent), sum(got.delivered), sum(got.dropped), sum(got.bytes)]).toEqual([link.messages, link.delivered, link.dropped, link.bytes]);
  }
  for (const [group, bins] of Object.entries(ts.groups)) {
    expect([...bins.received], `${group} received`).toEqual(received.get(group) ?? zeros());
    const total = Object.entries(summary.nodes).filter(([id]) => groupOf(id) === group).reduce((s, [, n]) => s + n.received, 0);
    expect(Array.from(bins.received).reduce((x, y) => x + y, 0)).toBe(total);
  }
}
