#!/usr/bin/env node
// `prepack` of every package (so `pnpm pack` and `pnpm publish` build first): compiles
// the package in the current folder into a fresh folder, then swaps it in for dist/.
// A file whose source was deleted or renamed therefore never reaches a tarball, and
// dist/ is missing only for the instant between two renames (other work reading the
// built packages meanwhile, such as `pnpm sim`, keeps working). It only emits
// (`--noCheck`, the same output in half the time): type errors are the business of
// `pnpm typecheck` and of the build that `pnpm release` runs first, both in CI.
// Without checking, tsc would also emit without complaint when a workspace
// dependency has no declarations yet (its types silently become `any`), so that is
// checked here first.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const manifest = JSON.parse(readFileSync("package.json", "utf8"));
for (const dep of Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith("@sim/"))) {
  const depDir = join("node_modules", dep);
  const depManifest = JSON.parse(readFileSync(join(depDir, "package.json"), "utf8"));
  for (const target of Object.values(depManifest.exports ?? {})) {
    if (typeof target === "object" && target !== null && typeof target.types === "string" && !existsSync(join(depDir, target.types))) {
      console.error(`${manifest.name}: ${dep} is not built (${target.types} is missing); build the workspace first: pnpm build`);
      process.exit(1);
    }
  }
}

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const fresh = `dist.build-${process.pid}`;
const old = `dist.old-${process.pid}`;
try {
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", fresh, "--noCheck"], { stdio: "inherit" });
  // Code a package generates into its dist after tsc, as its own `build` does (@sim/config: precompiled validators).
  if (existsSync("scripts/generate-dist.mjs")) execFileSync(process.execPath, ["scripts/generate-dist.mjs", fresh], { stdio: "inherit" });
  if (existsSync("dist")) renameSync("dist", old);
  renameSync(fresh, "dist");
} finally {
  rmSync(fresh, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}
