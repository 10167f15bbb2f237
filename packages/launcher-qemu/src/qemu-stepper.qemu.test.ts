/**
 * The real thing: Debian's qemu-system-arm running the example firmware, built
 * from source, stepped by the sim-qemu-step plugin, built with gcc.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isProcessAlive } from "@sim/process-tree";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { qemuDescendants, qemuMissing } from "./__fixtures__/qemu.js";
import { buildExampleFirmware } from "./build-firmware.js";
import { buildPlugin } from "./build-plugin.js";
import { QemuExitedError, QemuPluginUnsupportedError, QemuUsageError } from "./errors.js";
import { probeQemu } from "./probe.js";
import { QemuStepper } from "./qemu-stepper.js";

const DURATION_US = 500_000;
/** Lines sent to the firmware: one at 50 ms, 150 ms, ... (each names its delivery time). */
const RX_TIMES_US = [50_000, 150_000, 250_000, 350_000, 450_000];

let firmware = "";
let plugin = "";

interface Run {
  tx: Buffer;
  /** [grant ns, reached ns] of every stop. */
  stops: Array<[bigint, bigint]>;
}

/**
 * Runs the firmware to DURATION_US in quanta of `quantumUs` (null: stops only where
 * a line has to be delivered, the least stepping possible), delivering each RX line
 * at the start of the quantum that begins at its time.
 */
async function run(quantumUs: number | null, icountShift = 0): Promise<Run> {
  const stepper = await QemuStepper.start({ firmware, plugin, icountShift });
  const chunks: Buffer[] = [];
  const stops: Array<[bigint, bigint]> = [];
  try {
    const bounds = quantumUs === null ? [...RX_TIMES_US, DURATION_US] : Array.from({ length: DURATION_US / quantumUs }, (_, k) => (k + 1) * quantumUs);
    let from = 0;
    for (const until of bounds) {
      const rx = RX_TIMES_US.includes(from) ? Buffer.from(`p${from}\n`) : Buffer.alloc(0);
      const result = await stepper.advance(until, rx);
      chunks.push(result.txBytes);
      stops.push([BigInt(until) * 1000n, result.reachedNs]);
      expect(result.reachedUs).toBe(until);
      from = until;
    }
  } finally {
    await stepper.stop();
  }
  return { tx: Buffer.concat(chunks), stops };
}

/** The complete lines (the last one may still be being printed at the stop). */
function lines(tx: Buffer): string[] {
  return tx.toString("utf8").split("\r\n").slice(0, -1);
}

describe.skipIf(qemuMissing !== null)("QemuStepper with qemu-system-arm", () => {
  let reference: Run;

  beforeAll(async () => {
    firmware = (await buildExampleFirmware()).path;
    plugin = (await buildPlugin()).path;
    reference = await run(null);
  });

  afterEach(() => {
    expect(qemuDescendants()).toEqual([]);
  });

  it("runs the firmware: gateway-readable readings every 100 ms, and answers to lines at their delivery time", () => {
    const got = lines(reference.tx).map((l) => JSON.parse(l) as Record<string, unknown>);
    const readings = got.filter((m) => "readings" in m);
    // 100, 200, 300, 400 ms; the one at 500 ms is printed just after the last stop.
    expect(readings.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    for (const m of readings) expect(typeof (m.readings as { temperature?: unknown }).temperature).toBe("number");
    expect(readings[2]).toEqual({ seq: 3, t_ms: 300, readings: { temperature: 21.71 } });
    const answers = got.filter((m) => "rx" in m);
    expect(answers).toEqual(RX_TIMES_US.map((t) => ({ rx: `p${t}`, t_ms: t / 1000 })));
  });

  it.each([10, 100, 1000])("stops exactly at k x %i µs, with the same UART bytes as the least stepping", async (quantumUs) => {
    const stepped = await run(quantumUs);
    expect(stepped.stops).toHaveLength(DURATION_US / quantumUs);
    const off = stepped.stops.filter(([grant, reached]) => grant !== reached);
    expect(off).toEqual([]);
    expect(stepped.tx.equals(reference.tx)).toBe(true);
  });

  it("gives byte-identical UART output on two runs", async () => {
    const a = await run(100);
    const b = await run(100);
    expect(a.tx.length).toBeGreaterThan(200);
    expect(a.tx.equals(b.tx)).toBe(true);
  });

  it("with icount shift 3 stops in the granted microsecond, at most 7 ns late, and is still independent of the quantum", async () => {
    const coarse = await run(null, 3);
    const fine = await run(100, 3);
    for (const [grant, reached] of fine.stops) {
      expect(reached >= grant && reached < grant + 8n).toBe(true);
    }
    expect(fine.tx.equals(coarse.tx)).toBe(true);
    expect(lines(fine.tx).filter((l) => l.includes('"rx"'))).toHaveLength(RX_TIMES_US.length);
  });

  it("refuses a grant that is not in the future, and advance after stop; its work folder is reported at spawn and removed by stop", async () => {
    const spawned: { pid: number; workDir: string }[] = [];
    const stepper = await QemuStepper.start({ firmware, plugin, onSpawn: (pid, workDir) => spawned.push({ pid, workDir }) });
    expect(spawned).toEqual([{ pid: stepper.pid, workDir: expect.stringMatching(/[/]sim-qemu-[^/]+$/) }]);
    expect(existsSync(join(spawned[0]!.workDir, "ctl.sock"))).toBe(true);
    try {
      await stepper.advance(1_000);
      await expect(stepper.advance(1_000)).rejects.toBeInstanceOf(QemuUsageError);
      expect((await stepper.advance(2_000)).reachedUs).toBe(2_000);
    } finally {
      await stepper.stop();
      await stepper.stop(); // twice is fine
    }
    await expect(stepper.advance(3_000)).rejects.toBeInstanceOf(QemuUsageError);
    expect(existsSync(spawned[0]!.workDir)).toBe(false);
  });

  it("fails with QemuExitedError when QEMU dies mid-run, and stop still cleans up", async () => {
    const stepper = await QemuStepper.start({ firmware, plugin });
    try {
      await stepper.advance(10_000);
      process.kill(stepper.pid!, "SIGKILL");
      const error = await stepper.advance(20_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QemuExitedError);
      expect((error as Error).message).toMatch(/QEMU (was killed \(SIGKILL\)|closed the plugin's socket)/);
      // The same error again: the node is failed.
      await expect(stepper.advance(30_000)).rejects.toBe(error);
    } finally {
      await stepper.stop();
    }
    expect(isProcessAlive(stepper.pid!)).toBe(false);
  });

  it("refuses a missing firmware file before starting anything, and reports QEMU's complaint about a bad one", async () => {
    await expect(QemuStepper.start({ firmware: "/nonexistent/firmware.elf", plugin })).rejects.toBeInstanceOf(QemuUsageError);
    const dir = await mkdtemp(join(tmpdir(), "sim-qemu-test-"));
    const bad = join(dir, "not-an-elf.elf");
    await writeFile(bad, "this is not firmware\n");
    try {
      const error = await QemuStepper.start({ firmware: bad, plugin }).then(
        async (stepper) => {
          try {
            return await stepper.advance(1_000).catch((e: unknown) => e);
          } finally {
            await stepper.stop();
          }
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(QemuExitedError);
      // Raw bytes are loaded as an image; the core locks up and QEMU aborts, saying so.
      expect((error as Error).message).toMatch(/QEMU (was killed \(SIGABRT\)|exited \(code \d+\)) during .*: qemu[\w-]*: /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses to load, naming the symbol, where QEMU lacks one it needs", async () => {
    const variant = (await buildPlugin({ requireSymbol: "sim_no_such_symbol" })).path;
    const error = await QemuStepper.start({ firmware, plugin: variant }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QemuPluginUnsupportedError);
    expect((error as QemuPluginUnsupportedError).code).toBe("SIM_QEMU_PLUGIN_UNSUPPORTED");
    expect((error as QemuPluginUnsupportedError).missing).toEqual(["sim_no_such_symbol"]);
    expect((error as Error).message).toMatch(/does not export sim_no_such_symbol/);

    const probe = await probeQemu({ plugin: variant });
    expect(probe).toMatchObject({ ok: false, reason: "missing-symbols", missing: ["sim_no_such_symbol"] });
    expect(await probeQemu({ plugin })).toMatchObject({ ok: true, version: expect.stringMatching(/^QEMU emulator version \d+\.\d+/) });
    expect(await probeQemu({ plugin, qemu: "/nonexistent/qemu-system-arm" })).toMatchObject({ ok: false, reason: "not-found" });
  });
});
