/**
 * The table of network kinds against the other places a network type shows up: the
 * JSON Schema (its part of the schema, the keys with defaults), SCENARIO_DEFAULTS, and
 * what resolution, the late-deliveries warning and the dry-run plan derive from a row.
 */
import { describe, expect, it } from "vitest";
import { itMatchesSchemaUnion, schemaDefs, type Schema } from "./__fixtures__/schema-table.js";
import { SCENARIO_DEFAULTS } from "./defaults.js";
import { UnknownNetworkTypeError } from "./errors.js";
import { NETWORK_KINDS, NETWORK_TYPES, describeNetwork, isNetworkType, networkKind } from "./network-kinds.js";
import { NODE_TYPES } from "./node-kinds.js";
import { NodeNames } from "./node-names.js";
import { NO_POSITIONS } from "./positions.js";
import { ProblemCollector } from "./problem.js";
import { resolveNetwork } from "./resolve-network.js";
import type { ResolveContext } from "./resolve-context.js";
import type { NetworkInput, NetworkType } from "./types.js";
import { parseScenario } from "./validate.js";

const defs = schemaDefs;

/** A resolution context over no nodes; `clean` answers `isClean` for every path. */
function context(clean: boolean): ResolveContext {
  return { baseDir: "/experiments", problems: new ProblemCollector(null, NO_POSITIONS), isClean: () => clean };
}

describe("schema.json has each row's part, and only those", () => {
  itMatchesSchemaUnion("network", NETWORK_TYPES, (type) => networkKind(type as NetworkType).schema);

  it.each(NETWORK_TYPES)("%s: every default is for a key of its schema part", (type) => {
    const keys = Object.keys((defs[networkKind(type).schema]!.properties ?? {}) as Schema);
    for (const key of Object.keys(networkKind(type).defaults)) expect(keys, key).toContain(key);
  });
});

describe("what the table says about each type", () => {
  it("gives SCENARIO_DEFAULTS each row's defaults, under names no node type uses", () => {
    for (const type of NETWORK_TYPES) expect(SCENARIO_DEFAULTS[type]).toBe(NETWORK_KINDS[type].defaults);
    expect(SCENARIO_DEFAULTS.latency).toEqual({ default_latency_ms: 0, jitter_ms: 0, loss: 0 });
    expect(NETWORK_TYPES.filter((type) => (NODE_TYPES as readonly string[]).includes(type))).toEqual([]);
  });

  it("refuses a type outside the table with a typed error", () => {
    expect(isNetworkType("latency")).toBe(true);
    expect(isNetworkType("toString")).toBe(false);
    expect(isNetworkType(7)).toBe(false);
    expect(() => networkKind("satellite" as NetworkType)).toThrow(UnknownNetworkTypeError);
    expect(() => networkKind("satellite" as NetworkType)).toThrow(`unknown network type "satellite"; the network types are ${NETWORK_TYPES.join(", ")}`);
    expect(() => networkKind("toString" as NetworkType)).toThrow(expect.objectContaining({ code: "SIM_NETWORK_TYPE_UNKNOWN", type: "toString" }));
  });

  it("describes a resolved network in one line for the dry-run plan", () => {
    expect(describeNetwork({ type: "direct" })).toBe("direct (no delay)");
    expect(describeNetwork({ type: "latency", default_latency_ms: 10, jitter_ms: 0, loss: 0, bandwidth_kbps: null, links: [] })).toBe("latency 10 ms");
    const link = { from: "a", to: "b", from_nodes: ["a"], to_nodes: ["b"], latency_ms: 1, jitter_ms: null, loss: null, bandwidth_kbps: null };
    expect(describeNetwork({ type: "latency", default_latency_ms: 5, jitter_ms: 2, loss: 0.1, bandwidth_kbps: 250, links: [link, link] })).toBe("latency 5 ms, jitter 2 ms, loss 0.1, 250 kbps, 2 link rule(s)");
  });
});

describe("resolution goes through the row, with no fallback", () => {
  const names = new NodeNames([]);

  it("resolves a missing section as `type: direct`", () => {
    expect(resolveNetwork(context(true), names, undefined)).toEqual({ type: "direct" });
  });

  it("resolves nothing when `network.type` failed the schema", () => {
    expect(resolveNetwork(context(false), names, { type: "latncy" } as unknown as NetworkInput)).toBeNull();
  });

  it("throws for a type the schema let through but the table does not know", () => {
    // Only reachable when schema.json and the table disagree (the tests above fail first).
    expect(() => resolveNetwork(context(true), names, { type: "satellite" } as unknown as NetworkInput)).toThrow(UnknownNetworkTypeError);
  });

  it("refuses a scenario whose network type is unknown, at the type's position, with exit-2 problems only", () => {
    const result = parseScenario("duration_sec: 1\nnodes:\n  g: {type: gateway}\nnetwork: {type: satellite, latency_ms: 3}\n", { source: "/experiments/net.yaml" });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toMatchObject([{ severity: "error", code: "bad-value", path: ["network", "type"], line: 4, column: 17 }]);
    expect(problems[0]!.message).toMatch(/^network\.type must be "direct".* "latency".*, got "satellite"$/);
  });
});
