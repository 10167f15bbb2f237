import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scenarioSchema, sweepSchema } from "@sim/config";
import { describe, expect, test } from "vitest";
import { repoRoot, runSimInProcess, scenariosDir, tempDir } from "./helpers/sim-cli.js";

const minimal = join(scenariosDir, "minimal.yaml");
const invalidDir = join(repoRoot, "packages/config/test/fixtures/invalid");

interface ExpectedProblem {
  code: string;
  line: number | null;
  column: number | null;
  path: (string | number)[];
  message: string;
}

describe("sim validate", () => {
  test("the seed's minimal scenario is valid as written: exit 0", async () => {
    const result = await runSimInProcess(["validate", minimal], { stateDir: tempDir("state") });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${minimal}: valid`);
    expect(result.stderr).toBe("");
  });

  test("every invalid fixture exits 2 and prints its expected problem as file:line:col", async () => {
    const expected = JSON.parse(readFileSync(join(invalidDir, "expected.json"), "utf8")) as Record<string, ExpectedProblem[]>;
    const files = readdirSync(invalidDir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const name of files) {
      const file = join(invalidDir, name);
      const result = await runSimInProcess(["validate", file], { stateDir: tempDir("state") });
      expect(result.code, name).toBe(2);
      expect(result.stderr, name).not.toMatch(/\n\s+at /); // no stack trace
      for (const problem of expected[name] ?? []) {
        const where = problem.line === null ? `${file}:` : `${file}:${problem.line}:${problem.column}:`;
        const line = result.stderr.split("\n").find((l) => l.startsWith(where) && l.includes(problem.message));
        expect(line, `${name}: expected "${where} … ${problem.message}" in:\n${result.stderr}`).toBeDefined();
      }
    }
  });

  test("a missing file and a directory are clear errors with exit 2", async () => {
    const missing = await runSimInProcess(["validate", join(scenariosDir, "no-such.yaml")], { stateDir: tempDir("state") });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no-such.yaml");
    const directory = await runSimInProcess(["validate", scenariosDir], { stateDir: tempDir("state") });
    expect(directory.code).toBe(2);
    expect(directory.stderr).toMatch(/director/);
  });

  test("valid and invalid files together: all reported, exit 2", async () => {
    const bad = join(tempDir("bad"), "typo.yaml");
    writeFileSync(bad, "duraton_sec: 1\nnodes:\n  s:\n    type: sensor\n");
    const result = await runSimInProcess(["validate", minimal, bad], { stateDir: tempDir("state") });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(`${minimal}: valid`);
    expect(result.stderr).toContain(`${bad}:1:1:`);
    expect(result.stderr).toContain('did you mean "duration_sec"?');
  });
});

describe("sim schema", () => {
  test("prints the JSON Schema the validator uses", async () => {
    const result = await runSimInProcess(["schema"], { stateDir: tempDir("state") });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(scenarioSchema);
  });

  test("--sweep prints the sweep file's schema", async () => {
    const result = await runSimInProcess(["schema", "--sweep"], { stateDir: tempDir("state") });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(sweepSchema);
  });
});

describe("sim run", () => {
  const digestOf = (outDir: string) => (JSON.parse(readFileSync(join(outDir, "summary.json"), "utf8")) as { digest: string }).digest;

  test("the minimal scenario runs unchanged: same digest and trace twice, another with --seed", async () => {
    const [a, b, c] = [tempDir("run-a"), tempDir("run-b"), tempDir("run-c")];
    const state = tempDir("state");
    expect((await runSimInProcess(["run", minimal, "--out", a], { stateDir: state })).code).toBe(0);
    expect((await runSimInProcess(["run", minimal, "--out", b], { stateDir: state })).code).toBe(0);
    expect((await runSimInProcess(["run", minimal, "--out", c, "--seed", "7"], { stateDir: state })).code).toBe(0);
    expect(digestOf(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(digestOf(b)).toBe(digestOf(a));
    expect(readFileSync(join(b, "trace.jsonl"), "utf8")).toBe(readFileSync(join(a, "trace.jsonl"), "utf8"));
    expect(digestOf(c)).not.toBe(digestOf(a));
    for (const file of ["trace.jsonl", "summary.json", "metrics.csv", "scenario.resolved.yaml"]) expect(existsSync(join(a, file)), file).toBe(true);
  });

  test("--json prints exactly one JSON object with the summary keys", async () => {
    const out = tempDir("run-json");
    const result = await runSimInProcess(["run", join(scenariosDir, "quickstart.yaml"), "--out", out, "--json"], { stateDir: tempDir("state") });
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    for (const key of ["success", "seed", "duration_sec", "digest", "events", "messages", "latency_ms", "nodes", "links", "cleanup"]) {
      expect(summary, key).toHaveProperty(key);
    }
    expect(summary.success).toBe(true);
    expect(summary.digest).toBe(digestOf(out));
  });

  test("--dry-run prints the plan with the quantum and starts nothing", async () => {
    const cwd = tempDir("dry");
    const result = await runSimInProcess(["run", join(scenariosDir, "quickstart.yaml"), "--dry-run", "--out", join(cwd, "out")], { stateDir: tempDir("state") });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("quantum   10,000 µs");
    expect(result.stdout).toContain("24 sensor, 2 gateway, 1 cloud");
    expect(existsSync(join(cwd, "out"))).toBe(false);
  });

  test("an invalid scenario exits 2, names file:line:col, and starts or writes nothing", async () => {
    const dir = tempDir("invalid");
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "duration_sec: -1\nnodes:\n  s:\n    type: sensor\n");
    const result = await runSimInProcess(["run", bad, "--out", join(dir, "out")], { stateDir: tempDir("state") });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad}:1:15:`);
    expect(result.stderr).toContain("nothing was started");
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  test("--set changes the run like an edited file would, and the resolved scenario shows it", async () => {
    const [plain, set, edited] = [tempDir("set-a"), tempDir("set-b"), tempDir("set-c")];
    const state = tempDir("state");
    const quickstart = join(scenariosDir, "quickstart.yaml");
    const copy = join(tempDir("set-edit"), "quickstart.yaml");
    writeFileSync(copy, readFileSync(quickstart, "utf8").replace("batch: 4 ", "batch: 1 ").replace("default_latency_ms: 10", "default_latency_ms: 20"));
    expect((await runSimInProcess(["run", quickstart, "--out", plain], { stateDir: state })).code).toBe(0);
    const args = ["--set", "nodes.gw.batch=1", "--set", "network.default_latency_ms=20"];
    expect((await runSimInProcess(["run", quickstart, ...args, "--out", set], { stateDir: state })).code).toBe(0);
    expect((await runSimInProcess(["run", copy, "--out", edited], { stateDir: state })).code).toBe(0);
    expect(digestOf(set)).not.toBe(digestOf(plain));
    expect(digestOf(set)).toBe(digestOf(edited));
    expect(readFileSync(join(set, "scenario.resolved.yaml"), "utf8")).toMatch(/batch: 1\n/);
  });

  test("a bad --set exits 2 naming the argument and the file position it targets, and starts nothing", async () => {
    const dir = tempDir("set-bad");
    const quickstart = join(scenariosDir, "quickstart.yaml");
    const badValue = await runSimInProcess(["run", quickstart, "--set", "nodes.gw.batch=many", "--out", join(dir, "a")], { stateDir: tempDir("state") });
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toMatch(/quickstart\.yaml:\d+:\d+: error: --set nodes\.gw\.batch=many: nodes\.gw\.batch must be an integer/);
    const badKey = await runSimInProcess(["run", quickstart, "--set", "nodes.gws.batch=2", "--out", join(dir, "b")], { stateDir: tempDir("state") });
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('--set nodes.gws.batch=2: nodes.gws is not in the scenario (did you mean "nodes.gw"?)');
    const noValue = await runSimInProcess(["run", quickstart, "--set", "seed", "--out", join(dir, "c")], { stateDir: tempDir("state") });
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toContain("--set seed: expected key.path=value");
    expect(existsSync(join(dir, "a")) || existsSync(join(dir, "b")) || existsSync(join(dir, "c"))).toBe(false);
  });

  test("an --out that is a file, under /proc, or inside a file exits 2 naming the folder, and starts nothing", async () => {
    const dir = tempDir("out-bad");
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    for (const [out, reason] of [
      [file, "it is a file, not a folder"],
      [join(file, "sub"), `${file} is a file, not a folder`],
      ["/proc/x", "it is on a virtual filesystem (/proc), not a place for files"],
    ] as const) {
      const result = await runSimInProcess(["run", minimal, "--out", out], { stateDir: tempDir("state") });
      expect(result.code, out).toBe(2);
      expect(result.stderr).toBe(`sim: cannot write the outputs to ${out}: ${reason}\n`);
    }
  });

  test("an output folder that already holds a run is refused unless --force", async () => {
    const out = tempDir("out-twice");
    const state = tempDir("state");
    expect((await runSimInProcess(["run", minimal, "--out", out], { stateDir: state })).code).toBe(0);
    const again = await runSimInProcess(["run", minimal, "--out", out], { stateDir: state });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("it already holds a run (summary.json); pass --force");
    expect((await runSimInProcess(["run", minimal, "--out", out, "--force"], { stateDir: state })).code).toBe(0);
  });

  test("output.dir may not climb out of the scenario's folder unless --out says where", async () => {
    const dir = tempDir("out-climb");
    const scenario = join(dir, "s.yaml");
    writeFileSync(scenario, `${readFileSync(minimal, "utf8")}\noutput:\n  dir: ../elsewhere\n`);
    const result = await runSimInProcess(["run", scenario], { stateDir: tempDir("state") });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`${scenario.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: error: output.dir ".*elsewhere" is outside the scenario's folder`));
    expect((await runSimInProcess(["run", scenario, "--out", join(dir, "out")], { stateDir: tempDir("state") })).code).toBe(0);
  });

  test("a bad --seed is a usage error with exit 2", async () => {
    const result = await runSimInProcess(["run", minimal, "--seed", "-3"], { stateDir: tempDir("state") });
    expect(result.code).toBe(2);
  });
});
