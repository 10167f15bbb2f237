import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { installExampleFirmware } from "@sim/launcher-qemu";

/** The firmware the QEMU scenarios name, built from source by `pnpm firmware:qemu` (never committed). */
export const QEMU_SCENARIO_FIRMWARE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "scenarios", "qemu", "sensor-fw.elf");

/** Builds it, as `pnpm firmware:qemu` does: the step before running a QEMU scenario. */
export async function buildQemuScenarioFirmware(): Promise<string> {
  return (await installExampleFirmware(QEMU_SCENARIO_FIRMWARE)).path;
}
