// One scale of the reference workload with one engine, in its own process so that
// its peak RSS is its own. Prints one JSON line (BENCHMARK.md) on stdout.
//   node bench/run-scale.mjs <sim|bare> <N> <G> [--payloads all|external|none] [--source]
// Packages are loaded from their built dist/, or from src/ with --source (then run
// under `node --conditions=@sim/source --import tsx`). The trace carries every
// payload, as `sim run` writes it, unless --payloads says otherwise.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runBare } from "./bare-loop.mjs";

const args = process.argv.slice(2);
const payloadsAt = args.indexOf("--payloads");
const payloads = payloadsAt >= 0 ? args[payloadsAt + 1] : "all";
const [engine, nArg, gArg] = args.filter((a, i) => !a.startsWith("--") && (payloadsAt < 0 || i !== payloadsAt + 1));
const fromSource = args.includes("--source");
const N = Number(nArg);
const G = Number(gArg);
if ((engine !== "sim" && engine !== "bare") || !(N > 0) || !(G > 0)) {
  console.error("usage: node bench/run-scale.mjs <sim|bare> <N> <G> [--payloads all|external|none] [--source]");
  process.exitCode = 2;
} else {
  const line = engine === "bare" ? await bare() : await sim();
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function pkg(name) {
  return new URL(`../packages/${name}/${fromSource ? "src/index.ts" : "dist/index.js"}`, import.meta.url).href;
}

function peakRssMb() {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function result(engineName, events, cloudMessages, wallS, digest) {
  return {
    engine: engineName,
    scale: `${N}/${G}`,
    events,
    cloud_messages: cloudMessages,
    wall_s: Number(wallS.toFixed(3)),
    events_per_s: Math.round(events / wallS),
    peak_rss_mb: peakRssMb(),
    digest,
  };
}

async function bare() {
  const { createRng } = await import(pkg("coordinator"));
  const t0 = performance.now();
  const { events, cloudMessages } = runBare(N, G, 1, createRng);
  return result("bare", events, cloudMessages, (performance.now() - t0) / 1000, null);
}

async function sim() {
  const { loadScenario } = await import(pkg("config"));
  const { Coordinator, FileTraceSink, scenarioOptions } = await import(pkg("coordinator"));
  const { createBuiltinNode } = await import(pkg("nodes"));
  const file = fileURLToPath(new URL(`scenarios/reference-${N}x${G}.yaml`, import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "sim-bench-"));
  try {
    // wall_s: loading the scenario, building the nodes and running (not Node's start-up).
    const t0 = performance.now();
    const { scenario } = await loadScenario(file);
    const nodes = scenario.nodes.map((node) => createBuiltinNode(node, scenario));
    const coordinator = new Coordinator({ ...scenarioOptions(scenario), nodes, trace: new FileTraceSink(join(dir, "trace.jsonl")), tracePayloads: payloads });
    const summary = await coordinator.run();
    const wallS = (performance.now() - t0) / 1000;
    if (!summary.success) throw new Error(`the run failed: ${summary.error?.message ?? summary.aborted}`);
    return result("sim", summary.events, summary.nodes.cloud.received, wallS, summary.digest);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
