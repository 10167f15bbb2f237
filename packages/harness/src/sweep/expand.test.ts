import { parseOverride, parseSweep, type SweepDefinition } from "@sim/config";
import { describe, expect, test } from "vitest";
import { expandMembers, expandPoints, replicateSeed, setArgument } from "./expand.js";

function sweepOf(text: string): SweepDefinition {
  const result = parseSweep(text, { source: "/x/sweep.yaml" });
  if (!result.ok) throw new Error(result.problems.map((p) => p.message).join("\n"));
  return result.sweep;
}

describe("points and members", () => {
  test("the grid is a cartesian product, the first parameter varying slowest", () => {
    const sweep = sweepOf("scenario: s.yaml\nparameters:\n  a: [1, 2]\n  b: [x, y, z]\n");
    expect(expandPoints(sweep).map((p) => p.values)).toEqual([
      { a: 1, b: "x" },
      { a: 1, b: "y" },
      { a: 1, b: "z" },
      { a: 2, b: "x" },
      { a: 2, b: "y" },
      { a: 2, b: "z" },
    ]);
  });

  test("a zip group varies together and is crossed with the grid and other groups", () => {
    const sweep = sweepOf("scenario: s.yaml\nparameters:\n  a: [1, 2]\nzip:\n  - l: [0, 0.01]\n    j: [0, 2]\n  - q: [true]\n");
    expect(expandPoints(sweep).map((p) => p.values)).toEqual([
      { a: 1, l: 0, j: 0, q: true },
      { a: 1, l: 0.01, j: 2, q: true },
      { a: 2, l: 0, j: 0, q: true },
      { a: 2, l: 0.01, j: 2, q: true },
    ]);
  });

  test("no parameters is one point; every point has the same seeds per replicate", () => {
    expect(expandPoints(sweepOf("scenario: s.yaml\n"))).toHaveLength(1);
    const points = expandPoints(sweepOf("scenario: s.yaml\nparameters: {a: [1, 2, 3]}\n"));
    const members = expandMembers(points, 4, 100);
    expect(members).toHaveLength(12);
    for (const point of points) expect(members.filter((m) => m.point === point).map((m) => m.seed)).toEqual([100, 101, 102, 103]);
    expect(replicateSeed(7, 0)).toBe(7);
  });

  test("overrides carry the parameter's position in the sweep file", () => {
    const [point] = expandPoints(sweepOf("scenario: s.yaml\nparameters:\n  nodes.gw.batch: [4]\n"));
    expect(point!.overrides).toEqual([{ path: ["nodes", "gw", "batch"], value: 4, origin: "/x/sweep.yaml:3:3: nodes.gw.batch=4" }]);
    expect(point!.set).toEqual(["nodes.gw.batch=4"]);
  });

  test.each([[5], [0.01], ["edge"], ["007"], ["true"], [true], [null], [["a", "b"]], [{ latency_ms: 5 }], ["a, b"], [""]])("--set reads %j back as the same value", (value) => {
    expect(parseOverride(setArgument("k", value)).value).toEqual(value);
  });
});
