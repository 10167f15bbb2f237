import { describe, expect, it } from "vitest";
import { checkAgainstSchema, compileJsonSchema, JsonSchemaInvalidError } from "./check-json-schema.js";
import { parseScenario } from "./validate.js";
import type { ResolvedScenario } from "./types.js";

const text = [
  "duration_sec: 1",
  "nodes:",
  "  w:",
  "    type: module",
  "    module: ./walker.ts",
  "    params:",
  "      speed: fast",
  "      target: gateway",
  "      contact: nobody",
  "      legs: [1, 2, 3]",
  "",
].join("\n");

function scenario(): ResolvedScenario {
  const result = parseScenario(text, { source: "/experiments/walk.yaml" });
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join("; "));
  return result.scenario;
}

const schema = {
  type: "object",
  required: ["speed", "area"],
  additionalProperties: false,
  properties: {
    speed: { type: "number", minimum: 0 },
    area: { type: "number" },
    trget: { type: "string" },
    contact: { type: "string", format: "email" },
    legs: { type: "array", maxItems: 2 },
  },
};

describe("checkAgainstSchema", () => {
  it("reports each error of an author's schema below the path, at its line, worded like sim's own", () => {
    const s = scenario();
    const params = s.nodes[0]!.type === "module" ? s.nodes[0]!.params : {};
    const problems = checkAgainstSchema(s, ["nodes", "w", "params"], params, compileJsonSchema(schema));
    expect(problems.map((p) => [p.code, p.path.join("."), p.line])).toEqual([
      ["missing-key", "nodes.w.params.area", 6],
      ["wrong-type", "nodes.w.params.speed", 7],
      ["unknown-key", "nodes.w.params.target", 8],
      ["schema", "nodes.w.params.contact", 9],
      ["schema", "nodes.w.params.legs", 10],
    ]);
    expect(problems.every((p) => p.file === "/experiments/walk.yaml" && p.severity === "error")).toBe(true);
    expect(problems[1]!.message).toBe('nodes.w.params.speed must be a number, got string "fast"');
    // The author's keys only: no hint that `target` is a key of sim's sensor nodes.
    expect(problems[2]!.hint).toBe('did you mean "trget"?');
    expect(problems[3]!.message).toMatch(/must match format "email"/);
  });

  it("returns nothing for valid params", () => {
    const s = scenario();
    expect(checkAgainstSchema(s, ["nodes", "w", "params"], { speed: 1, area: 2 }, compileJsonSchema(schema))).toEqual([]);
  });
});

describe("compileJsonSchema", () => {
  it("refuses what is not a schema, and typos of keywords, with a typed error", () => {
    expect(() => compileJsonSchema([1])).toThrow(JsonSchemaInvalidError);
    expect(() => compileJsonSchema(null)).toThrow("a JSON Schema is an object, got null");
    expect(() => compileJsonSchema({ type: "number", minimun: 0 })).toThrow(/unknown keyword: "minimun"/);
    expect(() => compileJsonSchema({ type: "nubmer" })).toThrow(expect.objectContaining({ code: "SIM_JSON_SCHEMA_INVALID" }));
  });

  it("allows keywords without their type (minimum without type: number)", () => {
    const validate = compileJsonSchema({ properties: { speed: { minimum: 0 } } });
    expect(validate({ speed: -1 })).toBe(false);
    expect(validate({ speed: 1 })).toBe(true);
  });
});
