// Found by the mutants property test: after a plain scalar that the YAML parser gave up
// on spans several lines (error recovery), every later problem was placed on the
// scalar's first line, with columns past its end.
import { describe, expect, it } from "vitest";
import { parseScenario } from "./index.js";

function positions(text: string): string[] {
  const result = parseScenario(text, { source: "s.yaml" });
  if (result.ok) throw new Error("expected problems");
  return result.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
}

describe("line numbers after a multi-line scalar in a YAML syntax error", () => {
  it("count every line of the text", () => {
    const text = ["  a:", "b: 1", "  c: 20", "    - {x: 1}", "    - {y: 2}", ""].join("\n");
    expect(positions(text)).toEqual([
      "2:1 YAML syntax error: Unexpected scalar at node end",
      '2:2 YAML syntax error: Unexpected map-value-ind token in YAML stream: ":"',
      '2:4 YAML syntax error: Unexpected scalar token in YAML stream: "1\\n  c"',
      '3:4 YAML syntax error: Unexpected map-value-ind token in YAML stream: ":"',
      '3:6 YAML syntax error: Unexpected scalar token in YAML stream: "20\\n    - {x"',
      '4:9 YAML syntax error: Unexpected map-value-ind token in YAML stream: ":"',
      '4:11 YAML syntax error: Unexpected scalar token in YAML stream: "1}\\n    - {y"',
      '5:9 YAML syntax error: Unexpected map-value-ind token in YAML stream: ":"',
      '5:11 YAML syntax error: Unexpected scalar token in YAML stream: "2}"',
    ]);
  });

  it("place a later key on its own line", () => {
    const text = ["  a:", "b:", "  c: 20", "    - x", "    - y", "d: 1", ""].join("\n");
    expect(positions(text).slice(-3)).toEqual([
      '6:1 YAML syntax error: Unexpected scalar token in YAML stream: "d"',
      '6:2 YAML syntax error: Unexpected map-value-ind token in YAML stream: ":"',
      '6:4 YAML syntax error: Unexpected scalar token in YAML stream: "1"',
    ]);
  });
});
