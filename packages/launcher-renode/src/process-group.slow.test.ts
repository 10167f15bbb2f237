import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProcessTree, type Containment } from "@sim/process-tree";
import { aliveRoutes, killMarked, newMarker, waitForRoutes, type Route } from "@sim/process-tree/testing";
import { afterEach, describe, expect, it } from "vitest";
import { launchContext, processAlive, processGroupAlive, renodeNode, scenarioWith, STANDIN } from "./__fixtures__/harness.js";
import { RenodeNodeFailedError } from "./errors.js";
import { renodeLauncher } from "./launcher.js";
import { findFreePort, RenodeProcess } from "./renode-process.js";

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

const ROUTES: Route[] = ["setsid", "daemon", "daemon-stdio"];
const KINDS = (["cgroup", "subreaper", "group"] as const).filter((kind) => {
  try {
    new ProcessTree({ runId: `probe-${process.pid}`, name: "probe", containment: kind, searchPath: process.env.PATH }).discard();
    return process.platform === "linux";
  } catch {
    return false;
  }
});
/** Only the process group loses a daemon that scrubbed its environment and closed its stdio. */
const ESCAPES: Record<Containment, Route[]> = { cgroup: [], subreaper: [], group: ["daemon"] };

describe.each(KINDS)("a Renode whose start script leaves processes behind (containment %s)", (kind) => {
  it("stopping it ends them all: a setsid child, a double-forked daemon with a scrubbed environment, one holding Renode's output", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-renode-escape-"));
    dirs.push(dir);
    const marker = newMarker();
    const script = join(dir, "renode");
    // A start script like Renode's own, that also leaves three processes ignoring SIGTERM.
    await writeFile(
      script,
      [
        "#!/bin/sh",
        `(trap "" TERM; exec setsid sh -c 'exec sleep ${marker}.1') </dev/null >/dev/null 2>&1 &`,
        `(trap "" TERM; setsid sh -c 'exec env -i sleep ${marker}.2' </dev/null >/dev/null 2>&1 &)`,
        `(trap "" TERM; setsid sh -c 'exec env -i sleep ${marker}.3' </dev/null &)`,
        `exec "${process.execPath}" "${STANDIN}" "$@"`,
        "",
      ].join("\n"),
    );
    await chmod(script, 0o755);
    const port = await findFreePort();
    const proc = await RenodeProcess.start({
      executable: script,
      args: ["--disable-xwt", "--plain", "--port", String(port), "--pid-file", join(dir, "pid"), "--config", join(dir, "cfg")],
      cwd: dir,
      runId: `renode-escape-${marker}`,
      nodeId: "mcu",
      containment: kind,
    });
    try {
      expect(proc.containment).toBe(kind);
      await proc.monitorAnnounced;
      await waitForRoutes(marker, ROUTES);
      expect(await proc.terminate(500, 3_000)).toBe(true);
      expect(aliveRoutes(marker, ROUTES)).toEqual(ESCAPES[kind]);
    } finally {
      killMarked(marker);
    }
  });
});
