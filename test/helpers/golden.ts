import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseScenario } from "@sim/config";
import { runScenario } from "@sim/harness";
import { buildQemuScenarioFirmware } from "./qemu-firmware.js";
import { removeTempDir, scenariosDir, tempDir } from "./sim-cli.js";

/** Expected digest of each scenario in scenarios/, by file name. */
export const GOLDEN_FILE = join(scenariosDir, "golden.json");

/**
 * Scenarios whose digest is pinned: those with QEMU nodes (`qemu: true`, checked by
 * the qemu test project, which has QEMU) or the others (`qemu: false`, the slow
 * project); both without an argument. Those that need something this machine may
 * not have (a Docker engine, Renode) are pinned by their own launcher's tests.
 */
export function goldenScenarios(filter: { qemu?: boolean } = {}): string[] {
  const names = Object.keys(JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as Record<string, string>);
  return filter.qemu === undefined ? names : names.filter((name) => hasQemuNodes(name) === filter.qemu);
}

export function expectedDigest(name: string): string | undefined {
  return (JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as Record<string, string>)[name];
}

/** Whether a scenario of scenarios/ runs firmware in QEMU (its firmware must be built first). */
export function hasQemuNodes(name: string): boolean {
  const source = join(scenariosDir, name);
  const result = parseScenario(readFileSync(source, "utf8"), { source });
  return result.ok && result.scenario.nodes.some((node) => node.type === "qemu");
}

export async function runForDigest(name: string): Promise<string> {
  // The firmware a QEMU scenario names is built from source, never committed.
  if (hasQemuNodes(name)) await buildQemuScenarioFirmware();
  const outDir = tempDir(`golden-${name}`);
  const stateDir = tempDir("state");
  try {
    const result = await runScenario(join(scenariosDir, name), { outDir, stateDir });
    if (!result.success || result.digest === null) throw new Error(`${name} failed: ${result.summary?.error?.message ?? "no digest"}`);
    return result.digest;
  } finally {
    // Only the digest is kept: city-10k's trace alone is 220 MB.
    removeTempDir(outDir);
    removeTempDir(stateDir);
  }
}
