import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { cdfPoints, tailPoints } from "./distribution.js";
import { ReportInputError } from "./errors.js";
import { prefixSvgIds } from "./html.js";
import { writeReport } from "./write-report.js";

/** A new folder, removed when the test that asked for it ends. */
function temp(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sim-report-${name}-`));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A run's summary.json as `sim run` writes it, cut to what the report reads. */
function runSummary(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    success: true,
    seed: 3,
    duration_sec: 10,
    wall_sec: 0.5,
    digest: "ab".repeat(32),
    events: 100,
    messages: { sent: 50, delivered: 48, dropped: 2, dropped_by_reason: { loss: 2 }, late_deliveries: 0, in_flight: 0 },
    latency_ms: { cloud: { count: 2_000_000, mean: 50, p50: 49, p95: 60, p99: 70, max: 90 } },
    nodes: {
      s_0: { type: "sensor", sent: 25, received: 0, dropped: 1, counters: {} },
      s_1: { type: "sensor", sent: 25, received: 0, dropped: 1, counters: {} },
      cloud: { type: "cloud", sent: 0, received: 48, dropped: 0, counters: { messages: 48 } },
    },
    links: { "s->cloud": { messages: 50, delivered: 48, dropped: 2, bytes: 1600 } },
    error: null,
    run_id: "r1",
    scenario: "/nowhere/x.yaml",
    ml: null,
    versions: { sim: "0.1.0", sim_commit: "c0ffee", node: "v20" },
    warnings: [],
    ...overrides,
  };
}

describe("writeReport", () => {
  test("a folder that is neither a run nor a sweep: ReportInputError SIM_REPORT_INPUT saying what was expected", async () => {
    const dir = temp("empty");
    const error = await writeReport(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportInputError);
    expect((error as ReportInputError).code).toBe("SIM_REPORT_INPUT");
    expect((error as Error).message).toMatch(/neither summary\.json nor sweep\.json.*expected a run folder \(with summary\.json/);
    await expect(writeReport(join(dir, "missing"))).rejects.toThrow(/no such folder/);
    writeFileSync(join(dir, "sweep.json"), JSON.stringify({ sweep: { scenario: "s.yaml", parameters: [], zip: [], replicates: 1 }, base_seed: 1, metrics: [] }));
    await expect(writeReport(dir)).rejects.toThrow(/sweep\.json is there but results\.csv is not/);
  });

  test("a run without latency.csv (too many samples) draws its CDF through the summary's percentiles and says so", { timeout: 60_000 }, async () => {
    const dir = temp("run");
    writeFileSync(join(dir, "summary.json"), JSON.stringify(runSummary()));
    const result = await writeReport(dir, { output: join(dir, "out", "r.html") });
    expect(result.kind).toBe("run");
    expect(result.report).toBe(join(dir, "out", "r.html"));
    expect(result.figures.map((f) => f.slice(join(dir, "out", "figures").length + 1))).toEqual(["latency-cdf.svg", "latency-tail.svg", "drop-reasons.svg", "node-groups.svg"]);
    expect(result.notes.join("\n")).toMatch(/latency\.csv was not written/);
    expect(result.notes.join("\n")).toMatch(/timeseries\.csv is missing/);
    const html = readFileSync(result.report, "utf8");
    expect(html).toContain("through the summary's p50");
    // One file: no script, no external style, no fetch allowed.
    expect(html).not.toMatch(/<script|<link |src="http|href="http/);
    expect(html).toContain("default-src 'none'");
    // Groups from the node ids when metrics.csv is missing: s (2 sensors), cloud.
    expect(html).toMatch(/<td>s<\/td><td>sensor<\/td><td class="num">2<\/td>/);
  });

  test("a sweep: a figure per metric and varying parameter, zip partners not split into lines, failed members listed", { timeout: 60_000 }, async () => {
    const dir = temp("sweep");
    const sweep = {
      sweep: { source: null, scenario: "/x/s.yaml", parameters: [{ key: "a", values: [1, 2] }], zip: [[{ key: "b", values: [10, 20] }, { key: "c", values: ["x", "y"] }]], replicates: 2 },
      base_seed: 1,
      metrics: ["m"],
    };
    writeFileSync(join(dir, "sweep.json"), JSON.stringify(sweep));
    const points = ["a,b,c,point,n,failed,m.mean,m.sd,m.ci95_lo,m.ci95_hi"];
    const results = ["a,b,c,point,replicate,seed,status,digest,wall_sec,m,key,error"];
    let point = 0;
    for (const a of [1, 2])
      for (const [b, c] of [[10, "x"], [20, "y"]] as const) {
        const failed = a === 2 && b === 20 ? 1 : 0;
        points.push(`${a},${b},${c},${point},${2 - failed},${failed},${a * b},1,${a * b - 1},${a * b + 1}`);
        for (const r of [0, 1]) {
          const ok = !(failed && r === 1);
          results.push(`${a},${b},${c},${point},${r},${1 + r},${ok ? "succeeded" : "failed"},d,0.1,${ok ? a * b : ""},k${point}${r},${ok ? "" : '"node ""gw_0"" exited, code 1"'}`);
        }
        point++;
      }
    writeFileSync(join(dir, "points.csv"), points.join("\n") + "\n");
    writeFileSync(join(dir, "results.csv"), results.join("\n") + "\n");
    const result = await writeReport(dir);
    expect(result.figures.map((f) => f.split("/").pop())).toEqual(["m-vs-a.svg", "m-vs-b.svg", "m-vs-c.svg", "cost.svg"]);
    const svg = (name: string) => readFileSync(join(dir, "figures", name), "utf8");
    // Against a: one line per setting of the zip group (b, c); against b: one line per a, c not splitting it.
    expect(svg("m-vs-a.svg").match(/class="mark-line role-mark mean_marks"/g)).toHaveLength(2);
    expect(svg("m-vs-b.svg").match(/class="mark-line role-mark mean_marks"/g)).toHaveLength(2);
    // Cost: a dot per succeeded member (7 of 8), a mean tick per point (4).
    const cost = svg("cost.svg");
    const marksOf = (layer: string) => cost.slice(cost.indexOf(`${layer}_marks`)).split("</g>")[0]!.match(/<path/g);
    expect(marksOf("members")).toHaveLength(7);
    expect(marksOf("mean")).toHaveLength(4);
    const html = readFileSync(result.report, "utf8");
    expect(html).toMatch(/varies together with c/);
    const failed = html.slice(html.indexOf('id="failed"'));
    expect(failed).toContain("node &quot;gw_0&quot; exited, code 1");
    expect(failed).toContain("members/k31/member.log");
    expect(html).toContain("1 not succeeded");
  });
});

describe("distributions", () => {
  test("CDF and tail keep the extremes and at most 300 points", () => {
    const sorted = Float64Array.from({ length: 100_000 }, (_, i) => i + 1);
    const cdf = cdfPoints(sorted);
    expect(cdf.length).toBeLessThanOrEqual(300);
    expect(cdf[0]).toEqual({ latency_ms: 1, p: 1 / 100_000 });
    expect(cdf.at(-1)).toEqual({ latency_ms: 100_000, p: 1 });
    const tail = tailPoints(sorted);
    expect(tail.length).toBeLessThanOrEqual(300);
    expect(tail[0]).toEqual({ latency_ms: 1, tail: 1 });
    expect(tail.at(-1)).toEqual({ latency_ms: 100_000, tail: 1 / 100_000 });
    // Log-spaced: the slowest 0.1 % still has many points.
    expect(tail.filter((p) => p.tail <= 0.001).length).toBeGreaterThan(50);
    expect(tailPoints(Float64Array.from([5, 7]))).toEqual([
      { latency_ms: 5, tail: 1 },
      { latency_ms: 7, tail: 0.5 },
    ]);
  });

  test("ids inside inline SVGs are made unique per figure", () => {
    expect(prefixSvgIds('<clipPath id="clip1"/><g clip-path="url(#clip1)"/>', "f")).toBe('<clipPath id="f-clip1"/><g clip-path="url(#f-clip1)"/>');
  });
});
