/**
 * The built @sim/config validates with ajv's standalone code made at build time
 * (packages/config/scripts/generate-dist.mjs), not by compiling the schema in every
 * fresh process. This shows it is used (no ajv compiler module is loaded) and that it
 * reports exactly what compiling at run time reports (this process runs the sources,
 * where there is no precompiled file) over scenarios/, the fixtures, 300 seeded mutants and
 * a few sweeps.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import fc from "fast-check";
import { expect, test } from "vitest";
import { parseScenario, parseSweep } from "@sim/config";
import { loadSeedScenarios, scenarioMutant } from "../packages/config/src/__fixtures__/scenario-mutants.js";
import { repoRoot } from "./helpers/sim-cli.js";

interface Input {
  kind: "scenario" | "sweep";
  text: string;
}

function runBuilt(inputs: Input[]): { results: unknown[]; ajvFiles: string[] } {
  const child = spawnSync(process.execPath, [join(repoRoot, "test/fixtures/precompiled/validate-built.mjs"), join(repoRoot, "packages/config/dist/index.js")], {
    input: JSON.stringify(inputs),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout) as { results: unknown[]; ajvFiles: string[] };
}

const sweeps: Input[] = [
  "scenario: a.yaml\nparameters:\n  network.default_latency_ms: [5, 10]\nreplicates: 3\n",
  "scenario: a.yaml\nparameters:\n  network.default_latency_ms: 5\nreplicats: 3\n",
  "scenario: 7\nzip:\n  - {a: [1], b: [1, 2]}\nseed: -1\nmetrics: [1]\n",
].map((text) => ({ kind: "sweep", text }));

test("the built @sim/config reports what ajv compiling at run time reports, without loading ajv's compiler", () => {
  const seeds = loadSeedScenarios(repoRoot);
  const mutants = fc.sample(scenarioMutant(seeds), { numRuns: 300, seed: 42 });
  const inputs: Input[] = [...seeds.map((s) => ({ kind: "scenario" as const, text: s.text })), ...mutants.map((m) => ({ kind: "scenario" as const, text: m.text })), ...sweeps];
  const expected = inputs.map(({ kind, text }) => (kind === "sweep" ? parseSweep(text) : parseScenario(text)).problems ?? []);
  expect(expected.filter((problems) => problems.some((p) => p.severity === "error")).length).toBeGreaterThan(200);

  const built = runBuilt(inputs);
  expect(built.results).toEqual(expected);
  // Only ajv's small runtime helpers, which the standalone code requires.
  expect(built.ajvFiles.length).toBeGreaterThan(0);
  expect(built.ajvFiles.filter((f) => !f.startsWith("ajv/dist/runtime/"))).toEqual([]);
}, 120_000);
