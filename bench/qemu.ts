// QEMU firmware node alone: the example firmware (netduinoplus2) stepped by the
// sim-qemu-step plugin for quanta of 10 µs, 100 µs and 1 ms. Prints, per quantum,
// the virtual/wall ratio and the wall cost of one quantum against a free run (the
// same virtual time granted in a single quantum); also the plugin's and the
// firmware's cold build times and QEMU's start-up time. Median of --repeat runs.
//
//   pnpm bench:qemu [--virtual-ms 1000] [--repeat 3] [--shift 0] [--json]
//   (= node --conditions=@sim/source --import tsx bench/qemu.ts)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { buildExampleFirmware, buildPlugin, QemuStepper } from "../packages/launcher-qemu/src/index.js";

const { values } = parseArgs({
  options: {
    "virtual-ms": { type: "string", default: "1000" },
    repeat: { type: "string", default: "3" },
    shift: { type: "string", default: "0" },
    json: { type: "boolean", default: false },
  },
});
const VIRTUAL_US = Number(values["virtual-ms"]) * 1000;
const REPEAT = Number(values.repeat);
const SHIFT = Number(values.shift);
const QUANTA_US = [10, 100, 1000];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Cold builds, into a fresh cache folder.
const cache = await mkdtemp(join(tmpdir(), "sim-bench-qemu-"));
const plugin = await buildPlugin({ cacheDir: cache });
const firmware = await buildExampleFirmware({ cacheDir: cache });

/** Wall seconds to run VIRTUAL_US in quanta of `quantumUs` (null: one quantum), and start-up seconds. */
async function once(quantumUs: number | null): Promise<{ run: number; startup: number; bytes: number }> {
  const t0 = performance.now();
  const stepper = await QemuStepper.start({ firmware: firmware.path, plugin: plugin.path, icountShift: SHIFT });
  const t1 = performance.now();
  let bytes = 0;
  let t2 = t1;
  // No `return` inside `finally`: it would swallow a failed stop (an overshoot is an
  // error of advance) and report the bytes counted so far as if the run had ended.
  try {
    const step = quantumUs ?? VIRTUAL_US;
    for (let t = step; t <= VIRTUAL_US; t += step) bytes += (await stepper.advance(t)).txBytes.length;
    t2 = performance.now();
  } finally {
    await stepper.stop();
  }
  return { run: (t2 - t1) / 1000, startup: (t1 - t0) / 1000, bytes };
}

async function measure(quantumUs: number | null) {
  const runs = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await once(quantumUs));
  const bytes = new Set(runs.map((r) => r.bytes));
  if (bytes.size !== 1) console.error(`!! quantum ${quantumUs ?? "free"}: UART byte counts differ between repeats: ${[...bytes].join(", ")}`);
  return { run: median(runs.map((r) => r.run)), startup: median(runs.map((r) => r.startup)), bytes: runs[0]!.bytes };
}

const free = await measure(null);
const rows = [];
for (const q of QUANTA_US) {
  const m = await measure(q);
  const quanta = VIRTUAL_US / q;
  rows.push({
    quantumUs: q,
    quanta,
    wallSec: m.run,
    virtualPerWall: VIRTUAL_US / 1e6 / m.run,
    costPerQuantumUs: ((m.run - free.run) / quanta) * 1e6,
    // Must equal the free run's: stepping does not change what the firmware prints.
    uartBytes: m.bytes,
  });
}
await rm(cache, { recursive: true, force: true });

const result = {
  virtualSec: VIRTUAL_US / 1e6,
  icountShift: SHIFT,
  repeat: REPEAT,
  pluginBuildSec: plugin.ms / 1000,
  firmwareBuildSec: firmware.ms / 1000,
  startupSec: free.startup,
  freeRun: { wallSec: free.run, virtualPerWall: VIRTUAL_US / 1e6 / free.run, uartBytes: free.bytes },
  stepped: rows,
};
if (values.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const f = (x: number, d = 2) => x.toFixed(d);
  console.log(`QEMU firmware node alone: netduinoplus2 sensor firmware, ${result.virtualSec} s virtual, icount shift ${SHIFT}, median of ${REPEAT}`);
  console.log(`  builds    plugin ${f(result.pluginBuildSec)} s (gcc), firmware ${f(result.firmwareBuildSec)} s (arm-none-eabi-gcc), cold`);
  console.log(`  start-up  ${f(result.startupSec * 1000, 0)} ms (QEMU start to the plugin's hello)`);
  console.log(`  free run  ${f(free.run * 1000, 0)} ms wall, ${f(result.freeRun.virtualPerWall, 1)}x real time (one quantum)`);
  for (const r of rows) {
    console.log(
      `  ${String(r.quantumUs).padStart(4)} µs   ${String(r.quanta).padStart(6)} quanta, ${f(r.wallSec * 1000, 0).padStart(5)} ms wall, ` +
        `${f(r.virtualPerWall, 2).padStart(6)}x real time, ${f(r.costPerQuantumUs, 1)} µs per quantum over the free run` +
        (r.uartBytes === free.bytes ? "" : ` (!! ${r.uartBytes} UART bytes, the free run ${free.bytes})`),
    );
  }
}
