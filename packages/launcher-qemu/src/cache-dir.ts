import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where compiled plugins and firmware are kept: `$XDG_CACHE_HOME/sim/qemu`, else
 * `~/.cache/sim/qemu`. Outside the repository and the package, so that nothing
 * built is ever committed or published; files are named by the hash of what
 * went into them, so a stale one is never used.
 */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg.startsWith("/") ? xdg : join(homedir(), ".cache"), "sim", "qemu");
}
