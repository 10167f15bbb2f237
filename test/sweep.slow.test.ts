/**
 * `sim sweep` end to end with real member processes: members equal runs alone,
 * resume after SIGKILL, --verify, invalid input, dry run.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { processesWithArg, waitUntil } from "./helpers/processes.js";
import { scenarioWithNoise } from "./helpers/scenarios.js";
import { readCsv, withoutWallTime } from "./helpers/tables.js";
import { repoRoot, runSimInProcess, spawnSim, tempDir } from "./helpers/sim-cli.js";

const fixtures = join(repoRoot, "test/fixtures/sweep");
const sweepFile = join(fixtures, "small-sweep.yaml");


describe("sim sweep", () => {
  test("members equal the same runs alone (by digest), with common seeds across points", { timeout: 180_000 }, async () => {
    const store = tempDir("sweep-eq");
    const state = tempDir("state");
    const result = await runSimInProcess(["sweep", sweepFile, "--out", store, "--jobs", "2", "--json"], { stateDir: state });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { schema_version: number; success: boolean; ran: number; plan: { points: number; members: number } };
    expect(report).toMatchObject({ schema_version: 1, success: true, ran: 6, plan: { points: 2, members: 6 } });

    const rows = readCsv(join(store, "results.csv"));
    expect(rows.map((r) => [r["network.links[1].latency_ms"], r.replicate, r.seed])).toEqual([
      ["20", "0", "5"],
      ["20", "1", "6"],
      ["20", "2", "7"],
      ["80", "0", "5"],
      ["80", "1", "6"],
      ["80", "2", "7"],
    ]);
    expect(new Set(rows.map((r) => r.digest)).size).toBe(6);
    expect(rows.every((r) => r.status === "succeeded" && Number(r["messages.delivered"]) > 0)).toBe(true);
    // The WAN latency is the parameter: 60 ms more must show in the median.
    expect(Number(rows[3]!["latency_ms.cloud.p50"])).toBeGreaterThan(Number(rows[0]!["latency_ms.cloud.p50"]) + 40);

    for (const row of [rows[0]!, rows[4]!, rows[5]!]) {
      const alone = tempDir("sweep-alone");
      const run = await runSimInProcess(
        ["run", join(fixtures, "small.yaml"), "--set", `network.links[1].latency_ms=${row["network.links[1].latency_ms"]}`, "--seed", row.seed!, "--out", alone, "--json"],
        { stateDir: state },
      );
      expect(run.code).toBe(0);
      expect((JSON.parse(run.stdout) as { digest: string }).digest).toBe(row.digest);
    }

    const points = readCsv(join(store, "points.csv"));
    expect(points.map((p) => [p["network.links[1].latency_ms"], p.n, p.failed])).toEqual([
      ["20", "3", "0"],
      ["80", "3", "0"],
    ]);
    const delivered = rows.slice(0, 3).map((r) => Number(r["messages.delivered"]));
    expect(Number(points[0]!["messages.delivered.mean"])).toBeCloseTo(delivered.reduce((a, b) => a + b) / 3, 9);
    expect(Number(points[0]!["messages.delivered.ci95_lo"])).toBeLessThanOrEqual(Number(points[0]!["messages.delivered.mean"]));

    // Traces are not kept by default; the digest is.
    for (const key of readdirSync(join(store, "members"))) {
      expect(existsSync(join(store, "members", key, "summary.json"))).toBe(true);
      expect(existsSync(join(store, "members", key, "trace.jsonl"))).toBe(false);
      // The member process's own CPU: at least its start-up, and no more than its wall
      // time on every core (this test's members are small and run two at a time).
      const { cpu_sec, wall_sec } = JSON.parse(readFileSync(join(store, "members", key, "result.json"), "utf8")) as { cpu_sec: number; wall_sec: number };
      expect(cpu_sec).toBeGreaterThan(0.02);
      expect(cpu_sec).toBeLessThan((wall_sec + 5) * availableParallelism());
    }
    expect(processesWithArg(store)).toEqual([]);

    // Running it again resumes: nothing to do, the same tables.
    const again = await runSimInProcess(["sweep", sweepFile, "--out", store, "--json"], { stateDir: state });
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { ran: number }).ran).toBe(0);
    expect(readCsv(join(store, "results.csv"))).toEqual(rows);
  });

  test("SIGKILL of the sweep mid-way: its members stop, and the next run does only what is missing", { timeout: 300_000 }, async () => {
    const state = tempDir("state");
    const [killed, whole] = [tempDir("sweep-killed"), tempDir("sweep-whole")];
    const child = spawnSim(["sweep", sweepFile, "--out", killed, "--jobs", "1"], { stateDir: state });
    const results = () => (existsSync(join(killed, "members")) ? readdirSync(join(killed, "members")).filter((k) => existsSync(join(killed, "members", k, "result.json"))).length : 0);
    await waitUntil(() => results() >= 2, 120_000, "two members to finish");
    child.child.kill("SIGKILL");
    await child.exited;
    // The running member sees its sweep gone (its stdin pipe closes) and stops cleanly.
    await waitUntil(() => processesWithArg(killed).length === 0, 60_000, "the killed sweep's members to end");
    const finishedBefore = readdirSync(join(killed, "members")).filter((k) => {
      const result = join(killed, "members", k, "result.json");
      return existsSync(result) && (JSON.parse(readFileSync(result, "utf8")) as { status: string }).status === "succeeded";
    });
    expect(finishedBefore.length).toBeGreaterThanOrEqual(2);
    expect(finishedBefore.length).toBeLessThan(6);
    const stamps = new Map(finishedBefore.map((k) => [k, readFileSync(join(killed, "members", k, "result.json"), "utf8")]));

    const resumed = await runSimInProcess(["sweep", sweepFile, "--out", killed, "--jobs", "2", "--json"], { stateDir: state });
    expect(resumed.code).toBe(0);
    expect((JSON.parse(resumed.stdout) as { ran: number }).ran).toBe(6 - finishedBefore.length);
    for (const [key, text] of stamps) expect(readFileSync(join(killed, "members", key, "result.json"), "utf8"), key).toBe(text);

    expect((await runSimInProcess(["sweep", sweepFile, "--out", whole, "--jobs", "2"], { stateDir: state })).code).toBe(0);
    expect(withoutWallTime(join(killed, "results.csv"))).toBe(withoutWallTime(join(whole, "results.csv")));
    expect(readFileSync(join(killed, "points.csv"), "utf8")).toBe(readFileSync(join(whole, "points.csv"), "utf8"));
    expect(processesWithArg(killed)).toEqual([]);
  });

  test("SIGINT stops running members cleanly: exit 130, finished members kept", { timeout: 180_000 }, async () => {
    const store = tempDir("sweep-int");
    const child = spawnSim(["sweep", sweepFile, "--out", store, "--jobs", "1"], { stateDir: tempDir("state") });
    await waitUntil(() => existsSync(join(store, "members")) && readdirSync(join(store, "members")).some((k) => existsSync(join(store, "members", k, "member.log"))), 60_000, "a member to start");
    child.child.kill("SIGINT");
    const { code } = await child.exited;
    expect(code).toBe(130);
    expect(child.stderr()).toContain("stopping the running members cleanly");
    expect(processesWithArg(store)).toEqual([]);
    expect(readFileSync(join(store, "results.csv"), "utf8")).toMatch(/interrupted|pending/);
  });

  test("--verify re-runs finished members and catches a nondeterministic node with the first differing line", { timeout: 180_000 }, async () => {
    const dir = tempDir("sweep-verify");
    const noise = scenarioWithNoise(dir);
    const state = tempDir("state");
    const store = join(dir, "store");
    const result = await runSimInProcess(["sweep", noise, "--replicates", "2", "--out", store, "--verify", "1"], { stateDir: state });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("verified  1 member(s) re-run: 1 DIFFER (nondeterminism)");
    expect(result.stdout).toMatch(/first difference at trace line \d+:\n {8}run 1: .*"noise".*\n {8}run 2: .*"noise"/);

    // A deterministic sweep passes its verification.
    const ok = await runSimInProcess(["sweep", sweepFile, "--out", tempDir("sweep-verify-ok"), "--verify", "2", "--json"], { stateDir: state });
    expect(ok.code).toBe(0);
    const verified = (JSON.parse(ok.stdout) as { verified: { ok: boolean }[] }).verified;
    expect(verified.map((v) => v.ok)).toEqual([true, true]);
  });

  test("a failing member does not stop the others; --fail-fast starts nothing new; failures are listed with their logs", { timeout: 180_000 }, async () => {
    const dir = tempDir("sweep-fail");
    const good = join(repoRoot, "examples/nodes/python/echo_node.py");
    writeFileSync(
      join(dir, "flaky.yaml"),
      [
        "duration_sec: 1",
        "nodes:",
        `  beacon: {type: process, command: [python3, ${JSON.stringify(good)}], config: {target: sink, period_us: 250000}}`,
        "  sink: {type: cloud}",
      ].join("\n") + "\n",
    );
    const state = tempDir("state");
    // The second point's program does not exist: python3 starts and exits 2 at launch.
    const args = ["sweep", join(dir, "flaky.yaml"), "--param", `nodes.beacon.command[1]=${good},${join(dir, "missing.py")}`, "--replicates", "2", "--jobs", "1"];
    const all = await runSimInProcess([...args, "--out", join(dir, "all")], { stateDir: state });
    expect(all.code).toBe(1);
    expect(all.stdout).toContain("failed    2:");
    expect(all.stdout).toMatch(/point 1 replicate 0 \(seed 0\): failed: node "beacon" failed: exited with code 2\n[^]*missing\.py[^]*\n {6}log .*member\.log\n/);
    expect(readCsv(join(dir, "all", "results.csv")).map((r) => r.status)).toEqual(["succeeded", "succeeded", "failed", "failed"]);

    const fast = await runSimInProcess([...args, "--out", join(dir, "fast"), "--fail-fast"], { stateDir: state });
    expect(fast.code).toBe(1);
    expect(readCsv(join(dir, "fast", "results.csv")).map((r) => r.status)).toEqual(["succeeded", "succeeded", "failed", "pending"]);
  });

  test("--dry-run prints points, members, seeds and the executor plan, and writes nothing", async () => {
    const store = join(tempDir("sweep-dry"), "store");
    const result = await runSimInProcess(["sweep", sweepFile, "--out", store, "--dry-run"], { stateDir: tempDir("state") });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("points    2 over network.links[1].latency_ms");
    expect(result.stdout).toContain("members   6 = 2 point(s) x 3 replicate(s) (6 distinct; 0 finished earlier, 6 to run)");
    expect(result.stdout).toContain("point 0 replicate 1: --seed 6 --set network.links[1].latency_ms=20");
    expect(result.stdout).toContain("local: ");
    expect(existsSync(store)).toBe(false);
  });

  test("invalid input exits 2 with positions and starts nothing", async () => {
    const dir = tempDir("sweep-bad");
    const state = tempDir("state");
    writeFileSync(join(dir, "small.yaml"), readFileSync(join(fixtures, "small.yaml")));
    writeFileSync(join(dir, "typo.yaml"), "scenario: small.yaml\nparameters:\n  nodes.gws.batch: [1, 2]\n");
    const typo = await runSimInProcess(["sweep", join(dir, "typo.yaml"), "--out", join(dir, "a")], { stateDir: state });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/small\.yaml:\d+:\d+: error: .*typo\.yaml:3:3: nodes\.gws\.batch=1: nodes\.gws is not in the scenario \(did you mean "nodes\.gw"\?\)/);
    // One problem for the path, not one per value.
    expect(typo.stderr).toContain("sim: 1 problem(s); nothing was started");

    writeFileSync(join(dir, "value.yaml"), "scenario: small.yaml\nparameters:\n  nodes.gw.batch: [1, -2]\n");
    const value = await runSimInProcess(["sweep", join(dir, "value.yaml"), "--out", join(dir, "b")], { stateDir: state });
    expect(value.code).toBe(2);
    expect(value.stderr).toMatch(/small\.yaml:\d+:\d+: error: .*value\.yaml:3:3: nodes\.gw\.batch=-2: nodes\.gw\.batch must be >= 1/);

    writeFileSync(join(dir, "key.yaml"), "scenario: small.yaml\nreplicate: 3\n");
    const key = await runSimInProcess(["sweep", join(dir, "key.yaml"), "--out", join(dir, "c")], { stateDir: state });
    expect(key.code).toBe(2);
    expect(key.stderr).toContain(`${join(dir, "key.yaml")}:2:1: error: unknown key "replicate" at the top level (did you mean "replicates"?)`);

    const noSlurm = await runSimInProcess(["sweep", sweepFile, "--out", join(dir, "d"), "--executor", "slurm"], { stateDir: state, env: { PATH: "/nonexistent" } });
    expect(noSlurm.code).toBe(2);
    expect(noSlurm.stderr).toContain("--executor slurm needs Slurm's `sbatch` on the PATH");

    for (const out of ["a", "b", "c", "d"]) expect(existsSync(join(dir, out)), out).toBe(false);
  });
});
