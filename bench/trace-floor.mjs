// `pnpm bench:trace-floor`: the least CPU time the full trace of a run can take on
// this machine, beside the bare loop and sim, to judge what "sim at 0.5x the bare
// loop with the full trace" asks for (docs/engine.md, Performance).
//
// It runs sim once at the scale (trace to a file, every payload, as `sim run`), then,
// over that run's real trace size:
//   hash      SHA-256 of the bytes, in 1 MiB chunks (the digest)
//   write     writing them to a file, in 1 MiB chunks
//   encode    the least encoder: lines of the trace's count and total size built from
//             two constant byte templates and two integers each (no fields looked up,
//             no strings, no payloads), into one reused 1 MiB buffer
// Each is the best of --repeat runs. The sum is a floor under the trace's cost: sim
// also records every event on the engine's thread and hands the records over. Two
// cores give a run at 0.5x at most 4 x the bare loop's time of CPU; what is left after
// the bare loop's work and the trace floor is what everything else may cost.
//
//   node bench/trace-floor.mjs [--scale 10000/50] [--repeat 5]
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runBare } from "./bare-loop.mjs";

const { values } = parseArgs({ options: { scale: { type: "string", default: "10000/50" }, repeat: { type: "string", default: "5" } } });
const [N, G] = values.scale.split("/").map(Number);
const REPEAT = Number(values.repeat);
const CHUNK = 1 << 20;

const pkg = (name) => new URL(`../packages/${name}/dist/index.js`, import.meta.url).href;
const { loadScenario } = await import(pkg("config"));
const { Coordinator, FileTraceSink, createRng, scenarioOptions } = await import(pkg("coordinator"));
const { createBuiltinNode } = await import(pkg("nodes"));

const best = (f) => Math.min(...Array.from({ length: REPEAT }, () => timed(f)));
function timed(f) {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

const dir = mkdtempSync(join(tmpdir(), "sim-trace-floor-"));
try {
  const bareMs = best(() => runBare(N, G, 1, createRng));

  const traceFile = join(dir, "trace.jsonl");
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { scenario } = await loadScenario(fileURLToPath(new URL(`scenarios/reference-${N}x${G}.yaml`, import.meta.url)));
  const nodes = scenario.nodes.map((node) => createBuiltinNode(node, scenario));
  const summary = await new Coordinator({ ...scenarioOptions(scenario), nodes, trace: new FileTraceSink(traceFile) }).run();
  const simMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const simCpuMs = (cpu.user + cpu.system) / 1000;
  if (!summary.success) throw new Error(`the run failed: ${summary.error?.message ?? summary.aborted}`);

  const bytes = readFileSync(traceFile);
  rmSync(traceFile);
  let lines = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++;
  const chunks = Array.from({ length: Math.ceil(bytes.length / CHUNK) }, (_, i) => bytes.subarray(i * CHUNK, (i + 1) * CHUNK));

  const hashMs = best(() => {
    const h = createHash("sha256");
    for (const c of chunks) h.update(c);
    h.digest("hex");
  });
  const copy = join(dir, "copy.jsonl");
  const writeMs = best(() => {
    const fd = openSync(copy, "w");
    try {
      for (const c of chunks) writeSync(fd, c);
    } finally {
      closeSync(fd);
    }
  });
  rmSync(copy);
  const encodeMs = best(() => leastEncoder(lines, bytes.length));

  const floorMs = hashMs + writeMs + encodeMs;
  const row = (what, ms, note = "") => ({ what, ms: Math.round(ms), note });
  console.log(`trace floor at ${N}/${G}: ${lines} lines, ${(bytes.length / 1e6).toFixed(0)} MB; best of ${REPEAT} (sim: one run)`);
  console.table([
    row("bare loop, no trace", bareMs),
    row("sim, full trace", simMs, `${(bareMs / simMs).toFixed(2)}x bare, ${Math.round(simCpuMs)} ms of CPU (all threads)`),
    row("trace: SHA-256", hashMs),
    row("trace: write the file", writeMs),
    row("trace: least encoder", encodeMs),
    row("trace floor (sum)", floorMs, `${(floorMs / bareMs).toFixed(2)}x the bare loop's time`),
    row("0.5x: wall time allowed", 2 * bareMs, `${Math.round(4 * bareMs)} ms of CPU on two cores`),
    row("0.5x: CPU left beside bare + trace floor", 4 * bareMs - bareMs - floorMs, "for the engine's own work: objects, routing, records, setup, V8 compiling"),
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** `lines` lines of `total` bytes in all, each two constant templates and two integers. */
function leastEncoder(lines, total) {
  const head = Buffer.from('{"t":');
  const middle = Buffer.from(',"ev":"send","from":"sensor_4711","to":"gateway_11","msg":');
  const fixed = head.length + middle.length + 1 + 14; // the newline, two integers of ~7 digits
  const tail = Buffer.from(`${",".repeat(Math.max(0, Math.round(total / lines) - fixed - 1))}}\n`);
  const out = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  let written = 0;
  const uint = (n) => {
    if (n >= 10) uint((n / 10) | 0);
    out[pos++] = 48 + (n % 10);
  };
  for (let i = 0; i < lines; i++) {
    if (pos > CHUNK - 512) {
      written += pos;
      pos = 0;
    }
    out.set(head, pos);
    pos += head.length;
    uint(1_000_000 + i);
    out.set(middle, pos);
    pos += middle.length;
    uint(1_000_000 + i);
    out.set(tail, pos);
    pos += tail.length;
  }
  return written + pos;
}
