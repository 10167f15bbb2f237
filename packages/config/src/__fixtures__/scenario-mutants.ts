/**
 * Mutants of real scenario files for fuzzing: the property test next to it
 * (`mutants.property.test.ts`) and the long campaign (`scripts/fuzz/`) draw from the
 * same arbitraries, so a failure found by one reproduces in the other.
 *
 * A mutation is plain data (an operation, indexes, a text or a value) applied to the
 * source afterwards, so that fast-check can shrink a failing mutant to the smallest
 * set of small edits.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";

/** A file mutants are made from. */
export interface SeedScenario {
  /** Path relative to the repository, e.g. `scenarios/quickstart.yaml`. */
  name: string;
  /** Folder relative to the repository: relative paths in the scenario resolve from there. */
  dir: string;
  text: string;
  /** Parsed data (YAML core schema, merge keys), or undefined when the text does not parse. */
  data: unknown;
  /** Scalar strings of the file (node ids, types, ...), reused as values to get past reference checks. */
  words: string[];
  /** Whether the file is a valid scenario (not an invalid fixture). */
  valid: boolean;
}

export interface Mutant {
  seed: SeedScenario;
  kind: "text" | "data";
  /** The mutated scenario text (for a data mutant: its data written back as YAML). */
  text: string;
  /** For a data mutant: the mutated data itself. */
  data?: unknown;
  /** The edits, for the failure report. */
  edits: string[];
}

/** Every scenario in `scenarios/` and every fixture of `@sim/config` (valid and invalid). */
export function loadSeedScenarios(repoRoot: string): SeedScenario[] {
  const dirs = ["scenarios", "packages/config/test/fixtures/valid", "packages/config/test/fixtures/invalid"];
  const seeds: SeedScenario[] = [];
  for (const dir of dirs) {
    for (const file of readdirSync(join(repoRoot, dir)).filter((f) => f.endsWith(".yaml")).sort()) {
      // latin1 keeps invalid-utf8.yaml's bytes as characters; every other file is ASCII or UTF-8.
      const raw = readFileSync(join(repoRoot, dir, file));
      const text = raw.toString(raw.toString("utf8").includes("\uFFFD") ? "latin1" : "utf8");
      const data = parseData(text);
      seeds.push({ name: `${dir}/${file}`, dir, text, data, words: wordsOf(data), valid: !dir.endsWith("invalid") });
    }
  }
  return seeds;
}

function parseData(text: string): unknown {
  try {
    // resolveKnownTags off, as in @sim/config: `!!binary` stays a string, not a Uint8Array.
    return parse(text, { schema: "core", merge: true, uniqueKeys: false, maxAliasCount: 1000, resolveKnownTags: false, logLevel: "error" }) as unknown;
  } catch {
    return undefined;
  }
}

function wordsOf(data: unknown): string[] {
  const words = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (depth > 20 || words.size > 200) return;
    if (typeof v === "string" && v.length < 40) words.add(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        words.add(k);
        walk(x, depth + 1);
      }
    }
  };
  walk(data, 0);
  return [...words];
}

// ---------------------------------------------------------------------------
// Text mutations

/** YAML syntax, odd numbers, unicode and control characters. */
export const YAML_TOKENS: readonly string[] = [
  "&a ", "*a", " *a", "&b [*a, *a]", "<<: *a", "<<: [*a]", "!!binary ", "!!set ", "!!str ", "!!int ", "!!float ", "!custom ",
  "!<tag:yaml.org,2002:map> ", "---", "---\n", "...\n", "{", "}", "[", "]", "{}", "[]", "? ", ": ", "- ", ",", "#", "|", ">-", "|+",
  '"', "'", '"\\u0000"', '"\\x"', "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "@", "`",
  "~", "null", "yes", "no", "on", "true", ".inf", "-.inf", ".nan", "0x1F", "0o17", "1_000", "-0", "1e999", "-1e999", "2e-400",
  "9".repeat(400), `0.${"0".repeat(330)}1`, String(2 ** 53 + 1), "-9007199254740993", "1e9", "1000001",
  "\t", "\r", "\r\n", "\n\n", " ", "\u00A0", "\u2028", "\u0085", "\uFEFF", "\u200B", "\u0000", "\u0007", "\u0008", "\u000B", "\u001B",
  "\u007F", "\uD800", "\uDC00", "\u{1F600}", "é", "e\u0301", "Ω", "日本", "\u202E",
  "__proto__", "constructor", "prototype", "x-", "<<", "count", "type", "nodes", "target", "upstream", "links",
];

/** Whole lines worth inserting. */
const YAML_LINES: readonly string[] = [
  "x-anchor: &a {type: sensor}", "  <<: *a", "nodes:", "nodes: {}", "nodes: []", "  extra: 1", "- a", "  - b", "network:",
  "  links: [{from: a, to: b}]", "duration_sec: 1", "seed: -1", "time_quantum_us: 0", "---", "...", "%YAML 1.2", "? [a]: b",
  "42: x", "[a, b]: c", "{a: b}: c", "  !!binary aGVsbG8=", "key: !!set {a, b}", "a: &x [*x]", "  count: 1000000",
  "  type: process", "  type: docker", "  type: qemu", "  type: renode", "  command: [/bin/true]", "  image: Nginx", "  ports: ['::1:8443:443']",
  "# comment", "", "   ", "\t", `long: ${"x".repeat(5000)}`, `${"a".repeat(70)}: {type: cloud}`, "  env: {A: 1}",
  `deep: ${"[".repeat(70)}${"]".repeat(70)}`, `deep: ${"{a: ".repeat(70)}1${"}".repeat(70)}`,
];

/** Replacement numbers for numeric literals already in the file. */
const NUMBERS: readonly string[] = [
  "0", "-0", "-1", "0.5", "1e-7", "1.5", "2", "255", "65536", "1000001", "1e9", "1e10", String(2 ** 53), String(2 ** 53 + 2),
  "1e308", "1e999", "-1e999", "9".repeat(400), ".nan", ".inf", "0x10", "1_0", "+1", "01", "1.", ".5", "1e",
];

type TextEdit =
  | { op: "insert"; at: number; text: string }
  | { op: "delete"; at: number; length: number }
  | { op: "replace"; at: number; length: number; text: string }
  | { op: "delete-line"; line: number }
  | { op: "duplicate-line"; line: number }
  | { op: "swap-lines"; line: number; other: number }
  | { op: "indent"; line: number; by: number }
  | { op: "tab-indent"; line: number }
  | { op: "insert-line"; line: number; text: string; indent: number }
  | { op: "number"; index: number; text: string }
  | { op: "key"; index: number; text: string };

const index = fc.nat({ max: 100_000 });
const shortText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...YAML_TOKENS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(..."{}[]:,-#&*!|>'\"%@`? \n\t"), maxLength: 12 }) },
);

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constant("insert" as const), at: index, text: shortText }),
  fc.record({ op: fc.constant("delete" as const), at: index, length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant("replace" as const), at: index, length: fc.integer({ min: 1, max: 10 }), text: shortText }),
  fc.record({ op: fc.constant("delete-line" as const), line: index }),
  fc.record({ op: fc.constant("duplicate-line" as const), line: index }),
  fc.record({ op: fc.constant("swap-lines" as const), line: index, other: index }),
  fc.record({ op: fc.constant("indent" as const), line: index, by: fc.integer({ min: -6, max: 6 }) }),
  fc.record({ op: fc.constant("tab-indent" as const), line: index }),
  fc.record({ op: fc.constant("insert-line" as const), line: index, text: fc.constantFrom(...YAML_LINES), indent: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ op: fc.constant("number" as const), index, text: fc.constantFrom(...NUMBERS) }),
  fc.record({ op: fc.constant("key" as const), index, text: fc.oneof(fc.constantFrom(...YAML_TOKENS), fc.string({ maxLength: 6 })) }),
);

function applyTextEdit(text: string, edit: TextEdit): string {
  const lines = text.split("\n");
  const line = (i: number) => i % lines.length;
  switch (edit.op) {
    case "insert": {
      const at = edit.at % (text.length + 1);
      return text.slice(0, at) + edit.text + text.slice(at);
    }
    case "delete": {
      const at = edit.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + edit.length);
    }
    case "replace": {
      const at = edit.at % (text.length + 1);
      return text.slice(0, at) + edit.text + text.slice(at + edit.length);
    }
    case "delete-line":
      lines.splice(line(edit.line), 1);
      return lines.join("\n");
    case "duplicate-line": {
      const i = line(edit.line);
      lines.splice(i, 0, lines[i]!);
      return lines.join("\n");
    }
    case "swap-lines": {
      const [i, j] = [line(edit.line), line(edit.other)];
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join("\n");
    }
    case "indent": {
      const i = line(edit.line);
      lines[i] = edit.by >= 0 ? " ".repeat(edit.by) + lines[i]! : lines[i]!.replace(new RegExp(`^ {0,${-edit.by}}`), "");
      return lines.join("\n");
    }
    case "tab-indent": {
      const i = line(edit.line);
      lines[i] = lines[i]!.replace(/^ +/, "\t");
      return lines.join("\n");
    }
    case "insert-line":
      lines.splice(edit.line % (lines.length + 1), 0, " ".repeat(edit.indent) + edit.text);
      return lines.join("\n");
    case "number":
      return replaceNth(text, /(?<![\w.])-?\d+(\.\d+)?([eE][-+]?\d+)?(?![\w.])/g, edit.index, edit.text);
    case "key":
      return replaceNth(text, /(?<=^[ \t-]*|[{,] *)[A-Za-z_][\w-]*(?=:)/gm, edit.index, edit.text);
  }
}

function replaceNth(text: string, pattern: RegExp, n: number, replacement: string): string {
  const matches = [...text.matchAll(pattern)];
  if (matches.length === 0) return text;
  const m = matches[n % matches.length]!;
  return text.slice(0, m.index) + replacement + text.slice(m.index + m[0].length);
}

function describeTextEdit(edit: TextEdit): string {
  return JSON.stringify(edit, (_, v: unknown) => (typeof v === "string" && v.length > 40 ? `${v.slice(0, 20)}…(${v.length} chars)` : v));
}

// ---------------------------------------------------------------------------
// Data mutations

type PathSegment = string | number;

type DataEdit =
  | { op: "set"; path: number; value: ValueChoice }
  | { op: "delete"; path: number }
  | { op: "add-key"; path: number; key: KeyChoice; value: ValueChoice }
  | { op: "rename-key"; path: number; key: KeyChoice };

/** A value: random JSON, an odd constant, or a string of the file itself (a node id, a type). */
type ValueChoice = { from: "json"; value: unknown } | { from: "word"; index: number } | { from: "copy"; path: number };
type KeyChoice = { from: "word"; index: number } | { from: "text"; text: string };

const ODD_VALUES: readonly unknown[] = [
  null, 0, -1, 0.5, 1, 2 ** 53, -(2 ** 53), 1e308, -1e-308, 1e-7, "", " ", "1", "true", "null", "~", "../../etc/passwd", "/", "a".repeat(70),
  "x".repeat(5000), [], {}, [[[[]]]], { type: "sensor" }, { type: "process", command: [] }, { count: 1_000_000 }, true, false,
  "sensor", "gateway", "cloud", "process", "docker", "qemu", "renode", "latency", "direct", "edge",
];

const valueChoice: fc.Arbitrary<ValueChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ from: fc.constant("json" as const), value: fc.jsonValue({ maxDepth: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ from: fc.constant("json" as const), value: fc.constantFrom(...ODD_VALUES) }) },
  { weight: 3, arbitrary: fc.record({ from: fc.constant("word" as const), index }) },
  { weight: 1, arbitrary: fc.record({ from: fc.constant("copy" as const), path: index }) },
);

const keyChoice: fc.Arbitrary<KeyChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ from: fc.constant("word" as const), index }) },
  { weight: 1, arbitrary: fc.record({ from: fc.constant("text" as const), text: fc.oneof(fc.constantFrom(...YAML_TOKENS), fc.string({ maxLength: 10 })) }) },
);

const dataEdit: fc.Arbitrary<DataEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("set" as const), path: index, value: valueChoice }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), path: index }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("add-key" as const), path: index, key: keyChoice, value: valueChoice }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("rename-key" as const), path: index, key: keyChoice }) },
);

/** Every path in `data`, the root first (at most 5,000). */
function pathsOf(data: unknown): PathSegment[][] {
  const paths: PathSegment[][] = [];
  const walk = (v: unknown, path: PathSegment[]) => {
    if (paths.length >= 5000) return;
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(data, []);
  return paths;
}

function get(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const s of path) v = (v as Record<PathSegment, unknown>)[s];
  return v;
}

function setKey(container: unknown, key: PathSegment, value: unknown): void {
  // defineProperty: a key "__proto__" stays an ordinary key, as YAML makes it.
  Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
}

function applyDataEdit(data: unknown, edit: DataEdit, words: readonly string[]): unknown {
  const paths = pathsOf(data);
  const path = paths[edit.path % paths.length]!;
  const valueOf = (choice: ValueChoice): unknown => {
    if (choice.from === "json") return structuredClone(choice.value);
    if (choice.from === "word") return words.length > 0 ? words[choice.index % words.length] : "";
    return structuredClone(get(data, paths[choice.path % paths.length]!));
  };
  const keyOf = (choice: KeyChoice): string => (choice.from === "text" ? choice.text : words.length > 0 ? words[choice.index % words.length]! : "k");
  if (path.length === 0) {
    // The root itself: replaced only by "set", so that most mutants keep a mapping.
    if (edit.op === "set") return valueOf(edit.value);
    if (edit.op === "add-key" && data !== null && typeof data === "object" && !Array.isArray(data)) setKey(data, keyOf(edit.key), valueOf(edit.value));
    return data;
  }
  const parent = get(data, path.slice(0, -1)) as Record<PathSegment, unknown> | unknown[];
  const last = path[path.length - 1]!;
  switch (edit.op) {
    case "set":
      setKey(parent, last, valueOf(edit.value));
      break;
    case "delete":
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case "add-key": {
      const target = get(data, path);
      if (Array.isArray(target)) target.push(valueOf(edit.value));
      else if (target !== null && typeof target === "object") setKey(target, keyOf(edit.key), valueOf(edit.value));
      else setKey(parent, last, { [keyOf(edit.key)]: valueOf(edit.value) });
      break;
    }
    case "rename-key":
      if (!Array.isArray(parent)) {
        const value = parent[last];
        delete parent[last];
        setKey(parent, keyOf(edit.key), value);
      }
      break;
  }
  return data;
}

// ---------------------------------------------------------------------------

/** A seed file: valid scenarios twice as often as invalid fixtures (their mutants reach further). */
function seedOf(seeds: readonly SeedScenario[]): fc.Arbitrary<SeedScenario> {
  const valid = seeds.filter((s) => s.valid);
  const invalid = seeds.filter((s) => !s.valid);
  if (valid.length === 0 || invalid.length === 0) return fc.constantFrom(...seeds);
  return fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });
}

/** Text mutants: 1 to `maxEdits` (default 4) edits of a file's text. */
export function textMutant(seeds: readonly SeedScenario[], { maxEdits = 4 } = {}): fc.Arbitrary<Mutant> {
  return fc.tuple(seedOf(seeds), fc.array(textEdit, { minLength: 1, maxLength: maxEdits })).map(([seed, edits]) => ({
    seed,
    kind: "text" as const,
    text: edits.reduce(applyTextEdit, seed.text),
    edits: edits.map(describeTextEdit),
  }));
}

/** Data mutants: 1 to `maxEdits` (default 4) edits of a file's parsed data, written back as YAML. */
export function dataMutant(seeds: readonly SeedScenario[], { maxEdits = 4 } = {}): fc.Arbitrary<Mutant> {
  const parsed = seeds.filter((s) => s.data !== undefined && s.data !== null && typeof s.data === "object");
  return fc.tuple(seedOf(parsed), fc.array(dataEdit, { minLength: 1, maxLength: maxEdits })).map(([seed, edits]) => {
    const data = edits.reduce((d, e) => applyDataEdit(d, e, seed.words), structuredClone(seed.data));
    return { seed, kind: "data" as const, text: toYaml(data), data, edits: edits.map((e) => JSON.stringify(e, shorten)) };
  });
}

/** Either kind, text mutants twice as often. */
export function scenarioMutant(seeds: readonly SeedScenario[], options: { maxEdits?: number } = {}): fc.Arbitrary<Mutant> {
  return fc.oneof({ weight: 2, arbitrary: textMutant(seeds, options) }, { weight: 1, arbitrary: dataMutant(seeds, options) });
}

function toYaml(data: unknown): string {
  // aliasDuplicateObjects off: copied values are clones, and anchors would change nothing but the text.
  return stringify(data, { aliasDuplicateObjects: false, lineWidth: 0 });
}

function shorten(_: string, v: unknown): unknown {
  return typeof v === "string" && v.length > 40 ? `${v.slice(0, 20)}…(${v.length} chars)` : v;
}

/** What a failure report shows of a mutant. */
export function describeMutant(m: Mutant): string {
  const text = m.text.length > 3000 ? `${m.text.slice(0, 3000)}\n…(${m.text.length} chars)` : m.text;
  return `${m.kind} mutant of ${m.seed.name}\nedits:\n  ${m.edits.join("\n  ")}\ntext:\n${text}`;
}

/**
 * The seed of a fuzz run: `SIM_FUZZ_SEED` if set (an integer, or `random` for a new
 * one each run), else `fixed`. fast-check prints the seed of a failure.
 */
export function fuzzSeed(fixed: number, env: Readonly<Record<string, string | undefined>>): number {
  const given = env.SIM_FUZZ_SEED?.trim();
  if (given === undefined || given === "") return fixed;
  if (given === "random") return (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`SIM_FUZZ_SEED must be an integer or "random", got ${JSON.stringify(given)}`);
  return seed | 0;
}
