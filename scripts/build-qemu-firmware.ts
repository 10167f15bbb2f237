/**
 * Builds the firmware the QEMU scenarios run, from source, into the file they name:
 * packages/launcher-qemu/firmware/sensor-fw.c -> scenarios/qemu/sensor-fw.elf
 * (arm-none-eabi-gcc, Debian's gcc-arm-none-eabi; reproducible, never committed).
 *
 *   pnpm firmware:qemu
 */
import { installExampleFirmware } from "@sim/launcher-qemu";
import { QEMU_SCENARIO_FIRMWARE } from "../test/helpers/qemu-firmware.js";

const result = await installExampleFirmware(QEMU_SCENARIO_FIRMWARE);
console.log(`${result.built ? "built" : "up to date"}: ${result.path}`);
