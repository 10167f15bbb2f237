/**
 * `sim report` opened in a real browser: Debian's chromium, driven by playwright-core
 * (no browser download). Runs quickstart and ml-edge and a two-parameter sweep, writes
 * their reports with the CLI, and checks in the rendered page that nothing is
 * fetched, nothing is logged as an error, and every figure draws as many marks as
 * the data files say. Screenshots go to runs/test-output/report/ for a person to look at.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { runScenario, runSweep } from "@sim/harness";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { repoRoot, runSimInProcess, scenariosDir, tempDir } from "./helpers/sim-cli.js";
import { readCsv, type CsvRow } from "./helpers/tables.js";

const CHROMIUM = process.env.SIM_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const SCREENSHOTS = join(repoRoot, "runs", "test-output", "report");

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.SIM_REQUIRE_BROWSER !== "1") {
  console.warn(`\n${"!".repeat(78)}\n!! SKIPPING BROWSER TESTS: ${CHROMIUM} is missing (apt-get install chromium).\n!! Set SIM_REQUIRE_BROWSER=1 to make this a failure.\n${"!".repeat(78)}\n`);
}

test.runIf(!haveChromium && process.env.SIM_REQUIRE_BROWSER === "1")("chromium is installed (SIM_REQUIRE_BROWSER=1)", () => {
  expect.fail(`SIM_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: apt-get install -y chromium`);
});

interface Report {
  report: string;
  figures: string[];
}

interface Opened {
  page: Page;
  requests: string[];
  errors: string[];
}

/** `sim report <folder> --json`, checked for its shape. */
async function report(folder: string): Promise<Report> {
  const result = await runSimInProcess(["report", folder, "--json"], { stateDir: tempDir("state") });
  expect(result.code, result.stderr).toBe(0);
  const json = JSON.parse(result.stdout) as Report & { schema_version: number };
  expect(json.schema_version).toBe(1);
  expect(json.report).toBe(join(folder, "report.html"));
  for (const file of json.figures) {
    expect(file.startsWith(join(folder, "figures") + "/")).toBe(true);
    // Sized for one column of a paper: 3.3 in at 96 px per inch.
    expect(readFileSync(file, "utf8")).toMatch(/^<svg [^>]*width="317"/);
  }
  return json;
}

describe.runIf(haveChromium)("sim report in chromium", () => {
  let browser: Browser;
  const work = tempDir("report-browser");
  const runs = { quickstart: join(work, "quickstart"), ml: join(work, "ml-edge") };
  const sweepDir = join(work, "sweep");
  const reports: Record<string, Report> = {};

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const [name, dir] of [["quickstart.yaml", runs.quickstart], ["ml-edge.yaml", runs.ml]] as const) {
      const result = await runScenario(join(scenariosDir, name), { outDir: dir, stateDir: tempDir("state") });
      expect(result.success, result.summary?.error?.message).toBe(true);
    }
    // Two parameters crossed, so that each figure has one line per value of the other one.
    const sweep = await runSweep(
      {
        scenario: join(repoRoot, "test/fixtures/sweep/small.yaml"),
        parameters: { "network.links[1].latency_ms": [20, 80], "nodes.gw.batch": [1, 2, 4] },
        replicates: 2,
        seed: 5,
        metrics: ["messages.delivered", "latency_ms.cloud.p50"],
      },
      { outDir: sweepDir, jobs: 2, stateDir: tempDir("state") },
    );
    expect(sweep.success).toBe(true);
    reports["quickstart"] = await report(runs.quickstart);
    reports["ml-edge"] = await report(runs.ml);
    reports["sweep"] = await report(sweepDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(name: string): Promise<Opened> {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    const url = pathToFileURL(reports[name]!.report).href;
    await page.goto(url, { waitUntil: "load" });
    expect(errors).toEqual([]);
    // Only the page itself: no script, style, font or image is fetched, from the network or from disk.
    expect(requests).toEqual([url]);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    // And a small one, as docs/images/ holds.
    const small = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 0.5 });
    await small.goto(url, { waitUntil: "load" });
    await small.screenshot({ path: join(SCREENSHOTS, `${name}-small.png`), fullPage: true });
    await small.close();
    return { page, requests, errors };
  }

  /** Every figure of the JSON output is in the page, in order, as an SVG of a real size with drawn marks. */
  async function checkFigures(page: Page, name: string): Promise<void> {
    const expected = reports[name]!.figures.map((f) => basename(f, ".svg"));
    const figures = await page.$$eval("figure[data-figure]", (els) =>
      els.map((el) => {
        const svg = el.querySelector("svg");
        const box = svg?.getBoundingClientRect();
        return { name: el.getAttribute("data-figure"), width: box?.width ?? 0, height: box?.height ?? 0, marks: svg?.querySelectorAll(".role-mark path, .role-mark text").length ?? 0, caption: el.querySelector("figcaption")?.textContent ?? "" };
      }),
    );
    expect(figures.map((f) => f.name)).toEqual(expected);
    for (const f of figures) {
      expect(f.width, f.name!).toBeGreaterThan(300);
      expect(f.height, f.name!).toBeGreaterThan(100);
      expect(f.marks, f.name!).toBeGreaterThan(0);
      expect(f.caption.length, f.name!).toBeGreaterThan(40);
    }
  }

  /** Paths drawn by the named Vega-Lite layer of a figure (one per line, bar or band). */
  const marks = (page: Page, figure: string, layer: string) => page.locator(`figure[data-figure="${figure}"] svg .${layer}_marks path`).count();

  /** The link rule groups of timeseries.csv. */
  const links = (rows: CsvRow[]) => new Set(rows.filter((r) => r["scope"] === "link").map((r) => r["group"])).size;

  test("quickstart: one CDF and one tail line per latency series, throughput and drops per link, bars per drop reason and group", async () => {
    const { page } = await open("quickstart");
    await checkFigures(page, "quickstart");
    const dir = runs.quickstart;
    const series = new Set(readCsv(join(dir, "latency.csv")).map((r) => r["series"]));
    const timeSeries = readCsv(join(dir, "timeseries.csv"));
    const metrics = readCsv(join(dir, "metrics.csv"));
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as { digest: string; messages: { dropped: number } };

    expect(await marks(page, "latency-cdf", "cdf")).toBe(series.size);
    expect(await marks(page, "latency-tail", "tail")).toBe(series.size);
    expect(await marks(page, "throughput", "throughput")).toBe(links(timeSeries));
    expect(summary.messages.dropped).toBeGreaterThan(0);
    expect(await marks(page, "drops", "drops")).toBe(links(timeSeries));
    const reasons = new Map<string, number>();
    for (const r of timeSeries) if (r["scope"] === "link" && r["metric"]!.startsWith("dropped_")) reasons.set(`${r["group"]} ${r["metric"]}`, (reasons.get(`${r["group"]} ${r["metric"]}`) ?? 0) + Number(r["value"]));
    expect(await marks(page, "drop-reasons", "reasons")).toBe([...reasons.values()].filter((v) => v > 0).length);
    expect(await marks(page, "node-groups", "groups")).toBe(3 * new Set(metrics.map((r) => r["group"])).size);
    expect(await page.locator("figure[data-figure=ml-confusion]").count()).toBe(0);

    // Provenance and the run table, from summary.json.
    const text = await page.locator("body").innerText();
    expect(text).toContain(summary.digest);
    expect(text).toMatch(/wall seconds per virtual second/);
    // The page prints: a PDF of at least one page.
    const pdf = await page.pdf({ format: "A4" });
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    await page.close();
  });

  test("ml-edge: latency per series (cloud and decision), the confusion matrix with the summary's counts, inference rates", async () => {
    const { page } = await open("ml-edge");
    await checkFigures(page, "ml-edge");
    const dir = runs.ml;
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as { ml: { true_positives: number; false_positives: number; false_negatives: number; true_negatives: number } };
    const series = new Set(readCsv(join(dir, "latency.csv")).map((r) => r["series"]));
    expect([...series].sort()).toEqual(["cloud", "decision"]);
    expect(await marks(page, "latency-cdf", "cdf")).toBe(2);
    expect(await marks(page, "latency-tail", "tail")).toBe(2);
    expect(await marks(page, "ml-confusion", "confusion")).toBe(4);
    const cells = await page.locator("figure[data-figure=ml-confusion] svg .confusion_text_marks text").allTextContents();
    const { true_positives: tp, false_positives: fp, false_negatives: fn, true_negatives: tn } = summary.ml;
    expect(cells.sort()).toEqual([`FN ${fn}`, `FP ${fp}`, `TN ${tn}`, `TP ${tp}`].sort());
    const inferring = new Set(readCsv(join(dir, "timeseries.csv")).filter((r) => r["metric"] === "inferences" && Number(r["value"]) > 0).map((r) => r["group"]));
    expect(await marks(page, "ml-rate", "mlrate")).toBe(2 * inferring.size);
    // Nothing was dropped: those figures are left out and the page says why.
    expect(await page.locator("figure[data-figure=drops]").count()).toBe(0);
    expect(await page.locator("#notes").innerText()).toMatch(/No message was dropped/);
    await page.close();
  });

  test("sweep: each metric against each parameter, one line and one band per value of the other parameter, a vertex per point", async () => {
    const { page } = await open("sweep");
    await checkFigures(page, "sweep");
    const points = readCsv(join(sweepDir, "points.csv"));
    const parameters = ["network.links[1].latency_ms", "nodes.gw.batch"];
    const metrics = ["messages.delivered", "latency_ms.cloud.p50"];
    // Each metric against each parameter, then the cost per point.
    expect(reports["sweep"]!.figures).toHaveLength(metrics.length * parameters.length + 1);
    expect(basename(reports["sweep"]!.figures.at(-1)!, ".svg")).toBe("cost");
    const succeeded = readCsv(join(sweepDir, "results.csv")).filter((r) => r["status"] === "succeeded").length;
    expect(await marks(page, "cost", "members")).toBe(succeeded);
    expect(await marks(page, "cost", "mean")).toBe(points.length);
    for (const [i, metric] of metrics.entries()) {
      for (const [j, parameter] of parameters.entries()) {
        const other = parameters[1 - j]!;
        const figure = basename(reports["sweep"]!.figures[i * parameters.length + j]!, ".svg");
        expect(await page.locator(`figure[data-figure="${figure}"] figcaption`).innerText()).toContain(`${metric} against ${parameter}`);
        const lines = new Set(points.map((p) => p[other])).size;
        expect(await marks(page, figure, "mean"), figure).toBe(lines);
        expect(await marks(page, figure, "band"), figure).toBe(lines);
        expect(await marks(page, figure, "points"), figure).toBe(points.length);
        // Each line passes through every value of its parameter: M, then one L per further point.
        const xs = new Set(points.map((p) => p[parameter])).size;
        const paths = await page.locator(`figure[data-figure="${figure}"] svg .mean_marks path`).evaluateAll((els) => els.map((e) => e.getAttribute("d") ?? ""));
        for (const d of paths) expect((d.match(/L/g) ?? []).length, figure).toBe(xs - 1);
      }
    }
    // The points table has one row per row of points.csv; nothing failed.
    expect(await page.locator("#points-table tbody tr").count()).toBe(points.length);
    expect(await page.locator("#failed").innerText()).toMatch(/every member succeeded/);
    await page.close();
  });
});
