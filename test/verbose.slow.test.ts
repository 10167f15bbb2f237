/**
 * `--verbose` shows sim's logs as plain lines (`[level] node "x": message key=value`,
 * stack traces indented below), never as the JSON records pino writes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { repoRoot, runSimInProcess, scenariosDir, spawnSim, tempDir } from "./helpers/sim-cli.js";

const LOG_LINE = /^\[(trace|debug|info|warning|error|fatal)\] /;

/** Every line of stderr is a log line or indented under one (a stack trace, a node's recent output). */
function expectReadable(stderr: string): string[] {
  const lines = stderr.split("\n").filter((line) => line !== "");
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((line) => line.startsWith("{"))).toEqual([]);
  expect(lines.filter((line) => !LOG_LINE.test(line) && !line.startsWith("    "))).toEqual([]);
  return lines;
}

describe("--verbose", () => {
  test("sim run of the quickstart: readable progress lines", async () => {
    const result = await runSimInProcess(["run", join(scenariosDir, "quickstart.yaml"), "--out", join(tempDir("verbose"), "out"), "--verbose"], { stateDir: tempDir("state") });
    expect(result.code).toBe(0);
    const lines = expectReadable(result.stderr);
    expect(lines).toContainEqual(expect.stringMatching(/^\[debug\] progress virtual_sec=30 events=\d+ realtime_factor=[\d.]+$/));
  });

  test("sim run with a failing process node, as a real process: the node's lines and its failure, no JSON", { timeout: 60_000 }, async () => {
    const dir = tempDir("verbose-fail");
    const scenario = join(dir, "failing.yaml");
    const misbehave = join(repoRoot, "packages/launcher-process/src/__fixtures__/misbehave.mjs");
    writeFileSync(scenario, `duration_sec: 2\nnodes:\n  s: {type: sensor, period_ms: 100, target: bad}\n  bad: {type: process, command: [node, ${JSON.stringify(misbehave)}, exit]}\n`);
    const sim = spawnSim(["run", scenario, "--out", join(dir, "out"), "--verbose"], { stateDir: tempDir("state") });
    expect((await sim.exited).code).toBe(1);
    const lines = expectReadable(sim.stderr());
    expect(lines).toContainEqual(expect.stringMatching(/^\[debug\] node "bad": started pid=\d+/));
    expect(lines).toContain('[info] node "bad": fatal: sensor calibration file missing stream=stderr');
    expect(lines).toContain('[error] node "bad": node failed');
    expect(lines).toContainEqual(expect.stringMatching(/^ {4}ProtocolError: node "bad" failed: exited with code 3/));
  });

  test("sim sweep without a terminal: a progress line whenever the counts change", { timeout: 120_000 }, async () => {
    const result = await runSimInProcess(["sweep", join(repoRoot, "test/fixtures/sweep/small.yaml"), "--replicates", "2", "--jobs", "2", "--out", tempDir("verbose-sweep"), "--verbose"], { stateDir: tempDir("state") });
    expect(result.code).toBe(0);
    const lines = expectReadable(result.stderr);
    expect(lines.at(-1)).toBe("[debug] progress done=2 total=2 succeeded=2 failed=0 running=0 eta_sec=0");
  });

  test("sim validate: a line per file checked", async () => {
    const result = await runSimInProcess(["validate", join(scenariosDir, "quickstart.yaml"), "--verbose"], { stateDir: tempDir("state") });
    expect(result.code).toBe(0);
    expect(expectReadable(result.stderr)).toEqual([`[debug] validated file=${join(scenariosDir, "quickstart.yaml")} valid=true errors=0 warnings=0 host_access=0`]);
  });
});
