import { SCENARIO_LIMITS } from "./limits.js";
import type { PathSegment } from "./positions.js";
import { describePath } from "./problem.js";
import type { ProblemCollector } from "./problem.js";

/** A key path built lazily: only a reported problem needs it as an array. */
interface PathLink {
  parent: PathLink | null;
  key: PathSegment;
}

function toArray(link: PathLink | null): PathSegment[] {
  const path: PathSegment[] = [];
  for (let l = link; l; l = l.parent) path.push(l.key);
  return path.reverse();
}

/** Stops the copy at the first limit hit: one problem says it all. */
class LimitHit {
  constructor(
    readonly code: "data-too-large" | "too-deep",
    readonly at: PathLink | null,
  ) {}
}

/**
 * Copies scenario data into plain data (what a YAML file gives): properties set to
 * `undefined` are dropped like absent keys; functions, class instances and cycles
 * are reported instead of followed. Aliases share one object in parsed YAML, and
 * copying expands them, so the number of values and the depth are bounded.
 */
export function toPlainData(value: unknown, problems: ProblemCollector): { ok: true; value: unknown } | { ok: false } {
  const before = problems.problems.length;
  const ancestors = new Set<object>();
  let budget = SCENARIO_LIMITS.maxValues;

  // `parent` + `key` rather than a link per value: leaves (most values) allocate nothing.
  const copy = (v: unknown, parent: PathLink | null, key: PathSegment | undefined, depth: number): unknown => {
    const here = () => (key === undefined ? parent : { parent, key });
    if (--budget < 0) throw new LimitHit("data-too-large", here());
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    const report = (what: string) => {
      const path = toArray(here());
      problems.add({ code: "not-plain-data", path, message: `${describePath(path)} is ${what}; a scenario holds only strings, numbers, booleans, lists and plain objects` });
      return undefined;
    };
    if (typeof v !== "object") return report(v === undefined ? "undefined" : `a ${typeof v}`);
    if (depth > SCENARIO_LIMITS.maxNestingDepth) throw new LimitHit("too-deep", here());
    if (ancestors.has(v)) return report("a circular reference");
    ancestors.add(v);
    const at = here();
    try {
      if (Array.isArray(v)) return Array.from(v, (item, i) => copy(item, at, i, depth + 1));
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return report(`an instance of ${(v as object).constructor?.name ?? "a class"}`);
      const out: Record<string, unknown> = {};
      for (const name of Object.keys(v)) {
        const item = (v as Record<string, unknown>)[name];
        // defineProperty: a key named "__proto__" stays an ordinary key.
        if (item !== undefined) Object.defineProperty(out, name, { value: copy(item, at, name, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    } catch (error) {
      if (error instanceof LimitHit) throw error;
      return report(`unreadable (${error instanceof Error ? error.message : String(error)})`);
    } finally {
      ancestors.delete(v);
    }
  };

  try {
    const result = copy(value, null, undefined, 1);
    return problems.problems.length > before ? { ok: false } : { ok: true, value: result };
  } catch (error) {
    if (!(error instanceof LimitHit)) throw error;
    const path = toArray(error.at);
    problems.add(
      error.code === "too-deep"
        ? { code: "too-deep", path, message: `the scenario nests mappings and lists more than ${SCENARIO_LIMITS.maxNestingDepth} levels deep (counting expanded aliases)` }
        : {
            code: "data-too-large",
            path: [],
            position: null,
            message: `the scenario holds more than ${SCENARIO_LIMITS.maxValues} values once YAML aliases are expanded`,
            hint: "use `count:` groups instead of repeating large aliased blocks",
          },
    );
    return { ok: false };
  }
}
