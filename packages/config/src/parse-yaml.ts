import { Composer, LineCounter, Parser, isAlias, isCollection, isMap, isPair, isScalar, isSeq, visit } from "yaml";
import type { CST, Document, Node, Pair, Scalar } from "yaml";
import { SCENARIO_LIMITS } from "./limits.js";
import { yamlLocator } from "./positions.js";
import type { PathSegment, Position, SourceLocator } from "./positions.js";
import { quote } from "./problem.js";
import type { ProblemCollector } from "./problem.js";
import type { ProblemCode } from "./problem-codes.js";
import type { ProblemSeverity } from "./types.js";

type Report = (offset: number, code: ProblemCode, message: string, hint?: string, severity?: ProblemSeverity, path?: PathSegment[]) => unknown;

export type ParsedYaml = { ok: true; data: unknown; locator: SourceLocator } | { ok: false };

// C0 controls except tab, LF and CR, plus DEL: never valid raw in YAML, and the YAML
// lexer uses some of them as internal markers. NUL usually means a binary file.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * Reads scenario text as exactly one YAML document, refusing hostile input
 * (binary content, deep nesting, alias bombs, several documents) with problems
 * in `problems` instead of exceptions. Does no I/O.
 */
export function parseYaml(text: string, problems: ProblemCollector): ParsedYaml {
  const fail = (code: ProblemCode, message: string, hint?: string) => {
    problems.add({ code, path: [], message, hint });
    return { ok: false } as const;
  };

  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > SCENARIO_LIMITS.maxFileBytes) {
    return fail("file-too-large", `scenario is ${bytes} bytes; the limit is ${SCENARIO_LIMITS.maxFileBytes} bytes`, "generate large scenarios with `count:` groups instead of listing every node");
  }

  // Line starts come from the text itself, not from the parser's callback: the parser
  // reports the newlines it reads as tokens, but not those inside a plain scalar it
  // gave up on (error recovery), and every later position would be on a wrong line.
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineCounter.addNewLine(i + 1);
  const positionOf = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const at = (offset: number, code: ProblemCode, message: string, hint?: string, severity: ProblemSeverity = "error", path: PathSegment[] = []) => {
    problems.add({ code, path, message, hint, severity, position: positionOf(offset) });
    return { ok: false } as const;
  };

  const control = CONTROL.exec(text);
  if (control) {
    if (control[0] === "\u0000") {
      return at(control.index, "binary-content", "scenario contains a NUL byte: this looks like a binary file, not YAML text", "pass the scenario's .yaml file, saved as UTF-8 text");
    }
    const char = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
    return at(control.index, "control-character", `scenario contains the control character ${char}, which YAML does not allow`, "remove the character, or write it as an escape inside a double-quoted string");
  }

  const tokens = [...new Parser().parse(text)];
  const deep = firstTooDeep(tokens, SCENARIO_LIMITS.maxNestingDepth);
  if (deep !== null) {
    return at(deep, "too-deep", `mappings and lists are nested more than ${SCENARIO_LIMITS.maxNestingDepth} levels deep`);
  }

  // resolveKnownTags off: !!binary, !!set, !!timestamp would otherwise become
  // Uint8Array, Set or Date objects, which are not scenario data.
  const composer = new Composer({ schema: "core", resolveKnownTags: false, merge: true, uniqueKeys: false, prettyErrors: false, strict: true });
  const docs = [...composer.compose(tokens, true, text.length)];
  const doc = docs[0];
  if (!doc) return at(0, "empty-scenario", "scenario is empty", "start from the minimal scenario in docs/scenario-format.md");
  const second = docs[1];
  if (second) {
    return at(second.range[0], "multiple-documents", "scenario contains more than one YAML document (a second `---`)", "keep one scenario per file");
  }

  let stop = false;
  for (const error of doc.errors) {
    stop = true;
    const code = error.code === "MULTIPLE_DOCS" ? "multiple-documents" : error.code === "RESOURCE_EXHAUSTION" ? "too-deep" : "yaml-syntax";
    at(error.pos[0], code, `YAML syntax error: ${firstLine(error.message)}`, yamlHint(error.code));
  }
  for (const warning of doc.warnings) {
    if (warning.code === "TAG_RESOLVE_FAILED") {
      stop = true;
      at(warning.pos[0], "unsupported-tag", `unsupported YAML tag ${firstLine(warning.message).replace(/^Unresolved tag: /, "").replace("tag:yaml.org,2002:", "!!")}`, "remove the tag; scenario values are plain strings, numbers, booleans, lists and mappings");
    } else {
      at(warning.pos[0], "yaml-warning", firstLine(warning.message), undefined, "warning");
    }
  }
  if (stop) return { ok: false };

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return at(0, "empty-scenario", "scenario is empty (no keys, only comments or nothing)", "start from the minimal scenario in docs/scenario-format.md");
  }
  if (!isMap(doc.contents)) {
    const what = isCollection(doc.contents) ? "a list" : "a single value";
    return at(doc.contents.range[0], "not-a-mapping", `the top level of a scenario must be a mapping of keys (duration_sec, nodes, ...), not ${what}`);
  }

  const checked = checkKeysAndAliases(doc, at, positionOf);
  if (!checked.usable) return { ok: false };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: SCENARIO_LIMITS.maxAliasCount });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/alias count/i.test(message)) {
      return at(checked.firstAlias ?? 0, "alias-limit", `YAML aliases expand beyond the alias budget (${SCENARIO_LIMITS.maxAliasCount}); refusing a possible "billion laughs" file`, "use `count:` groups instead of deeply nested aliases");
    }
    return fail("yaml-syntax", `YAML could not be read: ${firstLine(message)}`);
  }
  return { ok: true, data, locator: yamlLocator(doc, lineCounter) };
}

/**
 * Reports duplicate keys, keys that are not strings, aliases without an anchor
 * and too many aliases. Returns usable: false when the document cannot be turned
 * into data.
 */
function checkKeysAndAliases(doc: Document.Parsed, at: Report, positionOf: (offset: number) => Position): { usable: boolean; firstAlias: number | undefined } {
  let usable = true;
  let firstAlias: number | undefined;
  let aliases = 0;
  // Anchors seen so far in document order; yaml's own Alias.resolve() walks the
  // whole document for each alias, which is quadratic on large files.
  const anchors = new Set<string>();
  const start = (node: unknown, fallback: number) => (node as { range?: [number, number, number] } | null)?.range?.[0] ?? fallback;
  visit(doc, {
    Node(_, node, ancestors) {
      if (isAlias(node)) {
        aliases++;
        firstAlias ??= start(node, 0);
        if (!anchors.has(node.source)) {
          usable = false;
          at(start(node, 0), "unknown-anchor", `alias *${node.source} refers to no anchor &${node.source} defined before it`);
        }
        return;
      }
      if (node.anchor) anchors.add(node.anchor);
      if (!isMap(node)) return;
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const key = pair.key as Scalar | null;
        const offset = start(key, start(pair.value, start(node, 0)));
        if (isScalar(key) && (typeof key.value === "string" || (typeof key.value === "symbol" && key.value.description === "<<"))) {
          if (typeof key.value !== "string") continue;
          const first = seen.get(key.value);
          if (first !== undefined) {
            at(offset, "duplicate-key", `duplicate key ${quote(key.value)} (first defined at line ${positionOf(first).line})`, "a key may appear only once in a mapping: remove or rename one of them", "error", [
              ...keyPathOf(ancestors, node),
              key.value,
            ]);
          } else {
            seen.set(key.value, offset);
          }
          continue;
        }
        usable = false;
        const shown = isScalar(key) ? (key.value === null ? "an empty key" : `key ${String(key.source ?? key.value)}`) : isAlias(key) ? "an alias key" : "a list or mapping used as a key";
        const hint = isScalar(key) && key.value !== null ? `quote it: "${String(key.source ?? key.value)}"` : undefined;
        at(offset, "non-string-key", `mapping keys must be strings; found ${shown}`, hint, "error", [
          ...keyPathOf(ancestors, node),
          isScalar(key) ? String(key.source ?? key.value) : "?",
        ]);
      }
    },
  });
  if (usable && aliases > SCENARIO_LIMITS.maxAliasCount) {
    usable = false;
    at(firstAlias ?? 0, "alias-limit", `the scenario uses ${aliases} YAML aliases; the limit is ${SCENARIO_LIMITS.maxAliasCount}`, "use `count:` groups instead of repeating aliases");
  }
  return { usable, firstAlias };
}

/** Key path of `node` from the ancestors `visit` passes (pairs give keys, lists give indexes). */
function keyPathOf(ancestors: readonly unknown[], node: unknown): PathSegment[] {
  const chain = [...ancestors, node];
  const path: PathSegment[] = [];
  for (let i = 0; i < chain.length - 1; i++) {
    const step = chain[i];
    if (isPair(step)) path.push(isScalar((step as Pair).key) ? String(((step as Pair).key as Scalar).value) : "?");
    else if (isSeq(step)) path.push(step.items.indexOf(chain[i + 1] as Node));
  }
  return path;
}

/** Offset of the first collection nested deeper than `limit`, or null. Iterative: safe on any depth. */
function firstTooDeep(tokens: readonly CST.Token[], limit: number): number | null {
  const stack: { token: CST.Token; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    let children: (CST.Token | null | undefined)[] = [];
    let inner = depth;
    switch (token.type) {
      case "document":
        children = [token.value];
        break;
      case "block-map":
      case "block-seq":
      case "flow-collection":
        inner = depth + 1;
        if (inner > limit) return token.offset;
        for (const item of token.items) children.push(item.key, item.value);
        break;
      case "block-scalar":
        children = token.props;
        break;
      default:
        break;
    }
    for (const child of children) if (child) stack.push({ token: child, depth: inner });
  }
  return null;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case "TAB_AS_INDENT":
      return "indent with spaces; YAML does not allow tabs for indentation";
    case "BAD_INDENT":
      return "check the indentation (keys of one mapping start in the same column) and that every [ or { is closed";
    case "MISSING_CHAR":
      return "a bracket or quote is not closed";
    default:
      return undefined;
  }
}
