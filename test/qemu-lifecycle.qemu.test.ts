/**
 * `type: qemu` nodes through the `sim` CLI and the harness, with real QEMU: what
 * validation refuses (exit 2, file:line:col, nothing started), the dry-run plan, and
 * every end of a run (interrupt, a failing node) leaving no process behind.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ScenarioInvalidError } from "@sim/config";
import { runScenario } from "@sim/harness";
import { buildPlugin, createQemuLauncher } from "@sim/launcher-qemu";
import { isProcessAlive, processesWithEnv, RUN_ID_ENV } from "@sim/process-tree";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { qemuDescendants, qemuMissing } from "../packages/launcher-qemu/src/__fixtures__/qemu.js";
import { buildQemuScenarioFirmware, QEMU_SCENARIO_FIRMWARE } from "./helpers/qemu-firmware.js";
import { repoRoot, runSimInProcess, scenariosDir, spawnSim, tempDir, waitForText } from "./helpers/sim-cli.js";

const qemuMcu = join(scenariosDir, "qemu-mcu.yaml");
const edgeFilter = join(repoRoot, "examples/nodes/ts/edge-filter.ts");

/** Where problems point for `key`: its first line outside comments, at the column of its value (1-based). */
function positionOf(file: string, key: string): string {
  const lines = readFileSync(file, "utf8").split("\n");
  const line = lines.findIndex((l) => l.trimStart().startsWith(`${key}: `));
  return `${line + 1}:${lines[line]!.indexOf(`${key}: `) + key.length + 3}`;
}

/** A scenario in a fresh folder: a qemu node `mcu` (its keys in `mcu`) sending to a cloud, more `nodes`, more `top`-level keys. */
function scenarioFile(name: string, mcu: string[], options: { nodes?: string[]; top?: string[]; durationSec?: number } = {}): string {
  const file = join(tempDir(name), `${name}.yaml`);
  const lines = [
    `duration_sec: ${options.durationSec ?? 1}`,
    "time_quantum_us: 5000",
    ...(options.top ?? []),
    "nodes:",
    "  mcu:",
    "    type: qemu",
    ...mcu.map((l) => `    ${l}`),
    "    target: cloud",
    "  cloud: {type: cloud}",
    ...(options.nodes ?? []),
    "network: {type: latency, default_latency_ms: 5}",
    "",
  ];
  writeFileSync(file, lines.join("\n"));
  return file;
}

const firmwareKey = () => `firmware: ${JSON.stringify(QEMU_SCENARIO_FIRMWARE)}`;

describe.skipIf(qemuMissing !== null)("type: qemu through the CLI", () => {
  beforeAll(async () => {
    await buildQemuScenarioFirmware();
  });

  afterEach(() => {
    expect(qemuDescendants()).toEqual([]);
  });

  test("sim validate: qemu-mcu.yaml is valid once its firmware is built", async () => {
    const result = await runSimInProcess(["validate", qemuMcu], { stateDir: tempDir("state") });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${qemuMcu}: valid`);
  });

  test("a missing firmware file: exit 2 at the firmware key, for sim validate and sim run, nothing started", async () => {
    const dir = tempDir("qemu-no-firmware");
    const file = join(dir, "qemu-mcu.yaml");
    copyFileSync(qemuMcu, file);
    for (const command of [["validate", file], ["run", file, "--out", join(dir, "out")]]) {
      const result = await runSimInProcess(command, { stateDir: tempDir("state") });
      expect(result.code, command[0]).toBe(2);
      expect(result.stderr).toContain(`${file}:${positionOf(file, "firmware")}: error: nodes.mcu.firmware: firmware "qemu/sensor-fw.elf" does not exist (looked for ${join(dir, "qemu", "sensor-fw.elf")})`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(join(dir, "out", "trace.jsonl"))).toBe(false);
  });

  test("an unknown machine: exit 2 at the machine key, with the nearest name QEMU knows", async () => {
    const file = scenarioFile("qemu-bad-machine", ["machine: netduinoplus3", firmwareKey()]);
    const result = await runSimInProcess(["validate", file], { stateDir: tempDir("state") });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:${positionOf(file, "machine")}: error: nodes.mcu.machine: qemu-system-arm has no machine "netduinoplus3" (did you mean "netduinoplus2"?)`);
  });

  test("a firmware that is not an Arm ELF: exit 2 at the firmware key", async () => {
    const file = scenarioFile("qemu-not-elf", ["machine: netduinoplus2", "firmware: fw.bin"]);
    writeFileSync(join(file, "..", "fw.bin"), Buffer.alloc(64, 0xff));
    const result = await runSimInProcess(["validate", file], { stateDir: tempDir("state") });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:${positionOf(file, "firmware")}: error: nodes.mcu.firmware:`);
    expect(result.stderr).toContain("is not an ELF file");
  });

  test("no qemu-system-arm on the PATH: exit 2 at the node's type, saying what to install", async () => {
    const emptyPath = tempDir("empty-path");
    const result = await runSimInProcess(["validate", qemuMcu], { stateDir: tempDir("state"), env: { PATH: emptyPath } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${qemuMcu}:${positionOf(qemuMcu, "type")}: error: nodes.mcu: the QEMU executable \`qemu-system-arm\` was not found (on Debian: apt-get install qemu-system-arm (and gcc, which builds the stepping plugin))`);
  });

  test("a QEMU without the symbols the plugin needs: refused at validation, naming them, nothing started", async () => {
    const plugin = (await buildPlugin({ requireSymbol: "sim_no_such_symbol" })).path;
    const error = await runScenario(qemuMcu, { outDir: tempDir("qemu-symbols"), stateDir: tempDir("state"), launchers: [createQemuLauncher({ plugin })] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioInvalidError);
    const [line, column] = positionOf(qemuMcu, "type").split(":").map(Number);
    expect((error as ScenarioInvalidError).problems).toContainEqual(
      expect.objectContaining({ code: "qemu-plugin-unsupported", line, column, path: ["nodes", "mcu", "type"], message: expect.stringContaining("does not export sim_no_such_symbol") }),
    );
  });

  test("an icount_shift whose instruction does not divide quantum_us: exit 2 at quantum_us", async () => {
    const file = scenarioFile("qemu-shift", ["machine: netduinoplus2", firmwareKey(), "icount_shift: 9", "quantum_us: 1000"]);
    const result = await runSimInProcess(["validate", file], { stateDir: tempDir("state") });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:${positionOf(file, "quantum_us")}: error: nodes.mcu.quantum_us (1000 µs) is not a multiple of one instruction (2^9 = 512 ns with icount_shift 9) (use a multiple of 64 µs, or a smaller icount_shift)`);
  });

  test("sim run --dry-run shows QEMU's command line and starts nothing", async () => {
    const result = await runSimInProcess(["run", qemuMcu, "--dry-run", "--json"], { stateDir: tempDir("state") });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as { plan?: { external: { id: string; details: { executable: string; args: string[]; quantum_us: number } }[] } };
    const mcu = (plan.plan ?? (plan as never as { external: never[] })).external.find((e: { id: string }) => e.id === "mcu")!;
    expect(mcu.details.executable).toBe("qemu-system-arm (from the PATH)");
    expect(mcu.details.args).toEqual(expect.arrayContaining(["-M", "netduinoplus2", "-icount", "shift=0,sleep=off,align=off", "-kernel", QEMU_SCENARIO_FIRMWARE]));
    expect(mcu.details.quantum_us).toBe(1000);
  });
});

interface Registered {
  runId: string;
  pids: number[];
}

/** The run's registry (the harness's list of what it started), once it lists `count` processes. */
async function waitForRegistry(stateDir: string, count: number, timeoutMs: number): Promise<Registered> {
  const runs = join(stateDir, "sim", "runs");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const file of existsSync(runs) ? readdirSync(runs).filter((f) => f.endsWith(".json")) : []) {
      const record = JSON.parse(readFileSync(join(runs, file), "utf8")) as { runId: string; processes: { pid: number }[] };
      if (record.processes.length >= count) return { runId: record.runId, pids: record.processes.map((p) => p.pid) };
    }
    if (Date.now() > deadline) throw new Error(`fewer than ${count} processes were registered within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(qemuMissing !== null)("every end of a run with a qemu node leaves nothing behind", () => {
  beforeAll(async () => {
    await buildQemuScenarioFirmware();
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal} during the run: exit ${signal === "SIGINT" ? 130 : 143}, QEMU and the process node gone`, { timeout: 120_000 }, async () => {
      const file = scenarioFile(`qemu-${signal}`, ["machine: netduinoplus2", firmwareKey()], {
        durationSec: 60,
        top: ["realtime_factor: 1.0"],
        nodes: [`  edge: {type: process, cwd: ${JSON.stringify(repoRoot)}, command: [node, --conditions=@sim/source, --import, tsx, ${JSON.stringify(edgeFilter)}], config: {upstream: cloud, batch: 4}}`],
      });
      const stateDir = tempDir("state");
      const out = join(tempDir(`qemu-${signal}-out`), "out");
      mkdirSync(out, { recursive: true });
      const sim = spawnSim(["run", file, "--out", out, "--verbose"], { stateDir });
      const registered = await waitForRegistry(stateDir, 2, 60_000);
      await waitForText(sim.stderr, /virtual_sec=(0\.[1-9]|[1-9])/, 60_000);
      sim.child.kill(signal);
      const exit = await sim.exited;
      expect(exit.code, sim.stderr()).toBe(signal === "SIGINT" ? 130 : 143);
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { interrupted: boolean; cleanup: { processes_left: number } };
      expect(summary.interrupted).toBe(true);
      expect(summary.cleanup.processes_left).toBe(0);
      expect(registered.pids.filter(isProcessAlive)).toEqual([]);
      expect(processesWithEnv({ [RUN_ID_ENV]: registered.runId })).toEqual([]);
      expect(readFileSync(join(out, "logs", "mcu.log"), "utf8")).toContain("[sim] started: qemu-system-arm ");
    });
  }

  test("a node that fails mid-run ends the run; QEMU is stopped too", { timeout: 120_000 }, async () => {
    const file = scenarioFile("qemu-node-fails", ["machine: netduinoplus2", firmwareKey()], {
      // Exits at once: the run fails while QEMU is running.
      nodes: ["  bad: {type: process, command: [node, -e, 'process.exit(3)']}"],
    });
    const stateDir = tempDir("state");
    const result = await runScenario(file, { outDir: tempDir("qemu-fail-out"), stateDir });
    expect(result.success).toBe(false);
    expect(result.summary?.error?.message).toMatch(/node "bad" failed/);
    expect(result.summary?.cleanup.processes_left).toBe(0);
    const runs = join(stateDir, "sim", "runs");
    expect(existsSync(runs) ? readdirSync(runs).filter((f) => f.endsWith(".json")) : []).toEqual([]);
    expect(qemuDescendants()).toEqual([]);
  });

  test("a quantum that takes longer than quantum_wall_sec fails the qemu node, naming it, and kills QEMU", { timeout: 120_000 }, async () => {
    // A 5 ms quantum stepped every 1 µs: 5,000 stops, far more than 1 ms of wall time.
    const file = scenarioFile("qemu-timeout", ["machine: netduinoplus2", firmwareKey(), "quantum_us: 1"], { top: ["timeouts: {quantum_wall_sec: 0.001}"] });
    const result = await runScenario(file, { outDir: tempDir("qemu-timeout-out"), stateDir: tempDir("state") });
    expect(result.success).toBe(false);
    expect(result.summary?.error?.message).toMatch(/node "mcu" failed: qemu advance of the quantum ending at 0\.005000 s: QEMU did not finish the quantum ending at \d+ µs within 0\.001 s; it was killed; raise timeouts\.quantum_wall_sec/);
    expect(result.summary?.cleanup.processes_left).toBe(0);
    expect(qemuDescendants()).toEqual([]);
  });
});
