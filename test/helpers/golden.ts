import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runScenario } from "@sim/harness";
import { scenariosDir, tempDir } from "./sim-cli.js";

/** Expected digest of each scenario in scenarios/, by file name. */
export const GOLDEN_FILE = join(scenariosDir, "golden.json");

/**
 * Scenarios whose digest is pinned. Those that need something this machine may
 * not have (a Docker engine, Renode) are pinned by their own launcher's tests.
 */
export function goldenScenarios(): string[] {
  return Object.keys(JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as Record<string, string>);
}

export function expectedDigest(name: string): string | undefined {
  return (JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as Record<string, string>)[name];
}

export async function runForDigest(name: string): Promise<string> {
  const result = await runScenario(join(scenariosDir, name), { outDir: tempDir(`golden-${name}`), stateDir: tempDir("state") });
  if (!result.success || result.digest === null) throw new Error(`${name} failed: ${result.summary?.error?.message ?? "no digest"}`);
  return result.digest;
}
