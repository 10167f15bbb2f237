import { dirname, extname, isAbsolute, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  checkAgainstSchema,
  compileJsonSchema,
  didYouMean,
  JsonSchemaInvalidError,
  locateProblems,
  type JsonSchemaValidator,
  type Problem,
  type ResolvedModuleNode,
  type ResolvedScenario,
} from "@sim/config";
import type { InProcessNode } from "@sim/coordinator";
import { createCustomNode, CustomNodeError, isConstructor, type CustomNodeType } from "@sim/nodes";
import { MODULE_EXTENSIONS, type ModuleImporter } from "./import-module.js";

/** Node types registered in code, by the name a scenario's `export` gives them (`runScenario`'s `nodeTypes`). */
export type CustomNodeTypes = Readonly<Record<string, CustomNodeType>>;

export interface ModuleNodeCheckOptions {
  importer: ModuleImporter;
  nodeTypes?: CustomNodeTypes | undefined;
  /** Groups whose module file is already reported missing (checkScenarioFiles): not loaded again. */
  skipGroups?: ReadonlySet<string>;
}

export interface ModuleNodeCheck {
  /** Located in the scenario's file: the module, its export, its params, its constructor. */
  problems: Problem[];
  /** Every module node, built, by id; empty when there are problems. */
  nodes: Map<string, InProcessNode>;
}

/** A found problem before it is located: its key path below the entry. */
interface EntryProblem {
  code: string;
  key: "module" | "export" | "params";
  message: string;
  hint?: string;
}

/**
 * Everything about a scenario's `module` nodes that needs their code: each entry's
 * module loads, has the export, the export is a class, its `paramsSchema` compiles
 * and accepts the entry's `params`, and every member can be built. The nodes built
 * here are the ones the run uses: a constructor runs once per node and run.
 */
export async function checkModuleNodes(scenario: ResolvedScenario, options: ModuleNodeCheckOptions): Promise<ModuleNodeCheck> {
  const problems: Problem[] = [];
  const nodes = new Map<string, InProcessNode>();
  // A group's members share module, export and params: check the entry once, then build each member.
  const groups = new Map<string, ResolvedModuleNode[]>();
  for (const node of scenario.nodes) {
    if (node.type !== "module") continue;
    const members = groups.get(node.group) ?? [];
    members.push(node);
    groups.set(node.group, members);
  }
  const validators = new Map<CustomNodeType, JsonSchemaValidator | JsonSchemaInvalidError>();
  for (const [group, members] of groups) {
    if (options.skipGroups?.has(group)) continue;
    const first = members[0]!;
    const at = (p: EntryProblem): Problem => problemAt(["nodes", group, p.key], p);
    const found = await classOf(first, scenario, options);
    if ("problem" in found) {
      problems.push(at(found.problem));
      continue;
    }
    const type = found.type;
    const paramProblems = checkParams(scenario, group, first, type, validators);
    if (paramProblems.length > 0) {
      problems.push(...paramProblems.map((p) => ("key" in p ? at(p) : p)));
      continue;
    }
    for (const member of members) {
      try {
        nodes.set(member.id, createCustomNode(member, type));
      } catch (error) {
        if (!(error instanceof CustomNodeError)) throw error;
        problems.push(at(constructorProblem(error, first, scenario)));
        break;
      }
    }
  }
  if (problems.length > 0) nodes.clear();
  return { problems: locateProblems(scenario, problems), nodes };
}

async function classOf(node: ResolvedModuleNode, scenario: ResolvedScenario, options: ModuleNodeCheckOptions): Promise<{ type: CustomNodeType } | { problem: EntryProblem }> {
  const name = node.export;
  let exported: unknown;
  let what: string;
  if (node.module === null) {
    const registered = options.nodeTypes ?? {};
    if (!Object.hasOwn(registered, name)) {
      const names = Object.keys(registered);
      return {
        problem: {
          code: "unregistered-node-type",
          key: "export",
          message: `nodes.${node.group} has no \`module\`, and no node type ${JSON.stringify(name)} is registered in code${names.length > 0 ? ` (registered: ${names.join(", ")})` : ""}`,
          hint: didYouMean(name, names) ?? "add `module: ./path/to/file.ts` (relative to the scenario file), or pass the class in runScenario's `nodeTypes` option",
        },
      };
    }
    exported = registered[name];
    what = `the node type ${JSON.stringify(name)} registered in code`;
  } else {
    const file = node.module;
    const shown = shownPath(scenario, file);
    if (!MODULE_EXTENSIONS.includes(extname(file))) {
      return { problem: { code: "module-load-failed", key: "module", message: `${shown} is not a module sim loads`, hint: `use a ${MODULE_EXTENSIONS.join(", ")} file` } };
    }
    let exports: Record<string, unknown>;
    try {
      exports = await options.importer.import(file);
    } catch (error) {
      return { problem: loadProblem(error, shown, file, scenario) };
    }
    if (!Object.hasOwn(exports, name)) {
      const names = Object.keys(exports).filter((key) => key !== "__esModule");
      return {
        problem: {
          code: "module-export-missing",
          key: "export",
          message: `${shown} has no export ${JSON.stringify(name)}${names.length > 0 ? `; it exports ${names.join(", ")}` : " (it exports nothing)"}`,
          hint: didYouMean(name, names) ?? (name === "default" ? "name the class with `export: <name>`" : "export the class from the module, or fix `export`"),
        },
      };
    }
    exported = exports[name];
    what = `${JSON.stringify(name)} of ${shown}`;
  }
  if (!isConstructor(exported)) {
    const kind = typeof exported === "function" ? "a function that cannot be called with `new` (an arrow function?)" : exported === null ? "null" : `a ${typeof exported}`;
    return { problem: { code: "module-export-invalid", key: "export", message: `${what} is ${kind}, not a class`, hint: "export a class whose instances are in-process nodes (docs/custom-nodes.md)" } };
  }
  return { type: exported };
}

/** `params` against the class's `paramsSchema`: located problems, or entry problems about the schema itself. */
function checkParams(
  scenario: ResolvedScenario,
  group: string,
  node: ResolvedModuleNode,
  type: CustomNodeType,
  validators: Map<CustomNodeType, JsonSchemaValidator | JsonSchemaInvalidError>,
): (Problem | EntryProblem)[] {
  const schema = type.paramsSchema;
  if (schema === undefined) {
    if (Object.keys(node.params).length === 0) return [];
    return [{ code: "unexpected-params", key: "params", message: `${className(type, node)} has no static paramsSchema, so its nodes take no params`, hint: "add `static paramsSchema = {...}` to the class, or remove `params`" }];
  }
  let validate = validators.get(type);
  if (validate === undefined) {
    try {
      validate = compileJsonSchema(schema);
    } catch (error) {
      if (!(error instanceof JsonSchemaInvalidError)) throw error;
      validate = error;
    }
    validators.set(type, validate);
  }
  if (validate instanceof JsonSchemaInvalidError) {
    return [{ code: "module-params-schema-invalid", key: "export", message: `the paramsSchema of ${className(type, node)} is not a valid JSON Schema: ${validate.message}`, hint: "a JSON Schema of draft 2020-12, e.g. {type: object, properties: {...}, additionalProperties: false}" }];
  }
  return checkAgainstSchema(scenario, ["nodes", group, "params"], node.params, validate);
}

function loadProblem(error: unknown, shown: string, file: string, scenario: ResolvedScenario): EntryProblem {
  const message = firstLine(error);
  const where = thrownAt(error, scenario);
  const code = (error as { code?: unknown } | null)?.code;
  // Node's own SyntaxError for a JavaScript file says what but not where; `node --check` says where.
  const hint =
    error instanceof SyntaxError && where === null
      ? `\`node --check ${file}\` shows where`
      : code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND"
        ? "what a module imports is resolved from the module's own folder, as Node does: install packages it needs there"
        : undefined;
  return { code: "module-load-failed", key: "module", message: `${shown} could not be loaded: ${message}${where === null ? "" : ` (at ${where})`}`, ...(hint !== undefined ? { hint } : {}) };
}

function constructorProblem(error: CustomNodeError, node: ResolvedModuleNode, scenario: ResolvedScenario): EntryProblem {
  if (error.reason !== "threw") {
    return { code: "module-node-invalid", key: "export", message: error.message, hint: "its instances must implement InProcessNode of @sim/coordinator (docs/custom-nodes.md)" };
  }
  const where = thrownAt(error.cause, scenario);
  return {
    code: "module-constructor-failed",
    key: "export",
    message: `${error.message}${where === null ? "" : ` (at ${where})`}`,
    hint: node.module === null ? undefined : "every node is built before anything starts, so a constructor that throws stops the run here",
  };
}

function problemAt(path: (string | number)[], p: EntryProblem): Problem {
  return { severity: "error", code: p.code, file: null, line: null, column: null, path, message: p.message, ...(p.hint !== undefined ? { hint: p.hint } : {}) };
}

function className(type: CustomNodeType, node: ResolvedModuleNode): string {
  return type.name !== "" ? type.name : node.export;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // tsx's transform errors put the position on the second line: keep the first two.
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "").slice(0, 2).join(" ");
}

/** The folder of sim's own packages (`packages/`, or `node_modules/@sim/` installed): their frames are never where a module went wrong. */
const SIM_PACKAGES = `${dirname(dirname(dirname(dirname(fileURLToPath(import.meta.url)))))}/`;

/**
 * Where an error was thrown in the author's code: the first stack frame in a file
 * that is neither sim's nor a dependency's, relative to the scenario's folder.
 */
function thrownAt(error: unknown, scenario: ResolvedScenario): string | null {
  if (!(error instanceof Error) || typeof error.stack !== "string") return null;
  for (const line of error.stack.split("\n").slice(1)) {
    // `at f (file:///x.mjs:3:8)` for ES modules, `at f (/x.ts:3:8)` for CommonJS and source-mapped ones, maybe with tsx's `?namespace` query.
    const match = /(?:\(|\bat )((?:file:\/\/)?\/[^\s()?]*?)(?:\?[^\s()]*)?:(\d+):(\d+)\)?\s*$/.exec(line);
    if (match === null) continue;
    const file = match[1]!.startsWith("file://") ? fileURLToPath(match[1]!) : match[1]!;
    // Test fixtures live inside the packages but stand for an author's code.
    if (file.includes("/node_modules/") || (file.startsWith(SIM_PACKAGES) && !file.includes("/__fixtures__/"))) continue;
    return `${shownPath(scenario, file)}:${match[2]}:${match[3]}`;
  }
  return null;
}

/** A path as the scenario would write it: relative to its folder when inside it. */
function shownPath(scenario: ResolvedScenario, file: string): string {
  const rel = relative(scenario.base_dir, file);
  return rel.startsWith("..") || isAbsolute(rel) ? file : `./${rel}`;
}
