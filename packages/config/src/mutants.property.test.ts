/**
 * Property test: mutants of every scenario in scenarios/ and every fixture of this
 * package (text edits: characters, lines, indentation, YAML tokens, odd numbers,
 * unicode, control characters; data edits: values replaced by random JSON, keys
 * deleted, added, renamed, then written back as YAML). For each mutant,
 * parseScenario and validateScenario return a scenario or problems, never throw,
 * never report an internal error, place every problem in the file (or say why it
 * cannot), and write nothing.
 *
 * Seeded: SIM_FUZZ_SEED=<n> replays a run, SIM_FUZZ_SEED=random explores; the default
 * is fixed so that CI is reproducible. fast-check prints the seed and path of a
 * failure. The long campaign through the CLI is `pnpm fuzz` (scripts/fuzz/).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBLEM_CODES, formatProblem, parseScenario, validateScenario } from "./index.js";
import type { Problem, ValidationResult } from "./index.js";
import { dataMutant, describeMutant, fuzzSeed, loadSeedScenarios, scenarioMutant, textMutant, type Mutant } from "./__fixtures__/scenario-mutants.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const seeds = loadSeedScenarios(repoRoot);
const SEED = fuzzSeed(20261125, process.env);

/**
 * Codes that may come without a line and column from parseScenario, because they are
 * about the whole file, not a place in it. Every other problem of a parsed file must
 * have a position.
 */
const WHOLE_FILE_CODES: Record<string, (p: Problem) => boolean> = {
  // The file's size in bytes, checked before it is parsed.
  "file-too-large": () => true,
  // The number of values once every alias is expanded: no one place holds them.
  "data-too-large": () => true,
  // How many problems were left out: about the report, not the file.
  "too-many-problems": () => true,
  // The YAML library failed turning a document it had accepted into data, for a
  // reason other than the alias budget; it gives no offset. Only that message.
  "yaml-syntax": (p) => p.message.startsWith("YAML could not be read:"),
};

const CODES = new Set<string>(PROBLEM_CODES);

/** Problems and warnings of a result, checked for shape; returns them. */
function checkResult(result: ValidationResult, mutant: Mutant): Problem[] {
  const context = describeMutant(mutant);
  if (result.ok) {
    expect(result.warnings.every((w) => w.severity === "warning"), context).toBe(true);
    expect(Array.isArray(result.scenario.nodes), context).toBe(true);
    // The resolved scenario is written to scenario.resolved.yaml: it must be plain data.
    expect(() => JSON.stringify(result.scenario), context).not.toThrow();
    return result.warnings;
  }
  expect(result.problems.length, context).toBeGreaterThan(0);
  expect(result.problems.some((p) => p.severity === "error"), context).toBe(true);
  return result.problems;
}

function checkProblem(problem: Problem, mutant: Mutant, source: string | null): void {
  const context = `${formatProblem(problem)}\n${describeMutant(mutant)}`;
  expect(problem.code, context).not.toBe("internal-error");
  expect(CODES.has(problem.code), context).toBe(true);
  expect(problem.file, context).toBe(source);
  expect(["error", "warning"], context).toContain(problem.severity);
  expect(typeof problem.message === "string" && problem.message.length > 0, context).toBe(true);
  // One problem, one line of output: no raw newline from the file may split it.
  expect(formatProblem(problem), context).not.toMatch(/[\n\r]/);
  expect(Array.isArray(problem.path), context).toBe(true);
}

function checkPosition(problem: Problem, mutant: Mutant): void {
  const context = `${formatProblem(problem)}\n${describeMutant(mutant)}`;
  if (problem.line === null) {
    expect(problem.column, context).toBeNull();
    expect(WHOLE_FILE_CODES[problem.code]?.(problem) ?? false, `${problem.code} without a position\n${context}`).toBe(true);
    return;
  }
  const lines = mutant.text.split("\n");
  expect(Number.isInteger(problem.line) && problem.line >= 1 && problem.line <= lines.length, context).toBe(true);
  const column = problem.column!;
  expect(Number.isInteger(column) && column >= 1 && column <= lines[problem.line - 1]!.length + 1, context).toBe(true);
}

/** Files and folders under `dir` with their modification times. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      out.push(`${full} ${statSync(full).mtimeMs}`);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out.sort();
}

describe("scenario mutants", () => {
  // In an empty folder of its own: parseScenario does no I/O, so nothing may appear there.
  const cwd = mkdtempSync(join(tmpdir(), "sim-mutants-"));
  const before = process.cwd();
  const watched = [join(repoRoot, "scenarios"), join(repoRoot, "packages/config/test/fixtures")];
  let watchedBefore: string[] = [];
  beforeAll(() => {
    watchedBefore = watched.flatMap(snapshot);
    process.chdir(cwd);
  });
  afterAll(() => {
    process.chdir(before);
    rmSync(cwd, { recursive: true, force: true });
  });

  it("has every scenario and fixture as a seed", () => {
    expect(seeds.filter((s) => s.dir === "scenarios").length).toBeGreaterThanOrEqual(8);
    expect(seeds.filter((s) => s.dir.endsWith("invalid")).length).toBeGreaterThanOrEqual(30);
    expect(seeds.filter((s) => s.dir.endsWith("valid") && !s.dir.endsWith("invalid")).length).toBeGreaterThanOrEqual(3);
  });

  it("parseScenario: a scenario or positioned problems, never an exception", () => {
    fc.assert(
      fc.property(textMutant(seeds), (mutant) => {
        const source = `${mutant.seed.dir}/mutant.yaml`;
        let result: ValidationResult | undefined;
        expect(() => (result = parseScenario(mutant.text, { source, baseDir: join(repoRoot, mutant.seed.dir) })), describeMutant(mutant)).not.toThrow();
        for (const problem of checkResult(result!, mutant)) {
          checkProblem(problem, mutant, source);
          checkPosition(problem, mutant);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("validateScenario on mutated data: problems without positions; parseScenario of the same data as YAML agrees", () => {
    fc.assert(
      fc.property(dataMutant(seeds), (mutant) => {
        const source = `${mutant.seed.dir}/mutant.yaml`;
        const baseDir = join(repoRoot, mutant.seed.dir);
        let fromData: ValidationResult | undefined;
        expect(() => (fromData = validateScenario(mutant.data, { source, baseDir })), describeMutant(mutant)).not.toThrow();
        for (const problem of checkResult(fromData!, mutant)) {
          checkProblem(problem, mutant, source);
          // No source text: no positions at all.
          expect(problem.line, describeMutant(mutant)).toBeNull();
        }
        const fromText = parseScenario(mutant.text, { source, baseDir });
        for (const problem of checkResult(fromText, mutant)) {
          checkProblem(problem, mutant, source);
          checkPosition(problem, mutant);
        }
        // The same data, as data or as YAML text: the same verdict (the codes may differ:
        // `null` as text is an empty file, as data a value of the wrong type).
        expect(fromText.ok, describeMutant(mutant)).toBe(fromData!.ok);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("reaches both verdicts and many problem codes", () => {
    const results = fc.sample(scenarioMutant(seeds), { seed: SEED, numRuns: 150 }).map((m) => parseScenario(m.text, { source: "m.yaml", baseDir: join(repoRoot, m.seed.dir) }));
    const codes = new Set(results.flatMap((r) => (r.ok ? [] : r.problems.map((p) => p.code))));
    // Most seeds are invalid fixtures: a few percent of the mutants stay valid.
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(4);
    expect(results.filter((r) => !r.ok).length).toBeGreaterThan(100);
    expect(codes.size).toBeGreaterThanOrEqual(15);
  });

  it("wrote nothing", () => {
    expect(readdirSync(cwd)).toEqual([]);
    expect(watched.flatMap(snapshot)).toEqual(watchedBefore);
  });
});
