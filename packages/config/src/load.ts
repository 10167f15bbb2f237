import { readFile, stat } from "node:fs/promises";
import { ScenarioInvalidError, ScenarioUnreadableError } from "./errors.js";
import { formatProblem } from "./format.js";
import { SCENARIO_LIMITS } from "./limits.js";
import type { Problem, ResolvedScenario } from "./types.js";
import { parseScenario, type ValidateOptions } from "./validate.js";

/** A scenario that loaded; `warnings` may be empty. */
export interface LoadedScenario {
  scenario: ResolvedScenario;
  warnings: Problem[];
}

/**
 * Reads a scenario file and validates it with `parseScenario`. Referenced files
 * are not checked: call `checkScenarioFiles` for that.
 *
 * @throws ScenarioUnreadableError (SIM_SCENARIO_UNREADABLE) when the path is
 *   missing, a directory, or not readable.
 * @throws ScenarioInvalidError (SIM_SCENARIO_INVALID) with every problem in `.problems`.
 */
export async function loadScenario(path: string, options: Pick<ValidateOptions, "overrides"> = {}): Promise<LoadedScenario> {
  const text = await readScenarioText(path);
  const result = typeof text === "string" ? parseScenario(text, { source: path, overrides: options.overrides }) : { ok: false as const, problems: [text] };
  if (!result.ok) throw invalid(path, result.problems);
  return { scenario: result.scenario, warnings: result.warnings };
}

function invalid(path: string, problems: Problem[]): ScenarioInvalidError {
  const errors = problems.filter((p) => p.severity === "error");
  const first = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem(s))` : "";
  return new ScenarioInvalidError(problems, `invalid scenario: ${first ? formatProblem(first) : `${path}: unknown problem`}${more}`);
}

/** The file's text, or a problem when its bytes are not a text file we accept. */
async function readScenarioText(path: string): Promise<string | Problem> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new ScenarioUnreadableError(path, "it is a directory");
    // A FIFO or device would block or never end; only regular files are scenarios.
    if (!info.isFile()) throw new ScenarioUnreadableError(path, "it is not a regular file");
    if (info.size > SCENARIO_LIMITS.maxFileBytes) return tooLarge(path, info.size);
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof ScenarioUnreadableError) throw error;
    throw new ScenarioUnreadableError(path, describeFsError(error), { cause: error });
  }
  // The file may have grown between stat and read.
  if (bytes.length > SCENARIO_LIMITS.maxFileBytes) return tooLarge(path, bytes.length);
  // NUL bytes: leave it to parseScenario, which reports a binary file with its position.
  if (bytes.includes(0)) return new TextDecoder("utf-8").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return invalidUtf8(path, new TextDecoder("utf-8").decode(bytes));
  }
}

function tooLarge(path: string, size: number): Problem {
  return {
    severity: "error",
    code: "file-too-large",
    file: path,
    line: null,
    column: null,
    path: [],
    message: `scenario file is ${size} bytes; the limit is ${SCENARIO_LIMITS.maxFileBytes} bytes`,
    hint: "generate large scenarios with `count:` groups instead of listing every node",
  };
}

function invalidUtf8(path: string, lossy: string): Problem {
  // The replacement character marks the first byte sequence that is not UTF-8.
  const index = lossy.indexOf("\uFFFD");
  const before = lossy.slice(0, Math.max(index, 0));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return {
    severity: "error",
    code: "invalid-utf8",
    file: path,
    line: index >= 0 ? line : null,
    column: index >= 0 ? column : null,
    path: [],
    message: "scenario file is not valid UTF-8 text",
    hint: "save the file as UTF-8",
  };
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    case "EISDIR":
      return "it is a directory";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
