import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { launchContext, processAlive, processGroupAlive, renodeNode, scenarioWith } from "./__fixtures__/harness.js";
import { RenodeNodeFailedError } from "./errors.js";
import { renodeLauncher } from "./launcher.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function childPidFile() {
  const dir = await mkdtemp(join(tmpdir(), "sim-renode-group-"));
  dirs.push(dir);
  return join(dir, "child.pid");
}

describe("stopping a Renode node reaches its whole process group", () => {
  it("kills a child that outlives Renode's quit and ignores SIGTERM", async () => {
    const file = await childPidFile();
    const node = renodeNode({}, ["--standin-spawn-child", file, "--standin-ignore-sigterm"]);
    const ctx = launchContext(scenarioWith([node]));
    const started = await renodeLauncher.launch(node, ctx);
    const [pid] = [...ctx.resources.processes.keys()];
    const child = Number(await readFile(file, "utf8"));
    expect(processAlive(child)).toBe(true);
    await started.external?.start({ seed: 42, timeQuantumUs: 10_000 });
    await started.external?.advance(10_000, []);

    await started.stop();
    expect(processAlive(child)).toBe(false);
    expect(processGroupAlive(pid ?? 0)).toBe(false);
    expect(ctx.resources.processes.size).toBe(0);
  });

  it("SIGKILLs a hung emulator that ignores SIGTERM, with its child", async () => {
    const file = await childPidFile();
    const node = renodeNode({}, ["--standin-spawn-child", file, "--standin-ignore-sigterm", "--standin-hang-at-us", "10000"]);
    const ctx = launchContext(scenarioWith([node], { timeouts: { startup_sec: 10, shutdown_grace_sec: 1, quantum_wall_sec: 1 } }));
    const started = await renodeLauncher.launch(node, ctx);
    const [pid] = [...ctx.resources.processes.keys()];
    const child = Number(await readFile(file, "utf8"));
    await started.external?.start({ seed: 42, timeQuantumUs: 10_000 });
    await expect(started.external?.advance(10_000, [])).rejects.toBeInstanceOf(RenodeNodeFailedError);
    expect(processAlive(pid ?? 0)).toBe(false);
    expect(processAlive(child)).toBe(false);
    await started.stop();
    expect(ctx.resources.processes.size).toBe(0);
  });
});
