import { isAlias, isMap, isScalar, isSeq, visit } from "yaml";
import type { Document, LineCounter, Node, Pair, YAMLMap } from "yaml";
import type { Problem, ResolvedScenario } from "./types.js";

export type PathSegment = string | number;

/** 1-based. */
export interface Position {
  line: number;
  column: number;
}

/** Finds where a key path sits in the source text. */
export interface SourceLocator {
  /**
   * Position of the key (`at: "key"`) or of the value (`at: "value"`) at `path`.
   * When the path only partly exists in the source (a default, a merged key), the
   * position of the deepest part that exists; null when nothing is known.
   */
  locate(path: readonly PathSegment[], at: "key" | "value"): Position | null;
}

/** For scenarios built in code: no positions at all. */
export const NO_POSITIONS: SourceLocator = { locate: () => null };

/** Where a resolved scenario came from: the file name as given and its positions. */
export interface SourceInfo {
  file: string | null;
  locator: SourceLocator;
}

// Symbol.for, not Symbol(): two loaded copies of this package (src and dist) agree on it.
const SOURCE = Symbol.for("@sim/config/source-info");

/**
 * Keeps source positions next to the resolved scenario without making them part
 * of the data: a non-enumerable symbol property is skipped by YAML/JSON writers
 * and by clones (a clone simply has no positions).
 */
export function attachSource(scenario: ResolvedScenario, info: SourceInfo): void {
  Object.defineProperty(scenario, SOURCE, { value: info, enumerable: false, configurable: true });
}

export function sourceOf(scenario: ResolvedScenario): SourceInfo {
  const info = (scenario as unknown as Record<symbol, SourceInfo | undefined>)[SOURCE];
  return info ?? { file: scenario.source, locator: NO_POSITIONS };
}

/** Locates key paths in a parsed YAML document. */
export function yamlLocator(doc: Document.Parsed, lineCounter: LineCounter): SourceLocator {
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const start = (node: unknown): Position | null => {
    const range = (node as Node | null)?.range;
    return range ? at(range[0]) : null;
  };
  // Alias -> anchored node, built once on first use: yaml's Alias.resolve() walks
  // the whole document per call.
  let targets: Map<unknown, unknown> | undefined;
  const deref = (node: unknown): unknown => {
    if (!isAlias(node)) return node;
    if (!targets) {
      const found = new Map<unknown, unknown>();
      const anchors = new Map<string, unknown>();
      visit(doc, {
        Node(_, n) {
          if (isAlias(n)) found.set(n, anchors.get(n.source));
          else if (n.anchor) anchors.set(n.anchor, n);
        },
      });
      targets = found;
    }
    return targets.get(node);
  };

  return {
    locate(path, where) {
      let node: unknown = doc.contents;
      let best = start(node) ?? { line: 1, column: 1 };
      let key: unknown = null;
      for (const segment of path) {
        const container = deref(node);
        if (isMap(container)) {
          const pair = findPair(container, String(segment), deref);
          if (!pair) return best;
          key = pair.key;
          node = pair.value;
          best = start(key) ?? best;
        } else if (isSeq(container) && typeof segment === "number" && segment < container.items.length) {
          key = null;
          node = container.items[segment];
          best = start(node) ?? best;
        } else {
          return best;
        }
      }
      if (where === "key") return best;
      // An empty value (`target:`) has no text of its own: point at its key.
      const range = (node as Node | null)?.range;
      if (!range || (isScalar(node) && node.value === null && range[0] === range[1])) return best;
      return at(range[0]);
    },
  };
}

const MERGE = "<<";

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const value = key.value;
  return value === MERGE || (typeof value === "symbol" && value.description === MERGE);
}

/** The pair holding `key`, looking through `<<` merge keys like the YAML loader does. */
function findPair(map: YAMLMap, key: string, deref: (n: unknown) => unknown, depth = 0): Pair | undefined {
  for (const pair of map.items) {
    if (isScalar(pair.key) && !isMergeKey(pair.key) && String(pair.key.value) === key) return pair;
  }
  if (depth > 8) return undefined;
  for (const pair of map.items) {
    if (!isMergeKey(pair.key)) continue;
    const source = deref(pair.value);
    const sources = isSeq(source) ? source.items.map(deref) : [source];
    for (const s of sources) {
      if (!isMap(s)) continue;
      const found = findPair(s, key, deref, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Gives problems found after validation (by a launcher's checks, say) the file,
 * line and column of their key path in the scenario's source, where they lack one.
 */
export function locateProblems(scenario: ResolvedScenario, problems: readonly Problem[]): Problem[] {
  const { file, locator } = sourceOf(scenario);
  return problems.map((problem) => {
    if (problem.line !== null) return problem;
    const position = problem.path.length > 0 ? locator.locate(problem.path, "value") : null;
    // Name the file as the user gave it, like every other problem of this scenario.
    const sameFile = problem.file === null || problem.file === scenario.source;
    return { ...problem, file: sameFile ? file : problem.file, line: position?.line ?? null, column: position?.column ?? null };
  });
}
