/**
 * The run's lifecycle with real external nodes: interrupts, a failing launch, and a
 * harness killed with SIGKILL. Every test checks afterwards that no process of the
 * run is left.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedProcessNode } from "@sim/config";
import type { NodeLauncher } from "@sim/coordinator";
import { LaunchFailedError, runScenario } from "@sim/harness";
import { processLauncher, type StartedProcess } from "@sim/launcher-process";
import { isProcessAlive } from "@sim/process-tree";
import { describe, expect, test } from "vitest";
import { repoRoot, spawnSim, tempDir, waitForText } from "./helpers/sim-cli.js";

const edgeFilter = join(repoRoot, "examples/nodes/ts/edge-filter.ts");
const pythonEcho = join(repoRoot, "examples/nodes/python/echo_node.py");
const renodeStandin = join(repoRoot, "packages/launcher-renode/test/renode-standin.mjs");

/** A scenario paced at real time, so that it is still running when the test acts. */
function pacedScenario(dir: string, options: { withRenode?: boolean; badNode?: boolean } = {}): string {
  const file = join(dir, "paced.yaml");
  const lines = [
    "duration_sec: 60",
    "realtime_factor: 1.0",
    "time_quantum_us: 5000",
    "timeouts: {shutdown_grace_sec: 2}",
    "nodes:",
    "  field: {type: sensor, count: 4, period_ms: 100, target: edge}",
    `  edge: {type: process, cwd: ${JSON.stringify(repoRoot)}, command: [node, --conditions=@sim/source, --import, tsx, ${JSON.stringify(edgeFilter)}], config: {upstream: cloud, batch: 4}}`,
    `  beacon: {type: process, command: [python3, ${JSON.stringify(pythonEcho)}], config: {target: cloud, period_us: 100000}}`,
    "  cloud: {type: cloud}",
  ];
  if (options.withRenode) {
    lines.push(
      "  mcu:",
      "    type: renode",
      `    platform: ${JSON.stringify(join(repoRoot, "scenarios/renode/stm32f4-sensor.repl"))}`,
      `    firmware: ${JSON.stringify(join(repoRoot, "scenarios/renode/sensor-fw.elf"))}`,
      "    uart: sysbus.usart1",
      "    target: cloud",
      `    renode: {path: ${JSON.stringify(renodeStandin)}, quantum_us: 100}`,
    );
  }
  if (options.badNode) lines.push(`  bad: {type: process, command: [python3, ${JSON.stringify(pythonEcho)}]}`);
  lines.push("network: {type: latency, default_latency_ms: 5}");
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

interface Listed {
  file: string;
  pids: number[];
}

/** The run registry files in a state folder, with the pids they list. */
function registries(stateDir: string): Listed[] {
  const runs = join(stateDir, "sim", "runs");
  if (!existsSync(runs)) return [];
  return readdirSync(runs)
    .filter((f) => f.endsWith(".json"))
    .map((f) => {
      const record = JSON.parse(readFileSync(join(runs, f), "utf8")) as { processes: { pid: number }[] };
      return { file: join(runs, f), pids: record.processes.map((p) => p.pid) };
    });
}

async function waitForRegisteredProcesses(stateDir: string, count: number, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = registries(stateDir).flatMap((r) => r.pids);
    if (pids.length >= count) return pids;
    if (Date.now() > deadline) throw new Error(`only ${pids.length} of ${count} processes were registered`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (pids.some(isProcessAlive)) {
    if (Date.now() - started > timeoutMs) throw new Error(`still running after ${timeoutMs} ms: ${pids.filter(isProcessAlive).join(", ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

describe("interrupting a run", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal}: exit ${signal === "SIGINT" ? 130 : 143}, outputs written and marked interrupted, nothing left`, { timeout: 90_000 }, async () => {
      const dir = tempDir(`interrupt-${signal}`);
      const stateDir = tempDir("state");
      const out = join(dir, "out");
      const sim = spawnSim(["run", pacedScenario(dir), "--out", out, "--verbose"], { stateDir });
      const pids = await waitForRegisteredProcesses(stateDir, 2, 60_000);
      // Interrupt once virtual time is running (progress is logged with --verbose).
      await waitForText(sim.stderr, /virtual_sec=(0\.[1-9]|[1-9])/, 60_000);
      sim.child.kill(signal);
      const exit = await sim.exited;

      expect(exit.code, sim.stderr()).toBe(signal === "SIGINT" ? 130 : 143);
      expect(sim.stdout()).toContain("INTERRUPTED");
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { success: boolean; interrupted: boolean; duration_sec: number; cleanup: { processes_left: number } };
      expect(summary.interrupted).toBe(true);
      expect(summary.success).toBe(false);
      expect(summary.duration_sec).toBeGreaterThan(0);
      expect(summary.duration_sec).toBeLessThan(60);
      expect(summary.cleanup.processes_left).toBe(0);
      expect(existsSync(join(out, "trace.jsonl"))).toBe(true);
      expect(pids.filter(isProcessAlive)).toEqual([]);
      expect(registries(stateDir)).toEqual([]);
    });
  }
});

describe("a failing launch", () => {
  test("one node cannot start: the ones that did are torn down and the error names the node", { timeout: 90_000 }, async () => {
    const dir = tempDir("launch-fail");
    const stateDir = tempDir("state");
    const started: number[] = [];
    // The real process launcher, except that node "bad" fails once the others are up.
    const failing: NodeLauncher<ResolvedProcessNode> = {
      ...processLauncher,
      async launch(node, ctx) {
        if (node.id === "bad") {
          await new Promise((r) => setTimeout(r, 1_500));
          throw new Error("simulated start failure");
        }
        const node_ = (await processLauncher.launch(node, ctx)) as StartedProcess;
        started.push(node_.pid);
        return node_;
      },
    };
    const error = await runScenario(pacedScenario(dir, { badNode: true }), { outDir: join(dir, "out"), stateDir, launchers: [failing] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchFailedError);
    expect((error as LaunchFailedError).nodeId).toBe("bad");
    expect(started).toHaveLength(2);
    expect(started.filter(isProcessAlive)).toEqual([]);
    expect(registries(stateDir)).toEqual([]);
  });
});

describe("a harness killed with SIGKILL", () => {
  test("the reaper removes every process of the run (process nodes and the Renode emulator) within 15 s", { timeout: 120_000 }, async () => {
    const dir = tempDir("sigkill");
    const stateDir = tempDir("state");
    const sim = spawnSim(["run", pacedScenario(dir, { withRenode: true }), "--out", join(dir, "out")], { stateDir });
    const pids = await waitForRegisteredProcesses(stateDir, 3, 60_000);
    await waitForText(() => readFileSync(registries(stateDir)[0]!.file, "utf8"), '"node": "mcu"', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    // Renode's work folder (its pid file, its configuration) is recorded with its process.
    const record = JSON.parse(readFileSync(registries(stateDir)[0]!.file, "utf8")) as { processes: { workDir?: string }[] };
    const workDirs = [...new Set(record.processes.flatMap((p) => (p.workDir === undefined ? [] : [p.workDir])))];
    expect(workDirs).toHaveLength(1);
    expect(existsSync(workDirs[0]!)).toBe(true);
    sim.child.kill("SIGKILL");
    await sim.exited;

    const took = await waitUntilGone(pids, 15_000);
    console.log(`reaper: ${pids.length} processes gone ${took} ms after SIGKILL of the harness`);
    await waitForText(() => JSON.stringify(registries(stateDir)), "[]", 15_000);
    expect(existsSync(workDirs[0]!), "Renode's work folder after the reaper").toBe(false);
  });
});
