/**
 * Exactness under heavy CPU load (docs/qemu.md, "the WFI hold"): with busy processes
 * competing for every core, QEMU's main loop and vCPU thread interleave in ways a
 * quiet machine rarely shows; every stop must still land on its grant and the UART
 * bytes must equal those of a run without load.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpus } from "node:os";
import { isProcessAlive } from "@sim/process-tree";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { qemuDescendants, qemuMissing } from "./__fixtures__/qemu.js";
import { buildExampleFirmware } from "./build-firmware.js";
import { buildPlugin } from "./build-plugin.js";
import { QemuStepper } from "./qemu-stepper.js";

const DURATION_US = 150_000;

/** The firmware's UART bytes over DURATION_US in quanta of `quantumUs`; `advance` fails on any stop off its grant. */
async function uartBytes(firmware: string, plugin: string, quantumUs: number): Promise<Buffer> {
  const stepper = await QemuStepper.start({ firmware, plugin });
  const chunks: Buffer[] = [];
  try {
    for (let t = quantumUs; t <= DURATION_US; t += quantumUs) {
      const result = await stepper.advance(t);
      expect(result.reachedNs).toBe(BigInt(t) * 1000n);
      chunks.push(result.txBytes);
    }
  } finally {
    await stepper.stop();
  }
  return Buffer.concat(chunks);
}

describe.skipIf(qemuMissing !== null)("QemuStepper under heavy CPU load", () => {
  let firmware = "";
  let plugin = "";
  let busy: ChildProcess[] = [];

  beforeAll(async () => {
    firmware = (await buildExampleFirmware()).path;
    plugin = (await buildPlugin()).path;
  });

  afterEach(async () => {
    for (const child of busy) child.kill("SIGKILL");
    await Promise.all(busy.map((child) => (child.exitCode !== null || child.signalCode !== null ? null : new Promise((resolve) => child.once("exit", resolve)))));
    expect(busy.filter((child) => isProcessAlive(child.pid!))).toEqual([]);
    busy = [];
    expect(qemuDescendants()).toEqual([]);
  });

  it("stops exactly and prints the same bytes as without load, with three busy processes per core", { timeout: 180_000 }, async () => {
    const quiet = await uartBytes(firmware, plugin, 1000);
    expect(quiet.toString("utf8").split("\r\n").filter((l) => l.includes('"readings"'))).toHaveLength(1);
    busy = Array.from({ length: 3 * cpus().length }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
    for (const quantumUs of [10, 100, 1000]) {
      expect((await uartBytes(firmware, plugin, quantumUs)).equals(quiet), `quantum ${quantumUs} µs`).toBe(true);
    }
  });
});
