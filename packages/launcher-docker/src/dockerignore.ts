/**
 * `.dockerignore` matching with the Docker CLI's semantics (moby/patternmatcher):
 * patterns are cleaned paths relative to the context, `*` and `?` stay within one
 * path segment, `**` spans any number of segments, `!` re-includes, the last
 * matching pattern wins, and a pattern that matches a folder matches everything
 * below it.
 */
import { posix } from "node:path";

interface Pattern {
  exclusion: boolean;
  regex: RegExp;
}

/** One line of a `.dockerignore` file turned into a cleaned pattern ("!" kept), or null for blanks and comments. */
export function cleanIgnoreLine(line: string): string | null {
  if (line.startsWith("#")) return null;
  let pattern = line.trim();
  if (pattern === "") return null;
  const exclusion = pattern.startsWith("!");
  if (exclusion) pattern = pattern.slice(1).trim();
  if (pattern !== "") {
    pattern = cleanPath(pattern);
    if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
  }
  return exclusion ? `!${pattern}` : pattern;
}

/** Go's `filepath.Clean` for slash-separated paths. */
function cleanPath(path: string): string {
  const normalized = posix.normalize(path);
  if (normalized === "/" || normalized === "./" || normalized === ".") return normalized === "./" ? "." : normalized;
  return normalized.endsWith("/") ? normalized.slice(0, -1) : normalized;
}

/** Parses the text of a `.dockerignore` file into its patterns, in order. */
export function parseDockerignore(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const patterns: string[] = [];
  for (const line of lines) {
    const pattern = cleanIgnoreLine(line);
    if (pattern !== null) patterns.push(pattern);
  }
  return patterns;
}

function compile(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") i++;
        // "**" at the end matches everything below; elsewhere it spans zero or more
        // whole folders, so "**/x" also matches "x".
        re += i + 1 >= pattern.length ? ".*" : "(?:.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (ch === "?") {
      re += "[^/]";
    } else if (ch === "\\") {
      const next = pattern[i + 1];
      if (next !== undefined) {
        re += escapeRegex(next);
        i++;
      } else {
        re += "\\\\";
      }
    } else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end === -1) {
        re += "\\[";
      } else {
        // A character class as Go's filepath.Match reads it ("[a-z]", "[^0-9]").
        re += `[${pattern.slice(i + 1, end).replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else {
      re += escapeRegex(ch);
    }
  }
  return new RegExp(`${re}$`);
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? `\\${ch}` : ch;
}

/** Decides, for a path relative to the build context, whether `.dockerignore` leaves it out. */
export class IgnoreMatcher {
  readonly #patterns: Pattern[];
  /** True when some pattern re-includes paths (`!…`): an ignored folder must then still be walked. */
  readonly hasExclusions: boolean;

  constructor(patterns: readonly string[]) {
    this.#patterns = [];
    for (const raw of patterns) {
      const exclusion = raw.startsWith("!");
      const body = exclusion ? raw.slice(1) : raw;
      if (body === "") continue;
      this.#patterns.push({ exclusion, regex: compile(body) });
    }
    this.hasExclusions = this.#patterns.some((p) => p.exclusion);
  }

  /** `path` uses "/" separators and no leading "./". */
  ignores(path: string): boolean {
    const file = cleanPath(path);
    const parent = posix.dirname(file);
    const parentParts = parent === "." ? [] : parent.split("/");
    let matched = false;
    for (const pattern of this.#patterns) {
      // An inclusion cannot change an already matched path, nor an exclusion an unmatched one.
      if (pattern.exclusion !== matched) continue;
      let match = pattern.regex.test(file);
      for (let i = 0; !match && i < parentParts.length; i++) {
        match = pattern.regex.test(parentParts.slice(0, i + 1).join("/"));
      }
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }
}
