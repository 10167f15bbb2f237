import { isAbsolute, resolve } from "node:path";
import type { PathSegment } from "./positions.js";
import type { ProblemCollector } from "./problem.js";
import { describePath, quote } from "./problem.js";
import type { NameMeaning, NodeNames } from "./node-names.js";
import { didYouMean } from "./suggest.js";

/** What the resolution steps share. */
export interface ResolveContext {
  /** Folder relative paths are resolved against (absolute). */
  baseDir: string;
  problems: ProblemCollector;
  /** True when nothing under `path` failed the schema. */
  isClean(path: readonly PathSegment[]): boolean;
}

/** Builds `isClean` from the key paths that had schema errors. */
export function cleanChecker(badPaths: readonly (readonly PathSegment[])[]): (path: readonly PathSegment[]) => boolean {
  const key = (path: readonly PathSegment[]) => JSON.stringify(path);
  const bad = new Set(badPaths.map(key));
  const insideBad = new Set(badPaths.flatMap((path) => path.map((_, i) => key(path.slice(0, i + 1)))));
  // Clean: no error at `path` or below it, and none at any of its parents.
  return (path) => !insideBad.has(key(path)) && !path.some((_, i) => bad.has(key(path.slice(0, i)))) && !bad.has(key(path));
}

/** `path` made absolute against the scenario's folder. */
export function absolute(ctx: ResolveContext, path: string): string {
  return isAbsolute(path) ? path : resolve(ctx.baseDir, path);
}

/** Looks up a node or group name, reporting it when it names nothing. */
export function lookupName(ctx: ResolveContext, names: NodeNames, name: string, path: readonly PathSegment[]): NameMeaning | undefined {
  const meaning = names.lookup(name);
  if (meaning) return meaning;
  ctx.problems.add({
    code: "unknown-node",
    path,
    message: `${describePath(path)} names ${quote(name)}, which is neither a node nor a group`,
    hint: didYouMean(name, names.suggestions()) ?? "use a key under `nodes:`, a group's key, or a member id such as <group>_0",
  });
  return undefined;
}
