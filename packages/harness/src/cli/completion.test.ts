import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { bashCompletionScript } from "./completion-bash.js";
import { completionSpec } from "./completion-spec.js";
import { zshCompletionScript } from "./completion-zsh.js";
import type { CliIo } from "./io.js";
import { createProgram, runCli } from "./program.js";

function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    isTTY: false,
    env: {},
    onSignal: () => () => undefined,
    forceExit: (code) => {
      throw new Error(`forceExit(${code}) in a test`);
    },
    out: () => out,
    err: () => err,
  };
}

async function sim(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await runCli(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

/** What real bash offers for `words` (the last one is being completed) with `script` sourced, in `cwd`. */
function complete(script: string, words: string[], cwd: string, fn = "_sim_completion"): string[] {
  const file = join(cwd, ".completion.bash");
  writeFileSync(file, script);
  const program = `source ${JSON.stringify(file)}; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); ${fn}; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync("bash", ["--norc", "--noprofile", "-c", program, "bash", ...words], { cwd, encoding: "utf8" });
  expect(result.stderr).toBe("");
  return result.stdout.split("\n").filter((line) => line !== "").sort();
}

describe("sim completion bash", () => {
  let script = "";
  let dir = "";
  beforeAll(async () => {
    const result = await sim(["completion", "bash"]);
    expect(result.code).toBe(0);
    script = result.stdout;
    dir = mkdtempSync(join(tmpdir(), "sim-completion-"));
    for (const name of ["a.yaml", "b.yml", "notes.txt"]) writeFileSync(join(dir, name), "");
    mkdirSync(join(dir, "runs"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("is valid bash", () => {
    const file = join(dir, "check.bash");
    writeFileSync(file, script);
    expect(spawnSync("bash", ["-n", file], { encoding: "utf8" }).status).toBe(0);
  });

  test("commands, options and option values", () => {
    expect(complete(script, ["sim", "ru"], dir)).toEqual(["run"]);
    expect(complete(script, ["sim", "run", "--se"], dir)).toEqual(["--seed", "--set"]);
    expect(complete(script, ["sim", "--ver"], dir)).toEqual(["--version"]);
    expect(complete(script, ["sim", "sweep", "--executor", ""], dir)).toEqual(["local", "slurm"]);
    expect(complete(script, ["sim", "completion", ""], dir)).toEqual(["bash", "zsh"]);
    expect(complete(script, ["sim", "help", "sw"], dir)).toEqual(["sweep"]);
    // A value that is free text: nothing to offer, not the files.
    expect(complete(script, ["sim", "run", "--seed", ""], dir)).toEqual([]);
  });

  test("scenario and sweep files are *.yaml / *.yml (and folders to walk into); report takes a folder", () => {
    expect(complete(script, ["sim", "run", ""], dir)).toEqual(["a.yaml", "b.yml", "runs"]);
    expect(complete(script, ["sim", "sweep", "--jobs", "2", ""], dir)).toEqual(["a.yaml", "b.yml", "runs"]);
    expect(complete(script, ["sim", "validate", "a.yaml", ""], dir)).toEqual(["a.yaml", "b.yml", "runs"]);
    expect(complete(script, ["sim", "report", ""], dir)).toEqual(["runs"]);
    expect(complete(script, ["sim", "run", "--out", ""], dir)).toEqual(["runs"]);
    // run takes one scenario: after it, nothing more.
    expect(complete(script, ["sim", "run", "a.yaml", ""], dir)).toEqual([]);
    // bash splits "--set key=value" at "=": the pieces are glued back, so the scenario is still the first argument.
    expect(complete(script, ["sim", "run", "--set", "nodes.gw.batch", "=", "1", ""], dir)).toEqual(["a.yaml", "b.yml", "runs"]);
  });

  test("is generated from the program: a new command and option are offered", () => {
    const program = new Command("tool");
    program.command("frobnicate").argument("<scenario>").option("--widget <dir>", "a folder").option("--loud");
    const generated = bashCompletionScript(completionSpec(program));
    expect(complete(generated, ["tool", "fr"], dir, "_tool_completion")).toEqual(["frobnicate"]);
    expect(complete(generated, ["tool", "frobnicate", "--"], dir, "_tool_completion")).toEqual(["--help", "--loud", "--widget"]);
    expect(complete(generated, ["tool", "frobnicate", "--widget", ""], dir, "_tool_completion")).toEqual(["runs"]);
  });
});

describe("sim completion zsh", () => {
  test("names every command and every option of the program", async () => {
    const result = await sim(["completion", "zsh"]);
    expect(result.code).toBe(0);
    const script = result.stdout;
    expect(script.startsWith("#compdef sim\n")).toBe(true);
    const program = createProgram(captureIo(), () => undefined);
    expect(program.commands.length).toBeGreaterThanOrEqual(7);
    for (const command of program.commands) {
      expect(script).toContain(`'${command.name()}:`);
      expect(script).toContain(`        ${command.name()})\n`);
      for (const option of command.options) {
        expect(script, `${command.name()} ${option.flags}`).toMatch(new RegExp(`[{'\\s,]${option.long!.replace(/-/g, "\\-")}[,}'\\[]`));
      }
    }
    expect(script).toContain(`'1:scenario:_files -g "*.(yaml|yml)"'`);
    expect(script).toContain(`'1:folder:_files -/'`);
    expect(script).toContain("--executor'[local or slurm]:executor:(local slurm)'");
  });

  test("is valid zsh, when zsh is installed", async (context) => {
    const zsh = spawnSync("sh", ["-c", "command -v zsh"], { encoding: "utf8" }).stdout.trim();
    if (zsh === "") context.skip();
    const zshDir = mkdtempSync(join(tmpdir(), "sim-completion-"));
    onTestFinished(() => rmSync(zshDir, { recursive: true, force: true }));
    const file = join(zshDir, "_sim");
    writeFileSync(file, (await sim(["completion", "zsh"])).stdout);
    execFileSync(zsh, ["-n", file]);
  });

  test("an unknown shell is a usage error (exit 2)", async () => {
    const result = await sim(["completion", "fish"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Allowed choices are bash, zsh");
  });
});
