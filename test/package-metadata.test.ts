/**
 * What every published package must carry (docs/publishing.md): the license, a README
 * with an example, repository and engines fields, caret ranges, the prepack build and
 * the publish guard, and never a publishConfig.registry that points at a public
 * registry. The guard script itself runs here against real pnpm configuration.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
// @ts-expect-error: a plain ESM script without declarations
import { registryProblem } from "../scripts/release/check-registry.mjs";
import { repoRoot } from "./helpers/sim-cli.js";

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  repository?: { type: string; url: string; directory?: string };
  engines?: Record<string, string>;
  files?: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  publishConfig?: Record<string, string>;
  exports?: Record<string, unknown>;
}

const check = registryProblem as (registry: string | undefined) => string | null;
const GUARD = join(repoRoot, "scripts", "release", "check-registry.mjs");
const rootManifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as Manifest;
const packages = readdirSync(join(repoRoot, "packages")).map((dir) => ({
  dir,
  manifest: JSON.parse(readFileSync(join(repoRoot, "packages", dir, "package.json"), "utf8")) as Manifest,
}));

/**
 * Folders of a package under a licence of their own (each with its LICENSE naming it),
 * and so part of the package's SPDX expression: the QEMU plugin runs inside QEMU and
 * links against GPL code (docs/qemu.md).
 */
const OTHER_LICENCES: Record<string, Record<string, string>> = {
  "launcher-qemu": { plugin: "GPL-2.0-or-later" },
};

describe.each(packages)("packages/$dir", ({ dir, manifest }) => {
  test("license, readme, changelog", () => {
    const others = OTHER_LICENCES[dir] ?? {};
    expect(manifest.license).toBe(["Apache-2.0", ...Object.values(others)].join(" AND "));
    expect(readFileSync(join(repoRoot, "packages", dir, "LICENSE"), "utf8")).toBe(readFileSync(join(repoRoot, "LICENSE"), "utf8"));
    for (const [folder, spdx] of Object.entries(others)) {
      expect(readFileSync(join(repoRoot, "packages", dir, folder, "LICENSE"), "utf8")).toContain(`SPDX: ${spdx}`);
      expect(manifest.files).toContain(folder);
    }
    const readme = readFileSync(join(repoRoot, "packages", dir, "README.md"), "utf8");
    expect(readme.startsWith(`# ${manifest.name}\n`)).toBe(true);
    expect(readme).toMatch(/```ts\n[\s\S]*from "@sim\//);
    expect(readFileSync(join(repoRoot, "packages", dir, "CHANGELOG.md"), "utf8")).toContain(`# ${manifest.name}`);
  });

  test("repository, engines, version of the fixed group", () => {
    expect(manifest.repository).toEqual({ ...rootManifest.repository, directory: `packages/${dir}` });
    expect(manifest.engines).toEqual({ node: ">=20.11" });
    expect(manifest.version).toBe(packages[0]!.manifest.version);
  });

  test("runtime dependencies: caret ranges, workspace:^ between packages", () => {
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
      expect(range, name).toMatch(name.startsWith("@sim/") ? /^workspace:\^$/ : /^\^\d+\.\d+\.\d+$/);
    }
  });

  test("publishing: restricted, never to a public registry, built by prepack, guarded by prepublishOnly", () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.publishConfig?.access).toBe("restricted");
    // A publishConfig.registry wins over every user's scope mapping: none at all.
    expect(manifest.publishConfig?.registry).toBeUndefined();
    expect(manifest.scripts?.prepack).toBe("node ../../scripts/release/build-package.mjs");
    expect(manifest.scripts?.prepublishOnly).toBe("node ../../scripts/release/check-registry.mjs");
  });

  test("files: no fixtures, no tests", () => {
    expect(manifest.files).toEqual(expect.arrayContaining(["dist", "!src/**/__fixtures__", "!src/**/*.test.ts"]));
  });
});

test("changesets: every @sim package in one fixed group", () => {
  const config = JSON.parse(readFileSync(join(repoRoot, ".changeset", "config.json"), "utf8")) as { fixed: string[][]; access: string };
  expect(config.fixed).toEqual([["@sim/*"]]);
  expect(config.access).toBe("restricted");
  expect(packages.every(({ manifest }) => manifest.name.startsWith("@sim/"))).toBe(true);
});

test("changeset version: a patch to one package releases all of them at one version, with changelogs", () => {
  // A scratch repository with the real changesets config and manifests (changesets needs git and the base branch).
  const scratch = mkdtempSync(join(tmpdir(), "sim-changesets-"));
  try {
    // The config only: changesets waiting in the repository would add their own bumps.
    mkdirSync(join(scratch, ".changeset"));
    cpSync(join(repoRoot, ".changeset", "config.json"), join(scratch, ".changeset", "config.json"));
    for (const file of ["package.json", "pnpm-workspace.yaml"]) cpSync(join(repoRoot, file), join(scratch, file));
    for (const { dir } of packages) {
      mkdirSync(join(scratch, "packages", dir), { recursive: true });
      for (const file of ["package.json", "CHANGELOG.md"]) cpSync(join(repoRoot, "packages", dir, file), join(scratch, "packages", dir, file));
    }
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", ...args], { cwd: scratch, stdio: "pipe" });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "scratch");
    writeFileSync(join(scratch, ".changeset", "one-fix.md"), '---\n"@sim/config": patch\n---\n\nA fix in the config.\n');
    execFileSync(join(repoRoot, "node_modules", ".bin", "changeset"), ["version"], { cwd: scratch, stdio: "pipe" });
    const [major, minor, patch] = packages[0]!.manifest.version.split(".").map(Number) as [number, number, number];
    const next = `${major}.${minor}.${patch + 1}`;
    for (const { dir, manifest } of packages) {
      const bumped = JSON.parse(readFileSync(join(scratch, "packages", dir, "package.json"), "utf8")) as Manifest;
      expect(bumped.version, manifest.name).toBe(next);
      expect(readFileSync(join(scratch, "packages", dir, "CHANGELOG.md"), "utf8")).toContain(`## ${next}`);
    }
    expect(readFileSync(join(scratch, "packages", "config", "CHANGELOG.md"), "utf8")).toContain("A fix in the config.");
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test("registryProblem: public registries and an unmapped scope are refused", () => {
  expect(check(undefined)).toMatch(/not mapped/);
  expect(check("undefined")).toMatch(/not mapped/);
  expect(check("https://registry.npmjs.org/")).toMatch(/public registry/);
  expect(check("https://registry.yarnpkg.com")).toMatch(/public registry/);
  expect(check("not a url")).toMatch(/not a URL/);
  expect(check("https://npm.internal.example/")).toBeNull();
  expect(check("http://127.0.0.1:4873/")).toBeNull();
});

describe("the prepublishOnly guard, with pnpm's real configuration", () => {
  const dir = mkdtempSync(join(tmpdir(), "sim-guard-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function guard(npmrc: string, publishConfig: Record<string, string> = { access: "restricted" }): { code: number | null; output: string } {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "@sim/guard-probe", version: "0.0.0", publishConfig }));
    writeFileSync(join(dir, "user.npmrc"), npmrc);
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!/^(npm_|pnpm_|NPM_CONFIG_|PNPM_)/i.test(key)) env[key] = value;
    const result = spawnSync(process.execPath, [GUARD], { cwd: dir, env: { ...env, NPM_CONFIG_USERCONFIG: join(dir, "user.npmrc") }, encoding: "utf8" });
    return { code: result.status, output: result.stdout + result.stderr };
  }

  test("the scope mapped to the public registry: refused", () => {
    const result = guard("@sim:registry=https://registry.npmjs.org/\n");
    expect(result.code).toBe(1);
    expect(result.output).toContain("refusing to publish @sim/guard-probe: https://registry.npmjs.org/ is a public registry");
  });

  test("no mapping: refused", () => {
    const result = guard("registry=https://npm.internal.example/\n");
    expect(result.code).toBe(1);
    expect(result.output).toContain("the @sim scope is not mapped");
  });

  test("a publishConfig.registry on the public registry: refused even with a private mapping", () => {
    const result = guard("@sim:registry=https://npm.internal.example/\n", { access: "restricted", registry: "https://registry.npmjs.org/" });
    expect(result.code).toBe(1);
  });

  test("mapped to a private registry: allowed", () => {
    const result = guard("@sim:registry=https://npm.internal.example/\n");
    expect(result.output).toContain("@sim/guard-probe -> https://npm.internal.example/");
    expect(result.code).toBe(0);
  });
});
