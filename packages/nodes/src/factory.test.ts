import type { ResolvedNode } from "@sim/config";
import { describe, expect, it } from "vitest";
import { cloud, gateway, ml, scenario, sensor } from "./__fixtures__/nodes.js";
import { CloudNode } from "./cloud.js";
import { MlUnavailableError } from "./errors.js";
import { BUILTIN_NODE_TYPES, createBuiltinNode, needsInference } from "./factory.js";
import { GatewayNode } from "./gateway.js";
import { SensorNode } from "./sensor.js";
import type { InferenceEngine } from "./types.js";

const external: ResolvedNode = {
  id: "p",
  group: "p",
  group_index: 0,
  group_size: 1,
  type: "process",
  command: ["python3", "node.py"],
  cwd: "/tmp",
  env: {},
  config: {},
};

const fakeEngine = (placement: "edge" | "cloud"): InferenceEngine => ({
  placement,
  modelPath: "/m.onnx",
  inferenceUs: 1_000,
  window: 8,
  run: (_input, rows) => new Float32Array(rows),
  stats: () => ({ inferences: 0, rows: 0, wallMs: 0 }),
  close: async () => {},
});

describe("createBuiltinNode", () => {
  const nodes = [sensor("s"), gateway("gw"), cloud("cloud"), external];

  it("builds the built-in types and returns null for external ones", () => {
    const sc = scenario(nodes);
    const built = nodes.map((n) => createBuiltinNode(n, sc));
    expect(built[0]).toBeInstanceOf(SensorNode);
    expect(built[1]).toBeInstanceOf(GatewayNode);
    expect(built[2]).toBeInstanceOf(CloudNode);
    expect(built[3]).toBeNull();
    expect(built.slice(0, 3).map((n) => [n!.kind, n!.id, n!.type])).toEqual([
      ["in-process", "s", "sensor"],
      ["in-process", "gw", "gateway"],
      ["in-process", "cloud", "cloud"],
    ]);
    expect(BUILTIN_NODE_TYPES).toEqual(["sensor", "gateway", "cloud", "actuator", "module"]);
  });

  it("demands an inference engine only from the node type that runs the model", () => {
    const edge = scenario(nodes, ml("edge"));
    expect(createBuiltinNode(cloud("cloud"), edge)).toBeInstanceOf(CloudNode);
    expect(() => createBuiltinNode(gateway("gw"), edge)).toThrow(MlUnavailableError);
    expect(() => createBuiltinNode(gateway("gw"), edge, { inference: null })).toThrow(/services\.inference/);
    expect(createBuiltinNode(gateway("gw"), edge, { inference: fakeEngine("edge") })).toBeInstanceOf(GatewayNode);
    const inCloud = scenario(nodes, ml("cloud"));
    expect(createBuiltinNode(gateway("gw"), inCloud)).toBeInstanceOf(GatewayNode);
    expect(() => createBuiltinNode(cloud("cloud"), inCloud)).toThrow(expect.objectContaining({ code: "SIM_ML_UNAVAILABLE" }));
    expect(() => createBuiltinNode(cloud("cloud"), inCloud, { inference: fakeEngine("edge") })).toThrow(/placement edge/);
  });
});

describe("needsInference", () => {
  it("is true only when a node at the chosen placement exists", () => {
    expect(needsInference(scenario([sensor("s"), gateway("gw")]))).toBe(false);
    expect(needsInference(scenario([sensor("s"), gateway("gw")], ml("edge")))).toBe(true);
    expect(needsInference(scenario([sensor("s"), gateway("gw")], ml("cloud")))).toBe(false);
    expect(needsInference(scenario([sensor("s"), cloud("cloud")], ml("cloud")))).toBe(true);
  });
});
