/**
 * `.dockerignore` matching through `@balena/dockerignore` (a port of Moby's
 * matcher: `*` and `?` stay within one path segment, `**` spans segments, `!`
 * re-includes, the last matching pattern wins, a pattern that matches a folder
 * matches everything below it), with the two settings where it differs from the
 * Docker CLI on Linux corrected here: case-sensitive matching, and literal
 * patterns matched literally (see `literal`).
 */
import dockerignore from "@balena/dockerignore";

/** Decides, for a path relative to the build context, whether `.dockerignore` leaves it out. */
export interface IgnoreMatcher {
  /** `path` uses "/" separators and no leading "./". */
  ignores(path: string): boolean;
  /** True when some pattern re-includes paths (`!…`): an ignored folder must then still be walked. */
  readonly hasExclusions: boolean;
}

/** Characters a regular expression reads specially that a glob does not (`.` and `$` the library escapes itself). */
const REGEX_ONLY = /[+(){}|^]/g;

/**
 * The Docker CLI compares a pattern without wildcards (also after a leading
 * `**` / before a trailing `/**`) as a plain string, so `a+b.txt` or
 * `file (1).txt` match themselves; the library always builds a regular
 * expression, in which `+`, `(`, `|` … are operators. Escaping them in such
 * patterns gives the CLI's result; patterns with wildcards stay as written, as
 * the CLI's regular expression reads them too.
 */
function literal(line: string): string {
  const negated = line.trimStart().startsWith("!");
  const body = negated ? line.trimStart().slice(1) : line;
  const core = body.trim().replace(/^\/?(\*\*\/)+/, "").replace(/(\/\*\*)+\/?$/, "");
  if (/[*?[\\]/.test(core)) return line;
  const escaped = body.replace(REGEX_ONLY, (ch) => `\\${ch}`);
  return negated ? `!${escaped}` : escaped;
}

/** The patterns of a `.dockerignore` file's text, in order, as the Docker CLI reads them. */
export function parseDockerignore(text: string): string[] {
  return text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .filter((line) => !line.startsWith("#") && line.trim() !== "" && line.trim() !== "!");
}

/** A matcher for `patterns` (lines of a `.dockerignore` file, `!` re-including). */
export function ignoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  // The library's default is case-insensitive; Docker on Linux is not (`*.log` keeps `A.LOG`).
  // A CommonJS module whose types say `export default`: Node's default import is module.exports, which carries `.default` too.
  const matcher = dockerignore.default({ ignorecase: false }).add(patterns.map(literal));
  return {
    ignores: (path) => matcher.ignores(path),
    hasExclusions: patterns.some((p) => p.trimStart().startsWith("!")),
  };
}
