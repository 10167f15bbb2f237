// `pnpm bench:sweep`: a 40-member sweep (4 WAN latencies x 10 replicates) of the
// 1,000-sensor reference scenario, measured in one run:
//   - a bare loop: runScenario for each member, one after the other, in this process
//   - the local executor with --jobs 1 and --jobs 2 (speedup; per-member overhead)
//   - the Slurm executor on the same members (when a cluster answers `sinfo`)
// Uses the built packages (dist), as an installed sim would: run `pnpm build` first
// (the package script does). stdout: one JSON line per variant; stderr: the figures.
//   node bench/sweep.mjs [--replicates 10] [--no-slurm]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runScenario, runSweep } from "@sim/harness";

const args = process.argv.slice(2);
const replicates = args.includes("--replicates") ? Number(args[args.indexOf("--replicates") + 1]) : 10;
const scenario = fileURLToPath(new URL("scenarios/reference-1000x10.yaml", import.meta.url));
const latencies = [10, 20, 40, 80];
const sweep = { scenario, parameters: { "network.links[1].latency_ms": latencies }, replicates, seed: 1 };
const members = latencies.length * replicates;

function slurmAnswers() {
  try {
    execFileSync("sinfo", ["--noheader"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Mean CPU seconds of the member processes (all their threads), from their result.json. */
function memberCpuSeconds(store) {
  const keys = readdirSync(join(store, "members"));
  const cpu = keys.map((key) => JSON.parse(readFileSync(join(store, "members", key, "result.json"), "utf8")).cpu_sec);
  return cpu.reduce((a, b) => a + b, 0) / cpu.length;
}

async function timed(name, work) {
  const dir = mkdtempSync(join(tmpdir(), `sim-bench-sweep-${name}-`));
  const started = performance.now();
  const detail = await work(dir);
  const wall = (performance.now() - started) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const cpu = detail.cpu_per_member_sec;
  const line = { variant: name, members, wall_sec: Number(wall.toFixed(3)), per_member_sec: Number((wall / members).toFixed(4)), ...detail };
  console.log(JSON.stringify(line));
  return { wall, cpu };
}

async function sweepVariant(name, options) {
  return timed(name, async (dir) => {
    const result = await runSweep(sweep, { outDir: dir, ...options });
    if (!result.success || result.ran !== members) throw new Error(`${name}: ${result.ran} ran, ${result.failed.length} failed: ${JSON.stringify(result.failed[0])}`);
    return { cpu_per_member_sec: Number(memberCpuSeconds(dir).toFixed(4)) };
  });
}

const { wall: bare } = await timed("bare-runScenario-loop", async (dir) => {
  for (const latency of latencies) {
    for (let r = 0; r < replicates; r++) {
      const result = await runScenario(scenario, { set: { "network.links[1].latency_ms": latency }, seed: 1 + r, outDir: join(dir, `${latency}-${r}`), keepTrace: false });
      if (!result.success) throw new Error(`bare loop: member ${latency}/${r} failed`);
    }
  }
  return {};
});
const { wall: jobs1, cpu: cpu1 } = await sweepVariant("local-jobs-1", { jobs: 1 });
const { wall: jobs2 } = await sweepVariant("local-jobs-2", { jobs: 2 });
let slurm = null;
if (!args.includes("--no-slurm") && slurmAnswers()) ({ wall: slurm } = await sweepVariant("slurm-max-parallel-2", { executor: "slurm", slurm: { maxParallel: 2, pollMs: 250 } }));

const f = (x) => x.toFixed(2);
// A member alone already keeps more than one core busy (V8's optimising compiler and GC
// threads, beside the engine): with two cores, --jobs 2 can only be as much faster as
// the cores left idle by --jobs 1, whatever the executor does.
const cores = Math.min(2, availableParallelism());
const wallPerMember1 = jobs1 / members;
const ceiling = (cores * wallPerMember1) / cpu1;
process.stderr.write(
  [
    `\n${members} members of reference-1000x10 (4 WAN latencies x ${replicates} replicates):`,
    `  bare runScenario loop   ${f(bare)} s (${f(bare / members)} s per member)`,
    `  local --jobs 1          ${f(jobs1)} s: overhead ${f((jobs1 - bare) / members)} s per member over the bare loop`,
    `  local --jobs 2          ${f(jobs2)} s: speedup ${f(jobs1 / jobs2)}x over --jobs 1 (target >= 1.8x)`,
    `  member CPU              ${f(cpu1)} s per member (all threads) in ${f(wallPerMember1)} s of --jobs 1 wall: a lone member keeps ${f(cpu1 / wallPerMember1)} cores busy,`,
    `                          so ${cores} cores allow at most ${f(ceiling)}x; measured ${f(jobs1 / jobs2)}x = ${Math.round((100 * (jobs1 / jobs2)) / ceiling)} % of that`,
    slurm === null ? "  slurm                   skipped (no cluster answers sinfo)" : `  slurm (2 at a time)     ${f(slurm)} s: ${f((slurm - jobs2) / members)} s per member over local --jobs 2`,
    "",
  ].join("\n"),
);
