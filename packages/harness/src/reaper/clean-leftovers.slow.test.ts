import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processStartTime } from "@sim/process-tree";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import type { RunRecord } from "../resources/run-record.js";
import { registryFile } from "../resources/state-dir.js";
import { isProcessGroupAlive, killGroupAndWait, killLeftovers, spawnNodeLike } from "./__fixtures__/processes.js";
import { cleanLeftovers } from "./clean-leftovers.js";

const started: number[] = [];
afterEach(() => {
  expect(killLeftovers(started.splice(0)), "process groups left running").toEqual([]);
});

/** A pid that existed and is gone: the harness of a crashed run. */
function deadPid(): number {
  return spawnSync("true").pid!;
}

function writeRecord(stateDir: string, record: Omit<RunRecord, "version" | "createdAt" | "localDockerHost" | "containers" | "networks">): string {
  const file = registryFile(stateDir, record.runId);
  mkdirSync(join(stateDir, "runs"), { recursive: true });
  const full: RunRecord = { version: 1, createdAt: "2025-01-01T00:00:00.000Z", localDockerHost: null, containers: [], networks: [], ...record };
  writeFileSync(file, JSON.stringify(full));
  return file;
}

describe("cleanLeftovers", () => {
  it("stops the processes of stale runs, deletes their files, and leaves live runs alone", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "sim-state-"));
    onTestFinished(() => rmSync(stateDir, { recursive: true, force: true }));
    const stalePid = spawnNodeLike("stale-run");
    const livePid = spawnNodeLike("live-run");
    started.push(stalePid, livePid);
    const staleFile = writeRecord(stateDir, {
      runId: "stale-run",
      harness: { pid: deadPid(), startTime: null },
      processes: [{ node: "sensor", pid: stalePid, pgid: stalePid, startTime: processStartTime(stalePid) }],
    });
    const liveFile = writeRecord(stateDir, {
      runId: "live-run",
      harness: { pid: process.pid, startTime: processStartTime(process.pid) },
      processes: [{ node: "sensor", pid: livePid, pgid: livePid, startTime: processStartTime(livePid) }],
    });
    writeFileSync(join(stateDir, "runs", "garbage.json"), "{not json");

    const preview = await cleanLeftovers({ stateDir, dryRun: true, docker: false });
    expect(preview.staleRuns.map((r) => [r.runId, r.processes.map((p) => p.outcome), r.fileRemoved])).toEqual([["stale-run", ["would-stop"], false]]);
    expect(isProcessGroupAlive(stalePid)).toBe(true);
    expect(existsSync(staleFile)).toBe(true);

    const report = await cleanLeftovers({ stateDir, docker: false });
    expect(report.activeRuns).toEqual(["live-run"]);
    expect(report.unreadable).toEqual([join(stateDir, "runs", "garbage.json")]);
    expect(report.staleRuns).toHaveLength(1);
    expect(report.staleRuns[0]).toMatchObject({
      runId: "stale-run",
      clean: true,
      fileRemoved: true,
      processes: [{ node: "sensor", pid: stalePid, pgid: stalePid, outcome: "terminated" }],
    });
    expect(isProcessGroupAlive(stalePid)).toBe(false);
    expect(existsSync(staleFile)).toBe(false);
    expect(isProcessGroupAlive(livePid)).toBe(true);
    expect(JSON.parse(readFileSync(liveFile, "utf8")).runId).toBe("live-run");
    await killGroupAndWait(livePid);
  });

  it("leaves alone a listed pid that now belongs to another program", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "sim-state-"));
    onTestFinished(() => rmSync(stateDir, { recursive: true, force: true }));
    // Not marked with this run's id and started later than recorded: a reused pid.
    const other = spawnNodeLike("someone-else");
    started.push(other);
    writeRecord(stateDir, {
      runId: "old-run",
      harness: { pid: deadPid(), startTime: null },
      processes: [{ node: "n", pid: other, pgid: other, startTime: 1 }],
    });
    const report = await cleanLeftovers({ stateDir, docker: false });
    expect(report.staleRuns[0]!.processes[0]!.outcome).toBe("not-ours");
    expect(isProcessGroupAlive(other)).toBe(true);
    await killGroupAndWait(other);
  });

  it("removes the work folders of a stale run's processes, and nothing that is not one", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "sim-state-"));
    const base = mkdtempSync(join(tmpdir(), "sim-workdirs-"));
    onTestFinished(() => {
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(base, { recursive: true, force: true });
    });
    const work = join(base, "sim-renode-mcu-abc");
    mkdirSync(work);
    writeFileSync(join(work, "renode.pid"), "123");
    const notOurs = join(base, "data");
    mkdirSync(notOurs);
    const link = join(base, "sim-link");
    symlinkSync(notOurs, link);
    const dead = deadPid();
    const file = writeRecord(stateDir, {
      runId: "stale-folders",
      harness: { pid: deadPid(), startTime: null },
      processes: [
        { node: "mcu", pid: dead, pgid: dead, startTime: null, workDir: work },
        { node: "a", pid: dead, pgid: dead, startTime: null, workDir: notOurs },
        { node: "b", pid: dead, pgid: dead, startTime: null, workDir: link },
        { node: "c", pid: dead, pgid: dead, startTime: null, workDir: join(base, "sim-never-made") },
      ],
    });
    const dry = await cleanLeftovers({ stateDir, docker: false, dryRun: true });
    expect(dry.staleRuns[0]!.folders.find((f) => f.path === work)?.outcome).toBe("would-remove");
    expect(existsSync(work)).toBe(true);

    const report = await cleanLeftovers({ stateDir, docker: false });
    expect(Object.fromEntries(report.staleRuns[0]!.folders.map((f) => [f.path, f.outcome]))).toEqual({
      [work]: "removed",
      [notOurs]: "refused",
      [link]: "refused",
      [join(base, "sim-never-made")]: "gone",
    });
    expect(existsSync(work)).toBe(false);
    expect(existsSync(notOurs)).toBe(true);
    expect(existsSync(link)).toBe(true);
    expect(report.staleRuns[0]!.fileRemoved).toBe(true);
    expect(existsSync(file)).toBe(false);
  });
});
