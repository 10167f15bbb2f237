#!/usr/bin/env node
// In a checkout of sim: builds the packages when any `packages/*/src` file is newer than
// the built CLI, so that nobody runs a stale `sim`. Used by `pnpm install` (the root's
// `prepare`), by the `sim` bin when it runs from a checkout (`pnpm sim …`), and by the
// benchmarks. Build output goes to stderr, so that `sim run --json` keeps stdout to itself.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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

/** Builds the packages `sim` needs when the build is missing or older than the sources; exits on a failed build. */
export function buildIfStale() {
  if (!buildIsStale()) return;
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

if (process.argv[1] === fileURLToPath(import.meta.url)) buildIfStale();
