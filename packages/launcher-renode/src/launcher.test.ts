import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResolvedRenodeNode, ResolvedScenario } from "@sim/config";
import { NodeFailedError, type InboundMessage, type OutboundMessage, type StartedNode } from "@sim/coordinator";
import { afterEach, describe, expect, it } from "vitest";
import { launchContext, processAlive, processGroupAlive, renodeNode, renodeWorkDir, scenarioWith } from "./__fixtures__/harness.js";
import { RenodeNodeFailedError } from "./errors.js";
import { renodeLauncher } from "./launcher.js";

const running: StartedNode[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const node of running.splice(0)) await node.stop();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function launch(node: ResolvedRenodeNode, scenario: ResolvedScenario = scenarioWith([node]), logDir: string | null = null) {
  const ctx = launchContext(scenario, { logDir });
  const started = await renodeLauncher.launch(node, ctx);
  running.push(started);
  const external = started.external;
  if (external === null) throw new Error("a renode node takes part in lockstep");
  const [pid] = [...ctx.resources.processes.keys()];
  if (pid === undefined) throw new Error("the emulator was not registered");
  return { started, external, ctx, pid };
}

/** Runs quanta of `quantumUs` up to `untilUs`, handing each quantum the inbound messages that fall into it. */
async function runLockstep(
  external: NonNullable<StartedNode["external"]>,
  untilUs: number,
  quantumUs: number,
  inbound: InboundMessage[] = [],
): Promise<OutboundMessage[]> {
  const out: OutboundMessage[] = [];
  await external.start({ seed: 42, timeQuantumUs: quantumUs });
  for (let t = quantumUs; t <= untilUs; t += quantumUs) {
    const due = inbound.filter((m) => m.atUs > t - quantumUs && m.atUs <= t);
    out.push(...(await external.advance(t, due)));
  }
  return out;
}

const digest = (messages: OutboundMessage[]) => createHash("sha256").update(JSON.stringify(messages)).digest("hex");

describe("renode nodes in lockstep with the stand-in", () => {
  const inbound: InboundMessage[] = [{ from: "gateway", atUs: 255_000, payload: "hello", sizeBytes: 5 }];

  it("turns UART lines into messages stamped with the last µs of their step, the same way every run", async () => {
    const digests: string[] = [];
    let first: OutboundMessage[] = [];
    for (let run = 0; run < 2; run++) {
      const { started, external, ctx, pid } = await launch(renodeNode());
      const out = await runLockstep(external, 1_000_000, 10_000, inbound);
      await started.stop();
      expect(processAlive(pid)).toBe(false);
      expect(processGroupAlive(pid)).toBe(false);
      expect(ctx.resources.processes.size).toBe(0);
      expect(ctx.resources.removed).toContain(pid);
      digests.push(digest(out));
      if (run === 0) first = out;
    }
    expect(digests[0]).toBe(digests[1]);
    // Readings 1..9 (the 10th leaves the UART 10 µs after 1 s) and the answer to "hello".
    expect(first).toHaveLength(10);
    // Reading k leaves the UART just after k*100 ms; it is stamped with the last µs of that quantum.
    expect(first[0]).toEqual({ to: "gateway", atUs: 109_999, payload: { seq: 1, t_ms: 100, readings: { temperature: 21.57 } }, sizeBytes: 53, nodeSeq: 0 });
    // The inbound line was written at exactly 255 ms, which split the quantum: the
    // answer completed in the step [255 ms, 260 ms).
    expect(first.find((m) => (m.payload as { rx?: string }).rx !== undefined)).toEqual({
      to: "gateway",
      atUs: 259_999,
      payload: { rx: "hello", t_ms: 255 },
      sizeBytes: 25,
      nodeSeq: 2,
    });
    expect(first.map((m) => m.nodeSeq)).toEqual([...Array(10).keys()]);
    expect(first.every((m) => m.atUs % 10_000 === 9_999)).toBe(true);
  });

  it("sends nothing when the node has no target, and writes the Renode and UART logs", async () => {
    const logDir = await mkdtemp(join(tmpdir(), "sim-renode-logs-"));
    dirs.push(logDir);
    const { started, external } = await launch(renodeNode({ target: null }), undefined, logDir);
    expect(await runLockstep(external, 300_000, 50_000)).toEqual([]);
    await started.stop();
    expect(await readdir(logDir)).toEqual(["mcu.log", "mcu.uart.log"]);
    expect(await readFile(join(logDir, "mcu.uart.log"), "utf8")).toBe(
      ['0.149999 {"seq":1,"t_ms":100,"readings":{"temperature":21.57}}', '0.249999 {"seq":2,"t_ms":200,"readings":{"temperature":21.64}}', ""].join("\n"),
    );
    expect(await readFile(join(logDir, "mcu.log"), "utf8")).toMatch(/Monitor available in telnet mode/);
  });

  it("bounds <id>.log and <id>.uart.log by the scenario's limits, each with a note, and keeps running", async () => {
    const logDir = await mkdtemp(join(tmpdir(), "sim-renode-logs-"));
    dirs.push(logDir);
    // 30 more UART lines and 30 Renode log lines with each reading (every 100 ms).
    const node = renodeNode({}, ["--standin-burst", "30"]);
    const { started, external } = await launch(node, scenarioWith([node], { limits: { sends_per_quantum: 1000, log_lines: 20, log_bytes: 1024 * 1024 } }), logDir);
    const out = await runLockstep(external, 300_000, 10_000);
    await started.stop();
    // Every UART line is still a message: the log limits only bound the files.
    expect(out).toHaveLength(2 * 31);
    for (const name of ["mcu.log", "mcu.uart.log"]) {
      const lines = (await readFile(join(logDir, name), "utf8")).trimEnd().split("\n");
      expect(lines, name).toHaveLength(22);
      expect(lines[20], name).toMatch(/^\[sim\] log truncated after 20 lines, \d+ bytes \(limits.log_lines is 20\); the node kept running/);
      expect(lines[21], name).toMatch(/^\[sim\] dropped \d+ lines, \d+ bytes of output after the log was truncated$/);
    }
  });

  it("fails the node when the firmware prints more UART lines in a quantum than sends_per_quantum", async () => {
    const node = renodeNode({}, ["--standin-burst", "30"]);
    const { started, external, pid } = await launch(node, scenarioWith([node], { limits: { sends_per_quantum: 30, log_lines: 100, log_bytes: 1024 * 1024 } }));
    await external.start({ seed: 42, timeQuantumUs: 10_000 });
    for (let t = 10_000; t <= 100_000; t += 10_000) await external.advance(t, []);
    // The first reading and its 30 burst lines: 31 messages in the quantum ending at 110 ms.
    const error = await external.advance(110_000, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenodeNodeFailedError);
    expect(error).toMatchObject({ code: "SIM_NODE_FAILED", nodeId: "mcu", phase: "advance" });
    expect((error as Error).message).toMatch(/^node "mcu" failed: renode advance of the quantum ending at 0\.110000 s: the firmware printed more than 30 UART lines, each a message, in one quantum \(limits.sends_per_quantum\)/);
    expect((error as Error).cause).toMatchObject({ code: "SIM_NODE_TOO_MANY_SENDS", limit: 30 });
    expect(processAlive(pid)).toBe(false);
    await started.stop();
  });

  it("fails a quantum that exceeds quantum_wall_sec, naming the node, and kills the emulator", async () => {
    const node = renodeNode({}, ["--standin-hang-at-us", "50000"]);
    const { started, external, pid } = await launch(node, scenarioWith([node], { timeouts: { startup_sec: 10, shutdown_grace_sec: 2, quantum_wall_sec: 1 } }));
    await external.start({ seed: 42, timeQuantumUs: 10_000 });
    for (let t = 10_000; t < 50_000; t += 10_000) await external.advance(t, []);
    const error = await external.advance(50_000, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenodeNodeFailedError);
    expect(error).toBeInstanceOf(NodeFailedError);
    expect(error).toMatchObject({ code: "SIM_NODE_FAILED", nodeId: "mcu", phase: "advance" });
    expect((error as Error).message).toMatch(/^node "mcu" failed: renode advance of the quantum ending at 0\.050000 s: .*quantum_wall_sec.*; the emulator was killed/);
    expect(processAlive(pid)).toBe(false);
    await expect(external.advance(60_000, [])).rejects.toBe(error);
    await started.stop();
  });

  it("fails cleanly when the emulator crashes, with its exit status and last words", async () => {
    const { started, external, pid, ctx } = await launch(renodeNode({}, ["--standin-crash-at-us", "20000"]));
    await external.start({ seed: 42, timeQuantumUs: 10_000 });
    await external.advance(10_000, []);
    const error = await external.advance(20_000, []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenodeNodeFailedError);
    expect((error as Error).message).toMatch(/^node "mcu" failed: renode advance of the quantum ending at 0\.020000 s: .*Renode exited \(code 134\).*Fatal error/);
    expect(processAlive(pid)).toBe(false);
    await started.stop();
    expect(ctx.resources.processes.size).toBe(0);
  });

  it("fails the launch when Renode refuses its command line, leaving nothing behind", async () => {
    const node = renodeNode({}, ["--no-such-flag"]);
    const ctx = launchContext(scenarioWith([node]));
    const error = await renodeLauncher.launch(node, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenodeNodeFailedError);
    expect((error as Error).message).toMatch(/^node "mcu" failed: renode launch: .*exited \(code 1\).*Unknown option: --no-such-flag/);
    expect(ctx.resources.removed).toHaveLength(1);
    expect(ctx.resources.processes.size).toBe(0);
    expect(processAlive(ctx.resources.removed[0] ?? 0)).toBe(false);
  });

  it("fails the launch when the monitor rejects a setup command, quoting Renode", async () => {
    const node = renodeNode({ uart: "sysbus.usart9" });
    const ctx = launchContext(scenarioWith([node]));
    const error = await renodeLauncher.launch(node, ctx).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/sysbus\.usart9 CreateFileBackend .*No such command or device: sysbus\.usart9/);
    expect(ctx.resources.processes.size).toBe(0);
  });

  it("waits for a slow start-up without the log line, and gives up after startup_sec", async () => {
    const slow = renodeNode({}, ["--hide-log", "--standin-startup-delay-ms", "700"]);
    const { external } = await launch(slow);
    expect(await runLockstep(external, 10_000, 10_000)).toEqual([]);

    const tooSlow = renodeNode({}, ["--standin-startup-delay-ms", "3000"]);
    const ctx = launchContext(scenarioWith([tooSlow], { timeouts: { startup_sec: 1, shutdown_grace_sec: 2, quantum_wall_sec: 2 } }));
    const error = await renodeLauncher.launch(tooSlow, ctx).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^node "mcu" failed: renode launch: .*monitor on port \d+ \(timeouts\.startup_sec\)/);
    expect(ctx.resources.processes.size).toBe(0);
  });

  it("gives up a launch when the run is interrupted", async () => {
    const node = renodeNode({}, ["--standin-startup-delay-ms", "5000"]);
    const ac = new AbortController();
    const ctx = launchContext(scenarioWith([node]), { signal: ac.signal });
    const pending = renodeLauncher.launch(node, ctx);
    setTimeout(() => ac.abort(new Error("SIGINT")), 300);
    await expect(pending).rejects.toThrow(/SIGINT/);
    expect(ctx.resources.processes.size).toBe(0);
  });

  it("refuses to start when the run's quantum is below Renode's", async () => {
    const node = renodeNode({ renode: { path: renodeNode().renode.path, args: [], quantum_us: 5_000 } });
    const { external, pid } = await launch(node);
    await expect(external.start({ seed: 42, timeQuantumUs: 1_000 })).rejects.toThrow(/quantum 5000 µs exceeds the run's time quantum 1000 µs/);
    expect(processAlive(pid)).toBe(false);
  });

  it("stops idempotently and removes its temporary folder", async () => {
    const { started, external, pid, ctx } = await launch(renodeNode());
    await runLockstep(external, 20_000, 10_000);
    const workDir = renodeWorkDir(ctx);
    expect(existsSync(join(workDir, "uart.log"))).toBe(true);
    await Promise.all([started.stop(), started.stop()]);
    await started[Symbol.asyncDispose]();
    expect(processAlive(pid)).toBe(false);
    expect(existsSync(workDir)).toBe(false);
    expect(ctx.resources.removed).toEqual([pid]);
  });
});
