import { randomBytes } from "node:crypto";
import { copyFile, mkdir, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { compileCached, type CompileResult } from "./_compile.js";
import { defaultCacheDir } from "./cache-dir.js";

const FIRMWARE_DIR = new URL("../firmware/", import.meta.url);

/** The example firmware's source and linker script, shipped with the package. */
export const EXAMPLE_FIRMWARE_SOURCE = fileURLToPath(new URL("sensor-fw.c", FIRMWARE_DIR));
export const EXAMPLE_FIRMWARE_LINKER_SCRIPT = fileURLToPath(new URL("netduinoplus2.ld", FIRMWARE_DIR));

/** The machine the example firmware is written for. */
export const EXAMPLE_FIRMWARE_MACHINE = "netduinoplus2";

export interface BuildFirmwareOptions {
  /** Default: `defaultCacheDir()` (`~/.cache/sim/qemu`). */
  cacheDir?: string;
  /** The cross compiler (default `arm-none-eabi-gcc`, Debian's gcc-arm-none-eabi). */
  cc?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Builds the example sensor firmware (`firmware/sensor-fw.c`, STM32F405 of QEMU's
 * `netduinoplus2`) from source into the cache folder. The ELF is never committed;
 * the build is reproducible (no debug info with paths, no build id).
 */
export function buildExampleFirmware(options: BuildFirmwareOptions = {}): Promise<CompileResult> {
  return compileCached({
    target: "firmware",
    cc: options.cc ?? "arm-none-eabi-gcc",
    inputs: [EXAMPLE_FIRMWARE_SOURCE, EXAMPLE_FIRMWARE_LINKER_SCRIPT],
    args: [
      "-mcpu=cortex-m4",
      "-mthumb",
      "-std=c11",
      "-O2",
      "-ffreestanding",
      "-fno-builtin",
      "-fno-common",
      "-Wall",
      "-Wextra",
      "-Werror",
      "-nostdlib",
      "-nostartfiles",
      "-T",
      EXAMPLE_FIRMWARE_LINKER_SCRIPT,
      "-Wl,--build-id=none",
      "-Wl,--gc-sections",
      EXAMPLE_FIRMWARE_SOURCE,
    ],
    outDir: options.cacheDir ?? defaultCacheDir(options.env),
    stem: "sensor-fw-netduinoplus2",
    ext: "elf",
    env: options.env,
  });
}

/**
 * Builds the example firmware (cached) and copies it to `dest`, e.g. the file a
 * scenario names (`scenarios/qemu/sensor-fw.elf`, by `pnpm firmware:qemu`). The copy
 * is renamed into place, so that a concurrent reader never sees half a file.
 */
export async function installExampleFirmware(dest: string, options: BuildFirmwareOptions = {}): Promise<CompileResult> {
  const built = await buildExampleFirmware(options);
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${randomBytes(4).toString("hex")}`;
  await copyFile(built.path, tmp);
  await rename(tmp, dest);
  return { ...built, path: dest };
}
