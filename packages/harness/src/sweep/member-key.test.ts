import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario, parseOverride } from "@sim/config";
import { describe, expect, onTestFinished, test } from "vitest";
import { InputHasher } from "./input-files.js";
import { memberKey } from "./member-key.js";

const scenario = `duration_sec: 5
seed: 3
nodes:
  s: {type: sensor, count: 2, target: g}
  g: {type: gateway, batch: 2}
  c: {type: cloud}
ml_inference:
  placement: edge
  edge_config: {model_path: model.onnx}
`;
// The same scenario with its keys in another order (node groups keep theirs: the
// order of nodes is part of the scenario, ties are taken in node order).
const reordered = `seed: 3
ml_inference:
  edge_config: {model_path: model.onnx}
  placement: edge
nodes:
  s: {target: g, count: 2, type: sensor}
  g: {batch: 2, type: gateway}
  c: {type: cloud}
duration_sec: 5
`;

function experiment(text: string, model = "weights v1"): string {
  const dir = mkdtempSync(join(tmpdir(), "sim-key-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "exp.yaml"), text);
  writeFileSync(join(dir, "model.onnx"), model);
  return dir;
}

async function keyOf(dir: string, set: string[] = [], seed?: number): Promise<string> {
  const { scenario: loaded } = await loadScenario(join(dir, "exp.yaml"), { overrides: set.map((s) => parseOverride(s)) });
  const resolved = seed === undefined ? loaded : { ...loaded, seed };
  return memberKey({ scenario: resolved, inputs: await new InputHasher().fingerprints(resolved), simVersion: "1.2.3" }).key;
}

describe("member keys", () => {
  test("the same inputs give the same key; reordered YAML keys and a moved folder too", async () => {
    const a = experiment(scenario);
    const key = await keyOf(a);
    expect(key).toMatch(/^[0-9a-f]{20}$/);
    expect(await keyOf(a)).toBe(key);
    expect(await keyOf(experiment(reordered))).toBe(key);
    const moved = mkdtempSync(join(tmpdir(), "sim-key-moved-"));
    onTestFinished(() => rmSync(moved, { recursive: true, force: true }));
    cpSync(a, moved, { recursive: true });
    expect(await keyOf(moved)).toBe(key);
  });

  test("an override, another seed, a changed model file or another sim version make a new key", async () => {
    const dir = experiment(scenario);
    const key = await keyOf(dir);
    const others = [await keyOf(dir, ["nodes.g.batch=4"]), await keyOf(dir, [], 4), await keyOf(experiment(scenario, "weights v2"))];
    const { scenario: loaded } = await loadScenario(join(dir, "exp.yaml"));
    others.push(memberKey({ scenario: loaded, inputs: await new InputHasher().fingerprints(loaded), simVersion: "1.2.4" }).key);
    expect(new Set([key, ...others]).size).toBe(5);
  });

  test("an override that sets a value to what the file says keeps the key", async () => {
    const dir = experiment(scenario);
    expect(await keyOf(dir, ["nodes.g.batch=2"])).toBe(await keyOf(dir));
  });

  test("a process node's program file is an input", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-key-proc-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "node.py"), "print('v1')\n");
    writeFileSync(join(dir, "exp.yaml"), "duration_sec: 1\nnodes:\n  p: {type: process, command: [python3, node.py]}\n");
    const before = await keyOf(dir);
    writeFileSync(join(dir, "node.py"), "print('v2')\n");
    expect(await keyOf(dir)).not.toBe(before);
  });
});
