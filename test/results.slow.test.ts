/** The result files of a run (docs/results.md) from real runs: metrics.csv, latency.csv, timeseries.csv, message ids, ML figures. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runScenario, type RunResult, type RunSummaryJson } from "@sim/harness";
import { describe, expect, test } from "vitest";
import { runSimInProcess, scenariosDir, tempDir } from "./helpers/sim-cli.js";

/** Rows of a CSV file without quoted fields (none of these tables needs quoting here), as objects. */
function readCsv(file: string): { header: string[]; rows: Record<string, string>[] } {
  const [head, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
  const header = head!.split(",");
  return { header, rows: lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [header[i]!, v]))) };
}

async function run(name: string, options: Parameters<typeof runScenario>[1] = {}): Promise<RunResult & { summary: RunSummaryJson; outDir: string }> {
  const result = await runScenario(join(scenariosDir, name), { outDir: tempDir(`results-${name}`), stateDir: tempDir("state"), ...options });
  expect(result.success, result.summary?.error?.message).toBe(true);
  return result as RunResult & { summary: RunSummaryJson; outDir: string };
}

const traceLines = (dir: string) => readFileSync(join(dir, "trace.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
const total = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe("metrics.csv", () => {
  test("has the same columns whatever a run happened to count: two scenarios, two seeds", { timeout: 120_000 }, async () => {
    const quick = await run("quickstart.yaml");
    const quick7 = await run("quickstart.yaml", { seed: 7 });
    const ml = await run("ml-edge.yaml");
    const tables = [quick, quick7, ml].map((r) => readCsv(join(r.outDir, "metrics.csv")));
    expect(tables[1]!.header).toEqual(tables[0]!.header);
    expect(tables[2]!.header).toEqual(tables[0]!.header);
    expect(tables[0]!.header.slice(0, 8)).toEqual(["run_id", "seed", "node", "type", "group", "sent", "received", "dropped"]);
    // The model's counters are columns in the run without a model too, all zero there.
    for (const counter of ["decisions", "true_positives", "inferences", "anomalies_injected"]) expect(tables[0]!.header).toContain(counter);
    expect(tables[0]!.rows.every((r) => r["decisions"] === "0")).toBe(true);
    expect(total(tables[2]!.rows.map((r) => Number(r["decisions"])))).toBe(ml.summary.ml!.decisions);
    // One row per node, carrying the run id and the seed; the counts are the summary's.
    expect(tables[1]!.rows.map((r) => r["node"])).toEqual(Object.keys(quick7.summary.nodes));
    for (const r of tables[1]!.rows) {
      expect([r["run_id"], r["seed"]]).toEqual([quick7.summary.run_id, "7"]);
      const node = quick7.summary.nodes[r["node"]!]!;
      expect([Number(r["sent"]), Number(r["received"]), Number(r["dropped"])]).toEqual([node.sent, node.received, node.dropped]);
      for (const [counter, value] of Object.entries(node.counters)) expect(Number(r[counter])).toBe(value);
    }
  });
});

describe("message ids in the trace", () => {
  test("every deliver and drop line repeats the id of exactly one earlier send line", { timeout: 60_000 }, async () => {
    const { outDir, summary } = await run("latency.yaml");
    const sends = new Map<number, Record<string, unknown>>();
    const settled = new Set<number>();
    let drops = 0;
    for (const e of traceLines(outDir)) {
      if (e.ev === "send") {
        expect(sends.has(e.msg as number)).toBe(false);
        sends.set(e.msg as number, e);
      } else if (e.ev === "deliver" || e.ev === "drop") {
        const send = sends.get(e.msg as number);
        expect(send).toBeDefined();
        expect([e.from, e.to, e.size]).toEqual([send!.from, send!.to, send!.size]);
        expect(settled.has(e.msg as number)).toBe(false);
        settled.add(e.msg as number);
        if (e.ev === "drop") drops++;
      }
    }
    expect(sends.size).toBe(summary.messages.sent);
    expect(settled.size).toBe(summary.messages.delivered + summary.messages.dropped);
    expect(drops).toBeGreaterThan(0);
  });
});

describe("latency.csv", () => {
  test("one row per latency sample; latency_ms is received - sent; the rows give the summary's percentiles", { timeout: 60_000 }, async () => {
    const { outDir, summary } = await run("ml-cloud.yaml");
    const { header, rows } = readCsv(join(outDir, "latency.csv"));
    expect(header).toEqual(["series", "node", "sent_us", "received_us", "latency_ms"]);
    expect(rows.length).toBe(total(Object.values(summary.latency_ms).map((f) => f.count)));
    expect(summary.files).toContain("latency.csv");
    for (const r of rows) {
      expect(Number(r["latency_ms"])).toBe((Number(r["received_us"]) - Number(r["sent_us"])) / 1000);
      expect(r["node"]).toBe("cloud");
    }
    for (const [series, figures] of Object.entries(summary.latency_ms)) {
      const values = rows.filter((r) => r["series"] === series).map((r) => Number(r["latency_ms"])).sort((a, b) => a - b);
      expect(values.length).toBe(figures.count);
      expect(values[Math.ceil(0.95 * values.length) - 1]).toBe(figures.p95);
      expect(values[values.length - 1]).toBe(figures.max);
    }
  });

  test("samples: false leaves it out; sim run --samples writes it", { timeout: 60_000 }, async () => {
    const off = await run("quickstart.yaml", { samples: false });
    expect(existsSync(join(off.outDir, "latency.csv"))).toBe(false);
    expect(off.summary.files).not.toContain("latency.csv");
    const out = join(tempDir("results-cli"), "out");
    const cli = await runSimInProcess(["run", join(scenariosDir, "quickstart.yaml"), "--out", out, "--samples"], { stateDir: tempDir("state") });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/outputs {3}.*latency\.csv, timeseries\.csv\)/);
    expect(readCsv(join(out, "latency.csv")).rows.length).toBe(off.summary.latency_ms["cloud"]!.count);
  });
});

describe("timeseries.csv", () => {
  test("200 bins by default; every bin has every row; the bins add up to the summary", { timeout: 60_000 }, async () => {
    const { outDir, summary } = await run("latency.yaml");
    const { header, rows } = readCsv(join(outDir, "timeseries.csv"));
    expect(header).toEqual(["bin", "start_ms", "end_ms", "scope", "group", "metric", "value"]);
    expect(summary.time_series).toEqual({ bin_ms: (summary.duration_sec * 1000) / 200, bins: 200 });
    const value = (scope: string, group: string, metric: string) => rows.filter((r) => r["scope"] === scope && r["group"] === group && r["metric"] === metric).map((r) => r["value"]!);
    const sum = (scope: string, group: string, metric: string) => total(value(scope, group, metric).map(Number));
    const linkMetrics = ["sent", "delivered", "dropped", "dropped_loss", "bytes", "latency_mean_ms", "latency_p95_ms"];
    const nodeGroups = [...new Set(rows.filter((r) => r["scope"] === "node").map((r) => r["group"]!))];
    expect(rows.length).toBe(200 * (Object.keys(summary.links).length * linkMetrics.length + nodeGroups.length * 3));
    for (const [key, link] of Object.entries(summary.links)) {
      for (const metric of linkMetrics) expect(value("link", key, metric), `${key} ${metric}`).toHaveLength(200);
      expect([sum("link", key, "sent"), sum("link", key, "delivered"), sum("link", key, "dropped"), sum("link", key, "bytes")]).toEqual([link.messages, link.delivered, link.dropped, link.bytes]);
      expect(sum("link", key, "dropped_loss")).toBe(link.dropped);
      // A bin with deliveries has a latency; one without has an empty cell.
      const delivered = value("link", key, "delivered");
      value("link", key, "latency_p95_ms").forEach((v, b) => expect(v === "", `${key} bin ${b}`).toBe(delivered[b] === "0"));
    }
    expect(total(Object.keys(summary.links).map((k) => sum("link", k, "sent")))).toBe(summary.messages.sent);
    // Per node group (metrics.csv names each node's group): what its nodes received.
    const metrics = readCsv(join(outDir, "metrics.csv")).rows;
    expect(nodeGroups.sort()).toEqual([...new Set(metrics.map((r) => r["group"]!))].sort());
    for (const group of nodeGroups) expect(sum("node", group, "received"), group).toBe(total(metrics.filter((r) => r["group"] === group).map((r) => Number(r["received"]))));
    // Bins tile the run: 0..199, the last one ends at the duration.
    expect(rows[0]!["start_ms"]).toBe("0");
    expect(rows.at(-1)!["bin"]).toBe("199");
    expect(rows.at(-1)!["end_ms"]).toBe(String(summary.duration_sec * 1000));
  });

  test("inferences and anomalies flagged per node group and bin add up to the model's counters; --bin-ms sets the width", { timeout: 60_000 }, async () => {
    const { outDir, summary } = await run("ml-edge.yaml", { binMs: 1500 });
    expect(summary.time_series).toEqual({ bin_ms: 1500, bins: 40 });
    const { rows } = readCsv(join(outDir, "timeseries.csv"));
    const sum = (group: string, metric: string) => total(rows.filter((r) => r["scope"] === "node" && r["group"] === group && r["metric"] === metric).map((r) => Number(r["value"])));
    const counters = (counter: string) => total(Object.values(summary.nodes).map((n) => n.counters[counter] ?? 0));
    expect(sum("gateway", "inferences")).toBe(counters("inferences"));
    expect(sum("gateway", "anomalies_flagged")).toBe(counters("true_positives") + counters("false_positives"));
    expect(sum("gateway", "anomalies_flagged")).toBeGreaterThan(0);
    expect(sum("cloud", "inferences")).toBe(0);
  });

  test("sim run --bin-ms that gives too many bins is invalid input (exit 2), nothing started", { timeout: 60_000 }, async () => {
    const cli = await runSimInProcess(["run", join(scenariosDir, "quickstart.yaml"), "--out", join(tempDir("results-bins"), "out"), "--bin-ms", "0.01"], { stateDir: tempDir("state") });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/--bin-ms .* at most 100,000 bins/);
  });
});

describe("ML figures", () => {
  test("confusion counts add up to the decisions and match the trace's decision lines; precision and recall follow", { timeout: 120_000 }, async () => {
    for (const name of ["ml-edge.yaml", "ml-cloud.yaml"]) {
      const { outDir, summary } = await run(name);
      const ml = summary.ml!;
      expect(ml.true_positives + ml.false_positives + ml.false_negatives + ml.true_negatives).toBe(ml.decisions);
      const decisions = traceLines(outDir).filter((e) => e.ev === "decision");
      const count = (flagged: boolean, anomaly: boolean) => decisions.filter((d) => d.flagged === flagged && d.anomaly === anomaly).length;
      expect([ml.decisions, ml.true_positives, ml.false_positives, ml.false_negatives, ml.true_negatives]).toEqual([decisions.length, count(true, true), count(true, false), count(false, true), count(false, false)]);
      expect(ml.precision).toBe(ml.true_positives / (ml.true_positives + ml.false_positives));
      expect(ml.recall).toBe(ml.true_positives / (ml.true_positives + ml.false_negatives));
      expect(ml.decision_latency_ms).toEqual(summary.latency_ms["decision"]);
      expect(ml.placement).toBe(name === "ml-edge.yaml" ? "edge" : "cloud");
    }
  });

  test("the human summary has an ml line; a batching gateway in front of the cloud model is warned about", { timeout: 60_000 }, async () => {
    const out = join(tempDir("results-ml-cli"), "out");
    const cli = await runSimInProcess(["run", join(scenariosDir, "ml-cloud.yaml"), "--out", out, "--set", "nodes.gateway.batch=4"], { stateDir: tempDir("state") });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^ {2}ml {8}cloud: [\d,]+ decisions; TP \d+, FP \d+, FN \d+, TN [\d,]+; precision [\d.n/a]+, recall [\d.n/a]+$/m);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as RunSummaryJson;
    expect(summary.warnings.map((w) => w.code)).toContain("batched-cloud-inference");
  });
});
