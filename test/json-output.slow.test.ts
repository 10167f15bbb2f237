/**
 * Every `--json` document of the CLI: one JSON object with `schema_version: 1`
 * and snake_case keys at every depth (docs/harness.md#json-output). Keys that are
 * data (node ids, metric and link names, parameter key paths) are not checked: the
 * maps they key are listed per document below, by path.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { repoRoot, runSimInProcess, scenariosDir, tempDir } from "./helpers/sim-cli.js";

const SNAKE = /^[a-z0-9_]+$/;

/** Paths (`.`-joined; `*` a data key, `[]` an array item) of maps keyed by data. */
const DATA_KEYED = {
  run: ["latency_ms", "nodes", "nodes.*.counters", "links", "messages.dropped_by_reason", "docker", "docker.*.addresses"],
  plan: ["nodes"],
  validate: [],
  clean: [],
  sweep: ["plan.first_members.[].parameters"],
  report: [],
} as const;

/** Every key of a fixed-schema object that is not snake_case, as `path.key`. */
function badKeys(value: unknown, dataKeyed: readonly string[], path: string[] = []): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => badKeys(item, dataKeyed, [...path, "[]"]));
  if (value === null || typeof value !== "object") return [];
  const isData = dataKeyed.includes(path.join("."));
  return Object.entries(value).flatMap(([key, child]) => [
    ...(isData || SNAKE.test(key) ? [] : [[...path, key].join(".")]),
    ...badKeys(child, dataKeyed, [...path, isData ? "*" : key]),
  ]);
}

/** Parses stdout as one JSON object and checks its version and keys; returns it. */
function document(stdout: string, kind: keyof typeof DATA_KEYED): Record<string, unknown> {
  const parsed = JSON.parse(stdout) as unknown;
  expect(parsed, stdout).toBeTypeOf("object");
  expect(Array.isArray(parsed)).toBe(false);
  const doc = parsed as Record<string, unknown>;
  expect(Object.keys(doc)[0]).toBe("schema_version");
  expect(doc.schema_version).toBe(1);
  expect(badKeys(doc, DATA_KEYED[kind])).toEqual([]);
  return doc;
}

describe("the key check itself", () => {
  test("finds camelCase keys at any depth, and skips only the listed data maps", () => {
    expect(badKeys({ a: { dryRun: 1, list: [{ runId: 2 }] } }, [])).toEqual(["a.dryRun", "a.list.[].runId"]);
    expect(badKeys({ nodes: { gwA: { type: "x", counters: { fooBar: 1 } } } }, ["nodes", "nodes.*.counters"])).toEqual([]);
    expect(badKeys({ nodes: { gwA: { sentCount: 1 } } }, ["nodes"])).toEqual(["nodes.*.sentCount"]);
  });
});

describe("every --json document: schema_version 1, snake_case keys", () => {
  const state = tempDir("state");
  const quickstart = join(scenariosDir, "quickstart.yaml");

  test("sim run --json (a success, a failed node, an invalid scenario), and sim run --dry-run --json", { timeout: 120_000 }, async () => {
    const out = tempDir("json-run");
    const ok = await runSimInProcess(["run", quickstart, "--out", join(out, "ok"), "--json"], { stateDir: state });
    expect(ok.code).toBe(0);
    const summary = document(ok.stdout, "run");
    expect(summary).toMatchObject({ success: true, cleanup: { processes_left: 0 } });
    // summary.json is the same document.
    expect(JSON.parse(readFileSync(join(out, "ok", "summary.json"), "utf8"))).toEqual(summary);

    const failing = join(out, "failing.yaml");
    const misbehave = join(repoRoot, "packages/launcher-process/src/__fixtures__/misbehave.mjs");
    writeFileSync(failing, `duration_sec: 2\nnodes:\n  s: {type: sensor, period_ms: 100, target: bad}\n  bad: {type: process, command: [node, ${JSON.stringify(misbehave)}, exit]}\n`);
    const failed = await runSimInProcess(["run", failing, "--out", join(out, "failed"), "--json"], { stateDir: state });
    expect(failed.code).toBe(1);
    expect(document(failed.stdout, "run")).toMatchObject({ success: false, error: { node: "bad" } });

    const invalid = join(out, "invalid.yaml");
    writeFileSync(invalid, "duration_sec: -1\nnodes:\n  s:\n    type: sensor\n");
    const rejected = await runSimInProcess(["run", invalid, "--json"], { stateDir: state });
    expect(rejected.code).toBe(2);
    expect(document(rejected.stdout, "run")).toMatchObject({ success: false, error: { code: "SIM_SCENARIO_INVALID" }, problems: expect.arrayContaining([expect.objectContaining({ line: 1, column: 15 })]) });

    const dry = await runSimInProcess(["run", quickstart, "--dry-run", "--json"], { stateDir: state });
    expect(dry.code).toBe(0);
    expect(document(dry.stdout, "plan")).toMatchObject({ time_quantum_us: 10_000, nodes: { sensor: 24 } });
  });

  test("sim validate --json: valid and invalid files in one document", async () => {
    const bad = join(tempDir("json-validate"), "typo.yaml");
    writeFileSync(bad, "duraton_sec: 1\nnodes:\n  s:\n    type: sensor\n");
    const result = await runSimInProcess(["validate", quickstart, bad, "--json"], { stateDir: state });
    expect(result.code).toBe(2);
    const doc = document(result.stdout, "validate");
    expect(doc).toMatchObject({ valid: false, files: [{ file: quickstart, valid: true }, { file: bad, valid: false, problems: expect.arrayContaining([expect.objectContaining({ line: 1, column: 1, code: "unknown-key" })]) }] });
  });

  test("sim clean --json, with a run whose harness is gone", async () => {
    const own = tempDir("state");
    const dead = spawnSync("true").pid!; // a pid that no longer runs
    const runId = `json-test-${process.pid}`;
    mkdirSync(join(own, "sim", "runs"), { recursive: true });
    const record = { version: 1, runId, harness: { pid: dead, startTime: null }, createdAt: new Date().toISOString(), localDockerHost: null, processes: [{ node: "n", pid: dead, pgid: dead, startTime: null }], containers: [], networks: [] };
    writeFileSync(join(own, "sim", "runs", `${runId}.json`), JSON.stringify(record));
    const result = await runSimInProcess(["clean", "--dry-run", "--json"], { stateDir: own });
    const doc = document(result.stdout, "clean");
    expect(doc).toMatchObject({ dry_run: true, active_runs: [], stale_runs: [{ run_id: runId, harness_pid: dead, file_removed: false, processes: [{ node: "n", pid: dead }] }] });
  });

  test("sim sweep --json (with a verification and a failed member), sim sweep --dry-run --json, sim report --json", { timeout: 180_000 }, async () => {
    const small = join(repoRoot, "test/fixtures/sweep/small.yaml");
    const store = tempDir("json-sweep");
    const args = ["--param", "network.links[1].latency_ms=20,80", "--replicates", "1", "--jobs", "2"];
    const dry = await runSimInProcess(["sweep", small, ...args, "--out", store, "--dry-run", "--json"], { stateDir: state });
    expect(dry.code).toBe(0);
    expect(document(dry.stdout, "sweep")).toMatchObject({ plan: { points: 2, first_members: [{ parameters: { "network.links[1].latency_ms": 20 } }, {}] } });

    const ran = await runSimInProcess(["sweep", small, ...args, "--out", store, "--verify", "1", "--json"], { stateDir: state });
    expect(ran.code, ran.stderr).toBe(0);
    expect(document(ran.stdout, "sweep")).toMatchObject({ success: true, out_dir: store, ran: 2, verified: [{ ok: true }] });

    const failing = join(tempDir("json-sweep-fail"), "failing.yaml");
    const misbehave = join(repoRoot, "packages/launcher-process/src/__fixtures__/misbehave.mjs");
    writeFileSync(failing, `duration_sec: 2\nnodes:\n  s: {type: sensor, period_ms: 100, target: bad}\n  bad: {type: process, command: [node, ${JSON.stringify(misbehave)}, exit]}\n`);
    const failed = await runSimInProcess(["sweep", failing, "--replicates", "1", "--out", tempDir("json-sweep-failed"), "--json"], { stateDir: state });
    expect(failed.code).toBe(1);
    expect(document(failed.stdout, "sweep")).toMatchObject({ success: false, failed: [{ status: "failed" }] });

    const report = await runSimInProcess(["report", store, "--json"], { stateDir: state });
    expect(report.code, report.stderr).toBe(0);
    expect(document(report.stdout, "report")).toMatchObject({ report: join(store, "report.html") });
  });
});
