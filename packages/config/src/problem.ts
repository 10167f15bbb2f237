import { SCENARIO_LIMITS } from "./limits.js";
import type { PathSegment, Position, SourceLocator } from "./positions.js";
import type { ProblemCode } from "./problem-codes.js";
import type { Problem, ProblemSeverity } from "./types.js";

export interface ProblemInput {
  severity?: ProblemSeverity;
  code: ProblemCode;
  path: readonly PathSegment[];
  message: string;
  hint?: string | undefined;
  /** Point at the key (default for unknown keys) or the value (default). */
  at?: "key" | "value";
  /** Locate this path instead of `path` (e.g. the parent of a missing key). */
  locatePath?: readonly PathSegment[];
  /** A position already known (e.g. from the YAML parser); skips locating. */
  position?: Position | null;
}

/** Collects problems for one scenario, locating each in the source when it can. */
export class ProblemCollector {
  readonly problems: Problem[] = [];
  private dropped = 0;

  constructor(
    readonly file: string | null,
    private locator: SourceLocator,
  ) {}

  /** Locate later problems with `locator` (once the source has been parsed). */
  useLocator(locator: SourceLocator): void {
    this.locator = locator;
  }

  add(input: ProblemInput): void {
    if (this.problems.length >= SCENARIO_LIMITS.maxProblems) {
      this.dropped++;
      return;
    }
    const position = input.position !== undefined ? input.position : this.locator.locate(input.locatePath ?? input.path, input.at ?? "value");
    const problem: Problem = {
      severity: input.severity ?? "error",
      code: input.code,
      file: this.file,
      line: position?.line ?? null,
      column: position?.column ?? null,
      path: [...input.path],
      message: input.message,
    };
    if (input.hint !== undefined) problem.hint = input.hint;
    this.problems.push(problem);
  }

  hasErrors(): boolean {
    return this.problems.some((p) => p.severity === "error");
  }

  /** Every problem, ordered by position (problems without one last, in order found). */
  result(): Problem[] {
    const sorted = sortProblems(this.problems);
    if (this.dropped > 0) {
      sorted.push({
        severity: "error",
        code: "too-many-problems",
        file: this.file,
        line: null,
        column: null,
        path: [],
        message: `${this.dropped} more problem(s) not shown; only the first ${SCENARIO_LIMITS.maxProblems} are reported`,
      });
    }
    return sorted;
  }
}

/** Stable sort by line and column; problems without a position keep their order at the end. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const key = (p: Problem) => [p.line ?? Infinity, p.column ?? Infinity] as const;
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const [al, ac] = key(a.p);
      const [bl, bc] = key(b.p);
      return al - bl || ac - bc || a.i - b.i;
    })
    .map(({ p }) => p);
}

/** `nodes.sensor_1.period_ms`, `network.links[2].from`; "the scenario" for the root. */
export function describePath(path: readonly PathSegment[]): string {
  if (path.length === 0) return "the scenario";
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A short description of a value for messages: `string "abc"`, `number 5`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing (an empty value)";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return `string ${quote(value)}`;
    case "number":
    case "boolean":
      return `${typeof value} ${String(value)}`;
    case "object":
      return "a mapping";
    default:
      return typeof value;
  }
}

/** JSON-quotes a string, shortened so that a huge value cannot flood a message. */
export function quote(value: string): string {
  const short = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return JSON.stringify(short);
}

/** `"a", "b" or "c"`. */
export function listWords(words: readonly unknown[], last = "or"): string {
  const quoted = words.map((w) => (typeof w === "string" ? `"${w}"` : String(w)));
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} ${last} ${quoted[quoted.length - 1]}`;
}
