import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario, type Problem, type ResolvedModuleNode } from "@sim/config";
import type { InProcessNode } from "@sim/coordinator";
import { afterAll, describe, expect, test } from "vitest";
import { SimulationLauncher } from "../simulation-launcher.js";
import { InputHasher } from "../sweep/input-files.js";
import type { CustomNodeTypes } from "./check-module-nodes.js";

/** A module node in TypeScript: a type, a parameter property and an enum, which Node 20 cannot run as they are. */
const WALKER_TS = `
import type { ResolvedModuleNode } from "@sim/config";
enum Gait { Walk = 1, Run = 2 }
export class Walker {
  static readonly paramsSchema = {
    type: "object",
    required: ["speed"],
    additionalProperties: false,
    properties: { speed: { type: "number", exclusiveMinimum: 0 }, gait: { enum: ["walk", "run"] } },
  };
  readonly kind = "in-process";
  readonly type = "walker";
  readonly id: string;
  readonly gait: Gait;
  constructor(private readonly node: ResolvedModuleNode) {
    this.id = node.id;
    this.gait = node.params.gait === "run" ? Gait.Run : Gait.Walk;
    if (node.group_index === 2 && node.params.speed === 13) throw new Error("unlucky walker");
  }
  start(): void {}
  receive(): void {}
  timer(): void {}
}
export const notAClass = (): void => undefined;
export class NoSchema {
  readonly kind = "in-process"; readonly type = "plain"; readonly id: string;
  constructor(node: ResolvedModuleNode) { this.id = node.id; }
  start(): void {} receive(): void {} timer(): void {}
}
export class BadSchema extends NoSchema { static paramsSchema = { type: "object", properties: { speed: { minimun: 0 } } }; }
export class WrongId extends NoSchema { constructor(node: ResolvedModuleNode) { super(node); (this as { id: string }).id = "someone"; } }
`;

/** A class registered in code (`nodeTypes`); remembers the ids it was constructed for. */
class Counted implements InProcessNode {
  static built: string[] = [];
  readonly kind = "in-process";
  readonly type = "counted";
  readonly id: string;
  constructor(node: ResolvedModuleNode) {
    this.id = node.id;
    Counted.built.push(node.id);
  }
  start(): void {}
  receive(): void {}
  timer(): void {}
}

/** Folders the helpers below made: removed when this file ends. */
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

function experiment(nodes: string[], files: Record<string, string> = {}): string {
  const dir = scratchDir("sim-module-nodes-");
  // ES modules, as in most projects (a test below covers a CommonJS folder).
  writeFileSync(join(dir, "package.json"), '{"type": "module"}\n');
  writeFileSync(join(dir, "walker.ts"), WALKER_TS);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "exp.yaml"), ["duration_sec: 1", "nodes:", ...nodes.map((n) => `  ${n}`), "  sink: {type: cloud}", ""].join("\n"));
  return join(dir, "exp.yaml");
}

async function launcherFor(file: string, nodeTypes?: CustomNodeTypes): Promise<SimulationLauncher> {
  const { scenario } = await loadScenario(file);
  return new SimulationLauncher(scenario, { stateDir: scratchDir("sim-state-"), launchers: [], ...(nodeTypes ? { nodeTypes } : {}) });
}

async function problemsOf(nodes: string[], files: Record<string, string> = {}, nodeTypes?: CustomNodeTypes): Promise<Problem[]> {
  return (await launcherFor(experiment(nodes, files), nodeTypes)).validate();
}

const brief = (p: Problem) => ({ code: p.code, path: p.path.join("."), line: p.line, column: p.column });

/** The position of `text` in line `i` of `nodes` as experiment() writes them (after two lines, indented by two). */
function at(nodes: string[], i: number, text: string): { line: number; column: number } {
  const column = nodes[i]!.indexOf(text);
  if (column === -1) throw new Error(`${text} is not in ${nodes[i]}`);
  return { line: i + 3, column: column + 3 };
}

const byLine = (a: Problem, b: Problem) => (a.line ?? 0) - (b.line ?? 0);

describe("module nodes are checked before anything starts", () => {
  test("a TypeScript class (types, an enum, a parameter property) with valid params: no problem, and launch() has its nodes", async () => {
    const launcher = await launcherFor(experiment(["w: {type: module, module: ./walker.ts, export: Walker, count: 3, params: {speed: 1.5, gait: run}}"]));
    expect(await launcher.validate()).toEqual([]);
    const run = await launcher.launch();
    const walkers = run.nodes.filter((n) => n.type === "walker") as (InProcessNode & { gait: number })[];
    expect(walkers.map((n) => n.id)).toEqual(["w_0", "w_1", "w_2"]);
    expect(walkers[0]!.gait).toBe(2);
    await launcher.shutdown();
  });

  test("each node is constructed once per run: validate() builds it, launch() runs that one", async () => {
    const built = (Counted.built = []);
    const launcher = await launcherFor(experiment(["c: {type: module, export: Counted, count: 3}"]), { Counted });
    expect(await launcher.validate()).toEqual([]);
    const run = await launcher.launch();
    expect(built).toEqual(["c_0", "c_1", "c_2"]);
    expect(run.nodes.filter((n) => n.type === "counted").every((n) => n instanceof Counted)).toBe(true);
    await launcher.shutdown();
    // Without validate() first, launch() checks and builds them itself.
    const unchecked = await launcherFor(experiment(["c: {type: module, export: Counted}"]), { Counted });
    expect((await unchecked.launch()).nodes.map((n) => n.id)).toEqual(["c", "sink"]);
    expect(built).toHaveLength(4);
    await unchecked.shutdown();
    const invalid = await launcherFor(experiment(["c: {type: module, export: Countd}"]), { Counted });
    await expect(invalid.launch()).rejects.toMatchObject({ code: "SIM_SCENARIO_INVALID", problems: [{ code: "unregistered-node-type" }] });
    await invalid.shutdown();
  });

  test("a module that does not load: the error and where, at `module`", async () => {
    const nodes = ["a: {type: module, module: ./broken.ts}", "b: {type: module, module: ./throws.mjs}", "c: {type: module, module: ./walker.json}", "d: {type: module, module: ./gone.ts}"];
    const problems = (
      await problemsOf(nodes, { "broken.ts": "export class X {\n  foo( {\n}\n", "throws.mjs": "export class Y {}\nconst config = null;\nconfig.speed;\n", "walker.json": "{}" })
    ).sort(byLine);
    expect(problems.map(brief)).toEqual([
      { code: "module-load-failed", path: "nodes.a.module", ...at(nodes, 0, "./broken") },
      { code: "module-load-failed", path: "nodes.b.module", ...at(nodes, 1, "./throws") },
      { code: "module-load-failed", path: "nodes.c.module", ...at(nodes, 2, "./walker") },
      // A missing file is the file check's, and is not loaded on top of it.
      { code: "missing-file", path: "nodes.d.module", ...at(nodes, 3, "./gone") },
    ]);
    expect(problems[0]!.message).toMatch(/^\.\/broken\.ts could not be loaded: Transform failed with 1 error: \/tmp\/.*\/broken\.ts:4:0: ERROR: Expected "\)" but found end of file/);
    expect(problems[1]!.message).toMatch(/^\.\/throws\.mjs could not be loaded: Cannot read properties of null \(reading 'speed'\) \(at \.\/throws\.mjs:3:8\)$/);
    expect(problems[2]!.message).toBe("./walker.json is not a module sim loads");
  });

  test("an export that is missing or not a class, at `export`, with what the module has", async () => {
    const nodes = ["a: {type: module, module: ./walker.ts, export: Walkr}", "b: {type: module, module: ./walker.ts}", "c: {type: module, module: ./walker.ts, export: notAClass}"];
    const problems = await problemsOf(nodes);
    expect(problems.map(brief)).toEqual([
      { code: "module-export-missing", path: "nodes.a.export", ...at(nodes, 0, "Walkr") },
      // No `export:` written (so `default`, which walker.ts lacks): the entry's position.
      { code: "module-export-missing", path: "nodes.b.export", ...at(nodes, 1, "b:") },
      { code: "module-export-invalid", path: "nodes.c.export", ...at(nodes, 2, "notAClass") },
    ]);
    expect(problems[0]!.message).toBe('./walker.ts has no export "Walkr"; it exports BadSchema, NoSchema, Walker, WrongId, notAClass');
    expect(problems[0]!.hint).toBe('did you mean "Walker"?');
    expect(problems[1]!.hint).toBe("name the class with `export: <name>`");
    expect(problems[2]!.message).toMatch(/^"notAClass" of \.\/walker\.ts is a function that cannot be called with `new`/);
  });

  test("a default export, from a CommonJS folder (a package.json without `type`) and from an ES module one", async () => {
    const nodes = ["a: {type: module, module: ./cjs/default.ts}", "b: {type: module, module: ./default.ts}"];
    const source = 'export default class Quiet { readonly kind = "in-process"; readonly type = "quiet"; readonly id: string; constructor(n: { id: string }) { this.id = n.id; } start() {} receive() {} timer() {} }\n';
    const file = experiment(nodes, { "default.ts": source });
    mkdirSync(join(file, "..", "cjs"));
    writeFileSync(join(file, "..", "cjs", "package.json"), "{}\n");
    writeFileSync(join(file, "..", "cjs", "default.ts"), source);
    const launcher = await launcherFor(file);
    expect(await launcher.validate()).toEqual([]);
    expect((await launcher.launch()).nodes.map((n) => [n.id, n.type])).toEqual([["a", "quiet"], ["b", "quiet"], ["sink", "cloud"]]);
    await launcher.shutdown();
  });

  test("params against the class's paramsSchema: each problem at its own key", async () => {
    const nodes = [
      "a:",
      "    type: module",
      "    module: ./walker.ts",
      "    export: Walker",
      "    params:",
      "      speed: -2",
      "      gaits: run",
      "b: {type: module, module: ./walker.ts, export: NoSchema, params: {speed: 1}}",
      "c: {type: module, module: ./walker.ts, export: BadSchema}",
    ];
    const problems = await problemsOf(nodes);
    expect(problems.map(brief)).toEqual([
      { code: "out-of-range", path: "nodes.a.params.speed", ...at(nodes, 5, "-2") },
      { code: "unknown-key", path: "nodes.a.params.gaits", ...at(nodes, 6, "gaits") },
      { code: "unexpected-params", path: "nodes.b.params", ...at(nodes, 7, "{speed") },
      { code: "module-params-schema-invalid", path: "nodes.c.export", ...at(nodes, 8, "BadSchema") },
    ]);
    expect(problems[0]!.message).toBe("nodes.a.params.speed must be > 0, got -2");
    expect(problems[1]!.hint).toBe('did you mean "gait"?');
    expect(problems[2]!.message).toBe("NoSchema has no static paramsSchema, so its nodes take no params");
    expect(problems[3]!.message).toMatch(/the paramsSchema of BadSchema is not a valid JSON Schema: strict mode: unknown keyword: "minimun"/);
  });

  test("a constructor that throws for one member, or builds something else: at `export`, naming the node", async () => {
    const nodes = ["a: {type: module, module: ./walker.ts, export: Walker, count: 4, params: {speed: 13}}", "b: {type: module, module: ./walker.ts, export: WrongId}"];
    const problems = await problemsOf(nodes);
    expect(problems.map(brief)).toEqual([
      { code: "module-constructor-failed", path: "nodes.a.export", ...at(nodes, 0, "Walker") },
      { code: "module-node-invalid", path: "nodes.b.export", ...at(nodes, 1, "WrongId") },
    ]);
    expect(problems[0]!.message).toMatch(/^new Walker\(\) threw for node "a_2": unlucky walker \(at \.\/walker\.ts:\d+:\d+\)$/);
    expect(problems[1]!.message).toBe('new WrongId() for node "b" has id "someone", not "b" (set `this.id = node.id`)');
  });

  test("without `module`, the class registered in code under `export`", async () => {
    expect(await problemsOf(["b: {type: module, export: Counted, count: 2}"], {}, { Counted })).toEqual([]);
    const nodes = ["b: {type: module, export: Countd}"];
    const unknown = await problemsOf(nodes, {}, { Counted });
    expect(unknown.map(brief)).toEqual([{ code: "unregistered-node-type", path: "nodes.b.export", ...at(nodes, 0, "Countd") }]);
    expect(unknown[0]!.message).toBe('nodes.b has no `module`, and no node type "Countd" is registered in code (registered: Counted)');
    expect(unknown[0]!.hint).toBe('did you mean "Counted"?');
    expect((await problemsOf(["b: {type: module, export: Counted}"]))[0]!.hint).toMatch(/add `module: \.\/path\/to\/file\.ts`.*`nodeTypes`/);
  });
});

test("a sweep member's key changes with the module file's content", async () => {
  const file = experiment(["w: {type: module, module: ./walker.ts, export: Walker, params: {speed: 1}}"]);
  const { scenario } = await loadScenario(file);
  const before = await new InputHasher().fingerprints(scenario);
  expect(before).toEqual([{ kind: "node module", name: "walker.ts", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  writeFileSync(join(file, "..", "walker.ts"), `${WALKER_TS}\n// tuned\n`);
  const after = await new InputHasher().fingerprints(scenario);
  expect(after[0]!.sha256).not.toBe(before[0]!.sha256);
});
