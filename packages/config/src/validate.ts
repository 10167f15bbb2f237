import { basename, dirname, extname, isAbsolute, resolve } from "node:path";
import { SCENARIO_DEFAULTS } from "./defaults.js";
import { parseYaml } from "./parse-yaml.js";
import { toPlainData } from "./plain-data.js";
import { applyOverrides, attributeToOverrides, type Override } from "./overrides.js";
import { NO_POSITIONS, attachSource } from "./positions.js";
import type { SourceLocator } from "./positions.js";
import { ProblemCollector } from "./problem.js";
import { resolveScenario } from "./resolve.js";
import { validateAgainstSchema } from "./schema-validate.js";
import type { Problem, ResolvedScenario, ScenarioInput } from "./types.js";

export interface ValidateOptions {
  /**
   * Path of the scenario file: shown in problems as given, and (made absolute
   * against the current directory if relative) stored as `source`. Omit for a
   * scenario built in code.
   */
  source?: string | null;
  /**
   * Folder relative paths are resolved against. Default: the folder of `source`,
   * or the current directory for a scenario built in code.
   */
  baseDir?: string;
  /**
   * Values replacing those of the data before it is validated (`--set`, a sweep's
   * parameters); a problem they cause names them.
   */
  overrides?: readonly Override[];
}

/** Every problem at once: `ok` is false when at least one is an error. */
export type ValidationResult =
  | { ok: true; scenario: ResolvedScenario; warnings: Problem[] }
  | { ok: false; problems: Problem[] };

/** Returns its argument, typed: for scenarios written in TypeScript. */
export function defineScenario(input: ScenarioInput): ScenarioInput {
  return input;
}

/**
 * Validates scenario data (e.g. from `defineScenario`) and resolves it. No I/O;
 * problems carry no line/column since there is no source text.
 */
export function validateScenario(data: unknown, options: ValidateOptions = {}): ValidationResult {
  const problems = new ProblemCollector(options.source ?? null, NO_POSITIONS);
  return attributed(
    options,
    guarded(problems, () => {
      const plain = toPlainData(data, problems);
      return plain.ok ? check(plain.value, options, problems, NO_POSITIONS) : fail(problems);
    }),
  );
}

/**
 * Parses scenario YAML text and validates it; problems carry file, line and
 * column. No I/O. Hostile input (binary, huge, alias bombs, deep nesting, several
 * documents) comes back as problems, never as an exception.
 */
export function parseScenario(text: string, options: ValidateOptions = {}): ValidationResult {
  const problems = new ProblemCollector(options.source ?? null, NO_POSITIONS);
  return attributed(options, guarded(problems, () => {
    if (typeof text !== "string") {
      problems.add({ code: "not-plain-data", path: [], message: "scenario text must be a string" });
      return fail(problems);
    }
    const parsed = parseYaml(text, problems);
    if (!parsed.ok) return fail(problems);
    problems.useLocator(parsed.locator);
    // YAML gives plain data already; this is a cheap second line of defence.
    const plain = toPlainData(parsed.data, problems);
    return plain.ok ? check(plain.value, options, problems, parsed.locator) : fail(problems);
  }));
}

function check(written: unknown, options: ValidateOptions, problems: ProblemCollector, locator: SourceLocator): ValidationResult {
  const data = applyOverrides(written, options.overrides ?? [], problems);
  if (problems.hasErrors()) return fail(problems);
  const badPaths = validateAgainstSchema(data, problems);
  const source = options.source ? resolve(options.source) : null;
  const baseDir = options.baseDir !== undefined ? resolve(options.baseDir) : source ? dirname(source) : process.cwd();
  const name = source ? basename(source, extname(source)) : SCENARIO_DEFAULTS.name;
  const scenario = resolveScenario(data, { source, baseDir: isAbsolute(baseDir) ? baseDir : resolve(baseDir), name, badPaths }, problems);
  if (!scenario || problems.hasErrors()) return fail(problems);
  attachSource(scenario, { file: problems.file, locator });
  return { ok: true, scenario, warnings: problems.result() };
}

/** Problems caused by an override say so. */
function attributed(options: ValidateOptions, result: ValidationResult): ValidationResult {
  const overrides = options.overrides ?? [];
  if (overrides.length === 0) return result;
  return result.ok
    ? { ...result, warnings: attributeToOverrides(result.warnings, overrides) }
    : { ok: false, problems: attributeToOverrides(result.problems, overrides) };
}

function fail(problems: ProblemCollector): ValidationResult {
  return { ok: false, problems: problems.result() };
}

/** A bug here must still come back as a problem, never as an exception. */
function guarded(problems: ProblemCollector, run: () => ValidationResult): ValidationResult {
  try {
    return run();
  } catch (error) {
    problems.add({
      code: "internal-error",
      path: [],
      position: null,
      message: `sim could not validate this scenario: ${error instanceof Error ? error.message : String(error)}`,
      hint: "this is a bug in sim; please report it with the scenario",
    });
    return fail(problems);
  }
}
