/**
 * A process node that leaves processes behind in every way it can (a setsid child, a
 * double-forked daemon with a scrubbed environment, one that keeps the node's stdio;
 * all ignoring SIGTERM), under every containment available here, for every way the
 * node's life ends: a normal stop, a failure, a quantum timeout, an interrupt while it
 * runs. Afterwards /proc is searched for the test's unique marker.
 */
import { ProcessTree, type Containment } from "@sim/process-tree";
import { afterEach, describe, expect, it } from "vitest";
import { ESCAPER, aliveRoutes, killMarked, newMarker, waitForRoutes, type Route } from "@sim/process-tree/testing";
import { EXAMPLES_PY, EXAMPLES_TS, launchContext, MemoryResources, processNode, tsNodeCommand } from "./__fixtures__/context.js";
import { driveLockstep } from "./__fixtures__/drive-lockstep.js";
import { createProcessLauncher, type StartedProcess } from "./process-launcher.js";

const ROUTES: Route[] = ["setsid", "daemon", "daemon-stdio"];

function available(kind: Containment): boolean {
  try {
    new ProcessTree({ runId: `probe-${process.pid}`, name: "probe", containment: kind, searchPath: process.env.PATH }).discard();
    return true;
  } catch {
    return false;
  }
}
const KINDS = (["cgroup", "subreaper", "group"] as const).filter((k) => process.platform === "linux" && available(k));

/** Only the process group loses a daemon that scrubbed its environment and closed its stdio. */
const ESCAPES: Record<Containment, Route[]> = { cgroup: [], subreaper: [], group: ["daemon"] };

const markers: string[] = [];
afterEach(() => {
  for (const marker of markers.splice(0)) killMarked(marker);
});

type End = "normal" | "failure" | "timeout" | "interrupt";
const ENDS: End[] = ["normal", "failure", "timeout", "interrupt"];

describe.each(KINDS)("containment %s", (kind) => {
  const launcher = createProcessLauncher({ containment: kind });

  it("the protocol goes through unchanged: an SDK node and the Python node in lockstep, stopped without a signal", async () => {
    // A generous grace: under a loaded CI machine the Python node and its supervisor may take seconds to exit.
    const ctx = launchContext({ resources: new MemoryResources(`proto-${kind}`), timeouts: { shutdown_grace_sec: 15 } });
    const ts = (await launcher.launch(processNode("ts", tsNodeCommand("ring.ts"), EXAMPLES_TS, { next: "py" }), ctx)) as StartedProcess;
    const py = (await launcher.launch(processNode("py", ["python3", "echo_node.py"], EXAMPLES_PY, { processing_us: 1500 }), ctx)) as StartedProcess;
    const { sent } = await driveLockstep([ts.external, py.external], { quantumUs: 10_000, durationUs: 50_000, latencyUs: 2_000 });
    expect(sent.filter((m) => m.from === "py").map((m) => m.atUs)).toEqual([11_500, 21_500, 31_500, 41_500]);
    await Promise.all([ts.stop(), py.stop()]);
    expect([ts.stopResult, py.stopResult]).toEqual([{ signal: "none", gone: true }, { signal: "none", gone: true }]);
    expect(ctx.resources.processes.size).toBe(0);
  });

  it.each(ENDS)("%s end: nothing the node started is left, and stop() releases its stdio", async (end) => {
    const marker = newMarker();
    markers.push(marker);
    const words = [...ROUTES, ...(end === "failure" ? ["fail"] : end === "timeout" ? ["hang", "ignore-term"] : end === "interrupt" ? ["ignore-term"] : [])];
    const ctx = launchContext({ resources: new MemoryResources(`esc-${marker}`), timeouts: { quantum_wall_sec: 1, shutdown_grace_sec: 0.3 } });
    const node = (await launcher.launch(processNode("escaper", [process.execPath, ESCAPER, marker, ...words], "/"), ctx)) as StartedProcess;
    expect(node.containment).toBe(kind);
    await node.external.start({ seed: 1, timeQuantumUs: 10_000 });
    await waitForRoutes(marker, ROUTES);

    if (end === "normal") expect(await node.external.advance(10_000, [])).toEqual([]);
    else if (end === "failure") await expect(node.external.advance(10_000, [])).rejects.toThrow(/exited with code 3/);
    else if (end === "timeout") await expect(node.external.advance(10_000, [])).rejects.toThrow(/quantum_wall_sec/);
    await node.stop();

    expect(aliveRoutes(marker, ROUTES)).toEqual(ESCAPES[kind]);
    expect(node.stopResult?.gone).toBe(true);
    expect(ctx.resources.processes.size).toBe(0);
  });
});
