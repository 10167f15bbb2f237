import { describe, expect, test } from "vitest";
import { formatProblem } from "./format.js";
import { OverrideSyntaxError, parseKeyPath, parseOverride } from "./overrides.js";
import { parseScenario, validateScenario } from "./validate.js";

const yaml = `duration_sec: 10
seed: 1
nodes:
  sensor:
    type: sensor
    count: 4
    target: gateway
  gateway:
    type: gateway
    batch: 10
  cloud:
    type: cloud
network:
  type: latency
  default_latency_ms: 20
  links:
    - {from: sensor, to: gateway, latency_ms: 8, loss: 0.05}
`;

function withSet(...args: string[]) {
  return parseScenario(yaml, { source: "exp.yaml", overrides: args.map((a) => parseOverride(a)) });
}

describe("key paths", () => {
  test("dots, list indexes and group names with dashes", () => {
    expect(parseKeyPath("network.links[0].loss")).toEqual(["network", "links", 0, "loss"]);
    expect(parseKeyPath("nodes.edge-gw.batch")).toEqual(["nodes", "edge-gw", "batch"]);
    expect(parseKeyPath("seed")).toEqual(["seed"]);
    expect(parseKeyPath('nodes["edge.gw"].batch')).toEqual(["nodes", "edge.gw", "batch"]);
  });

  test.each(["", "a..b", "links[x]", "a.[0]", "a[0]b", "[0"])("%j is refused with the argument named", (text) => {
    expect(() => parseOverride(`${text}=1`)).toThrow(OverrideSyntaxError);
    expect(() => parseOverride(`${text}=1`)).toThrow(`--set ${text}=1`);
  });
});

describe("values are YAML", () => {
  test.each([
    ["a=20", 20],
    ["a=0.01", 0.01],
    ["a=true", true],
    ["a=edge", "edge"],
    ['a="007"', "007"],
    ["a=[temperature, humidity]", ["temperature", "humidity"]],
    ["a={latency_ms: 5}", { latency_ms: 5 }],
    ["a=null", null],
    ["a=x=y", "x=y"],
  ])("%s", (text, value) => {
    expect(parseOverride(text).value).toEqual(value);
  });

  test("no `=` or no value is an error naming the argument", () => {
    expect(() => parseOverride("network.default_latency_ms")).toThrow(/--set network.default_latency_ms: expected key.path=value/);
    expect(() => parseOverride("seed=")).toThrow(/the value is empty/);
    expect(() => parseOverride("seed=[1, 2")).toThrow(/not a YAML value/);
  });
});

describe("applied before validation", () => {
  test("a top-level value, a node group's key and a link rule by index", () => {
    const result = withSet("network.default_latency_ms=5", "nodes.gateway.batch=1", "network.links[0].loss=0", "duration_sec=3");
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    const { scenario } = result;
    expect(scenario.duration_sec).toBe(3);
    expect(scenario.nodes.find((n) => n.id === "gateway")).toMatchObject({ batch: 1 });
    expect(scenario.network).toMatchObject({ default_latency_ms: 5 });
    if (scenario.network.type !== "latency") throw new Error("latency network expected");
    expect(scenario.network.links[0]).toMatchObject({ loss: 0, latency_ms: 8 });
  });

  test("a key not written in the file may be set (it overrides the default)", () => {
    const result = withSet("nodes.gateway.processing_ms=7");
    expect(result.ok && result.scenario.nodes.find((n) => n.id === "gateway")).toMatchObject({ processing_ms: 7 });
  });

  test("the data passed in is not changed", () => {
    const data = { duration_sec: 5, nodes: { s: { type: "sensor", target: "g" }, g: { type: "gateway" } } };
    const result = validateScenario(data, { overrides: [parseOverride("duration_sec=9")] });
    expect(result.ok && result.scenario.duration_sec).toBe(9);
    expect(data.duration_sec).toBe(5);
  });

  test("a bad value names the --set argument and the position it targets in the file", () => {
    const result = withSet("nodes.gateway.batch=abc");
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.problems.map(formatProblem);
    expect(lines).toEqual([expect.stringMatching(/^exp\.yaml:10:12: error: --set nodes\.gateway\.batch=abc: nodes\.gateway\.batch must be an integer/)]);
  });

  test("an unknown last key is refused by the schema with a did-you-mean hint", () => {
    const result = withSet("network.default_latncy_ms=5");
    const lines = result.ok ? [] : result.problems.map(formatProblem);
    expect(lines).toEqual([expect.stringMatching(/--set network.default_latncy_ms=5: unknown key "default_latncy_ms".*did you mean "default_latency_ms"/)]);
  });

  test("a missing node group is refused with a did-you-mean hint and the position of its parent", () => {
    const result = withSet("nodes.gatway.batch=1");
    const problems = result.ok ? [] : result.problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "bad-override", line: 3, path: ["nodes", "gatway", "batch"] });
    expect(formatProblem(problems[0]!)).toMatch(/--set nodes.gatway.batch=1: nodes.gatway is not in the scenario \(did you mean "nodes.gateway"\?\)/);
  });

  test("a link rule index past the end is refused", () => {
    const result = withSet("network.links[3].loss=0");
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual(["--set network.links[3].loss=0: network.links has 1 item(s); there is no [3]"]);
  });

  test("indexing into a mapping is refused", () => {
    const result = withSet("network[0]=1");
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual(["--set network[0]=1: network is not a list"]);
  });
});
