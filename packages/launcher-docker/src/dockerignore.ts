/**
 * `.dockerignore` matching through `@balena/dockerignore` (a port of Moby's
 * matcher: `*` and `?` stay within one path segment, `**` spans segments, `!`
 * re-includes, the last matching pattern wins, a pattern that matches a folder
 * matches everything below it), with what it leaves to the caller or does
 * otherwise than the Docker CLI on Linux done here: case-sensitive matching,
 * literal patterns matched literally (see `literal`), and which ignored folders
 * the walk still enters (`mayReinclude`). Checked against the CLI's own context
 * (docs/docker.md).
 */
import { posix } from "node:path";
import dockerignore from "@balena/dockerignore";

/** Decides, for a path relative to the build context, whether `.dockerignore` leaves it out. */
export interface IgnoreMatcher {
  /** `path` uses "/" separators and no leading "./". */
  ignores(path: string): boolean;
  /**
   * Whether an ignored folder must still be walked because a `!` pattern may
   * re-include something below it. As the Docker CLI decides it: only when such a
   * pattern, as written, starts with the folder's path: `!data/keep.txt` opens
   * `data`, but `!cache/<globstar>/*.keep` does not open `cache/x`, so the CLI
   * (and sim) leave `cache/x/y/z.keep` out.
   */
  mayReinclude(dir: string): boolean;
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

/** Go's `filepath.Clean`, then no leading "/", as the CLI cleans a pattern. */
function cleanPath(path: string): string {
  const cleaned = posix.normalize(path).replace(/(.)\/+$/, "$1");
  return cleaned.length > 1 && cleaned.startsWith("/") ? cleaned.slice(1) : cleaned;
}

/** A matcher for `patterns` (lines of a `.dockerignore` file, `!` re-including). */
export function ignoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  // The library's default is case-insensitive; Docker on Linux is not (`*.log` keeps `A.LOG`).
  // A CommonJS module whose types say `export default`: Node's default import is module.exports, which carries `.default` too.
  const matcher = dockerignore.default({ ignorecase: false }).add(patterns.map(literal));
  const reincluded = patterns
    .map((p) => p.trim())
    .filter((p) => p.startsWith("!"))
    .map((p) => `${cleanPath(p.slice(1).trim())}/`);
  return {
    ignores: (path) => matcher.ignores(path),
    mayReinclude: (dir) => reincluded.some((p) => p.startsWith(`${dir}/`)),
  };
}
