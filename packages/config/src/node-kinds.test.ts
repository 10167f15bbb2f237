/**
 * The table of node kinds against the other places a node type shows up: the JSON
 * Schema (its part of the schema, the keys naming receivers, the keys with defaults),
 * SCENARIO_DEFAULTS, and what validation derives from a row.
 */
import { describe, expect, it } from "vitest";
import { itMatchesSchemaUnion, schemaDefs, type Schema } from "./__fixtures__/schema-table.js";
import { assertNever } from "./assert-never.js";
import { SCENARIO_DEFAULTS } from "./defaults.js";
import { UnexpectedValueError, UnknownNodeTypeError } from "./errors.js";
import { sensorKind } from "./kinds/sensor.js";
import type { NodeKind } from "./node-kind.js";
import { EXTERNAL_NODE_TYPES, IN_PROCESS_NODE_TYPES, NODE_KINDS, NODE_TYPES, entryRuns, isInProcess, isNodeType, modelRunner, nodeKind } from "./node-kinds.js";
import type { InProcessNodeType, LaunchedNodeType } from "./node-kinds.js";
import type { NodeEntry } from "./node-names.js";
import { parseScenario } from "./validate.js";
import type { NodeType } from "./types.js";

const defs = schemaDefs;

/** Property names of a definition, and of the objects its properties refer to (one level: `build.dockerfile`). */
function keysOf(def: Schema): { top: Set<string>; nested: Set<string> } {
  const properties = (def.properties ?? {}) as Record<string, Schema>;
  const nested = new Set<string>();
  for (const child of Object.values(properties)) {
    const ref = typeof child.$ref === "string" ? defs[child.$ref.replace("#/$defs/", "")] : undefined;
    for (const key of Object.keys((ref?.properties ?? {}) as Schema)) nested.add(key);
  }
  return { top: new Set(Object.keys(properties)), nested };
}

function entry(type: NodeType | null, input: Record<string, unknown>): NodeEntry {
  return { key: "n", input: { type, ...input }, type, size: 1, grouped: false, clean: true };
}

describe("schema.json has each row's part, and only those", () => {
  itMatchesSchemaUnion("node", NODE_TYPES, (type) => nodeKind(type as NodeType).schema);

  it.each(NODE_TYPES)("%s: `references` are exactly its keys that name a node", (type) => {
    const properties = (defs[nodeKind(type).schema]!.properties ?? {}) as Record<string, Schema>;
    const named = Object.keys(properties).filter((key) => properties[key]!.$ref === "#/$defs/node_ref");
    expect([...nodeKind(type).references].sort()).toEqual(named.sort());
  });

  it.each(NODE_TYPES)("%s: every default is for a key of its schema part", (type) => {
    const { top, nested } = keysOf(defs[nodeKind(type).schema]!);
    for (const key of Object.keys(nodeKind(type).defaults)) expect(top.has(key) || nested.has(key), key).toBe(true);
  });

  it.each(NODE_TYPES.filter((t) => nodeKind(t).command !== undefined))("%s: the program's arguments are a list in its schema part", (type) => {
    const [first, ...rest] = nodeKind(type).command!.args;
    let def = (defs[nodeKind(type).schema]!.properties as Record<string, Schema>)[first!]!;
    for (const key of rest) def = (defs[String(def.$ref).replace("#/$defs/", "")]!.properties as Record<string, Schema>)[key]!;
    const resolved = typeof def.$ref === "string" ? defs[def.$ref.replace("#/$defs/", "")]! : def;
    expect(resolved.type).toBe("array");
  });
});

describe("what the table says about each type", () => {
  it("splits the types into in-process ones and ones a launcher starts", () => {
    expect(IN_PROCESS_NODE_TYPES).toEqual(["sensor", "gateway", "cloud", "actuator", "module"]);
    expect(EXTERNAL_NODE_TYPES).toEqual(["process", "docker", "qemu", "renode"]);
    expect([...IN_PROCESS_NODE_TYPES, ...EXTERNAL_NODE_TYPES].sort()).toEqual([...NODE_TYPES].sort());
    expect(NODE_TYPES.filter(isInProcess)).toEqual(IN_PROCESS_NODE_TYPES);
  });

  it("makes a docker entry with `protocol: none` a service, whatever else the entry holds", () => {
    expect(entryRuns(entry("docker", { image: "nginx" }))).toBe("external");
    expect(entryRuns(entry("docker", { image: "nginx", protocol: "stdio" }))).toBe("external");
    expect(entryRuns(entry("docker", { image: "nginx", protocol: "none" }))).toBe("service");
    expect(entryRuns(entry("docker", { protocol: "none", ports: 7 }))).toBe("service");
    expect(entryRuns(entry("sensor", {}))).toBe("in-process");
    expect(entryRuns(entry(null, {}))).toBeNull();
  });

  it("names the type that runs the model at each placement", () => {
    expect(modelRunner("edge")).toBe("gateway");
    expect(modelRunner("cloud")).toBe("cloud");
  });

  it("gives SCENARIO_DEFAULTS each row's defaults", () => {
    for (const type of NODE_TYPES) expect(SCENARIO_DEFAULTS[type]).toBe(NODE_KINDS[type].defaults);
    expect(SCENARIO_DEFAULTS.sensor.period_ms).toBe(1000);
    expect(SCENARIO_DEFAULTS.docker.protocol).toBe("stdio");
  });

  it("refuses a type outside the table with a typed error", () => {
    expect(isNodeType("sensor")).toBe(true);
    expect(isNodeType("toString")).toBe(false);
    expect(isNodeType(7)).toBe(false);
    expect(() => nodeKind("relay" as NodeType)).toThrow(UnknownNodeTypeError);
    expect(() => nodeKind("relay" as NodeType)).toThrow(/unknown node type "relay"; the node types are sensor, gateway, cloud/);
    try {
      nodeKind("toString" as NodeType);
      expect.unreachable();
    } catch (error) {
      expect((error as UnknownNodeTypeError).code).toBe("SIM_NODE_TYPE_UNKNOWN");
    }
  });
});

describe("validation derives from the rows", () => {
  it("refuses a receiver whose row does not receive, and lists the types that do", () => {
    const result = parseScenario("duration_sec: 1\nnodes:\n  a: {type: sensor, target: b}\n  b: {type: sensor, target: g}\n  g: {type: gateway}\n");
    expect(result.ok).toBe(false);
    const problem = !result.ok ? result.problems.find((p) => p.code === "bad-target") : undefined;
    expect(problem?.message).toBe('nodes.a.target names the sensor "b", but sensors do not receive messages');
    expect(problem?.hint).toBe(`send to a node that does: ${NODE_TYPES.filter((t) => t !== "sensor").join(", ")}`);
  });

  it("checks the references of an entry that failed the schema, from its row's `references`", () => {
    const result = parseScenario("duration_sec: 1\nnodes:\n  a: {type: gateway, upstream: nowhere, batch: 0}\n");
    const codes = result.ok ? [] : result.problems.map((p) => p.code);
    expect(codes).toContain("out-of-range");
    expect(codes).toContain("unknown-node");
  });

  it("warns about late deliveries only for entries the table makes external", () => {
    const scenario = (protocol: string) => `duration_sec: 1\ntime_quantum_us: 50000\nnodes:\n  d: {type: docker, image: nginx, protocol: ${protocol}}\n`;
    const warnings = (text: string) => {
      const result = parseScenario(text);
      return result.ok ? result.warnings.map((w) => w.code) : ["invalid"];
    };
    expect(warnings(scenario("stdio"))).toEqual(["late-deliveries"]);
    expect(warnings(scenario("none"))).toEqual([]);
  });
});

describe("the compiler holds the table to every type", () => {
  it("rejects a table without a row for a type (checked by pnpm typecheck)", () => {
    // @ts-expect-error the rows of gateway, cloud, actuator, process, docker, qemu and renode are missing
    const partial: { readonly [T in NodeType]: NodeKind<T> } = { sensor: sensorKind };
    expect(Object.keys(partial)).toEqual(["sensor"]);
  });

  it("has assertNever reject an unhandled case at compile time and an outside value at run time", () => {
    const describeType = (type: InProcessNodeType | LaunchedNodeType): string => {
      switch (type) {
        case "sensor":
        case "gateway":
        case "cloud":
        case "actuator":
        case "module":
          return "in-process";
        case "process":
        case "docker":
        case "qemu":
        case "renode":
          return "launched";
        default:
          return assertNever(type, "node type");
      }
    };
    expect(describeType("docker")).toBe("launched");
    expect(() => describeType("relay" as NodeType)).toThrow(UnexpectedValueError);
    expect(() => describeType("relay" as NodeType)).toThrow('unexpected node type: "relay"');
  });
});
