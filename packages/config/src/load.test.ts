import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCENARIO_LIMITS, ScenarioInvalidError, ScenarioUnreadableError, SimError, loadScenario } from "./index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sim-config-load-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(path: string): Promise<unknown> {
  try {
    await loadScenario(path);
  } catch (error) {
    return error;
  }
  throw new Error(`${path} loaded`);
}

describe("loadScenario", () => {
  it("refuses a missing file with SIM_SCENARIO_UNREADABLE", async () => {
    const error = await rejection(join(dir, "nope.yaml"));
    expect(error).toBeInstanceOf(ScenarioUnreadableError);
    expect(error).toBeInstanceOf(SimError);
    expect(error).toMatchObject({ code: "SIM_SCENARIO_UNREADABLE", message: expect.stringContaining("no such file"), problems: [{ code: "unreadable" }] });
    expect((error as Error).cause).toMatchObject({ code: "ENOENT" });
  });

  it("refuses a directory with SIM_SCENARIO_UNREADABLE", async () => {
    const sub = join(dir, "folder.yaml");
    await mkdir(sub);
    expect(await rejection(sub)).toMatchObject({ code: "SIM_SCENARIO_UNREADABLE", message: expect.stringContaining("is a directory") });
  });

  it("refuses a file over the size limit without parsing it", async () => {
    const big = join(dir, "big.yaml");
    await writeFile(big, `duration_sec: 1\n# ${"x".repeat(SCENARIO_LIMITS.maxFileBytes)}\n`);
    const error = await rejection(big);
    expect(error).toBeInstanceOf(ScenarioInvalidError);
    expect(error).toMatchObject({ code: "SIM_SCENARIO_INVALID", problems: [{ code: "file-too-large", file: big }] });
  });

  it("puts the first problem with its position into the error message", async () => {
    const file = join(dir, "typo.yaml");
    await writeFile(file, "duration_sec: 1\nnodes:\n  g: {type: gateway, batch: 0}\n");
    const error = await rejection(file);
    expect((error as Error).message).toBe(`invalid scenario: ${file}:3:29: error: nodes.g.batch must be >= 1, got 0`);
  });

  it("returns the scenario and its warnings", async () => {
    const file = join(dir, "warn.yaml");
    await writeFile(file, "duration_sec: 1\nnodes:\n  g: {type: gateway}\n  c1: {type: cloud}\n  c2: {type: cloud}\n");
    const { scenario, warnings } = await loadScenario(file);
    expect(scenario).toMatchObject({ source: file, base_dir: dir, name: "warn" });
    expect(warnings.map((w) => w.code)).toEqual(["ambiguous-upstream"]);
  });

  it("accepts a UTF-8 byte order mark", async () => {
    const file = join(dir, "bom.yaml");
    await writeFile(file, "\uFEFFduration_sec: 1\nnodes: {g: {type: gateway}}\n");
    expect((await loadScenario(file)).scenario.duration_sec).toBe(1);
  });
});
