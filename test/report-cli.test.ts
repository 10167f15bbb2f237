import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { runSimInProcess, tempDir } from "./helpers/sim-cli.js";

test("sim report on a folder that is neither a run nor a sweep exits 2 saying what it expected", async () => {
  const dir = tempDir("report-empty");
  const result = await runSimInProcess(["report", dir], { stateDir: tempDir("state") });
  expect(result.code).toBe(2);
  expect(result.stderr).toBe(`sim: ${dir}: neither summary.json nor sweep.json is there; expected a run folder (with summary.json, as \`sim run\` writes) or a sweep folder (with sweep.json, results.csv and points.csv, as \`sim sweep\` writes)\n`);
  const json = await runSimInProcess(["report", join(dir, "nope"), "--json"], { stateDir: tempDir("state") });
  expect(json.code).toBe(2);
  expect(JSON.parse(json.stdout)).toMatchObject({ schema_version: 1, error: { code: "SIM_REPORT_INPUT" } });
});

test("sim report -o puts the page where asked and the figures in figures/ beside it; --json lists them", { timeout: 60_000 }, async () => {
  const dir = tempDir("report-run");
  const summary = {
    success: true,
    seed: 1,
    duration_sec: 2,
    wall_sec: 0.1,
    digest: "00",
    events: 4,
    messages: { sent: 2, delivered: 2, dropped: 0 },
    latency_ms: { cloud: { count: 2, mean: 5, p50: 5, p95: 6, p99: 6, max: 6 } },
    nodes: { s_0: { type: "sensor", sent: 2, received: 0, dropped: 0, counters: {} }, cloud: { type: "cloud", sent: 0, received: 2, dropped: 0, counters: {} } },
  };
  writeFileSync(join(dir, "summary.json"), JSON.stringify(summary));
  writeFileSync(join(dir, "latency.csv"), "series,node,sent_us,received_us,latency_ms\ncloud,cloud,0,5000,5\ncloud,cloud,1000000,1006000,6\n");
  const out = join(tempDir("report-out"), "paper");
  mkdirSync(out);
  const result = await runSimInProcess(["report", dir, "-o", join(out, "r.html"), "--json"], { stateDir: tempDir("state") });
  expect(result.code, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout)).toEqual({
    schema_version: 1,
    report: join(out, "r.html"),
    figures: ["latency-cdf", "latency-tail", "node-groups"].map((name) => join(out, "figures", `${name}.svg`)),
  });
});
