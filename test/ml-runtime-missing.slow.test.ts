/**
 * onnxruntime-node is an optional peer dependency: a scenario with ml_inference on a
 * machine without it is refused before anything starts, with the install command; a
 * scenario without ml_inference does not notice. The built CLI runs with module hooks
 * that resolve onnxruntime-node as Node does when it is not installed.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { repoRoot, scenariosDir, tempDir } from "./helpers/sim-cli.js";

function simWithoutOnnxruntime(args: string[]) {
  const child = spawnSync(process.execPath, ["--import", join(repoRoot, "test/fixtures/without-onnxruntime/register.mjs"), join(repoRoot, "packages/harness/dist/cli.js"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, XDG_STATE_HOME: tempDir("state") },
  });
  return { code: child.status, out: `${child.stdout}${child.stderr}` };
}

test("ml_inference without onnxruntime-node: validate and run exit 2 with the install command, and start nothing", { timeout: 60_000 }, () => {
  const validate = simWithoutOnnxruntime(["validate", join(scenariosDir, "ml-edge.yaml")]);
  expect(validate.code).toBe(2);
  expect(validate.out).toMatch(/ml-edge\.yaml:\d+:\d+: error: ml_inference needs onnxruntime-node, which cannot be loaded here: Cannot find package/);
  expect(validate.out).toContain("npm install onnxruntime-node@^1.30.0");
  expect(validate.out).not.toMatch(/^\s+at /m);

  const out = join(tempDir("no-ort"), "out");
  const run = simWithoutOnnxruntime(["run", join(scenariosDir, "ml-edge.yaml"), "--out", out]);
  expect(run.code).toBe(2);
  expect(run.out).toContain("npm install onnxruntime-node@^1.30.0");
  expect(existsSync(join(out, "trace.jsonl"))).toBe(false);
});

test("a scenario without ml_inference runs without onnxruntime-node", { timeout: 60_000 }, () => {
  const run = simWithoutOnnxruntime(["run", join(scenariosDir, "quickstart.yaml"), "--out", join(tempDir("no-ort"), "out")]);
  expect(run.out).toContain("success");
  expect(run.code).toBe(0);
});
