/** runScenario's run-level options with real nodes: --timeout and --check-determinism. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NondeterminismError, runScenario } from "@sim/harness";
import { describe, expect, test } from "vitest";
import { scenarioWithNoise } from "./helpers/scenarios.js";
import { runSimInProcess, scenariosDir, tempDir } from "./helpers/sim-cli.js";

describe("--check-determinism", () => {
  test("a deterministic scenario passes and both runs are kept", { timeout: 60_000 }, async () => {
    const out = tempDir("det-ok");
    const result = await runScenario(join(scenariosDir, "quickstart.yaml"), { outDir: out, checkDeterminism: true, stateDir: tempDir("state") });
    expect(result.success).toBe(true);
    const second = JSON.parse(readFileSync(join(out, "determinism-check", "summary.json"), "utf8")) as { digest: string };
    expect(second.digest).toBe(result.digest);
  });

  test("a node that reads the OS's randomness is caught, quoting the first differing trace line", { timeout: 60_000 }, async () => {
    const dir = tempDir("det-bad");
    const error = await runScenario(scenarioWithNoise(dir), { outDir: join(dir, "out"), checkDeterminism: true, stateDir: tempDir("state") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NondeterminismError);
    const { line, first, second } = (error as NondeterminismError).firstDifference;
    expect(line).toBeGreaterThan(0);
    expect(first).toContain('"noise"');
    expect(second).toContain('"noise"');
    expect(first).not.toBe(second);
    // The reported line is the first one that differs.
    const lines = (name: string) => readFileSync(join(dir, "out", ...(name ? [name] : []), "trace.jsonl"), "utf8").split("\n");
    const [a, b] = [lines(""), lines("determinism-check")];
    expect(a.slice(0, line - 1)).toEqual(b.slice(0, line - 1));
    expect(a[line - 1]).toBe(first);
  });

  test("the CLI exits 1 and prints the difference", { timeout: 60_000 }, async () => {
    const dir = tempDir("det-cli");
    const result = await runSimInProcess(["run", scenarioWithNoise(dir), "--out", join(dir, "out"), "--check-determinism"], { stateDir: tempDir("state") });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/two runs with the same seed differ at trace line \d+/);
  });
});

describe("--timeout", () => {
  test("a run longer than its wall-clock limit stops cleanly: exit 1, SIM_RUN_TIMEOUT, outputs written", { timeout: 60_000 }, async () => {
    const dir = tempDir("timeout");
    const paced = join(dir, "paced.yaml");
    writeFileSync(paced, "duration_sec: 30\nrealtime_factor: 1.0\nnodes:\n  s: {type: sensor, target: g}\n  g: {type: gateway}\n");
    const started = Date.now();
    const result = await runSimInProcess(["run", paced, "--out", join(dir, "out"), "--timeout", "1", "--json"], { stateDir: tempDir("state") });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout) as { success: boolean; interrupted: boolean; error: { code: string } | null; duration_sec: number };
    expect(summary.success).toBe(false);
    expect(summary.interrupted).toBe(false);
    expect(summary.error?.code).toBe("SIM_RUN_TIMEOUT");
    expect(summary.duration_sec).toBeLessThan(30);
    expect(JSON.parse(readFileSync(join(dir, "out", "summary.json"), "utf8"))).toMatchObject({ success: false });
  });
});
