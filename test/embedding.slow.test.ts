/**
 * What embedding costs: the modules Node loads for `import("@sim/coordinator")` and for
 * the protocol SDK that node authors import, from the built packages (as a consumer
 * gets them). The closing check on @sim/config shows that the count would see yaml if
 * it were loaded.
 */
import { spawnSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { repoRoot } from "./helpers/sim-cli.js";

const fixtures = join(repoRoot, "test/fixtures/module-count");

/** Real paths of every module file (ES and CommonJS) loaded by importing `specifier`. */
function modulesLoadedBy(specifier: string): string[] {
  const child = spawnSync(process.execPath, ["--import", join(fixtures, "register.mjs"), join(fixtures, "load.mjs"), specifier], { cwd: repoRoot, encoding: "utf8" });
  expect(child.status, child.stderr).toBe(0);
  const files = new Set<string>();
  for (const line of `${child.stdout}${child.stderr}`.split("\n")) {
    const [kind, where] = [line.slice(0, 4), line.slice(4)];
    if (kind === "esm " && where.startsWith("file:")) files.add(realpathSync(fileURLToPath(where)));
    else if (kind === "cjs ") files.add(realpathSync(where));
  }
  for (const own of ["register.mjs", "hooks.mjs", "load.mjs"]) files.delete(join(fixtures, own));
  return [...files].sort();
}

/** The npm packages (by name) the files belong to, other than sim's own. */
function thirdParty(files: string[]): string[] {
  const names = files.flatMap((f) => {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.slice(f.lastIndexOf("/node_modules/.pnpm/") + 1));
    return m ? [m[1]!] : [];
  });
  return [...new Set(names)].sort();
}

test("import(\"@sim/coordinator\") loads neither ajv nor yaml", () => {
  const files = modulesLoadedBy("@sim/coordinator");
  const packages = thirdParty(files);
  console.log(`@sim/coordinator: ${files.length} modules; third-party packages: ${packages.join(", ")}`);
  expect(packages).not.toContain("ajv");
  expect(packages).not.toContain("yaml");
  expect(files.some((f) => f.includes("/packages/config/dist/validate"))).toBe(false);
  // It is the engine: its own files are there.
  expect(files.some((f) => f.endsWith("/packages/coordinator/dist/index.js"))).toBe(true);
});

test("the protocol SDK (@sim/protocol/sdk) loads nothing outside its own package", () => {
  const files = modulesLoadedBy("@sim/protocol/sdk");
  console.log(`@sim/protocol/sdk: ${files.length} modules`);
  expect(files.length).toBeGreaterThan(0);
  expect(files.filter((f) => !f.startsWith(join(repoRoot, "packages/protocol/dist/")))).toEqual([]);
});

test("the count sees what is loaded: @sim/config loads yaml, and no ajv compiler (its validators are compiled at build time)", () => {
  const files = modulesLoadedBy("@sim/config");
  expect(thirdParty(files)).toContain("yaml");
  expect(files.filter((f) => f.includes("/ajv/dist/compile/"))).toEqual([]);
});

/** The module files (ES modules, and CommonJS ones imported from them) `sim <args>` loads. */
function modulesLoadedByCli(args: string[]): string[] {
  const child = spawnSync(process.execPath, ["--import", join(fixtures, "register.mjs"), join(repoRoot, "packages/harness/dist/cli.js"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  expect(child.status, child.stderr).toBe(0);
  return child.stderr
    .split("\n")
    .filter((l) => l.startsWith("esm file:"))
    .map((l) => realpathSync(fileURLToPath(l.slice(4))))
    .filter((f) => !f.startsWith(fixtures));
}

test("sim --version and --help load no command: no scenario loader, engine or launcher", () => {
  for (const args of [["--version"], ["--help"]]) {
    const files = modulesLoadedByCli(args);
    console.log(`sim ${args.join(" ")}: ${files.length} ES modules`);
    expect(files.some((f) => f.endsWith("/packages/harness/dist/cli/program.js"))).toBe(true);
    for (const heavy of ["/packages/coordinator/", "/packages/launcher-", "/packages/config/dist/validate", "/node_modules/ajv/", "/node_modules/yaml/", "/node_modules/dockerode/"]) {
      expect(files.filter((f) => f.includes(heavy)), heavy).toEqual([]);
    }
  }
});

test("sim validate loads only the launchers of the scenario's node types", () => {
  // A launcher counts as loaded with its entry point (the reaper's engine-address file of launcher-docker is not one).
  const launchers = (files: string[]) => [...new Set(files.flatMap((f) => /\/packages\/(launcher-[a-z]+)\/dist\/index\.js$/.exec(f)?.[1] ?? []))].sort();
  expect(launchers(modulesLoadedByCli(["validate", join(repoRoot, "scenarios/quickstart.yaml")]))).toEqual([]);
  expect(launchers(modulesLoadedByCli(["validate", join(repoRoot, "scenarios/process-edge.yaml")]))).toEqual(["launcher-process"]);
});
