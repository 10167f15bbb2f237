/**
 * Node types of your own (`type: module`, docs/custom-nodes.md) through the built CLI,
 * as a user runs it: plain Node, no tsx registered up front, so the harness's own
 * loading of TypeScript is what runs. The example scenario gives its golden digest from
 * any folder and every time; a module that does not load, lacks its export, throws in
 * its constructor or gets invalid params is refused with exit 2 at its line and
 * column, and nothing is started or left behind.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, test } from "vitest";
import type { ResolvedModuleNode } from "@sim/config";
import type { InProcessNode, NodeContext } from "@sim/coordinator";
import { runScenario } from "@sim/harness";
import { expectedDigest } from "./helpers/golden.js";
import { processesWithEnv } from "./helpers/processes.js";
import { repoRoot, runSimInProcess, scenariosDir, tempDir } from "./helpers/sim-cli.js";
import { readCsv } from "./helpers/tables.js";

const cli = join(repoRoot, "packages/harness/dist/cli.js");
const mobileSensor = join(scenariosDir, "mobile-sensor.yaml");

/** Runs the built CLI; every process it starts (esbuild's too) carries `token` in its environment. */
function sim(args: string[], options: { cwd?: string; token: string; stateDir?: string }) {
  const child = spawnSync(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: "utf8",
    env: { ...process.env, XDG_STATE_HOME: options.stateDir ?? tempDir("state"), SIM_TEST_TOKEN: options.token },
  });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

const token = (name: string) => `custom-nodes-${name}-${process.pid}-${Date.now()}`;

describe("scenarios/mobile-sensor.yaml: a TypeScript node type from the scenario file", () => {
  test("runs through `sim run` with the golden digest, from any folder and every time; another seed gives another walk", { timeout: 120_000 }, () => {
    const run = (cwd: string, extra: string[] = []) => {
      const out = join(tempDir("mobile"), "out");
      const t = token("run");
      const result = sim(["run", mobileSensor, "--out", out, "--json", ...extra], { cwd, token: t });
      expect(result.code, result.stderr).toBe(0);
      // tsx's esbuild process ends with sim.
      expect(processesWithEnv("SIM_TEST_TOKEN", t)).toEqual([]);
      return { out, summary: JSON.parse(result.stdout) as { digest: string; cleanup: { leftovers: string[] } } };
    };
    const first = run(repoRoot);
    expect(first.summary.digest).toBe(expectedDigest("mobile-sensor.yaml"));
    expect(first.summary.cleanup.leftovers).toEqual([]);
    // Another folder (no tsconfig.json, no package.json): the module's own tsconfig decides how it is compiled.
    expect(run(tempDir("elsewhere")).summary.digest).toBe(first.summary.digest);
    expect(run(repoRoot, ["--seed", "12"]).summary.digest).not.toBe(first.summary.digest);

    const lines = readFileSync(join(first.out, "trace.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const positions = lines.filter((l) => l["ev"] === "position");
    // 600 s at one sample every 2 s, four walkers.
    expect(positions).toHaveLength(1200);
    expect(positions.filter((p) => p["in_range"] === false).length).toBeGreaterThan(100);
    const metrics = readCsv(join(first.out, "metrics.csv"));
    const walkers = metrics.filter((row) => row["group"] === "walker");
    expect(walkers.map((w) => [w["node"], w["type"]])).toEqual([0, 1, 2, 3].map((i) => [`walker_${i}`, "mobile-sensor"]));
    // Each sample is sent at once, sent late, dropped from a full buffer, or still waiting at the end.
    const sum = (key: string) => walkers.reduce((total, w) => total + Number(w[key]), 0);
    expect(sum("sent")).toBe(1200 - sum("buffer_dropped") - sum("unsent_at_end"));
    expect(sum("sent_late")).toBeGreaterThan(0);
  });

  test("`sim run --check-determinism` runs it twice in one process with the same trace", { timeout: 120_000 }, () => {
    const result = sim(["run", mobileSensor, "--out", join(tempDir("mobile-twice"), "out"), "--check-determinism"], { token: token("twice") });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(expectedDigest("mobile-sensor.yaml"));
  });

  test("the example module type-checks against the public interfaces", { timeout: 60_000 }, () => {
    const config = ts.readConfigFile(join(scenariosDir, "nodes/tsconfig.json"), (file) => ts.sys.readFile(file));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, join(scenariosDir, "nodes"));
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(parsed.fileNames.map((f) => f.replace(`${scenariosDir}/`, ""))).toEqual(["nodes/mobile-sensor.ts"]);
    expect(errors).toEqual([]);
  });
});

/** A folder with a scenario of one module node (`entry`, the YAML of its keys) and a cloud, and module files. */
function experiment(entry: string, files: Record<string, string>): string {
  const dir = tempDir("bad-module");
  mkdirSync(join(dir, "nodes"));
  writeFileSync(join(dir, "package.json"), '{"type": "module"}\n');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "nodes", name), text);
  writeFileSync(join(dir, "exp.yaml"), `duration_sec: 1\nnodes:\n  walker:\n${entry}\n  sink: {type: cloud}\n`);
  return join(dir, "exp.yaml");
}

const NODE_TS = `
import type { ResolvedModuleNode } from "@sim/config";
export class Walker {
  static readonly paramsSchema = { type: "object", properties: { speed: { type: "number", minimum: 0 } }, additionalProperties: false } as const;
  readonly kind = "in-process";
  readonly type = "walker";
  readonly id: string;
  constructor(node: ResolvedModuleNode) {
    this.id = node.id;
    if (node.params.speed === 7) throw new RangeError("speed 7 is reserved");
  }
  start(): void {}
  receive(): void {}
  timer(): void {}
}
`;

describe("a module node sim cannot use: exit 2 at the key, nothing started, nothing left", () => {
  const cases: [string, string, RegExp][] = [
    ["a module path that names nothing", "    type: module\n    module: ./nodes/walkr.ts\n    export: Walker", /exp\.yaml:5:13: error: nodes\.walker\.module: node module "nodes\/walkr\.ts" does not exist/],
    ["a module that does not compile", "    type: module\n    module: ./nodes/broken.ts\n    export: Walker", /exp\.yaml:5:13: error: \.\/nodes\/broken\.ts could not be loaded: Transform failed with 1 error: \/tmp\/.*\/nodes\/broken\.ts:3:0: ERROR: Expected identifier but found end of file$/m],
    ["a missing export", "    type: module\n    module: ./nodes/walker.ts\n    export: Walkr", /exp\.yaml:6:13: error: \.\/nodes\/walker\.ts has no export "Walkr"; it exports Walker \(did you mean "Walker"\?\)/],
    [
      "a constructor that throws",
      "    type: module\n    module: ./nodes/walker.ts\n    export: Walker\n    count: 3\n    params: {speed: 7}",
      /exp\.yaml:6:13: error: new Walker\(\) threw for node "walker_0": speed 7 is reserved \(at \.\/nodes\/walker\.ts:10:\d+\)/,
    ],
    ["params the schema refuses", "    type: module\n    module: ./nodes/walker.ts\n    export: Walker\n    params:\n      speed: -1", /exp\.yaml:8:14: error: nodes\.walker\.params\.speed must be >= 0, got -1/],
  ];

  test.each(cases)("%s", { timeout: 60_000 }, (_name, entry, expected) => {
    const file = experiment(entry, { "walker.ts": NODE_TS, "broken.ts": "export class Walker {\n  start( {\n" });
    const validate = sim(["validate", file], { token: token("validate") });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toMatch(expected);
    expect(validate.stderr).not.toMatch(/^\s+at /m);

    const out = join(tempDir("bad-module-run"), "out");
    const stateDir = tempDir("state");
    const t = token("run");
    const run = sim(["run", file, "--out", out], { token: t, stateDir });
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toMatch(expected);
    // Nothing started: no output folder, no run in the registry; nothing left: not even esbuild.
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(stateDir, "sim", "runs")) ? readdirSync(join(stateDir, "sim", "runs")) : []).toEqual([]);
    expect(processesWithEnv("SIM_TEST_TOKEN", t)).toEqual([]);
  });
});

test("a JavaScript module (.mjs) needs no compiler; runScenario's nodeTypes registers a class from code", { timeout: 60_000 }, async () => {
  const dir = tempDir("js-module");
  writeFileSync(
    join(dir, "beacon.mjs"),
    [
      "export default class Beacon {",
      '  static paramsSchema = { type: "object", required: ["to"], properties: { to: { type: "string" } } };',
      '  kind = "in-process"; type = "beacon";',
      "  constructor(node) { this.id = node.id; this.to = node.params.to; }",
      "  start(ctx) { ctx.setTimer(1000 + Math.floor(ctx.rng.next() * 1000), 0); }",
      "  receive() {}",
      "  timer(tag, ctx) { ctx.send(this.to, { seq: tag, sampledAtUs: ctx.now() }, 16); ctx.setTimer(1000 + Math.floor(ctx.rng.next() * 1000), tag + 1); }",
      "}",
      "",
    ].join("\n"),
  );
  class Echo implements InProcessNode {
    readonly kind = "in-process";
    readonly type = "echo";
    readonly id: string;
    constructor(node: ResolvedModuleNode) {
      this.id = node.id;
    }
    start(): void {}
    timer(): void {}
    receive(msg: { payload: unknown }, ctx: NodeContext): void {
      ctx.count("echoed");
      ctx.send("sink", msg.payload, 16);
    }
  }
  writeFileSync(join(dir, "exp.yaml"), "duration_sec: 0.5\nnodes:\n  beacon: {type: module, module: ./beacon.mjs, count: 2, params: {to: echo}}\n  echo: {type: module, export: Echo}\n  sink: {type: cloud}\n");
  const run = (seed: number) => runScenario(join(dir, "exp.yaml"), { seed, nodeTypes: { Echo }, outDir: join(tempDir("js-module-out"), "out"), stateDir: tempDir("state") });
  const first = await run(1);
  expect(first.success).toBe(true);
  expect(first.summary!.nodes["echo"]).toMatchObject({ type: "echo", counters: { echoed: first.summary!.nodes["sink"]!.received } });
  expect(first.summary!.nodes["sink"]!.received).toBeGreaterThan(400);
  expect((await run(1)).digest).toBe(first.digest);
  expect((await run(2)).digest).not.toBe(first.digest);
  await expect(runScenario(join(dir, "exp.yaml"), { dryRun: true, stateDir: tempDir("state") })).rejects.toMatchObject({ code: "SIM_SCENARIO_INVALID", problems: [{ code: "unregistered-node-type", line: 4 }] });
});

describe("docs/custom-nodes.md shows the example as it is", () => {
  const doc = readFileSync(join(repoRoot, "docs/custom-nodes.md"), "utf8");
  const blocks = (lang: string) => [...doc.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);

  test("every TypeScript excerpt of the class and the YAML entry are in the example files", () => {
    const module = readFileSync(join(scenariosDir, "nodes/mobile-sensor.ts"), "utf8");
    const excerpts = blocks("ts").filter((block) => !block.includes("runScenario"));
    expect(excerpts.length).toBeGreaterThan(5);
    for (const excerpt of excerpts) expect(module, excerpt).toContain(excerpt);
    expect(readFileSync(mobileSensor, "utf8")).toContain(blocks("yaml")[0]);
  });

  test("the problems it shows are what `sim validate` prints for them", { timeout: 60_000 }, async () => {
    const dir = tempDir("docs-params");
    writeFileSync(
      join(dir, "exp.yaml"),
      [
        "duration_sec: 10",
        "nodes:",
        "  walker:",
        "    type: module",
        `    module: ${join(scenariosDir, "nodes/mobile-sensor.ts")}`,
        "    export: MobileSensor",
        "    params:",
        "      speed_mps: -1",
        "      rnage_m: 60",
        "      target: gateway",
        "  gateway: {type: gateway}",
        "",
      ].join("\n"),
    );
    const validate = await runSimInProcess(["validate", join(dir, "exp.yaml")], { stateDir: tempDir("state") });
    expect(validate.code).toBe(2);
    expect(validate.stderr.replaceAll(`${dir}/`, "")).toBe(blocks("text")[0]);
  });
});
