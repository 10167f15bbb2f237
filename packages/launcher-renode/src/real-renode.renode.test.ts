/**
 * Tests against a real Renode (1.16.1 expected). They run only when `renode` is
 * on the PATH; otherwise they are skipped, and say so loudly.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InboundMessage, OutboundMessage } from "@sim/coordinator";
import { describe, expect, it } from "vitest";
import { launchContext, processAlive, renodeNode, scenarioWith } from "./__fixtures__/harness.js";
import { findRenodeExecutable } from "./check.js";
import { MonitorTransport } from "./monitor-transport.js";
import { findFreePort, RenodeProcess } from "./renode-process.js";
import { renodeLauncher } from "./launcher.js";

const onPath = renodeNode({ renode: { path: null, args: [], quantum_us: null } });
const found = await findRenodeExecutable(onPath, scenarioWith([onPath]), process.env);
const renode = "path" in found ? found.path : null;
if (renode === null) {
  console.warn(
    [
      "",
      "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
      "!! SKIPPED: the real-Renode tests of @sim/launcher-renode (no `renode` on the PATH).",
      "!! Only the stand-in, a test fixture, was exercised. Install Renode 1.16.1 and run",
      "!!   pnpm exec vitest run --project renode packages/launcher-renode",
      "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
      "",
    ].join("\n"),
  );
}

describe.skipIf(renode === null)("real Renode", () => {
  it("speaks the monitor protocol the parser expects", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-renode-real-"));
    const port = await findFreePort();
    const proc = await RenodeProcess.start({
      executable: renode ?? "renode",
      args: ["--disable-xwt", "--plain", "--port", String(port), "--pid-file", join(dir, "pid"), "--config", join(dir, "renode.cfg")],
      cwd: dir,
    });
    try {
      await proc.monitorAnnounced;
      const monitor = await MonitorTransport.connect({ port, timeoutMs: 60_000 });
      expect(monitor.banner).toMatch(/^Renode, version \d+\.\d+/);
      expect(monitor.prompt).toBe("monitor");
      await monitor.execute('mach create "probe"');
      expect(monitor.prompt).toBe("probe");
      await expect(monitor.execute("frobnicate")).rejects.toThrow(/No such command or device: frobnicate/);
      await monitor.execute("emulation SetGlobalAdvanceImmediately true");
      await monitor.runFor(10_000);
      expect(await monitor.currentTime()).toBe(10_000);
      await monitor.quit();
      expect(await proc.waitExit(30_000)).toBe(true);
    } finally {
      expect(await proc.terminate(5_000, 5_000)).toBe(true);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runs the STM32F4 sensor firmware in lockstep, the same way twice", async () => {
    const inbound: InboundMessage[] = [{ from: "gateway", atUs: 255_000, payload: "hello", sizeBytes: 5 }];
    const runs: OutboundMessage[][] = [];
    for (let run = 0; run < 2; run++) {
      const node = renodeNode({ renode: { path: null, args: [], quantum_us: 100 } });
      const ctx = launchContext(scenarioWith([node], { timeouts: { startup_sec: 120, shutdown_grace_sec: 10, quantum_wall_sec: 30 } }));
      const started = await renodeLauncher.launch(node, ctx);
      const [pid] = [...ctx.resources.processes.keys()];
      try {
        const external = started.external;
        if (external === null) throw new Error("expected a lockstep node");
        await external.start({ seed: 42, timeQuantumUs: 10_000 });
        const out: OutboundMessage[] = [];
        for (let t = 10_000; t <= 1_000_000; t += 10_000) {
          out.push(...(await external.advance(t, inbound.filter((m) => m.atUs > t - 10_000 && m.atUs <= t))));
        }
        runs.push(out);
      } finally {
        await started.stop();
      }
      expect(processAlive(pid ?? 0)).toBe(false);
      expect(ctx.resources.processes.size).toBe(0);
    }
    const [first = [], second = []] = runs;
    const digest = (m: OutboundMessage[]) => createHash("sha256").update(JSON.stringify(m)).digest("hex");
    expect(digest(first)).toBe(digest(second));

    const readings = first.filter((m) => (m.payload as { seq?: number }).seq !== undefined);
    expect(readings.length).toBeGreaterThanOrEqual(9);
    readings.forEach((m, i) => {
      const seq = i + 1;
      expect(m.payload).toMatchObject({ seq, t_ms: seq * 100 });
      // SysTick fires at seq*100 ms; the line leaves the UART a few µs later.
      expect(m.atUs).toBeGreaterThanOrEqual(seq * 100_000);
      expect(m.atUs).toBeLessThan(seq * 100_000 + 10_000);
    });
    const answer = first.find((m) => (m.payload as { rx?: string }).rx === "hello");
    expect(answer?.atUs).toBeGreaterThanOrEqual(255_000);
  });
});
