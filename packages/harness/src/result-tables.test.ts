import type { LatencySamples, NodeSummary, TimeSeries } from "@sim/coordinator";
import { BUILTIN_COUNTERS } from "@sim/nodes";
import { describe, expect, it } from "vitest";
import { mlDecisionFigures } from "./ml-summary.js";
import { binWidthUs, counterColumns, latencyCsvChunks, metricsCsv, timeSeriesCsv } from "./result-tables.js";

const node = (type: string, counters: Record<string, number> = {}): NodeSummary => ({ type, sent: 1, received: 2, dropped: 0, counters });

describe("metrics.csv", () => {
  it("has a column for every declared built-in counter, plus external nodes' own, sorted; zero where not counted", () => {
    const nodes = { s: node("sensor"), "p,1": node("process", { zz_custom: 3, forwarded: 1 }) };
    const columns = counterColumns(nodes);
    expect(columns).toEqual([...new Set([...Object.values(BUILTIN_COUNTERS).flat(), "zz_custom"])].sort());
    const csv = metricsCsv(nodes, { runId: "r1", seed: 5, groupOf: (id) => (id === "s" ? "sensors" : id) }).trimEnd().split("\n");
    expect(csv[0]).toBe(`run_id,seed,node,type,group,sent,received,dropped,${columns.join(",")}`);
    expect(csv[1]).toBe(`r1,5,s,sensor,sensors,1,2,0,${columns.map(() => 0).join(",")}`);
    // An id with a comma is quoted.
    expect(csv[2]).toBe(`r1,5,"p,1",process,"p,1",1,2,0,${columns.map((c) => (c === "zz_custom" ? 3 : c === "forwarded" ? 1 : 0)).join(",")}`);
  });
});

describe("latency.csv", () => {
  it("writes sent = received - sample and the sample in ms, in recording order, across chunks", () => {
    const samples: LatencySamples = {
      count: 3,
      series: ["cloud", "decision"],
      nodes: ["a", "cloud"],
      seriesIndex: Int32Array.from([0, 1, 0]),
      nodeIndex: Int32Array.from([1, 1, 0]),
      atUs: Float64Array.from([47_955, 60_000, 1_000_001]),
      valueUs: Float64Array.from([47_955, 15_001, 1]),
    };
    expect([...latencyCsvChunks(samples, 2)]).toEqual(["cloud,cloud,0,47955,47.955\ndecision,cloud,44999,60000,15.001\n", "cloud,a,1000000,1000001,0.001\n"]);
  });
});

describe("timeseries.csv", () => {
  const f = (...v: number[]) => Float64Array.from(v);
  const ts: TimeSeries = {
    binUs: 400_000,
    bins: 3,
    links: {
      "s->g": {
        sent: f(2, 1, 0),
        delivered: f(2, 0, 1),
        dropped: f(0, 1, 0),
        dropped_by_reason: { congested: f(0, 1, 0) },
        bytes: f(64, 32, 0),
        latency_mean_ms: f(5.5, NaN, 6),
        latency_p95_ms: f(6, NaN, 6),
      },
    },
    groups: { g: { received: f(2, 0, 1), counters: { inferences: f(2, 0, 1), true_positives: f(1, 0, 0), false_positives: f(0, 0, 1) } } },
  };

  it("is long: a row per bin, scope, group and metric; fixed drop reasons plus the run's; empty latency without deliveries", () => {
    const lines = timeSeriesCsv(ts, 1_000_000).trimEnd().split("\n");
    expect(lines[0]).toBe("bin,start_ms,end_ms,scope,group,metric,value");
    expect(lines.length).toBe(1 + 3 * (8 + 3));
    expect(lines.slice(1, 12)).toEqual([
      "0,0,400,link,s->g,sent,2",
      "0,0,400,link,s->g,delivered,2",
      "0,0,400,link,s->g,dropped,0",
      "0,0,400,link,s->g,dropped_congested,0",
      "0,0,400,link,s->g,dropped_loss,0",
      "0,0,400,link,s->g,bytes,64",
      "0,0,400,link,s->g,latency_mean_ms,5.5",
      "0,0,400,link,s->g,latency_p95_ms,6",
      "0,0,400,node,g,received,2",
      "0,0,400,node,g,inferences,2",
      "0,0,400,node,g,anomalies_flagged,1",
    ]);
    expect(lines).toContain("1,400,800,link,s->g,latency_p95_ms,");
    expect(lines).toContain("1,400,800,link,s->g,dropped_congested,1");
    // The last bin ends at the duration, not at a whole bin.
    expect(lines).toContain("2,800,1000,node,g,anomalies_flagged,1");
  });

  it("bins the duration / 200 by default, rounded up to a whole µs", () => {
    expect(binWidthUs(60_000_000, undefined)).toBe(300_000);
    expect(binWidthUs(1_000_001, undefined)).toBe(5_001);
    expect(binWidthUs(60_000_000, 2.5)).toBe(2_500);
  });
});

describe("ML figures", () => {
  it("adds up the confusion counts of the nodes at the placement; precision and recall by hand", () => {
    const nodes = {
      g0: node("gateway", { decisions: 9, true_positives: 2, false_positives: 1, false_negatives: 1, true_negatives: 5 }),
      g1: node("gateway", { decisions: 7, true_positives: 1, false_negatives: 1, true_negatives: 5 }),
      // Not at the edge placement's node type: not counted.
      c: node("cloud", { decisions: 100, true_positives: 100 }),
    };
    const decision = { count: 16, mean: 15, p50: 15, p95: 16, p99: 16, max: 16 };
    const figures = mlDecisionFigures("edge", nodes, { decision });
    expect(figures).toEqual({
      decisions: 16,
      true_positives: 3,
      false_positives: 1,
      false_negatives: 2,
      true_negatives: 10,
      precision: 0.75,
      recall: 0.6,
      decision_latency_ms: decision,
    });
    expect(figures.true_positives + figures.false_positives + figures.false_negatives + figures.true_negatives).toBe(figures.decisions);
    expect(mlDecisionFigures("cloud", { c: node("cloud", { decisions: 3, true_negatives: 3 }) }, {})).toMatchObject({ precision: null, recall: null, decision_latency_ms: null });
  });
});
