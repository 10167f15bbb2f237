/**
 * Overrides: `--set network.links[0].loss=0.01` on the command line, `set:` in
 * `runScenario`, and a sweep's parameters. Each replaces one value of the scenario
 * data before it is validated, so an overridden value is checked exactly like one
 * written in the file, and a problem it causes names the override.
 */
import { parse as parseYamlValue } from "yaml";
import { ScenarioInvalidError } from "./errors.js";
import type { PathSegment } from "./positions.js";
import { describePath, quote, type ProblemCollector } from "./problem.js";
import { closestMatch } from "./suggest.js";
import type { Problem } from "./types.js";

/** One value to replace, and where the request came from (shown in problems). */
export interface Override {
  /** Key path: `["network", "links", 0, "loss"]`. */
  path: PathSegment[];
  value: unknown;
  /** How the user wrote it, e.g. `--set network.default_latency_ms=20`. */
  origin: string;
}

/**
 * The override could not be read at all (no `=`, an unreadable key path or value):
 * invalid input like a bad scenario, with one problem that names the override.
 */
export class OverrideSyntaxError extends ScenarioInvalidError {
  constructor(
    readonly origin: string,
    readonly reason: string,
  ) {
    super([{ severity: "error", code: "bad-override", file: null, line: null, column: null, path: [], message: `${origin}: ${reason}` }], `${origin}: ${reason}`);
  }
}

// A key is a YAML key of the scenario: node group names may hold `-` (see node_id),
// so a key runs up to the next `.` or `[`; one holding a `.` is written ["a.b"].
const KEY = /^[^.[\]=\s]+/;

/**
 * Parses `a.b[2].c` into `["a", "b", 2, "c"]`.
 * @throws OverrideSyntaxError naming `origin` when the text is not a key path.
 */
export function parseKeyPath(text: string, origin = text): PathSegment[] {
  const path: PathSegment[] = [];
  let rest = text;
  while (rest.length > 0) {
    if (rest.startsWith("[")) {
      const index = /^\[(\d{1,9})\]/.exec(rest);
      // A key with dots in it (node ids may have them) is written nodes["edge.gw"].
      const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
      if (index) path.push(Number(index[1]));
      else if (quoted) path.push(JSON.parse(quoted[1]!) as string);
      else throw new OverrideSyntaxError(origin, `${quote(text)} is not a key path: a list index is written [0], [1], ..., a key with dots ["a.b"]`);
      rest = rest.slice((index ?? quoted)![0].length);
    } else {
      if (path.length > 0) {
        if (!rest.startsWith(".")) throw new OverrideSyntaxError(origin, `${quote(text)} is not a key path: expected "." or "[" after ${quote(describePath(path))}`);
        rest = rest.slice(1);
      }
      const key = KEY.exec(rest);
      if (!key) throw new OverrideSyntaxError(origin, `${quote(text)} is not a key path such as network.default_latency_ms or network.links[0].loss`);
      path.push(key[0]);
      rest = rest.slice(key[0].length);
    }
  }
  if (path.length === 0) throw new OverrideSyntaxError(origin, "the key path is empty");
  return path;
}

/**
 * Reads one `key.path=value` argument. The value is YAML: `20`, `0.01`, `true`,
 * `edge`, `"007"`, `[temperature, humidity]`, `{latency_ms: 5}`.
 * @throws OverrideSyntaxError when it cannot be read.
 */
export function parseOverride(text: string, origin = `--set ${text}`): Override {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new OverrideSyntaxError(origin, "expected key.path=value, e.g. network.default_latency_ms=20");
  const path = parseKeyPath(text.slice(0, eq).trim(), origin);
  return { path, value: parseOverrideValue(text.slice(eq + 1), origin), origin };
}

/** A value written on a command line, read as a YAML scalar or flow collection. */
export function parseOverrideValue(text: string, origin: string): unknown {
  if (text.trim() === "") throw new OverrideSyntaxError(origin, "the value is empty (write null for an empty value)");
  try {
    return parseYamlValue(text, { schema: "core", resolveKnownTags: false, uniqueKeys: true, maxAliasCount: 0 });
  } catch (error) {
    throw new OverrideSyntaxError(origin, `the value is not a YAML value: ${(error as Error).message.split("\n")[0]}`);
  }
}

/**
 * Applies `overrides` to a copy of `data` (plain scenario data), in order. Every
 * container on the way to the replaced value must already exist (the last key may
 * be new, so that a default can be overridden); a path that leaves the data is a
 * problem naming the override, with a did-you-mean hint.
 */
export function applyOverrides(data: unknown, overrides: readonly Override[], problems: ProblemCollector): unknown {
  if (overrides.length === 0) return data;
  const root = structuredClone(data);
  for (const override of overrides) {
    let node: unknown = root;
    const { path } = override;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      const here = path.slice(0, i);
      const last = i === path.length - 1;
      if (typeof segment === "number") {
        if (!Array.isArray(node)) {
          missing(problems, override, here, `${describePath(here)} is not a list`);
          break;
        }
        if (segment > node.length || (!last && segment >= node.length)) {
          missing(problems, override, here, `${describePath(here)} has ${node.length} item(s); there is no [${segment}]`);
          break;
        }
        if (last) node[segment] = structuredClone(override.value);
        else node = node[segment];
        continue;
      }
      if (node === null || typeof node !== "object" || Array.isArray(node)) {
        missing(problems, override, here, `${describePath(here)} is not a mapping`);
        break;
      }
      const map = node as Record<string, unknown>;
      if (last) {
        map[segment] = structuredClone(override.value);
      } else if (!Object.hasOwn(map, segment)) {
        const suggestion = closestMatch(segment, Object.keys(map));
        missing(problems, override, here, `${describePath(path.slice(0, i + 1))} is not in the scenario`, suggestion && `did you mean ${quote(describePath([...here, suggestion]))}?`);
        break;
      } else {
        node = map[segment];
      }
    }
  }
  return root;
}

function missing(problems: ProblemCollector, override: Override, located: PathSegment[], message: string, hint?: string): void {
  problems.add({ code: "bad-override", path: override.path, locatePath: located, at: "key", message: `${override.origin}: ${message}`, hint });
}

/**
 * Names the override in every problem it caused: a problem at or below an
 * overridden path (or about a key missing right there) is prefixed with the
 * override's origin. Problems already naming it are left alone.
 */
export function attributeToOverrides(problems: Problem[], overrides: readonly Override[]): Problem[] {
  if (overrides.length === 0) return problems;
  return problems.map((problem) => {
    const override = [...overrides].reverse().find((o) => startsWith(problem.path, o.path));
    if (!override || problem.message.startsWith(override.origin)) return problem;
    return { ...problem, message: `${override.origin}: ${problem.message}` };
  });
}

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}
