#!/usr/bin/env node
// `pnpm sim …` from the repository root: builds the packages when their sources are
// newer than the build (so nobody runs a stale CLI), then runs the real `sim` entry
// point from dist, exactly as an installed package would.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "packages/harness/dist/cli.js");

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function buildIsStale() {
  let built;
  try {
    built = statSync(cli).mtimeMs;
  } catch {
    return true;
  }
  const packages = join(root, "packages");
  return readdirSync(packages).some((name) => {
    try {
      return newestMtime(join(packages, name, "src")) > built;
    } catch {
      return false;
    }
  });
}

if (buildIsStale()) {
  // Build output goes to stderr so that `sim run --json` keeps stdout to itself.
  const result = spawnSync("pnpm", ["exec", "turbo", "run", "build", "--filter=@sim/harness...", "--output-logs=errors-only"], {
    cwd: root,
    stdio: ["ignore", 2, 2],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) {
    process.stderr.write("sim: building the packages failed (see above)\n");
    process.exit(result.status ?? 1);
  }
}

await import(pathToFileURL(cli).href);
