/**
 * schema.json is the source of truth for the input format, and types.ts describes
 * the same format for TypeScript. This test reads both (types.ts through the
 * TypeScript compiler API) and fails when they disagree on any object's keys,
 * required keys or primitive types.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

type Schema = Record<string, unknown>;

const typesPath = resolve(fileURLToPath(new URL("./types.ts", import.meta.url)));
const realTypes = readFileSync(typesPath, "utf8");
const realSchema = JSON.parse(readFileSync(new URL("../schema.json", import.meta.url), "utf8")) as Schema;

// A few lines of "lib" instead of the real lib.d.ts files: types.ts needs no more,
// and loading the real ones would take seconds per program.
const libPath = resolve(typesPath, "../__drift-lib.d.ts");
const libText = `
interface Array<T> { length: number; [n: number]: T }
interface ReadonlyArray<T> { readonly length: number; readonly [n: number]: T }
interface Boolean {} interface Function {} interface CallableFunction {} interface NewableFunction {}
interface IArguments {} interface Number {} interface Object {} interface RegExp {} interface String {}
type Record<K extends keyof any, T> = { [P in K]: T };
`;
const compilerOptions: ts.CompilerOptions = { strict: true, noEmit: true, noLib: true, types: [], target: ts.ScriptTarget.ES2022 };
const programs = new Map<string, { checker: ts.TypeChecker; source: ts.SourceFile }>();

/** A type checker over types.ts, or over replacement text for it. */
function programFor(typesText: string): { checker: ts.TypeChecker; source: ts.SourceFile } {
  const cached = programs.get(typesText);
  if (cached) return cached;
  const host = ts.createCompilerHost(compilerOptions);
  const files = new Map([
    [typesPath, typesText],
    [libPath, libText],
  ]);
  const readReal = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const text = files.get(resolve(name));
    return text !== undefined ? ts.createSourceFile(name, text, languageVersion, true) : readReal(name, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram({ rootNames: [typesPath, libPath], options: compilerOptions, host });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  if (errors.length > 0) throw new Error(`types.ts does not compile on its own: ${errors.join("; ")}`);
  const source = program.getSourceFile(typesPath);
  if (!source) throw new Error("types.ts not found by the compiler");
  const result = { checker: program.getTypeChecker(), source };
  programs.set(typesText, result);
  return result;
}

/** Differences between the TypeScript input types and the schema; empty when they agree. */
function drift(typesText: string, schema: Schema): { differences: string[]; visited: Set<string> } {
  const { checker, source } = programFor(typesText);
  const differences: string[] = [];
  const visited = new Set<string>();
  const defs = (schema.$defs ?? {}) as Record<string, Schema>;

  const deref = (node: Schema): Schema => {
    let current = node;
    for (let guard = 0; typeof current.$ref === "string" && guard < 20; guard++) {
      const name = current.$ref.replace("#/$defs/", "");
      const { $ref: _ref, ...siblings } = current;
      const target = defs[name];
      if (!target) {
        differences.push(`schema: unknown $ref ${String(current.$ref)}`);
        return siblings;
      }
      current = { ...target, ...siblings };
    }
    return current;
  };

  const nameOf = (type: ts.Type) => type.aliasSymbol?.name ?? type.getSymbol()?.name ?? checker.typeToString(type);

  const compare = (type: ts.Type, rawNode: Schema, where: string, depth: number): void => {
    if (depth > 20) return;
    const node = deref(rawNode);
    const t = checker.getNonNullableType(type);
    const name = nameOf(t);
    if (name.endsWith("Input")) visited.add(name);

    if (t.flags & ts.TypeFlags.Unknown || t.flags & ts.TypeFlags.Any) return;
    if (t.flags & ts.TypeFlags.Boolean) return expectType(node, ["boolean"], where);
    if (t.flags & ts.TypeFlags.String) return expectType(node, ["string"], where);
    if (t.flags & ts.TypeFlags.Number) return expectType(node, ["number", "integer"], where);

    const literals = literalValues(t);
    if (literals) {
      const allowed = Array.isArray(node.enum) ? node.enum : "const" in node ? [node.const] : undefined;
      if (!allowed || !sameSet(allowed.map(String), literals)) {
        differences.push(`${where}: TypeScript allows ${JSON.stringify(literals)}, schema allows ${JSON.stringify(allowed ?? "anything")}`);
      }
      return;
    }

    if (checker.isArrayType(t)) {
      expectType(node, ["array"], where);
      const element = checker.getTypeArguments(t as ts.TypeReference)[0];
      if (element && node.items && typeof node.items === "object") compare(element, node.items as Schema, `${where}[]`, depth + 1);
      else if (element) differences.push(`${where}: schema has no "items" for a TypeScript array`);
      return;
    }

    if (t.isUnion()) return compareUnion(t, node, where, depth);

    expectType(node, ["object"], where);
    const index = checker.getIndexInfoOfType(t, ts.IndexKind.String);
    if (index) {
      if (node.additionalProperties === false) differences.push(`${where}: TypeScript allows any key (a Record), schema has additionalProperties: false`);
      else if (node.additionalProperties && typeof node.additionalProperties === "object") compare(index.type, node.additionalProperties as Schema, `${where}.*`, depth + 1);
      else if (!(index.type.flags & ts.TypeFlags.Unknown)) differences.push(`${where}: schema does not constrain the values of this Record`);
      return;
    }

    if (node.additionalProperties !== false) differences.push(`${where}: schema must set additionalProperties: false`);
    const schemaProps = (node.properties ?? {}) as Record<string, Schema>;
    const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : []);
    const tsProps = checker.getPropertiesOfType(t);
    const tsNames = new Set(tsProps.map((p) => p.name));
    for (const key of Object.keys(schemaProps)) if (!tsNames.has(key)) differences.push(`${where}.${key}: in the schema but not in TypeScript`);
    for (const key of required) if (!tsNames.has(key)) differences.push(`${where}.${key}: required by the schema but not in TypeScript`);
    for (const prop of tsProps) {
      const at = `${where}.${prop.name}`;
      const propSchema = schemaProps[prop.name];
      if (!propSchema) {
        differences.push(`${at}: in TypeScript but not in the schema`);
        continue;
      }
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
      if (optional === required.has(prop.name)) {
        differences.push(`${at}: ${optional ? "optional in TypeScript, required in the schema" : "required in TypeScript, optional in the schema"}`);
      }
      compare(checker.getTypeOfSymbolAtLocation(prop, prop.valueDeclaration ?? source), propSchema, at, depth + 1);
    }
  };

  /** Unions of objects are discriminated by `type`: each member is one if/then branch. */
  const compareUnion = (t: ts.UnionType, node: Schema, where: string, depth: number): void => {
    const branches = new Map<string, Schema>();
    for (const entry of (node.allOf ?? []) as Schema[]) {
      const condition = entry.if as Schema | undefined;
      const tag = ((condition?.properties as Record<string, Schema> | undefined)?.type as Schema | undefined)?.const;
      if (typeof tag === "string" && entry.then) branches.set(tag, entry.then as Schema);
    }
    const tags: string[] = [];
    for (const member of t.types) {
      const typeProp = member.getProperty("type");
      const tag = typeProp ? literalValues(checker.getTypeOfSymbolAtLocation(typeProp, source))?.[0] : undefined;
      if (tag === undefined) {
        differences.push(`${where}: union member ${nameOf(member)} has no literal \`type\``);
        continue;
      }
      tags.push(tag);
      const branch = branches.get(tag);
      if (!branch) differences.push(`${where}: TypeScript has type "${tag}", the schema has no branch for it`);
      else compare(member, branch, `${where}<${tag}>`, depth + 1);
    }
    for (const tag of branches.keys()) if (!tags.includes(tag)) differences.push(`${where}: the schema has a branch for type "${tag}", TypeScript does not`);
    const declared = ((node.properties as Record<string, Schema> | undefined)?.type as Schema | undefined)?.enum;
    if (!Array.isArray(declared) || !sameSet(declared.map(String), tags)) {
      differences.push(`${where}.type: schema enum ${JSON.stringify(declared)} differs from TypeScript's ${JSON.stringify(tags)}`);
    }
  };

  const expectType = (node: Schema, allowed: string[], where: string) => {
    const declared = ([] as unknown[]).concat(node.type ?? (node.const !== undefined ? typeof node.const : []));
    if (declared.length === 0 || !declared.every((d) => allowed.includes(String(d)))) {
      differences.push(`${where}: TypeScript type is ${allowed.join("/")}, schema type is ${JSON.stringify(node.type ?? "unset")}`);
    }
  };

  const literalValues = (type: ts.Type): string[] | undefined => {
    const members = type.isUnion() ? type.types : [type];
    if (!members.every((m) => m.isStringLiteral())) return undefined;
    return members.map((m) => (m as ts.StringLiteralType).value);
  };

  const root = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === "ScenarioInput");
  if (!root) throw new Error("ScenarioInput not found in types.ts");
  compare(checker.getTypeAtLocation(root.name), schema, "scenario", 0);
  return { differences, visited };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function mutatedTypes(find: string, replace: string): string {
  const text = realTypes.replace(find, replace);
  expect(text, `types.ts no longer contains ${JSON.stringify(find)}`).not.toBe(realTypes);
  return text;
}

function mutatedSchema(change: (schema: Schema & { $defs: Record<string, Schema> }) => void): Schema {
  const copy = structuredClone(realSchema) as Schema & { $defs: Record<string, Schema> };
  change(copy);
  return copy;
}

describe("schema.json and types.ts", () => {
  it("agree on every input object", () => {
    const { differences } = drift(realTypes, realSchema);
    expect(differences).toEqual([]);
  });

  it("cover every *Input type declared in types.ts", () => {
    const { visited } = drift(realTypes, realSchema);
    const declared = [...realTypes.matchAll(/^export (?:interface|type) (\w+Input)\b/gm)].map((m) => m[1]);
    expect(declared.length).toBeGreaterThan(10);
    expect(declared.filter((name) => !visited.has(name!))).toEqual([]);
  });

  it("fails when TypeScript gains a key the schema lacks", () => {
    const text = mutatedTypes("  payload_bytes?: number;\n", "  payload_bytes?: number;\n  jitter_bytes?: number;\n");
    expect(drift(text, realSchema).differences).toEqual(["scenario.nodes.*<sensor>.jitter_bytes: in TypeScript but not in the schema"]);
  });

  it("fails when the schema gains a key TypeScript lacks", () => {
    const schema = mutatedSchema((s) => {
      (s.$defs.gateway_node!.properties as Schema).queue_limit = { type: "integer" };
    });
    expect(drift(realTypes, schema).differences).toEqual(["scenario.nodes.*<gateway>.queue_limit: in the schema but not in TypeScript"]);
  });

  it("fails when a key is required on one side only", () => {
    const text = mutatedTypes("  command: string[];\n  cwd?: string;", "  command?: string[];\n  cwd?: string;");
    expect(drift(text, realSchema).differences).toEqual(["scenario.nodes.*<process>.command: optional in TypeScript, required in the schema"]);
  });

  it("fails when primitive types differ", () => {
    const schema = mutatedSchema((s) => {
      (s.$defs.output!.properties as Record<string, Schema>).trace = { type: "string" };
    });
    expect(drift(realTypes, schema).differences).toEqual(['scenario.output.trace: TypeScript type is boolean, schema type is "string"']);
  });

  it("fails when an enum differs", () => {
    const text = mutatedTypes('protocol?: "stdio" | "none";', 'protocol?: "stdio" | "none" | "tcp";');
    expect(drift(text, realSchema).differences).toEqual(['scenario.nodes.*<docker>.protocol: TypeScript allows ["stdio","none","tcp"], schema allows ["stdio","none"]']);
  });

  it("fails when a node type exists on one side only", () => {
    const schema = mutatedSchema((s) => {
      const node = s.$defs.node!;
      (node.allOf as Schema[]).pop();
      ((node.properties as Record<string, Schema>).type!.enum as string[]).pop();
    });
    expect(drift(realTypes, schema).differences).toContain('scenario.nodes.*: TypeScript has type "renode", the schema has no branch for it');
  });
});
