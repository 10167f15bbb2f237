// `pnpm bench`: the reference workload of BENCHMARK.md at every scale, through the
// real path (scenario -> @sim/config -> coordinator -> @sim/nodes -> latency model,
// trace on, to a file) and through the bare loop. Each run is its own child process.
// stdout: one JSON line per scale and engine; stderr: the ratio and the checks.
// The million-sensor scale (1000000/5000) needs about 4 GB and is skipped on a machine
// with less than 6 GiB of memory. At 10000/50 the SimPy peers run too, process style:
// bench/simpy-env-peer.py (SimPy 3/4's API, Debian's python3-simpy3) and
// bench/simpy-peer.py (SimPy 2.3's, python3-simpy), each when the system Python has it.
//   node bench/reference.mjs [--scales 100/4,1000/10] [--payloads all|external|none] [--source]
import { execFileSync } from "node:child_process";
import { totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const EXPECTED = {
  "100/4": { events: 12_600, cloud: 600 },
  "1000/10": { events: 126_000, cloud: 6_000 },
  "10000/50": { events: 1_260_000, cloud: 60_000 },
  "100000/500": { events: 12_600_000, cloud: 600_000 },
  "1000000/5000": { events: 126_000_000, cloud: 6_000_000 },
};
// BENCHMARK.md's targets.
const MIN_RATIO = 0.5;
const MAX_RSS_MB_AT_100K = 1024;
const MAX_RSS_MB_AT_1M = 4096;
/** The million-sensor scale is skipped on a machine with less memory than this (its target is 4 GB, plus the system's share). */
const MIN_MEMORY_FOR_1M = 6 * 1024 ** 3;

const args = process.argv.slice(2);
const scalesArg = args.includes("--scales") ? args[args.indexOf("--scales") + 1] : undefined;
const scales = scalesArg ? scalesArg.split(",") : Object.keys(EXPECTED);
const extra = args.includes("--source") ? ["--source"] : [];
if (args.includes("--payloads")) extra.push("--payloads", args[args.indexOf("--payloads") + 1]);
const script = fileURLToPath(new URL("run-scale.mjs", import.meta.url));
/** Debian's SimPy packages live in the system Python's packages, not a pyenv's. */
const SYSTEM_PYTHON = "/usr/bin/python3";
/** The scale where the SimPy peers run (each takes ~5 s there; ten times that at 100,000). */
const SIMPY_SCALE = "10000/50";
/**
 * The same model in SimPy's two process APIs, each run when the system Python can
 * import it: the environment API of SimPy 3 and 4 (Debian's python3-simpy3), and SimPy
 * 2.3's classic API (python3-simpy).
 */
const SIMPY_PEERS = [
  { api: "environment (SimPy 3/4)", module: "simpy", script: "simpy-env-peer.py", apt: "python3-simpy3" },
  { api: "classic (SimPy 2.3)", module: "SimPy.Simulation", script: "simpy-peer.py", apt: "python3-simpy" },
];

function pythonCanImport(module) {
  try {
    execFileSync(SYSTEM_PYTHON, ["-c", `import ${module}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

let ok = true;
/** Wall seconds per event of the sim engine at the scales run so far: linear growth keeps it flat. */
const perEvent = {};
for (const scale of scales) {
  const [n, g] = scale.split("/");
  if (scale === "1000000/5000" && totalmem() < MIN_MEMORY_FOR_1M) {
    process.stderr.write(`# ${scale}: skipped, this machine has ${(totalmem() / 1024 ** 3).toFixed(1)} GiB of memory (${MIN_MEMORY_FOR_1M / 1024 ** 3} GiB needed)\n`);
    continue;
  }
  const lines = {};
  for (const engine of ["bare", "sim"]) {
    const out = execFileSync(process.execPath, [...process.execArgv, script, engine, n, g, ...extra], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 1 << 20,
    });
    const line = out.trim().split("\n").pop();
    process.stdout.write(`${line}\n`);
    lines[engine] = JSON.parse(line);
  }
  const expected = EXPECTED[scale];
  const ratio = lines.sim.events_per_s / lines.bare.events_per_s;
  const notes = [];
  for (const engine of ["bare", "sim"]) {
    if (expected && (lines[engine].events !== expected.events || lines[engine].cloud_messages !== expected.cloud)) {
      notes.push(`${engine} counts differ from BENCHMARK.md (${expected.events} events, ${expected.cloud} cloud messages)`);
      ok = false;
    }
  }
  if (scale === "10000/50" && ratio < MIN_RATIO) notes.push(`below the ${MIN_RATIO}x target`);
  if (scale === SIMPY_SCALE) {
    for (const peer of SIMPY_PEERS) {
      if (!pythonCanImport(peer.module)) {
        notes.push(`SimPy ${peer.api} peer skipped (${SYSTEM_PYTHON} cannot import ${peer.module}: apt-get install ${peer.apt})`);
        continue;
      }
      const out = execFileSync(SYSTEM_PYTHON, [fileURLToPath(new URL(peer.script, import.meta.url)), n, g], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
      const line = out.trim().split("\n").pop();
      process.stdout.write(`${line}\n`);
      const simpy = JSON.parse(line);
      if (expected && (simpy.events !== expected.events || simpy.cloud_messages !== expected.cloud)) {
        notes.push(`${simpy.engine} counts differ from BENCHMARK.md`);
        ok = false;
      }
      notes.push(`${(lines.sim.events_per_s / simpy.events_per_s).toFixed(1)}x ${simpy.engine}'s process style (${(simpy.events_per_s / 1e6).toFixed(2)} M/s)`);
    }
  }
  if (scale === "100000/500" && lines.sim.peak_rss_mb >= MAX_RSS_MB_AT_100K) notes.push(`peak RSS over ${MAX_RSS_MB_AT_100K} MB`);
  if (scale === "1000000/5000" && lines.sim.peak_rss_mb >= MAX_RSS_MB_AT_1M) notes.push(`peak RSS over ${MAX_RSS_MB_AT_1M} MB`);
  perEvent[scale] = lines.sim.wall_s / lines.sim.events;
  if (scale === "1000000/5000" && perEvent["100000/500"] !== undefined) {
    notes.push(`${(perEvent[scale] / perEvent["100000/500"]).toFixed(2)}x the wall time per event of 100000/500 (1.00 = linear)`);
  }
  process.stderr.write(`# ${scale}: sim ${(lines.sim.events_per_s / 1e6).toFixed(2)} M events/s = ${ratio.toFixed(2)}x bare (${(lines.bare.events_per_s / 1e6).toFixed(2)} M/s), sim peak RSS ${lines.sim.peak_rss_mb} MB${notes.length ? ` -- ${notes.join("; ")}` : ""}\n`);
}
if (!ok) process.exitCode = 1;
