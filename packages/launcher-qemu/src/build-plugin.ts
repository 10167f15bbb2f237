import { fileURLToPath } from "node:url";
import { compileCached, type CompileResult } from "./_compile.js";
import { defaultCacheDir } from "./cache-dir.js";

/** The plugin's C source, shipped with the package (src/ and dist/ are siblings of plugin/). */
export const PLUGIN_SOURCE = fileURLToPath(new URL("../plugin/sim-qemu-step.c", import.meta.url));

export interface BuildPluginOptions {
  /** Default: `defaultCacheDir()` (`~/.cache/sim/qemu`). */
  cacheDir?: string;
  /** The host C compiler (default `gcc`). */
  cc?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Extra symbols the built plugin requires at load time. Only for testing the
   * refusal: a name no QEMU exports makes the plugin refuse to load.
   */
  requireSymbol?: string;
}

/**
 * Compiles the `sim-qemu-step` TCG plugin with the host's gcc (the plugin is
 * GPL-2.0-or-later C and is never shipped compiled) into the cache folder, or
 * returns the one already there for the same source, flags and compiler.
 */
export function buildPlugin(options: BuildPluginOptions = {}): Promise<CompileResult> {
  const extra = options.requireSymbol;
  if (extra !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(extra)) {
    throw new TypeError(`requireSymbol must be a C identifier, not ${JSON.stringify(extra)}`);
  }
  return compileCached({
    target: "plugin",
    cc: options.cc ?? "gcc",
    inputs: [PLUGIN_SOURCE],
    args: [
      "-shared",
      "-fPIC",
      "-O2",
      "-std=c11",
      "-Wall",
      "-Wextra",
      "-Werror",
      // Reproducible: no build id, no paths of this machine in the binary.
      "-Wl,--build-id=none",
      `-ffile-prefix-map=${fileURLToPath(new URL("..", import.meta.url))}=.`,
      ...(extra === undefined ? [] : [`-DSIM_QEMU_EXTRA_SYMBOL="${extra}"`]),
      PLUGIN_SOURCE,
      "-ldl",
    ],
    outDir: options.cacheDir ?? defaultCacheDir(options.env),
    stem: extra === undefined ? "sim-qemu-step" : `sim-qemu-step-requires-${extra}`,
    ext: "so",
    env: options.env,
  });
}
