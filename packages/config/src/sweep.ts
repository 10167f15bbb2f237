/**
 * The sweep file (`sweep.yaml`): one scenario, a grid of parameter values, groups of
 * parameters that vary together, replicates and a base seed. Read and checked here
 * like a scenario (every problem at once, with file:line:col); expanding it into
 * members and running them is the harness's job.
 */
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { ScenarioInvalidError, ScenarioUnreadableError } from "./errors.js";
import { parseKeyPath } from "./overrides.js";
import { parseYaml } from "./parse-yaml.js";
import { toPlainData } from "./plain-data.js";
import { NO_POSITIONS, type PathSegment, type SourceLocator } from "./positions.js";
import { ProblemCollector, describePath, quote } from "./problem.js";
import type { JsonSchema } from "./schema.js";
import { validateAgainstSchema } from "./schema-validate.js";
import { SCENARIO_LIMITS } from "./limits.js";
import type { Problem } from "./types.js";

const require = createRequire(import.meta.url);

/** The JSON Schema of the sweep file (also exported as `@sim/config/sweep.schema.json`). */
export const sweepSchema: JsonSchema = Object.freeze(require("../sweep.schema.json") as JsonSchema);

/** A sweep as written (in YAML, or built in code for `runSweep`). */
export interface SweepInput {
  /** Scenario file, relative to the sweep file (or to `baseDir`). */
  scenario: string;
  /** Full grid: every combination of these values is a point. */
  parameters?: Record<string, unknown[]>;
  /** Groups of parameters that vary together; crossed with the grid and with each other. */
  zip?: Record<string, unknown[]>[];
  /** Runs per point (default 1). */
  replicates?: number;
  /** Base seed (default: the scenario's seed). */
  seed?: number;
  /** summary.json figures to tabulate (default: the documented set). */
  metrics?: string[];
}

/** One parameter and the values it takes. */
export interface SweepParameter {
  /** As written, e.g. `network.links[0].loss`. */
  key: string;
  path: PathSegment[];
  values: unknown[];
  /** Where it was written, for problems: `sweep.yaml:5:3` or `--param`. */
  origin: string;
}

export interface SweepDefinition {
  /** Absolute path of the sweep file; null when built in code or from the command line. */
  source: string | null;
  /** Absolute path of the scenario file. */
  scenario: string;
  /** The grid, in the order written. */
  parameters: SweepParameter[];
  /** Each group's parameters have the same number of values. */
  zip: SweepParameter[][];
  replicates: number;
  /** Null: the scenario's own seed. */
  seed: number | null;
  /** Null: the default metric set. */
  metrics: string[] | null;
}

export type SweepValidationResult = { ok: true; sweep: SweepDefinition; warnings: Problem[] } | { ok: false; problems: Problem[] };

export interface SweepOptions {
  /** Path of the sweep file, shown in problems. */
  source?: string | null;
  /** Folder the scenario path is relative to; default the sweep file's folder, else the current directory. */
  baseDir?: string;
  /** How parameters are named in problems when there is no file (e.g. "--param"). */
  originPrefix?: string;
}

/** Most members (points x replicates) one sweep may have. */
export const MAX_SWEEP_MEMBERS = 1_000_000;

/** Parses sweep YAML and checks it. No I/O. */
export function parseSweep(text: string, options: SweepOptions = {}): SweepValidationResult {
  const problems = new ProblemCollector(options.source ?? null, NO_POSITIONS);
  const parsed = parseYaml(text, problems);
  if (!parsed.ok) return { ok: false, problems: problems.result() };
  problems.useLocator(parsed.locator);
  return check(parsed.data, options, problems, parsed.locator);
}

/** Checks a sweep built in code (no positions). No I/O. */
export function validateSweep(data: unknown, options: SweepOptions = {}): SweepValidationResult {
  const problems = new ProblemCollector(options.source ?? null, NO_POSITIONS);
  return check(data, options, problems, NO_POSITIONS);
}

/**
 * Reads and checks a sweep file.
 * @throws ScenarioUnreadableError when it cannot be read, ScenarioInvalidError with every problem.
 */
export async function loadSweep(path: string): Promise<SweepDefinition> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ScenarioUnreadableError(path, info.isDirectory() ? "it is a directory" : "it is not a regular file");
    if (info.size > SCENARIO_LIMITS.maxFileBytes) throw new ScenarioUnreadableError(path, `it is ${info.size} bytes; the limit is ${SCENARIO_LIMITS.maxFileBytes}`);
    text = await readFile(path, "utf8");
  } catch (error) {
    if (error instanceof ScenarioUnreadableError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ScenarioUnreadableError(path, code === "ENOENT" ? "no such file" : (error as Error).message, { cause: error });
  }
  const result = parseSweep(text, { source: path });
  if (!result.ok) {
    const first = result.problems.find((p) => p.severity === "error");
    throw new ScenarioInvalidError(result.problems, `invalid sweep: ${first?.message ?? "unknown problem"}`);
  }
  return result.sweep;
}

function check(raw: unknown, options: SweepOptions, problems: ProblemCollector, locator: SourceLocator): SweepValidationResult {
  const plain = toPlainData(raw, problems);
  if (!plain.ok) return { ok: false, problems: problems.result() };
  const data = plain.value;
  validateAgainstSchema(data, problems, sweepSchema);
  if (problems.hasErrors()) return { ok: false, problems: problems.result() };
  const input = data as SweepInput;

  const source = options.source ? resolve(options.source) : null;
  const baseDir = options.baseDir !== undefined ? resolve(options.baseDir) : source ? dirname(source) : process.cwd();
  const originOf = (path: PathSegment[]) => {
    if (options.originPrefix !== undefined) return options.originPrefix;
    const position = locator.locate(path, "key");
    const file = options.source ?? "sweep";
    return position ? `${file}:${position.line}:${position.column}` : `${file}: ${describePath(path)}`;
  };
  const parameter = (key: string, values: unknown[], at: PathSegment[]): SweepParameter => ({ key, path: parseKeyPath(key), values, origin: originOf(at) });

  const parameters = Object.entries(input.parameters ?? {}).map(([key, values]) => parameter(key, values, ["parameters", key]));
  const zip = (input.zip ?? []).map((group, g) => Object.entries(group).map(([key, values]) => parameter(key, values, ["zip", g, key])));

  zip.forEach((group, g) => {
    const lengths = new Set(group.map((p) => p.values.length));
    if (lengths.size > 1) {
      problems.add({
        code: "bad-value",
        path: ["zip", g],
        at: "key",
        message: `zip[${g}]: parameters that vary together need the same number of values, got ${group.map((p) => `${p.key}: ${p.values.length}`).join(", ")}`,
      });
    }
  });
  const seen = new Map<string, PathSegment[]>();
  const all: [SweepParameter, PathSegment[]][] = [
    ...parameters.map((p): [SweepParameter, PathSegment[]] => [p, ["parameters", p.key]]),
    ...zip.flatMap((group, g) => group.map((p): [SweepParameter, PathSegment[]] => [p, ["zip", g, p.key]])),
  ];
  for (const [p, at] of all) {
    const canonical = describePath(p.path);
    const earlier = seen.get(canonical);
    if (earlier) problems.add({ code: "duplicate-item", path: at, at: "key", message: `${quote(p.key)} is swept twice (also at ${describePath(earlier)})`, hint: "a parameter is either in the grid or in one zip group" });
    else seen.set(canonical, at);
  }

  const replicates = input.replicates ?? 1;
  const points = [...parameters.map((p) => p.values.length), ...zip.map((group) => group[0]?.values.length ?? 1)].reduce((a, b) => a * b, 1);
  if (points * replicates > MAX_SWEEP_MEMBERS) {
    problems.add({ code: "out-of-range", path: [], message: `the sweep has ${points} point(s) x ${replicates} replicate(s) = ${points * replicates} members; the limit is ${MAX_SWEEP_MEMBERS}` });
  }
  if (input.seed !== undefined && input.seed + replicates - 1 > Number.MAX_SAFE_INTEGER) {
    problems.add({ code: "out-of-range", path: ["seed"], message: `seed ${input.seed} + ${replicates - 1} replicates passes 2^53 - 1` });
  }
  if (problems.hasErrors()) return { ok: false, problems: problems.result() };

  return {
    ok: true,
    sweep: {
      source,
      scenario: resolve(baseDir, input.scenario),
      parameters,
      zip,
      replicates,
      seed: input.seed ?? null,
      metrics: input.metrics ?? null,
    },
    warnings: problems.result(),
  };
}
