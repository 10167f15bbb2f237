import type { ErrorObject, ValidateFunction } from "ajv";
import { compileValidator } from "./compile-validator.js";
import type { PathSegment } from "./positions.js";
import { describePath, describeValue, listWords, quote } from "./problem.js";
import type { ProblemCollector, ProblemInput } from "./problem.js";
import { scenarioSchema } from "./schema.js";
import type { JsonSchema } from "./schema.js";
import { closestMatch } from "./suggest.js";

// A memo of a pure function of the (frozen) schema, not state: getting a validator
// loads or compiles code, and every validation would otherwise pay for it.
const compiled = new Map<JsonSchema, ValidateFunction>();
let keyOwners: Map<string, string[]> | undefined;

function validator(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = compileValidator(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Where the validated data sits, for schemas other than sim's own. */
export interface SchemaPlace {
  /** Key path of the data inside the scenario (problems are reported below it). */
  at: readonly PathSegment[];
  /** Hints that name keys of sim's own schemas ("a key of a gateway node"): only for data of those. */
  scenarioHints: boolean;
}

const SCENARIO_ROOT: SchemaPlace = { at: [], scenarioHints: true };

/**
 * Validates `data` against the JSON Schema and reports every error as a located
 * problem. Returns the key paths that had errors, so that later checks can skip
 * what is already known to be wrong instead of reporting it again.
 */
export function validateAgainstSchema(data: unknown, problems: ProblemCollector, schema: JsonSchema = scenarioSchema): PathSegment[][] {
  return reportSchemaErrors(validator(schema), data, problems, SCENARIO_ROOT);
}

/** Runs a compiled validator and reports its errors as problems at `place` (see validateAgainstSchema). */
export function reportSchemaErrors(validate: ValidateFunction, data: unknown, problems: ProblemCollector, place: SchemaPlace): PathSegment[][] {
  if (validate(data)) return [];
  const errors = relevantErrors(validate.errors ?? []);
  const translated = errors.map((error) => translate(error, data, place));
  const suggested = new Set(translated.filter((p) => p.suggestion !== undefined).map((p) => pathKey([...p.problem.path.slice(0, -1), p.suggestion!])));
  const bad: PathSegment[][] = [];
  const seen = new Set<string>();
  for (const { problem } of translated) {
    // `node:` misspelt reports the unknown key with "did you mean nodes"; a second
    // "missing key nodes" would only repeat it.
    if (problem.code === "missing-key" && suggested.has(pathKey(problem.path))) continue;
    const key = `${problem.code}\u0000${pathKey(problem.path)}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.add(problem);
    bad.push([...problem.path]);
  }
  return bad;
}

/** Drops errors that only repeat another: `if` wrappers, branches of a reported anyOf, propertyNames internals. */
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const combinators = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf");
  return errors.filter((e) => {
    if (e.keyword === "if") return false;
    if ((e as ErrorObject & { propertyName?: string }).propertyName !== undefined) return false;
    return !combinators.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`) && e.instancePath.startsWith(c.instancePath));
  });
}

interface Translated {
  problem: ProblemInput;
  /** For unknown keys: the allowed key it most likely meant. */
  suggestion?: string;
}

function translate(error: ErrorObject, root: unknown, place: SchemaPlace): Translated {
  const path = [...place.at, ...toPath(error.instancePath, root)];
  const where = describePath(path);
  const parent = error.parentSchema as JsonSchema | undefined;
  const data: unknown = error.data;
  const params = error.params as Record<string, unknown>;

  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((parent?.properties as JsonSchema | undefined) ?? {});
      const suggestion = closestMatch(key, allowed);
      const owner = parent?.title as string | undefined;
      const inNode = isNodePath(path) && owner ? ` (a ${owner})` : "";
      const elsewhere = place.scenarioHints ? elsewhereHint(key, owner) : undefined;
      const hint = suggestion !== undefined ? `did you mean "${suggestion}"?` : elsewhere ?? `allowed keys here: ${allowed.join(", ")}`;
      return {
        problem: { code: "unknown-key", path: [...path, key], at: "key", message: `unknown key ${quote(key)} ${path.length === 0 ? "at the top level" : `in ${where}`}${inNode}`, hint },
        ...(suggestion !== undefined ? { suggestion } : {}),
      };
    }
    case "required": {
      const key = String(params.missingProperty);
      const hint = key === "type" && isNodePath(path) ? `add \`type:\` with one of ${nodeTypes().join(", ")}` : undefined;
      return { problem: { code: "missing-key", path: [...path, key], locatePath: path, at: "key", message: `${where} is missing the required key ${quote(key)}`, hint } };
    }
    case "type": {
      const expected = ([] as unknown[]).concat(params.type).map((t) => TYPE_WORDS[String(t)] ?? String(t));
      const nonFinite = typeof data === "number" && !Number.isFinite(data);
      const message = nonFinite ? `${where} must be a finite number, got ${String(data)}` : `${where} must be ${expected.join(" or ")}, got ${describeValue(data)}`;
      let hint: string | undefined;
      if (params.type === "string" && (typeof data === "number" || typeof data === "boolean")) hint = `quote it: "${String(data)}"`;
      else if (params.type === "integer" && typeof data === "number") hint = "use a whole number";
      else if (params.type === "boolean" && typeof data === "string" && /^(yes|no|on|off|y|n)$/i.test(data)) hint = "YAML 1.2 reads yes/no/on/off as text: write true or false";
      else if (isNodePath(path) && (data === null || data === undefined)) hint = "a node needs at least `type:`, e.g. `type: sensor`";
      return { problem: { code: "wrong-type", path, message, hint } };
    }
    case "enum": {
      const allowed = (error.schema as unknown[]) ?? [];
      const words = allowed.filter((v): v is string => typeof v === "string");
      const suggestion = typeof data === "string" ? closestMatch(data, words) : undefined;
      const hint = suggestion !== undefined ? `did you mean "${suggestion}"?` : undefined;
      const shown = typeof data === "string" ? quote(data) : describeValue(data);
      if (path.length === 3 && path[0] === "nodes" && path[2] === "type") {
        return { problem: { code: "unknown-node-type", path, message: `unknown node type ${shown}; expected one of ${words.join(", ")}`, hint } };
      }
      return { problem: { code: "bad-value", path, message: `${where} must be ${listWords(allowed)}, got ${shown}`, hint } };
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const comparison = String(params.comparison);
      const limit = params.limit as number;
      const shownLimit = limit === Number.MAX_SAFE_INTEGER ? `${limit} (2^53 - 1)` : String(limit);
      return { problem: { code: "out-of-range", path, message: `${where} must be ${comparison} ${shownLimit}, got ${String(data)}` } };
    }
    case "minLength":
      return { problem: { code: "empty-value", path, message: `${where} must not be empty` } };
    case "minItems":
      return { problem: { code: "empty-value", path, message: `${where} must list at least ${String(params.limit)} item(s)` } };
    case "minProperties":
      return {
        problem: { code: "empty-value", path, message: path.length === 1 && path[0] === "nodes" ? "nodes must contain at least one node" : `${where} must not be empty` },
      };
    case "uniqueItems": {
      const j = params.j as number;
      const item = Array.isArray(data) ? data[j] : undefined;
      return { problem: { code: "duplicate-item", path: [...path, j], message: `${where} lists ${typeof item === "string" ? quote(item) : describeValue(item)} more than once` } };
    }
    case "pattern": {
      const description = parent?.description as string | undefined;
      return {
        problem: { code: "bad-format", path, message: `${where} has an invalid value ${typeof data === "string" ? quote(data) : describeValue(data)}`, hint: description ? `expected ${description}` : undefined },
      };
    }
    case "propertyNames": {
      const name = String(params.propertyName);
      const isNodes = path.length === 1 && path[0] === "nodes";
      const description = ((parent?.propertyNames as JsonSchema | undefined)?.$ref === "#/$defs/node_id" ? nodeIdDescription() : undefined) ?? "";
      return {
        problem: { code: "invalid-id", path: [...path, name], at: "key", message: isNodes ? `invalid node id ${quote(name)}` : `invalid key ${quote(name)} in ${where}`, hint: description || undefined },
      };
    }
    case "anyOf": {
      const branches = (error.schema as JsonSchema[]) ?? [];
      const keys = branches.flatMap((b) => (Array.isArray(b.required) ? (b.required as string[]) : []));
      if (keys.length === branches.length) {
        return { problem: { code: "missing-one-of", path, at: "key", message: `${where} needs ${listWords(keys)}` } };
      }
      return { problem: { code: "schema", path, message: `${where} ${error.message ?? "is invalid"}` } };
    }
    case "not": {
      const keys = ((error.schema as JsonSchema | undefined)?.required as string[] | undefined) ?? [];
      if (keys.length > 0) {
        return { problem: { code: "conflicting-keys", path, at: "key", message: `${where} cannot have both ${listWords(keys, "and")}`, hint: "keep only one of them" } };
      }
      return { problem: { code: "schema", path, message: `${where} ${error.message ?? "is invalid"}` } };
    }
    default:
      return { problem: { code: "schema", path, message: `${where} ${error.message ?? "is invalid"}` } };
  }
}

const TYPE_WORDS: Record<string, string> = {
  number: "a number",
  integer: "an integer",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  null: "empty",
};

function isNodePath(path: readonly PathSegment[]): boolean {
  return path.length === 2 && path[0] === "nodes";
}

/** Converts ajv's JSON pointer into key path segments (numbers for list indexes). */
function toPath(pointer: string, root: unknown): PathSegment[] {
  if (pointer === "") return [];
  const path: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function pathKey(path: readonly PathSegment[]): string {
  return JSON.stringify(path);
}

function defs(): Record<string, JsonSchema> {
  return scenarioSchema.$defs as Record<string, JsonSchema>;
}

function nodeTypes(): string[] {
  const node = defs().node as { properties: { type: { enum: string[] } } };
  return node.properties.type.enum;
}

function nodeIdDescription(): string | undefined {
  return defs().node_id?.description as string | undefined;
}

/** `"upstream" is a key of a gateway node, not of a sensor node` when the key exists elsewhere. */
function elsewhereHint(key: string, here: string | undefined): string | undefined {
  if (!keyOwners) {
    keyOwners = new Map();
    const schemas: JsonSchema[] = [scenarioSchema, ...Object.values(defs())];
    for (const schema of schemas) {
      const title = schema.title as string | undefined;
      const properties = schema.properties as JsonSchema | undefined;
      if (!title || !properties || schema.additionalProperties !== false) continue;
      for (const name of Object.keys(properties)) keyOwners.set(name, [...(keyOwners.get(name) ?? []), title]);
    }
  }
  const owners = (keyOwners.get(key) ?? []).filter((o) => o !== here);
  if (owners.length === 0) return undefined;
  return `${quote(key)} is a key of ${owners.map((o) => (o === "top level" ? "the top level" : `a ${o}`)).join(" or ")}${here ? `, not of ${here === "top level" ? "the top level" : `a ${here}`}` : ""}`;
}
