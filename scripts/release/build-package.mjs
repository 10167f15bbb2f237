#!/usr/bin/env node
// `prepack` of every package (so `pnpm pack` and `pnpm publish` build first): compiles
// the package in the current folder into a fresh folder, then swaps it in for dist/.
// A file whose source was deleted or renamed therefore never reaches a tarball, and
// dist/ is missing only for the instant between two renames (other work reading the
// built packages meanwhile, such as `pnpm sim`, keeps working). It only emits
// (`--noCheck`, the same output in half the time): type errors are the business of
// `pnpm typecheck` and of the build that `pnpm release` runs first, both in CI.
import { execFileSync } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const fresh = `dist.build-${process.pid}`;
const old = `dist.old-${process.pid}`;
try {
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", fresh, "--noCheck"], { stdio: "inherit" });
  if (existsSync("dist")) renameSync("dist", old);
  renameSync(fresh, "dist");
} finally {
  rmSync(fresh, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}
