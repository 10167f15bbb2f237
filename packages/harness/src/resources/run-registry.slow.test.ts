import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { isProcessAlive, isProcessGroupAlive, killGroupAndWait, killLeftovers, spawnNodeLike, waitFor } from "../reaper/__fixtures__/processes.js";
import type { RunRecord } from "./run-record.js";
import { RunRegistry } from "./run-registry.js";

const pgids: number[] = [];
const reapers: number[] = [];
afterEach(() => {
  const alive = [...killLeftovers(pgids.splice(0)), ...reapers.splice(0).filter((p) => isProcessAlive(p))];
  expect(alive, "processes left running by the test").toEqual([]);
});

function registry(runId: string) {
  const stateDir = mkdtempSync(join(tmpdir(), "sim-state-"));
  onTestFinished(() => rmSync(stateDir, { recursive: true, force: true }));
  const reg = new RunRegistry({ stateDir, runId, reaperEnv: { PATH: process.env.PATH ?? "" }, now: () => new Date("2025-01-02T03:04:05Z") });
  return { reg, stateDir, read: () => JSON.parse(readFileSync(reg.file, "utf8")) as RunRecord };
}

describe("RunRegistry", () => {
  it("writes each resource the moment it is added, starts the reaper once, and releases it on a clean close", async () => {
    const { reg, stateDir, read } = registry("run-clean");
    expect(reg.file).toBe(join(stateDir, "runs", "run-clean.json"));
    expect(existsSync(reg.file)).toBe(false);
    expect(reg.reaperPid).toBeNull();

    const pid = spawnNodeLike("run-clean");
    pgids.push(pid);
    reg.addProcess({ node: "n1", pid, pgid: pid });
    reg.addContainer({ node: "d1", id: "c0ffee", dockerHost: null });
    reg.addNetwork({ name: "sim-net", id: "feed", dockerHost: "tcp://10.0.0.2:2375" });
    const reaperPid = reg.reaperPid!;
    reapers.push(reaperPid);
    expect(isProcessAlive(reaperPid)).toBe(true);

    const rec = read();
    expect(rec).toMatchObject({
      version: 1,
      runId: "run-clean",
      harness: { pid: process.pid },
      createdAt: "2025-01-02T03:04:05.000Z",
      processes: [{ node: "n1", pid, pgid: pid }],
      containers: [{ node: "d1", id: "c0ffee", dockerHost: null }],
      networks: [{ name: "sim-net", id: "feed", dockerHost: "tcp://10.0.0.2:2375" }],
    });
    expect(typeof rec.processes[0]!.startTime).toBe("number");

    await killGroupAndWait(pid);
    reg.removeProcess(pid);
    reg.removeContainer("c0ffee");
    reg.removeNetwork("feed");
    expect(read()).toMatchObject({ processes: [], containers: [], networks: [] });

    expect(await reg.close()).toEqual({ leftovers: null });
    expect(await reg.close()).toEqual({ leftovers: null });
    expect(existsSync(reg.file)).toBe(false);
    expect(isProcessAlive(reaperPid)).toBe(false);
  });

  it("hands what is still listed at close to the reaper, which removes it", async () => {
    const { reg } = registry("run-leftover");
    const pid = spawnNodeLike("run-leftover");
    pgids.push(pid);
    reg.addProcess({ node: "n1", pid, pgid: pid });
    reapers.push(reg.reaperPid!);
    const { leftovers } = await reg.close();
    expect(leftovers?.processes.map((p) => p.pid)).toEqual([pid]);
    await waitFor("the reaper to end the leftover", () => !isProcessGroupAlive(pid), 15_000);
    await waitFor("the registry file to go", () => !existsSync(reg.file), 15_000);
    await waitFor("the reaper to exit", () => !isProcessAlive(reg.reaperPid!), 15_000);
  });

  it("refuses a run id that is not a safe file name", () => {
    expect(() => new RunRegistry({ stateDir: tmpdir(), runId: "../escape" })).toThrow(RangeError);
  });
});
