/**
 * Every escape route (a setsid child, a double-forked daemon with a scrubbed
 * environment, with and without the node's stdio, all ignoring SIGTERM) against every
 * containment available on this machine, for every way a program's life ends.
 * Real processes; afterwards /proc is scanned for the test's unique marker.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ESCAPER, aliveRoutes, killMarked, markedProcesses, newMarker, waitForRoutes, type Route } from "./testing.js";
import { closeStdio, spawnTree } from "./__fixtures__/spawn-tree.js";
import { findRunCgroups } from "./cgroup.js";
import { ProcessTree } from "./process-tree.js";
import { findRunProcesses, terminateRun } from "./run-processes.js";
import type { Containment } from "./types.js";

const ROUTES: Route[] = ["setsid", "daemon", "daemon-stdio"];
const TREE_PARENT = fileURLToPath(new URL("./__fixtures__/tree-parent.ts", import.meta.url));

function available(kind: Containment): boolean {
  try {
    new ProcessTree({ runId: `probe-${process.pid}`, name: "probe", containment: kind, searchPath: process.env.PATH }).discard();
    return true;
  } catch {
    return false;
  }
}
const KINDS = (["cgroup", "subreaper", "group"] as const).filter((k) => process.platform === "linux" && available(k));
if (!KINDS.includes("cgroup")) console.warn("process-tree tests: no writable cgroup v2 here; containment `cgroup` is not tested");

/**
 * What each containment cannot catch: only `group` loses a daemon that scrubbed its
 * environment and closed its stdio (see docs/reliability.md).
 */
const ESCAPES: Record<Containment, Route[]> = { cgroup: [], subreaper: [], group: ["daemon"] };

const markers: string[] = [];
afterEach(() => {
  for (const marker of markers.splice(0)) killMarked(marker);
});
const runId = () => `pt-${randomBytes(4).toString("hex")}`;

describe.each(KINDS)("containment %s", (kind) => {
  it("the program exits by itself: its exit is reported at once, terminate() ends what it left", async () => {
    const marker = newMarker();
    markers.push(marker);
    const { tree, child } = spawnTree([process.execPath, ESCAPER, marker, ...ROUTES], { runId: runId(), name: "n1", containment: kind });
    expect(tree.containment).toBe(kind);
    await waitForRoutes(marker, ROUTES);
    child.stdin!.end(); // end of stdin: the escaper exits 0
    expect(await tree.exited).toEqual({ code: 0, signal: null });
    expect(aliveRoutes(marker, ROUTES)).toEqual(ROUTES);

    const result = await tree.terminate({ killAfterMs: 300, killWaitMs: 3_000 });
    expect(aliveRoutes(marker, ROUTES)).toEqual(ESCAPES[kind]);
    expect(result).toEqual({ signal: "SIGKILL", gone: true });
    expect(tree.members()).toEqual([]);
    closeStdio(child);
    if (tree.cgroup !== null) expect(existsSync(tree.cgroup)).toBe(false);
  });

  it("the program ignores SIGTERM and is killed while running, with everything it started", async () => {
    const marker = newMarker();
    markers.push(marker);
    const { tree, child } = spawnTree([process.execPath, ESCAPER, marker, "ignore-term", ...ROUTES], { runId: runId(), name: "n2", containment: kind });
    await waitForRoutes(marker, ROUTES);
    const result = await tree.terminate({ killAfterMs: 300, killWaitMs: 3_000 });
    expect(result).toEqual({ signal: "SIGKILL", gone: true });
    expect(await tree.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(aliveRoutes(marker, ROUTES)).toEqual(ESCAPES[kind]);
    closeStdio(child);
  });

  it("the program fails (exit 3): the code is its own, not the supervisor's", async () => {
    const marker = newMarker();
    markers.push(marker);
    const { tree, child } = spawnTree([process.execPath, ESCAPER, marker, "fail", "setsid"], { runId: runId(), name: "n3", containment: kind });
    await waitForRoutes(marker, ["setsid"]);
    child.stdin!.write(`{"type":"advance","until_us":10}\n`);
    expect(await tree.exited).toEqual({ code: 3, signal: null });
    expect(aliveRoutes(marker, ["setsid"])).toEqual(["setsid"]);
    await tree.terminate({ killAfterMs: 300, killWaitMs: 3_000 });
    expect(markedProcesses(marker)).toEqual([]);
    closeStdio(child);
  });

  it("the harness is killed with SIGKILL: what the supervisor or terminateRun() (the reaper's tool) leaves", async () => {
    const marker = newMarker();
    markers.push(marker);
    const run = runId();
    const parent = spawn(process.execPath, ["--import", "tsx", TREE_PARENT, run, kind, marker, ...ROUTES], {
      cwd: fileURLToPath(new URL(".", import.meta.url)),
      stdio: ["ignore", "pipe", "inherit"],
    });
    const { pid } = await new Promise<{ pid: number }>((resolve, reject) => {
      let out = "";
      parent.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) resolve(JSON.parse(out));
      });
      parent.once("exit", (code) => reject(new Error(`tree-parent exited early (${code})`)));
    });
    const before = findRunProcesses(run, [{ pid, pgid: pid, startTime: null }]);
    // The run's processes are found without asking the tree: the cgroup sees all of them.
    if (kind === "cgroup") expect(before.pids.length).toBeGreaterThanOrEqual(4);
    parent.kill("SIGKILL");
    await new Promise((r) => parent.once("exit", r));

    if (kind === "subreaper") {
      // No reaper needed: the kernel tells the supervisor (PR_SET_PDEATHSIG), which ends its tree.
      const deadline = Date.now() + 10_000;
      while (markedProcesses(marker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(markedProcesses(marker)).toEqual([]);
    } else {
      expect(aliveRoutes(marker, ROUTES)).toEqual(ROUTES);
      const result = await terminateRun(run, [{ pid, pgid: pid, startTime: null }], { killAfterMs: 300, killWaitMs: 3_000 });
      expect(result.gone).toBe(true);
      // Without the harness nobody knows the node's stdio: `group` loses both daemons.
      expect(aliveRoutes(marker, ROUTES)).toEqual(kind === "group" ? ["daemon", "daemon-stdio"] : []);
      expect(findRunCgroups(run)).toEqual([]);
    }
  });
});

describe("subreaper stop after the program's exit", { skip: !KINDS.includes("subreaper") }, () => {
  it("a supervisor still ending after reporting the exit gets no signal", async () => {
    // A stand-in for a supervisor on a loaded machine: reports "exit 0" on fd 3, then takes 300 ms to end.
    const tree = new ProcessTree({ runId: runId(), name: "slow-sv", containment: "subreaper", searchPath: process.env.PATH });
    const script = 'require("fs").writeSync(3, "exit 0\\n"); setTimeout(() => process.exit(0), 300);';
    const child = spawn(process.execPath, ["-e", script], { detached: true, stdio: ["ignore", "pipe", "pipe", ...tree.stdio] });
    tree.attach(child);
    child.stdout!.resume();
    child.stderr!.resume();
    expect(await tree.exited).toEqual({ code: 0, signal: null });
    expect(tree.members()).toEqual([child.pid]);
    const result = await tree.terminate({ killAfterMs: 300, killWaitMs: 3_000 });
    expect(result).toEqual({ signal: "none", gone: true });
    expect(await new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", resolve)))).toBe(0);
  });
});

describe("choosing", () => {
  it("auto picks the strongest containment available", () => {
    const tree = new ProcessTree({ runId: runId(), name: "auto", searchPath: process.env.PATH });
    tree.discard();
    expect(tree.containment).toBe(KINDS[0]);
  });

  it("node ids that are not file names still get a cgroup of their own", { skip: !KINDS.includes("cgroup") }, async () => {
    const run = runId();
    const tree = new ProcessTree({ runId: run, name: "a/b c", containment: "cgroup" });
    expect(tree.cgroup).toMatch(/node-a%2fb%20c$/);
    tree.discard();
    expect(findRunCgroups(run)).toEqual([]);
  });
});
