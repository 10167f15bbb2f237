import { describe, expect, test } from "vitest";
import { formatProblem } from "./format.js";
import { parseSweep, validateSweep } from "./sweep.js";

const text = `scenario: ../scenarios/latency.yaml
parameters:
  network.default_latency_ms: [5, 10, 20, 50]
  nodes.gateway.batch: [1, 10]
zip:
  - network.links[0].loss: [0, 0.01]      # a key with [ ] is written in block style (or quoted)
    network.links[0].jitter_ms: [0, 2]
replicates: 10
seed: 1
metrics: [latency_ms.cloud.p95, messages.dropped, nodes.cloud.received]
`;

describe("sweep files", () => {
  test("the issue's example reads into parameters with key paths and origins", () => {
    const result = parseSweep(text, { source: "/exp/sweeps/sweep.yaml" });
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    const { sweep } = result;
    expect(sweep.scenario).toBe("/exp/scenarios/latency.yaml");
    expect(sweep.parameters.map((p) => [p.key, p.path, p.values])).toEqual([
      ["network.default_latency_ms", ["network", "default_latency_ms"], [5, 10, 20, 50]],
      ["nodes.gateway.batch", ["nodes", "gateway", "batch"], [1, 10]],
    ]);
    expect(sweep.parameters[0]!.origin).toBe("/exp/sweeps/sweep.yaml:3:3");
    expect(sweep.zip).toHaveLength(1);
    expect(sweep.zip[0]!.map((p) => p.path)).toEqual([
      ["network", "links", 0, "loss"],
      ["network", "links", 0, "jitter_ms"],
    ]);
    expect(sweep).toMatchObject({ replicates: 10, seed: 1, metrics: ["latency_ms.cloud.p95", "messages.dropped", "nodes.cloud.received"] });
  });

  test("defaults: one replicate, the scenario's seed, the default metrics", () => {
    const result = validateSweep({ scenario: "s.yaml" }, { baseDir: "/x" });
    expect(result.ok && result.sweep).toMatchObject({ scenario: "/x/s.yaml", parameters: [], zip: [], replicates: 1, seed: null, metrics: null });
  });

  test("unknown keys are refused with file:line:col and a hint", () => {
    const result = parseSweep(`${text}replicate: 3\n`, { source: "sweep.yaml" });
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([expect.stringMatching(/^sweep\.yaml:11:1: error: unknown key "replicate" at the top level \(did you mean "replicates"\?\)/)]);
  });

  test("a parameter that is not a key path, and values that are not a list", () => {
    const result = parseSweep("scenario: s.yaml\nparameters:\n  'network..x': [1]\n  seed: 5\n", { source: "sweep.yaml" });
    const lines = result.ok ? [] : result.problems.map(formatProblem);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^sweep\.yaml:3:3: error: invalid key "network..x" in parameters/);
    expect(lines[1]).toMatch(/^sweep\.yaml:4:9: error: parameters.seed must be a list, got number 5/);
  });

  test("zip groups need values of the same length", () => {
    const result = parseSweep("scenario: s.yaml\nzip:\n  - {a: [1, 2], b: [1]}\n", { source: "sweep.yaml" });
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([expect.stringMatching(/^sweep\.yaml:3:5: error: zip\[0\]: parameters that vary together need the same number of values, got a: 2, b: 1/)]);
  });

  test("a parameter swept twice is refused", () => {
    const result = parseSweep("scenario: s.yaml\nparameters: {seed: [1]}\nzip:\n  - {seed: [2]}\n", { source: "sweep.yaml" });
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual([expect.stringContaining('"seed" is swept twice')]);
  });

  test("too many members is refused before anything runs", () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    const result = validateSweep({ scenario: "s.yaml", parameters: { a: values, b: values }, replicates: 2 });
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual([expect.stringContaining("2000000 members; the limit is 1000000")]);
  });
});
