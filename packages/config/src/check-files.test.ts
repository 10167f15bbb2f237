import { cp, mkdtemp, rm, rmdir, unlink, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkScenarioFiles, loadScenario, validateScenario } from "./index.js";

const validDir = fileURLToPath(new URL("../test/fixtures/valid/", import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sim-config-files-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("checkScenarioFiles", () => {
  it("finds nothing wrong when every referenced file exists", async () => {
    const { scenario } = await loadScenario(`${validDir}external.yaml`);
    expect(await checkScenarioFiles(scenario)).toEqual([]);
  });

  it("reports each missing file at its line in the scenario", async () => {
    const copy = join(dir, "external");
    await cp(validDir, copy, { recursive: true });
    await unlink(join(copy, "files/firmware.elf"));
    await unlink(join(copy, "files/anomaly.onnx"));
    await unlink(join(copy, "files/docker-node/Dockerfile"));
    await rm(join(copy, "files/data"), { recursive: true });
    await rm(join(copy, "files/app"), { recursive: true });
    await writeFile(join(copy, "files/app"), "a file where a folder should be");
    const { scenario } = await loadScenario(join(copy, "external.yaml"));
    const problems = await checkScenarioFiles(scenario);
    expect(problems.map((p) => [p.code, p.line, p.column, p.path.join(".")])).toEqual([
      ["not-a-directory", 11, 10, "nodes.app.cwd"],
      // No `dockerfile:` is written, so the problem points at `build:`.
      ["missing-file", 16, 5, "nodes.containerised.build.dockerfile"],
      ["missing-file", 17, 15, "nodes.containerised.volumes.0"],
      ["missing-file", 27, 15, "nodes.board.firmware"],
      ["missing-file", 37, 29, "ml_inference.edge_config.model_path"],
    ]);
    expect(problems.every((p) => p.file === join(copy, "external.yaml") && p.severity === "error")).toBe(true);
    expect(problems[3]!.message).toBe(`nodes.board.firmware: firmware "files/firmware.elf" does not exist (looked for ${join(copy, "files/firmware.elf")})`);
  });

  it("checks a group's files once, and works without positions for scenarios built in code", async () => {
    const result = validateScenario(
      { duration_sec: 1, time_quantum_us: 1, nodes: { fw: { type: "renode", count: 50, platform: "b.repl", firmware: "f.elf", uart: "u" } } },
      { baseDir: dir },
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const problems = await checkScenarioFiles(result.scenario);
    expect(problems.map((p) => [p.path.join("."), p.line, p.file])).toEqual([
      ["nodes.fw.platform", null, null],
      ["nodes.fw.firmware", null, null],
    ]);
  });

  it("accepts a volume that binds a single file and ignores named volumes", async () => {
    await mkdir(join(dir, "vol"), { recursive: true });
    await writeFile(join(dir, "vol/app.toml"), "x = 1\n");
    const result = validateScenario(
      { duration_sec: 1, nodes: { svc: { type: "docker", image: "x", protocol: "none", volumes: ["./vol/app.toml:/etc/app.toml:ro", "named:/data"] } } },
      { baseDir: dir },
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(await checkScenarioFiles(result.scenario)).toEqual([]);
    await rmdir(join(dir, "vol")).catch(() => undefined);
  });
});
