// A stand-in for a harness: records a run in a RunRegistry (which starts the reaper),
// launches process nodes through the real launcher, prints what it started as one
// JSON line, then waits to be killed. Args: <stateDir> <runId>.
import type { ResolvedProcessNode, ResolvedScenario } from "@sim/config";
import { processLauncher } from "@sim/launcher-process";
import { pino } from "pino";
import { RunRegistry } from "../../resources/run-registry.js";

const [stateDir, runId] = process.argv.slice(2) as [string, string];
const registry = new RunRegistry({ stateDir, runId, reaperEnv: { PATH: process.env.PATH ?? "" } });

const scenario = {
  timeouts: { startup_sec: 10, shutdown_grace_sec: 1, quantum_wall_sec: 10 },
} as ResolvedScenario;
const node = (id: string, command: string[]): ResolvedProcessNode => ({
  id, group: id, group_index: 0, group_size: 1, type: "process", command, cwd: process.cwd(), env: {}, config: {},
});
const ctx = { runId, scenario, logDir: null, resources: registry, logger: pino({ level: "silent" }) };

// One node that ignores SIGTERM and stdin EOF and has a child of its own in its
// group; one that starts a child in a new session (escapes its group, keeps SIM_RUN_ID).
const stubborn = await processLauncher.launch(
  node("stubborn", [process.execPath, "-e", "process.on('SIGTERM',()=>{}); require('child_process').spawn('sleep',['1000'],{stdio:'ignore'}); setInterval(()=>{},1000)"]),
  ctx,
);
const escaper = await processLauncher.launch(
  node("escaper", [process.execPath, "-e", "const c=require('child_process').spawn('sleep',['1001'],{stdio:'ignore',detached:true}); console.error('stray '+c.pid); setInterval(()=>{},1000)"]),
  ctx,
);
// Give the children time to start their own children.
await new Promise((r) => setTimeout(r, 500));
process.stdout.write(
  JSON.stringify({ pids: [(stubborn as unknown as { pid: number }).pid, (escaper as unknown as { pid: number }).pid], file: registry.file, reaperPid: registry.reaperPid }) + "\n",
);
setInterval(() => {}, 1000);
