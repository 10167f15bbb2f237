/**
 * Every malformed scenario in test/fixtures/invalid/ must be refused with exactly
 * the problems listed for it in expected.json (code, position, key path, message).
 */
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ScenarioInvalidError, loadScenario } from "./index.js";
import type { Problem } from "./index.js";

interface Expected {
  severity?: "warning";
  code: string;
  line: number | null;
  column: number | null;
  path: (string | number)[];
  message: string;
  hint?: string;
}

const invalidDir = fileURLToPath(new URL("../test/fixtures/invalid/", import.meta.url));
const validDir = fileURLToPath(new URL("../test/fixtures/valid/", import.meta.url));
const expected = JSON.parse(readFileSync(`${invalidDir}expected.json`, "utf8")) as Record<string, Expected[]>;
const invalidFiles = readdirSync(invalidDir).filter((f) => f.endsWith(".yaml")).sort();

async function problemsOf(file: string): Promise<Problem[]> {
  try {
    await loadScenario(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioInvalidError);
    return (error as ScenarioInvalidError).problems;
  }
  throw new Error(`${file} loaded, but it is invalid`);
}

describe("invalid fixtures", () => {
  it("has an expectation for every fixture and a fixture for every expectation", () => {
    expect(invalidFiles.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(expected).sort()).toEqual(invalidFiles);
  });

  it.each(invalidFiles)("%s is refused with the expected problems", async (name) => {
    const file = `${invalidDir}${name}`;
    const problems = await problemsOf(file);
    const wanted = expected[name] ?? [];
    expect(wanted.length, "expected.json lists at least one error").toBeGreaterThan(0);
    expect(problems.map((p) => `${p.code}@${p.line}:${p.column}`)).toEqual(wanted.map((w) => `${w.code}@${w.line}:${w.column}`));
    problems.forEach((problem, i) => {
      const want = wanted[i]!;
      expect(problem.severity).toBe(want.severity ?? "error");
      expect(problem.file).toBe(file);
      expect(problem.path).toEqual(want.path);
      expect(problem.message).toContain(want.message);
      if (want.hint !== undefined) expect(problem.hint).toBe(want.hint);
    });
  });
});

describe("valid fixtures", () => {
  const validFiles = readdirSync(validDir).filter((f) => f.endsWith(".yaml")).sort();

  it.each(validFiles)("%s loads without errors", async (name) => {
    const { scenario } = await loadScenario(`${validDir}${name}`);
    expect(scenario.nodes.length).toBeGreaterThan(0);
    expect(scenario.name).toBe(name.replace(/\.yaml$/, ""));
  });
});
