/**
 * The Slurm executor against a real cluster (CI starts a one-node cluster with
 * scripts/ci/slurm-up.sh). Without `sbatch` these tests are skipped loudly, and
 * fail when SIM_REQUIRE_SLURM=1 (as in CI).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { processesWithArg, waitUntil } from "./helpers/processes.js";
import { repoRoot, runSimInProcess, spawnSim, tempDir } from "./helpers/sim-cli.js";
import { withoutWallTime } from "./helpers/tables.js";

const sweepFile = join(repoRoot, "test/fixtures/sweep/small-sweep.yaml");

function slurmAvailable(): boolean {
  try {
    execFileSync("sinfo", ["--noheader"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const available = slurmAvailable();
if (!available) {
  if (process.env.SIM_REQUIRE_SLURM === "1") throw new Error("SIM_REQUIRE_SLURM=1 but no Slurm cluster answers (run scripts/ci/slurm-up.sh)");
  console.warn("\n*** Slurm tests SKIPPED: no cluster answers `sinfo` (scripts/ci/slurm-up.sh starts one) ***\n");
}

function sweepJobs(): string[] {
  return execFileSync("squeue", ["--noheader", "--name=sim-sweep", "--format=%i %T"], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
}

describe.skipIf(!available)("sim sweep --executor slurm", () => {
  test("a job array gives the same results.csv (digests included) as the local executor, and leaves nothing", async () => {
    const state = tempDir("state");
    const [slurm, local] = [tempDir("sweep-slurm"), tempDir("sweep-local")];
    const viaSlurm = await runSimInProcess(["sweep", sweepFile, "--out", slurm, "--executor", "slurm", "--max-parallel", "2", "--json"], { stateDir: state });
    expect(viaSlurm.stderr).toBe("");
    expect(viaSlurm.code).toBe(0);
    expect((JSON.parse(viaSlurm.stdout) as { ran: number; success: boolean })).toMatchObject({ ran: 6, success: true });
    expect((await runSimInProcess(["sweep", sweepFile, "--out", local, "--jobs", "2"], { stateDir: state })).code).toBe(0);
    expect(withoutWallTime(join(slurm, "results.csv"))).toBe(withoutWallTime(join(local, "results.csv")));
    expect(readFileSync(join(slurm, "points.csv"), "utf8")).toBe(readFileSync(join(local, "points.csv"), "utf8"));

    // Per-task logs in the store, one per member.
    const [submission] = readdirSync(join(slurm, "slurm"));
    const logs = readdirSync(join(slurm, "slurm", submission!)).filter((f) => f.endsWith(".log"));
    expect(logs).toHaveLength(6);
    expect(readFileSync(join(slurm, "slurm", submission!, logs[0]!), "utf8")).toMatch(/member [0-9a-f]{20}: succeeded/);
    expect(sweepJobs()).toEqual([]);
    expect(processesWithArg(slurm)).toEqual([]);

    // Resumed: nothing is submitted again.
    const again = await runSimInProcess(["sweep", sweepFile, "--out", slurm, "--executor", "slurm", "--json"], { stateDir: state });
    expect((JSON.parse(again.stdout) as { ran: number }).ran).toBe(0);
    expect(readdirSync(join(slurm, "slurm"))).toHaveLength(1);
  });

  test("Ctrl-C cancels the array (scancel): exit 130, no task left in the queue or running", async () => {
    const store = tempDir("sweep-slurm-int");
    const child = spawnSim(["sweep", sweepFile, "--out", store, "--executor", "slurm", "--max-parallel", "1"], { stateDir: tempDir("state") });
    await waitUntil(() => processesWithArg(store).some((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("member-main")), 60_000, "a Slurm task to start a member");
    child.child.kill("SIGINT");
    const { code } = await child.exited;
    expect(code).toBe(130);
    await waitUntil(() => sweepJobs().length === 0, 30_000, "the array to leave the queue");
    expect(processesWithArg(store)).toEqual([]);
    const finished = readdirSync(join(store, "members")).filter((k) => existsSync(join(store, "members", k, "result.json")));
    expect(finished.length).toBeLessThan(6);
  });
});
