import { describe, expect, it } from "vitest";
import { defineScenario, formatProblem, parseScenario, scenarioSchema, SCENARIO_LIMITS, validateScenario } from "./index.js";
import type { Problem } from "./index.js";

describe("defineScenario and validateScenario", () => {
  const input = defineScenario({
    duration_sec: 2,
    seed: undefined,
    nodes: { s: { type: "sensor", count: 2 }, g: { type: "gateway" } },
    network: { type: "latency", default_latency_ms: 3 },
  });

  it("returns its input unchanged", () => {
    expect(defineScenario(input)).toBe(input);
  });

  it("validates objects built in code, treating undefined as absent", () => {
    const result = validateScenario(input, { baseDir: "/data/exp" });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.scenario).toMatchObject({ source: null, base_dir: "/data/exp", name: "scenario", seed: 0 });
    expect(result.scenario.nodes.map((n) => n.id)).toEqual(["s_0", "s_1", "g"]);
  });

  it("reports problems without positions", () => {
    const result = validateScenario({ duration_sec: 1, nodes: { s: { type: "sensor", perod_ms: 3 }, g: { type: "gateway", upstream: "cloud" } } });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      expect.objectContaining({ code: "unknown-key", file: null, line: null, column: null, path: ["nodes", "s", "perod_ms"], hint: 'did you mean "period_ms"?' }),
      expect.objectContaining({ code: "unknown-node", line: null, path: ["nodes", "g", "upstream"] }),
    ]);
  });

  it("refuses what is not plain data instead of throwing", () => {
    const cyclic: Record<string, unknown> = { type: "cloud" };
    cyclic.self = cyclic;
    const cases: [unknown, string][] = [
      [{ duration_sec: 1, nodes: { c: cyclic } }, "circular reference"],
      [{ duration_sec: 1, nodes: { c: { type: "cloud", count: () => 3 } } }, "a function"],
      [{ duration_sec: new Date(), nodes: {} }, "an instance of Date"],
      [
        {
          get duration_sec(): number {
            throw new Error("boom");
          },
        },
        "unreadable (boom)",
      ],
    ];
    for (const [data, message] of cases) {
      const result = validateScenario(data);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.problems[0]).toMatchObject({ code: "not-plain-data", message: expect.stringContaining(message) });
    }
  });

  it("reports a top level that is not an object", () => {
    for (const data of [null, 3, "text", [1, 2]]) {
      const result = validateScenario(data);
      expect(!result.ok && result.problems.map((p) => p.code)).toEqual(["wrong-type"]);
    }
  });
});

describe("parseScenario on hostile text", () => {
  const codes = (text: string) => {
    const result = parseScenario(text, { source: "x.yaml" });
    return result.ok ? [] : result.problems.map((p: Problem) => p.code);
  };

  it("refuses text over the size limit", () => {
    expect(codes(`# ${"x".repeat(SCENARIO_LIMITS.maxFileBytes)}`)).toEqual(["file-too-large"]);
  });

  it("refuses deep nesting before the YAML composer can overflow its stack", () => {
    expect(codes(`a: ${"[".repeat(100_000)}${"]".repeat(100_000)}`)).toEqual(["too-deep"]);
    const block = Array.from({ length: 1000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n");
    expect(codes(block)).toEqual(["too-deep"]);
  });

  it("refuses too many aliases, and aliases that unfold into too much data", () => {
    const uses = Array.from({ length: SCENARIO_LIMITS.maxAliasCount + 1 }, (_, i) => `  k${i}: *v`).join("\n");
    expect(codes(`duration_sec: 1\nnodes: {g: {type: gateway}}\nx-v: &v 1\nx-uses:\n${uses}\n`)).toEqual(["alias-limit"]);
    const big = `[${Array.from({ length: 20_000 }, () => "1").join(",")}]`;
    const refs = Array.from({ length: 60 }, (_, i) => `  k${i}: *big`).join("\n");
    expect(codes(`duration_sec: 1\nnodes: {g: {type: gateway}}\nx-big: &big ${big}\nx-refs:\n${refs}\n`)).toEqual(["data-too-large"]);
  });

  it("accepts many uses of one template", () => {
    const nodes = Array.from({ length: 500 }, (_, i) => `  s${i}: {<<: *s, start_ms: ${i}}`).join("\n");
    const result = parseScenario(`duration_sec: 1\nx-s: &s {type: sensor, period_ms: 10}\nnodes:\n  g: {type: gateway}\n${nodes}\n`);
    expect(result.ok && result.scenario.nodes).toHaveLength(501);
  });

  it("refuses YAML 1.1 types that are not plain data", () => {
    expect(codes("duration_sec: 1\nnodes: !!set {a, b}\n")).toEqual(["unsupported-tag"]);
    expect(codes("duration_sec: !!timestamp 2001-12-14\nnodes: {g: {type: gateway}}\n")).toEqual(["unsupported-tag"]);
  });

  it("treats __proto__ as an ordinary (unknown) key", () => {
    const result = parseScenario("duration_sec: 1\nnodes:\n  g:\n    type: gateway\n    __proto__: {upstream: x}\n");
    expect(!result.ok && result.problems.map((p) => [p.code, p.line])).toEqual([["unknown-key", 5]]);
  });

  it("never throws, whatever it is given", () => {
    expect(parseScenario(42 as unknown as string)).toMatchObject({ ok: false, problems: [{ code: "not-plain-data" }] });
  });
});

describe("formatProblem", () => {
  const base: Problem = { severity: "error", code: "unknown-key", file: "exp/a.yaml", line: 3, column: 5, path: ["nodes", "s", "perod_ms"], message: 'unknown key "perod_ms"' };

  it("prints file:line:col: severity: message (hint)", () => {
    expect(formatProblem({ ...base, hint: 'did you mean "period_ms"?' })).toBe('exp/a.yaml:3:5: error: unknown key "perod_ms" (did you mean "period_ms"?)');
  });

  it("leaves out what is unknown", () => {
    expect(formatProblem({ ...base, file: null, line: null, column: null, severity: "warning" })).toBe('<scenario>: warning: unknown key "perod_ms"');
  });
});

describe("scenarioSchema", () => {
  it("is the package's schema.json, frozen", async () => {
    const { readFile } = await import("node:fs/promises");
    const onDisk = JSON.parse(await readFile(new URL("../schema.json", import.meta.url), "utf8"));
    expect(scenarioSchema).toEqual(onDisk);
    expect(Object.isFrozen(scenarioSchema)).toBe(true);
    expect(Object.isFrozen((scenarioSchema.$defs as Record<string, object>).count)).toBe(true);
  });

  it("caps count at the node limit", () => {
    expect((scenarioSchema.$defs as Record<string, { maximum?: number }>).count!.maximum).toBe(SCENARIO_LIMITS.maxNodes);
  });
});
