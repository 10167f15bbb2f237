import type { Problem } from "./types.js";

/**
 * One line for a terminal: `file:line:col: severity: message (hint)`. Without a
 * position: `file: severity: message (hint)`; without a file, `<scenario>`.
 */
export function formatProblem(problem: Problem): string {
  const file = problem.file ?? "<scenario>";
  const position = problem.line === null ? "" : `:${problem.line}:${problem.column ?? 1}`;
  const hint = problem.hint ? ` (${problem.hint})` : "";
  return `${file}${position}: ${problem.severity}: ${problem.message}${hint}`;
}
