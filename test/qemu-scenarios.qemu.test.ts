/**
 * The QEMU scenarios of scenarios/, run for real: Debian's qemu-system-arm, the
 * sim-qemu-step plugin built with gcc, and the firmware built from source first
 * (what `pnpm firmware:qemu` does). qemu-mcu.yaml's digest is pinned in
 * scenarios/golden.json and checked here rather than in test/golden.slow.test.ts,
 * because it needs QEMU. After every test no QEMU process is left.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runScenario } from "@sim/harness";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { qemuDescendants, qemuMissing } from "../packages/launcher-qemu/src/__fixtures__/qemu.js";
import { expectedDigest, goldenScenarios, hasQemuNodes } from "./helpers/golden.js";
import { buildQemuScenarioFirmware } from "./helpers/qemu-firmware.js";
import { scenariosDir, tempDir } from "./helpers/sim-cli.js";

interface QemuRun {
  digest: string | null;
  /** logs/mcu.uart.log: every UART line with the virtual time it was stamped with. */
  uart: string;
  summary: NonNullable<Awaited<ReturnType<typeof runScenario>>["summary"]>;
}

async function run(name: string): Promise<QemuRun> {
  const outDir = tempDir(`qemu-${name}`);
  const result = await runScenario(join(scenariosDir, name), { outDir, stateDir: tempDir("state") });
  expect(result.success, result.summary?.error?.message).toBe(true);
  return { digest: result.digest, uart: readFileSync(join(outDir, "logs", "mcu.uart.log"), "utf8"), summary: result.summary! };
}

describe.skipIf(qemuMissing !== null)("QEMU scenarios", () => {
  beforeAll(async () => {
    await buildQemuScenarioFirmware();
  });

  afterEach(() => {
    expect(qemuDescendants()).toEqual([]);
  });

  test("golden.json pins qemu-mcu.yaml, and the slow project leaves it to this one", () => {
    expect(goldenScenarios({ qemu: true })).toEqual(["qemu-mcu.yaml"]);
    expect(goldenScenarios({ qemu: false })).not.toContain("qemu-mcu.yaml");
    expect(hasQemuNodes("renode-mcu.yaml")).toBe(false);
  });

  test("qemu-mcu.yaml: its golden digest on two runs, the same UART bytes, readings reaching the cloud", { timeout: 180_000 }, async () => {
    const first = await run("qemu-mcu.yaml");
    const second = await run("qemu-mcu.yaml");
    expect(first.digest).toBe(expectedDigest("qemu-mcu.yaml"));
    expect(second.digest).toBe(first.digest);
    expect(second.uart).toBe(first.uart);

    // A reading every 100 ms of virtual time, each stamped with the last µs of the 1 ms step it ended in.
    const lines = first.uart.trimEnd().split("\n");
    expect(lines).toHaveLength(20);
    expect(lines[2]).toBe('0.300999 {"seq":3,"t_ms":300,"readings":{"temperature":21.71}}');
    // The gateway reads every line (none unreadable) and forwards each to the cloud; the last is still in flight at the end.
    const nodes = first.summary.nodes;
    expect(nodes["mcu"]).toMatchObject({ type: "qemu", sent: 20 });
    expect(nodes["gateway_1"]!.counters).toEqual({ forwarded: 19 });
    expect(nodes["cloud"]!.received).toBe(19);
  });

  test("qemu-mixed.yaml: firmware, simulated sensors and a process node reach the cloud, the same way twice", { timeout: 180_000 }, async () => {
    const first = await run("qemu-mixed.yaml");
    const second = await run("qemu-mixed.yaml");
    expect(second.digest).toBe(first.digest);
    expect(second.uart).toBe(first.uart);
    const nodes = first.summary.nodes;
    expect(nodes["mcu"]!.sent).toBe(20);
    // 4 sensors × 20 readings and the firmware's, less its last (in flight at the end): 99, in batches of 5.
    expect(nodes["edge"]!.received).toBe(4 * 20 + 19);
    expect(nodes["cloud"]!.received).toBe(19);
  });

  test("messages to a qemu node reach the firmware's UART at their delivery time", { timeout: 120_000 }, async () => {
    const dir = tempDir("qemu-rx");
    const scenario = join(dir, "rx.yaml");
    writeFileSync(
      scenario,
      [
        "duration_sec: 1.0",
        "time_quantum_us: 5000",
        "nodes:",
        "  probe: {type: sensor, sensors: [temperature], period_ms: 250, start_ms: 40, target: mcu}",
        `  mcu: {type: qemu, machine: netduinoplus2, firmware: ${JSON.stringify(join(scenariosDir, "qemu", "sensor-fw.elf"))}, target: sink, quantum_us: 500}`,
        "  sink: {type: cloud}",
        "network: {type: latency, default_latency_ms: 3}",
        "",
      ].join("\n"),
    );
    const outDir = join(dir, "out");
    const result = await runScenario(scenario, { outDir, stateDir: tempDir("state") });
    expect(result.success, result.summary?.error?.message).toBe(true);
    const answers = readFileSync(join(outDir, "logs", "mcu.uart.log"), "utf8")
      .split("\n")
      .filter((line) => line.includes('{"rx":'));
    // Sampled at 40, 290, 540, 790 ms, delivered 3 ms later, given to the USART from then on, one
    // byte each time the firmware has read the previous one (retried every 10 µs): the firmware
    // names the ms its whole line had arrived, 2 ms after delivery, the same for every message.
    expect(answers.map((line) => /"t_ms":(\d+)\}$/.exec(line)?.[1])).toEqual(["45", "295", "545", "795"]);
    expect(answers[0]).toMatch(/^0\.04\d{4} \{"rx":"\{\?seq\?:0,/);
  });
});
