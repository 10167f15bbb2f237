/**
 * Run from the built CLI of a sim checkout (`pnpm sim …`, which pnpm runs through this
 * package's `sim` bin): rebuild first when the sources are newer than the build, with
 * the checkout's own scripts/build-if-stale.mjs. Installed packages have no such
 * script beside them, and running from the sources (tsx) needs no build: both no-ops.
 */
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

export async function rebuildCheckoutIfStale(entry: string): Promise<void> {
  if (!entry.endsWith("/dist/cli.js")) return;
  const script = fileURLToPath(new URL("../../../scripts/build-if-stale.mjs", entry));
  if (!existsSync(fileURLToPath(new URL("../../../pnpm-workspace.yaml", entry))) || !existsSync(script)) return;
  const { buildIfStale } = (await import(pathToFileURL(script).href)) as { buildIfStale: () => void };
  buildIfStale();
}
