import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "./index.js";
import type { Problem, ResolvedGatewayNode, ResolvedScenario, ResolvedSensorNode, ValidationResult } from "./index.js";

const scenariosDir = fileURLToPath(new URL("../../../scenarios/", import.meta.url));
const validDir = fileURLToPath(new URL("../test/fixtures/valid/", import.meta.url));

function ok(result: ValidationResult): ResolvedScenario & { warnings: Problem[] } {
  if (!result.ok) throw new Error(`expected a valid scenario, got:\n${result.problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.message}`).join("\n")}`);
  return Object.assign(result.scenario, { warnings: result.warnings });
}

function errors(result: ValidationResult): Problem[] {
  if (result.ok) throw new Error("expected problems, the scenario is valid");
  return result.problems.filter((p) => p.severity === "error");
}

const parse = (text: string) => parseScenario(text, { source: "/experiments/test.yaml" });
const sensors = (s: ResolvedScenario) => s.nodes.filter((n): n is ResolvedSensorNode => n.type === "sensor");
const gateways = (s: ResolvedScenario) => s.nodes.filter((n): n is ResolvedGatewayNode => n.type === "gateway");

describe("the minimal scenario of SCENARIO.md", () => {
  it("loads exactly as written, with every default applied", async () => {
    const { scenario, warnings } = await loadScenario(`${scenariosDir}minimal.yaml`);
    expect(warnings).toEqual([]);
    expect(scenario).toEqual({
      source: `${scenariosDir}minimal.yaml`,
      base_dir: scenariosDir.replace(/\/$/, ""),
      name: "minimal",
      duration_sec: 1,
      seed: 42,
      time_quantum_us: 10000,
      realtime_factor: null,
      nodes: [
        {
          id: "sensor_1",
          group: "sensor_1",
          group_index: 0,
          group_size: 1,
          type: "sensor",
          sensors: ["temperature"],
          period_ms: 1000,
          start_ms: 0,
          until_sec: null,
          target: "gateway_1",
          payload_bytes: 32,
          anomaly: null,
        },
        { id: "gateway_1", group: "gateway_1", group_index: 0, group_size: 1, type: "gateway", upstream: null, batch: 1, processing_ms: 0 },
      ],
      network: { type: "latency", default_latency_ms: 10, jitter_ms: 0, loss: 0, bandwidth_kbps: null, links: [] },
      ml_inference: null,
      output: { dir: null, trace: true, metrics: true },
      timeouts: { startup_sec: 60, shutdown_grace_sec: 10, quantum_wall_sec: 30 },
      limits: { sends_per_quantum: 100_000, log_lines: 100_000, log_bytes: 10_485_760 },
    });
  });

  it("round-trips through YAML without position data leaking into it", async () => {
    const { scenario } = await loadScenario(`${scenariosDir}minimal.yaml`);
    const text = stringify(scenario);
    expect(text).not.toMatch(/\b(line|column|locator)\b/);
    const again = parseScenario(`duration_sec: 1\nnodes: {g: {type: gateway}}`, {});
    expect(again.ok).toBe(true);
    expect(JSON.parse(JSON.stringify(scenario))).toEqual(scenario);
  });
});

describe("groups", () => {
  it("expand in file order and spread sensor phases over one period", async () => {
    const { scenario } = await loadScenario(`${validDir}groups.yaml`);
    expect(scenario.nodes).toHaveLength(1003);
    expect(scenario.nodes.slice(0, 2).map((n) => n.id)).toEqual(["field_0", "field_1"]);
    expect(scenario.nodes.slice(-3).map((n) => n.id)).toEqual(["edge_0", "edge_1", "cloud"]);
    const field = sensors(scenario);
    expect(field[0]).toMatchObject({ group: "field", group_index: 0, group_size: 1000, start_ms: 0, period_ms: 500 });
    expect(field[1]!.start_ms).toBe(0.5);
    expect(field[999]!.start_ms).toBe(499.5);
    expect(field[0]!.sensors).not.toBe(field[1]!.sensors);
  });

  it("send member i to member i mod size of the target group", async () => {
    const { scenario } = await loadScenario(`${validDir}groups.yaml`);
    expect(sensors(scenario).slice(0, 4).map((s) => s.target)).toEqual(["edge_0", "edge_1", "edge_0", "edge_1"]);
    expect(gateways(scenario).map((g) => g.upstream)).toEqual(["cloud", "cloud"]);
  });

  it("resolve link rules to the concrete ids they cover", async () => {
    const { scenario } = await loadScenario(`${validDir}groups.yaml`);
    if (scenario.network.type !== "latency") throw new Error("latency network expected");
    const [byGroup, byMember] = scenario.network.links;
    expect(byGroup).toMatchObject({ from: "field", to: "edge", to_nodes: ["edge_0", "edge_1"], latency_ms: 5, loss: null, jitter_ms: null });
    expect(byGroup!.from_nodes).toHaveLength(1000);
    expect(byMember).toEqual({ from: "field_0", to: "edge_0", from_nodes: ["field_0"], to_nodes: ["edge_0"], latency_ms: null, jitter_ms: null, loss: 0.5, bandwidth_kbps: null });
  });

  it("keep a given start_ms for every member, and target a single member by id", () => {
    const s = ok(parse("duration_sec: 1\nnodes:\n  s: {type: sensor, count: 3, start_ms: 7, target: g_1}\n  g: {type: gateway, count: 2}\n"));
    expect(sensors(s).map((n) => [n.start_ms, n.target])).toEqual([
      [7, "g_1"],
      [7, "g_1"],
      [7, "g_1"],
    ]);
  });

  it("default the sensor target to the only gateway group and the upstream to the only cloud group", () => {
    const s = ok(parse("duration_sec: 1\nnodes:\n  s: {type: sensor, count: 3}\n  g: {type: gateway, count: 2}\n  c: {type: cloud, count: 3}\n"));
    expect(sensors(s).map((n) => n.target)).toEqual(["g_0", "g_1", "g_0"]);
    expect(gateways(s).map((n) => n.upstream)).toEqual(["c_0", "c_1"]);
  });

  it("name members <id>_0 even with count: 1", () => {
    const s = ok(parse("duration_sec: 1\nnodes:\n  g: {type: gateway, count: 1}\n  s: {type: sensor}\n"));
    expect(s.nodes.map((n) => n.id)).toEqual(["g_0", "s"]);
    expect(sensors(s)[0]!.target).toBe("g_0");
  });

  it("report a duplicate id naming both sides", () => {
    const [problem] = errors(parse("duration_sec: 1\nnodes:\n  a_1: {type: cloud}\n  a: {type: cloud, count: 2}\n"));
    expect(problem).toMatchObject({ code: "duplicate-id", line: 3, column: 3, path: ["nodes", "a_1"] });
    expect(problem!.message).toContain('the node "a_1"');
    expect(problem!.message).toContain('member 1 of the group "a"');
  });

  it("resolve 100,000 sensors (resolution is linear)", () => {
    const s = ok(parse("duration_sec: 1\nnodes:\n  s: {type: sensor, count: 100000}\n  g: {type: gateway, count: 3}\n"));
    expect(s.nodes).toHaveLength(100003);
    expect(sensors(s)[99999]).toMatchObject({ id: "s_99999", target: "g_0", start_ms: 999.99 });
  });
});

describe("anchors and templates", () => {
  it("merge `<<` templates kept under x- keys", async () => {
    const { scenario } = await loadScenario(`${validDir}anchors.yaml`);
    expect(sensors(scenario).map((s) => [s.id, s.period_ms, s.start_ms, s.sensors])).toEqual([
      ["indoor", 250, 10, ["temperature"]],
      ["outdoor", 1000, 0, ["temperature"]],
    ]);
  });

  it("point at the merged key's source line when a template holds the problem", () => {
    const result = parse("x-s: &s\n  type: sensor\n  period_ms: -1\nduration_sec: 1\nnodes:\n  a: {<<: *s}\n  g: {type: gateway}\n");
    expect(errors(result)).toMatchObject([{ code: "out-of-range", path: ["nodes", "a", "period_ms"], line: 3, column: 14 }]);
  });
});

describe("gateways", () => {
  it("are sinks when there is no cloud, and warn when several clouds make the default ambiguous", () => {
    const none = ok(parse("duration_sec: 1\nnodes:\n  g: {type: gateway}\n"));
    expect(gateways(none)[0]!.upstream).toBeNull();
    const several = ok(parse("duration_sec: 1\nnodes:\n  g: {type: gateway}\n  c1: {type: cloud}\n  c2: {type: cloud}\n"));
    expect(gateways(several)[0]!.upstream).toBeNull();
    expect(several.warnings).toMatchObject([{ severity: "warning", code: "ambiguous-upstream", line: 3, column: 3 }]);
  });

  it("forward to another gateway when told", () => {
    const s = ok(parse("duration_sec: 1\nnodes:\n  a: {type: gateway, upstream: b}\n  b: {type: gateway, batch: 5, processing_ms: 2.5}\n"));
    expect(gateways(s)).toMatchObject([{ id: "a", upstream: "b" }, { id: "b", upstream: null, batch: 5, processing_ms: 2.5 }]);
  });

  it("may not be their own upstream", () => {
    expect(errors(parse("duration_sec: 1\nnodes:\n  g: {type: gateway, count: 2, upstream: g}\n"))).toMatchObject([{ code: "upstream-cycle", message: expect.stringContaining("g_0 -> g_0") }]);
  });
});

describe("actuators", () => {
  it("receive from a gateway's upstream and a sensor's target, members of a group by index", () => {
    const s = ok(parse("duration_sec: 1\nnodes:\n  s: {type: sensor, count: 2, target: v}\n  g: {type: gateway, upstream: v_1}\n  v: {type: actuator, count: 2, deadline_ms: 12.5}\n"));
    expect(sensors(s).map((n) => n.target)).toEqual(["v_0", "v_1"]);
    expect(gateways(s)[0]!.upstream).toBe("v_1");
    expect(s.nodes.filter((n) => n.type === "actuator")).toEqual([
      { id: "v_0", group: "v", group_index: 0, group_size: 2, type: "actuator", deadline_ms: 12.5 },
      { id: "v_1", group: "v", group_index: 1, group_size: 2, type: "actuator", deadline_ms: 12.5 },
    ]);
  });

  it("have no deadline unless given one, and send nowhere", () => {
    const s = ok(parse("duration_sec: 1\nnodes:\n  v: {type: actuator}\n"));
    expect(s.nodes).toEqual([{ id: "v", group: "v", group_index: 0, group_size: 1, type: "actuator", deadline_ms: null }]);
    expect(errors(parse("duration_sec: 1\nnodes:\n  v: {type: actuator, target: v}\n"))).toMatchObject([{ code: "unknown-key", path: ["nodes", "v", "target"] }]);
    expect(errors(parse("duration_sec: 1\nnodes:\n  v: {type: actuator, deadline_ms: -1}\n"))).toMatchObject([{ code: "out-of-range", path: ["nodes", "v", "deadline_ms"] }]);
  });
});

describe("module nodes", () => {
  it("resolve `module` against the scenario's folder, default `export` to default, and give each member its own params", () => {
    const s = ok(parse("duration_sec: 1\nnodes:\n  w: {type: module, module: ./nodes/walker.ts, count: 2, params: {speed: 2, path: [1, 2]}}\n  s: {type: sensor, target: w_1}\n"));
    const walkers = s.nodes.filter((n) => n.type === "module");
    expect(walkers).toEqual([
      { id: "w_0", group: "w", group_index: 0, group_size: 2, type: "module", module: "/experiments/nodes/walker.ts", export: "default", params: { speed: 2, path: [1, 2] } },
      { id: "w_1", group: "w", group_index: 1, group_size: 2, type: "module", module: "/experiments/nodes/walker.ts", export: "default", params: { speed: 2, path: [1, 2] } },
    ]);
    // A module node receives, like any in-process node but a sensor.
    expect(sensors(s)[0]!.target).toBe("w_1");
    expect(walkers[0]!.params).not.toBe(walkers[1]!.params);
  });

  it("without `module` name the class registered in code; params default to {}", () => {
    const s = ok(parse("duration_sec: 1\nnodes:\n  w: {type: module, export: Walker}\n"));
    expect(s.nodes).toEqual([{ id: "w", group: "w", group_index: 0, group_size: 1, type: "module", module: null, export: "Walker", params: {} }]);
  });

  it("check the keys' shape only, at their positions", () => {
    expect(errors(parse("duration_sec: 1\nnodes:\n  w: {type: module}\n"))).toMatchObject([{ code: "missing-one-of", path: ["nodes", "w"], line: 3, message: expect.stringMatching(/module.*export/) }]);
    expect(errors(parse("duration_sec: 1\nnodes:\n  w: {type: module, export: 'not a name'}\n"))).toMatchObject([{ code: "bad-format", path: ["nodes", "w", "export"], line: 3 }]);
    expect(errors(parse("duration_sec: 1\nnodes:\n  w: {type: module, module: x.ts, params: [1]}\n"))).toMatchObject([{ code: "wrong-type", path: ["nodes", "w", "params"] }]);
    expect(errors(parse("duration_sec: 1\nnodes:\n  w: {type: module, module: x.ts, param: {}}\n"))).toMatchObject([{ code: "unknown-key", path: ["nodes", "w", "param"], hint: 'did you mean "params"?' }]);
  });
});

describe("external nodes and paths", () => {
  it("resolve paths against the scenario's folder and apply docker/renode defaults", async () => {
    const { scenario, warnings } = await loadScenario(`${validDir}external.yaml`);
    expect(warnings).toEqual([]);
    const byId = new Map(scenario.nodes.map((n) => [n.id, n]));
    expect(byId.get("app")).toMatchObject({ type: "process", command: ["python3", "node.py"], cwd: `${validDir}files/app`, env: { LOG_LEVEL: "debug" }, config: { threshold: 3.5, labels: ["a", "b"] } });
    expect(byId.get("containerised")).toMatchObject({
      type: "docker",
      image: null,
      build: { context: `${validDir}files/docker-node`, dockerfile: "Dockerfile", args: { VERSION: "1" } },
      volumes: [`${validDir}files/data:/data:ro`, "cache:/cache"],
      wait_for: { log: "ready", port: null, timeout_sec: 60 },
      protocol: "stdio",
      privileged: false,
      docker_host: null,
      resources: { cpus: null, memory_mb: null },
    });
    expect(byId.get("broker")).toMatchObject({ image: "eclipse-mosquitto:2", build: null, protocol: "none", ports: ["1883:1883"], wait_for: null });
    expect(byId.get("board")).toMatchObject({ platform: `${validDir}files/board.repl`, firmware: `${validDir}files/firmware.elf`, target: "gateway_1", renode: { path: null, args: [], quantum_us: null } });
    expect(scenario.ml_inference).toEqual({
      placement: "edge",
      model_path: `${validDir}files/anomaly.onnx`,
      inference_ms: 8,
      window: 8,
      edge_config: { model_path: `${validDir}files/anomaly.onnx`, inference_ms: 8, window: 8 },
      cloud_config: { model_path: null, inference_ms: 1, window: 8 },
    });
  });

  it("keeps absolute paths and PATH commands as written", () => {
    const s = ok(
      parse("duration_sec: 1\ntime_quantum_us: 1\nnodes:\n  b: {type: renode, platform: /opt/b.repl, firmware: fw.elf, uart: u, renode: {path: renode, args: [--console]}}\n"),
    );
    expect(s.nodes[0]).toMatchObject({ platform: "/opt/b.repl", firmware: "/experiments/fw.elf", target: null, renode: { path: "renode", args: ["--console"] } });
  });
});

describe("ML inference", () => {
  it("takes the model of the other placement when the chosen one names none", () => {
    const s = ok(parse("duration_sec: 1\nnodes: {c: {type: cloud}}\nml_inference:\n  placement: cloud\n  edge_config: {model_path: m.onnx, window: 4}\n"));
    expect(s.ml_inference).toEqual({
      placement: "cloud",
      model_path: "/experiments/m.onnx",
      inference_ms: 1,
      window: 8,
      edge_config: { model_path: "/experiments/m.onnx", inference_ms: 10, window: 4 },
      cloud_config: { model_path: null, inference_ms: 1, window: 8 },
    });
  });

  it("warns, at the batch, when a batching gateway feeds the cloud's model means instead of readings", () => {
    const text = (placement: string, batch: number) =>
      `duration_sec: 1\nnodes:\n  s: {type: sensor, count: 4, target: g}\n  g:\n    type: gateway\n    count: 2\n    batch: ${batch}\n    upstream: c\n  c: {type: cloud}\nml_inference: {placement: ${placement}, cloud_config: {model_path: m.onnx}}\n`;
    const s = ok(parse(text("cloud", 10)));
    // One warning for the group, not one per gateway.
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatchObject({ severity: "warning", code: "batched-cloud-inference", path: ["nodes", "g", "batch"], line: 7, column: 12 });
    expect(s.warnings[0]!.message).toMatch(/means of 10 readings/);
    expect(ok(parse(text("cloud", 1))).warnings).toEqual([]);
    expect(ok(parse(text("edge", 10))).warnings).toEqual([]);
  });

  it("warns when no node runs inference at the chosen placement", () => {
    const s = ok(parse("duration_sec: 1\nnodes: {c: {type: cloud}}\nml_inference: {placement: edge, edge_config: {model_path: m.onnx}}\n"));
    expect(s.warnings).toMatchObject([{ code: "ml-placement-unused", path: ["ml_inference", "placement"], line: 3 }]);
  });
});

describe("the late-delivery warning", () => {
  const withProcess = (network: string, quantum = 10000) => `duration_sec: 1\ntime_quantum_us: ${quantum}\nnodes:\n  s: {type: sensor, target: p}\n  p: {type: process, command: [x]}\n  g: {type: gateway}\n${network}`;

  it("fires when the quantum exceeds a link latency to an external node, pointing at that link", () => {
    const s = ok(parse(withProcess("network:\n  type: latency\n  default_latency_ms: 20\n  links:\n    - {from: s, to: p, latency_ms: 2}\n    - {from: s, to: g, latency_ms: 1}\n")));
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatchObject({ code: "late-deliveries", path: ["network", "links", 0, "latency_ms"], line: 11, hint: "set time_quantum_us to at most 2000, or raise the latency" });
  });

  it("counts the default latency whenever an external node exists", () => {
    expect(ok(parse(withProcess("network: {type: latency, default_latency_ms: 5}\n"))).warnings).toMatchObject([{ code: "late-deliveries", path: ["network", "default_latency_ms"] }]);
    expect(ok(parse(withProcess("network: {type: latency, default_latency_ms: 10}\n"))).warnings).toEqual([]);
    expect(ok(parse(withProcess("", 1))).warnings).toMatchObject([{ code: "late-deliveries", path: ["nodes", "p"], line: 5, column: 3 }]);
  });

  it("stays quiet without external nodes that take part in lockstep", () => {
    const text = "duration_sec: 1\nnodes:\n  g: {type: gateway}\n  svc: {type: docker, image: redis, protocol: none}\n";
    expect(ok(parse(text)).warnings).toEqual([]);
  });
});

describe("limits per node", () => {
  const base = "duration_sec: 1\nnodes: {g: {type: gateway}}\n";

  it("default to the documented values and take what the scenario gives, key by key", () => {
    expect(ok(parse(base)).limits).toEqual({ sends_per_quantum: 100_000, log_lines: 100_000, log_bytes: 10 * 1024 * 1024 });
    expect(ok(parse(`${base}limits: {sends_per_quantum: 50, log_bytes: 0}\n`)).limits).toEqual({ sends_per_quantum: 50, log_lines: 100_000, log_bytes: 0 });
  });

  it("refuse an unknown key, a fraction, zero sends and a negative log size, each at its value", () => {
    const result = parse(`${base}limits:\n  sends_per_quantum: 0\n  log_lines: 1.5\n  log_bytes: -1\n  log_mb: 10\n`);
    expect(errors(result).map((p) => `${p.line}:${p.column} ${p.code} ${p.path.join(".")}`)).toEqual([
      "4:22 out-of-range limits.sends_per_quantum",
      "5:14 wrong-type limits.log_lines",
      "6:14 out-of-range limits.log_bytes",
      "7:3 unknown-key limits.log_mb",
    ]);
  });
});

describe("problems", () => {
  it("are all reported at once, in file order, without cascades", () => {
    const result = parse("duration_sec: 0\nnodes:\n  s: {type: sensor, perod_ms: 1, target: gw}\n  g: {type: gateway, upstream: nothing}\nnetwork: {type: latency, links: [{from: s, to: x, loss: 2}]}\n");
    expect(errors(result).map((p) => `${p.line}:${p.column} ${p.code}`)).toEqual([
      "1:15 out-of-range",
      "3:21 unknown-key",
      "3:42 unknown-node",
      "4:32 unknown-node",
      "5:48 unknown-node",
      "5:57 out-of-range",
    ]);
  });

  it("stop at a limit instead of flooding", () => {
    const keys = Array.from({ length: 1500 }, (_, i) => `  k${i}: 1`).join("\n");
    const result = parse(`duration_sec: 1\nnodes: {g: {type: gateway}}\noutput:\n${keys}\n`);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toHaveLength(1001);
    expect(problems.at(-1)).toMatchObject({ code: "too-many-problems", message: expect.stringContaining("500 more") });
  });

  it("name the file as given", () => {
    const [problem] = errors(parseScenario("nodes: {}", { source: "rel/x.yaml" }));
    expect(problem!.file).toBe("rel/x.yaml");
  });
});
