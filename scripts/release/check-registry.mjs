#!/usr/bin/env node
// `prepublishOnly` of every package: refuses to publish unless the package goes to a
// private registry. The `@sim` names are unclaimed on the public registry, so a
// publish that falls through to it would either fail or, worse, hand the names to
// whoever claims the scope; docs/publishing.md says how to map the scope.
//
// Where pnpm and npm send a scoped package: `publishConfig.registry` if the manifest
// has one, else the scope's registry (`@sim:registry`, which also wins over
// `--registry`), else the default registry. This script resolves the same way, with
// the client that runs it, from the package folder (so it sees the same .npmrc files
// and NPM_CONFIG_* variables as the publish).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** Hosts of public registries: never a target for @sim/*. */
export const PUBLIC_REGISTRY_HOSTS = ["registry.npmjs.org", "registry.npmjs.com", "registry.yarnpkg.com", "registry.npmmirror.com"];

/** Why `registry` is not an acceptable publish target, or null when it is. */
export function registryProblem(registry) {
  if (registry === undefined || registry === null || registry === "" || registry === "undefined") {
    return "the @sim scope is not mapped to a registry: add `@sim:registry=<your registry>` to your user-level ~/.npmrc (docs/publishing.md)";
  }
  let host;
  try {
    host = new URL(registry).hostname;
  } catch {
    return `the registry '${registry}' is not a URL`;
  }
  if (PUBLIC_REGISTRY_HOSTS.includes(host)) return `${registry} is a public registry; @sim packages go to the private registry only (docs/publishing.md)`;
  return null;
}

function configGet(key) {
  // npm sets npm_config_user_agent to "npm/…", pnpm to "pnpm/…".
  const client = (process.env.npm_config_user_agent ?? "pnpm/").startsWith("npm/") ? "npm" : "pnpm";
  const value = execFileSync(client, ["config", "get", key], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  return value === "undefined" || value === "" ? undefined : value;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const manifest = JSON.parse(readFileSync("package.json", "utf8"));
  const target = manifest.publishConfig?.registry ?? configGet("@sim:registry");
  const problem = registryProblem(target);
  if (problem !== null) {
    console.error(`refusing to publish ${manifest.name}: ${problem}`);
    process.exit(1);
  }
  console.error(`${manifest.name} -> ${target}`);
}
