import { describe, expect, it } from "vitest";
import { SCENARIO_LIMITS } from "./limits.js";
import type { Problem } from "./types.js";
import { parseScenario, validateScenario } from "./validate.js";

/** Problems (errors and warnings) of a scenario given as YAML lines. */
function problemsOf(...lines: string[]): Problem[] {
  const result = parseScenario(["duration_sec: 1", "network: {type: latency, default_latency_ms: 10}", ...lines, ""].join("\n"), { source: "/exp/s.yaml" });
  return result.ok ? result.warnings : result.problems;
}

function summary(problems: readonly Problem[]): string[] {
  return problems.map((p) => `${p.code}@${p.line}:${p.column} ${p.path.join(".")}`);
}

describe("node id length", () => {
  it("the limits are those documented", () => {
    expect(SCENARIO_LIMITS).toMatchObject({ maxNodeIdLength: 63, maxArgumentBytes: 4096, maxCommandBytes: 131072 });
  });

  it("refuses the fuzzer's 300-character id at its key, and accepts 63 characters", () => {
    const problems = problemsOf("nodes:", `  ${"a".repeat(300)}: {type: cloud}`, `  ${"b".repeat(63)}: {type: cloud}`);
    expect(summary(problems)).toEqual([`id-too-long@4:3 nodes.${"a".repeat(300)}`]);
    expect(problems[0]?.message).toMatch(/^node id "a{57}\.\.\." is 300 characters long; the limit is 63$/);
  });

  it("counts the _<index> suffix of the last member of a group", () => {
    expect(summary(problemsOf("nodes:", `  ${"s".repeat(56)}: {type: cloud, count: 1000000}`))).toEqual([]);
    expect(summary(problemsOf("nodes:", `  ${"t".repeat(61)}: {type: cloud, count: 10}`))).toEqual([]);
    const [million] = problemsOf("nodes:", `  ${"s".repeat(57)}: {type: cloud, count: 1000000}`);
    expect(summary([million!])).toEqual([`id-too-long@4:3 nodes.${"s".repeat(57)}`]);
    expect(million?.message).toContain("(count: 1000000) has member ids of up to 64 characters");
    expect(million?.hint).toBe("member ids are <group>_<index>: shorten the group's name to at most 56 characters");
    const ten = problemsOf("nodes:", `  ${"t".repeat(62)}: {type: cloud, count: 10}`);
    expect(summary(ten)).toEqual([`id-too-long@4:3 nodes.${"t".repeat(62)}`]);
    expect(ten[0]?.hint).toContain("at most 61 characters");
  });

  it("does not report an id the schema already refused", () => {
    expect(summary(problemsOf("nodes:", `  _${"x".repeat(100)}: {type: cloud}`)).map((s) => s.split("@")[0])).toEqual(["invalid-id"]);
  });
});

describe("command size", () => {
  it("refuses the fuzzer's 1 MB argument at validation, pointing at it, in a short message", () => {
    const problems = problemsOf("nodes:", "  app:", "    type: process", `    command: [python3, app.py, ${"x".repeat(1024 * 1024)}]`);
    expect(summary(problems)).toEqual(["argument-too-long@6:32 nodes.app.command.2", "command-too-large@4:3 nodes.app"].sort(byLine));
    const argument = problems.find((p) => p.code === "argument-too-long")!;
    expect(argument.message).toBe("nodes.app.command[2] is 1048576 bytes long; the limit for one argument is 4096 bytes");
    expect(problems.every((p) => p.message.length < 200)).toBe(true);
  });

  it("counts UTF-8 bytes: 4096 bytes pass, 4097 do not", () => {
    expect(summary(problemsOf("nodes:", `  app: {type: process, command: [node, "${"é".repeat(2048)}"]}`))).toEqual([]);
    expect(summary(problemsOf("nodes:", `  app: {type: process, command: [node, "${"é".repeat(2048)}x"]}`))).toEqual(["argument-too-long@4:40 nodes.app.command.1"]);
  });

  it("adds arguments and KEY=value environment entries, each with its NUL, up to 128 KiB", () => {
    // A 31-byte program (32 with its NUL) + 32 entries of "Vnn=" (4) + 4090 bytes + NUL (1) = 131,072 bytes exactly.
    const program = "p".repeat(31);
    const env = (valueBytes: number) => `env: {${Array.from({ length: 32 }, (_, i) => `V${String(i).padStart(2, "0")}: "${"v".repeat(valueBytes)}"`).join(", ")}}`;
    expect(summary(problemsOf("nodes:", `  app: {type: process, command: [${program}], ${env(4090)}}`))).toEqual([]);
    const problems = problemsOf("nodes:", `  app: {type: docker, image: app, command: [${program}], ${env(4091)}}`);
    expect(summary(problems)).toEqual(["command-too-large@4:3 nodes.app"]);
    expect(problems[0]?.message).toBe("the command and environment of nodes.app take 131104 bytes; the limit is 131072 bytes (128 KiB)");
  });

  it("checks once per group, not once per member", () => {
    const problems = problemsOf("nodes:", `  app: {type: process, count: 100000, command: [node, "${"x".repeat(5000)}"]}`);
    expect(summary(problems)).toEqual(["argument-too-long@4:55 nodes.app.command.1"]);
  });

  it("checks scenarios built in code as well", () => {
    const result = validateScenario({ duration_sec: 1, nodes: { app: { type: "process", command: ["node", "y".repeat(5000)] }, ["z".repeat(64)]: { type: "cloud" } } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.filter((p) => p.severity === "error").map((p) => p.code).sort()).toEqual(["argument-too-long", "id-too-long"]);
  });
});

function byLine(a: string, b: string): number {
  const line = (s: string) => Number(/@(\d+):/.exec(s)?.[1]);
  return line(a) - line(b);
}
