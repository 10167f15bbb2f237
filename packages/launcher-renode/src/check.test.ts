import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renodeNode, scenarioWith, STANDIN } from "./__fixtures__/harness.js";
import { renodeLauncher, createRenodeLauncher } from "./launcher.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sim-renode-check-"));
  await writeFile(join(dir, "fw.bin"), Buffer.from([0x00, 0x20, 0x00, 0x20]));
  await writeFile(join(dir, "renode"), "#!/bin/sh\nexit 0\n");
  await chmod(join(dir, "renode"), 0o755);
  await writeFile(join(dir, "not-executable"), "");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("renodeLauncher.check", () => {
  it("accepts a node whose files and executable exist", async () => {
    const node = renodeNode();
    expect(await renodeLauncher.check([node], scenarioWith([node]))).toEqual([]);
  });

  it("reports missing and unusable files with their key path, once per group", async () => {
    const a = renodeNode({ id: "mcu_0", group: "mcu", platform: join(dir, "missing.repl"), firmware: join(dir, "fw.bin") });
    const b = { ...a, id: "mcu_1", group_index: 1 };
    const problems = await renodeLauncher.check([a, b], scenarioWith([a, b], { source: "/exp/scenario.yaml" }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ severity: "error", code: "missing-file", file: "/exp/scenario.yaml", path: ["nodes", "mcu", "platform"] });
    expect(problems[0]?.message).toMatch(/missing\.repl does not exist/);
    expect(problems[1]).toMatchObject({ code: "not-an-elf", path: ["nodes", "mcu", "firmware"] });
    expect(problems[1]?.message).toMatch(/is not an ELF file/);
  });

  it("reports a missing executable on the PATH, and a renode.path that is not executable", async () => {
    const launcher = createRenodeLauncher({ env: { PATH: join(dir, "empty") } });
    const onPath = renodeNode({ renode: { path: null, args: [], quantum_us: null } });
    const [missing] = await launcher.check([onPath], scenarioWith([onPath]));
    expect(missing).toMatchObject({ code: "renode-executable", path: ["nodes", "mcu"] });
    expect(missing?.message).toMatch(/`renode` was not found on the PATH/);
    expect(missing?.hint).toMatch(/renode\.path/);

    const found = createRenodeLauncher({ env: { PATH: dir } });
    expect(await found.check([onPath], scenarioWith([onPath]))).toEqual([]);

    const bad = renodeNode({ renode: { path: "./not-executable", args: [], quantum_us: null } });
    const [notExec] = await launcher.check([bad], scenarioWith([bad], { base_dir: dir }));
    expect(notExec).toMatchObject({ code: "renode-executable", path: ["nodes", "mcu", "renode", "path"] });
    expect(notExec?.message).toContain(join(dir, "not-executable"));
  });

  it("refuses a Renode quantum above the scenario's, flags the launcher owns, and a bad UART name", async () => {
    const node = renodeNode({ uart: "sysbus usart2", renode: { path: STANDIN, args: ["--port", "1234"], quantum_us: 20_000 } });
    const codes = (await renodeLauncher.check([node], scenarioWith([node]))).map((p) => [p.code, p.path.join(".")]);
    expect(codes).toEqual([
      ["renode-uart", "nodes.mcu.uart"],
      ["renode-quantum", "nodes.mcu.renode.quantum_us"],
      ["renode-args", "nodes.mcu.renode.args"],
    ]);
  });

  it("refuses paths that Renode's monitor cannot carry", async () => {
    const node = renodeNode({ firmware: "/tmp/fw;quit.elf" });
    const [problem] = await renodeLauncher.check([node], scenarioWith([node]));
    expect(problem).toMatchObject({ code: "unsupported-path", path: ["nodes", "mcu", "firmware"] });
    expect(problem?.message).toMatch(/';'/);
  });
});

describe("renodeLauncher.describe", () => {
  it("says what would start, without I/O", () => {
    const described = renodeLauncher.describe(renodeNode({ renode: { path: null, args: ["--hide-log"], quantum_us: 50 } }));
    expect(described).toMatchObject({ type: "renode", executable: "renode (from the PATH)", uart: "sysbus.usart1", quantum_us: 50 });
    expect(described["args"]).toContain("--hide-log");
  });
});
