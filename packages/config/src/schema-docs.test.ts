/**
 * docs/scenario-format.md is the key reference of the scenario format. These tests
 * keep it complete: every key of schema.json (at every level) and every value the
 * schema enumerates is written there as a code span, and every default of
 * SCENARIO_DEFAULTS stands in the "default" column of its key's row.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SCENARIO_DEFAULTS } from "./defaults.js";

type Schema = { readonly [key: string]: unknown };

const schema = JSON.parse(readFileSync(new URL("../schema.json", import.meta.url), "utf8")) as Schema;
const doc = readFileSync(new URL("../../../docs/scenario-format.md", import.meta.url), "utf8");

/** The text inside every `code span` of the page. */
const codeSpans = new Set([...doc.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!));

/** Property names and enumerated values of every object in the schema, with where they were found. */
function walk(node: unknown, at: string, keys: Map<string, string>, values: Map<string, string>): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => walk(item, `${at}/${i}`, keys, values));
    return;
  }
  if (node === null || typeof node !== "object") return;
  const object = node as Schema;
  for (const [name, child] of Object.entries(object)) {
    if (name === "properties" && child !== null && typeof child === "object") {
      for (const key of Object.keys(child)) if (!keys.has(key)) keys.set(key, `${at}/properties`);
    }
    if (name === "enum" && Array.isArray(child)) {
      for (const value of child) if (typeof value === "string" && !values.has(value)) values.set(value, at);
    }
    if (name === "const" && typeof child === "string" && !values.has(child)) values.set(child, at);
    walk(child, `${at}/${name}`, keys, values);
  }
}

const schemaKeys = new Map<string, string>();
const schemaValues = new Map<string, string>();
walk(schema, "#", schemaKeys, schemaValues);

describe("docs/scenario-format.md documents every key of schema.json", () => {
  it("finds the keys at every level (a walk that misses nested objects would find far fewer)", () => {
    for (const nested of ["edge_config", "inference_ms", "window", "context", "dockerfile", "timeout_sec", "quantum_us", "latency_ms", "sends_per_quantum", "magnitude"]) {
      expect(schemaKeys.has(nested), nested).toBe(true);
    }
    expect(schemaKeys.size).toBeGreaterThan(60);
  });

  it("writes every property name as a code span", () => {
    const missing = [...schemaKeys].filter(([key]) => !codeSpans.has(key)).map(([key, at]) => `${key} (${at})`);
    expect(missing).toEqual([]);
  });

  it("writes every enumerated value (node types, sensor kinds, protocols, placements) as a code span", () => {
    const missing = [...schemaValues].filter(([value]) => !codeSpans.has(value)).map(([value, at]) => `${value} (${at})`);
    expect(missing).toEqual([]);
  });

  it("mentions the ignored x- keys", () => {
    const patterns = Object.keys((schema.patternProperties ?? {}) as Schema);
    expect(patterns).toEqual(["^x-"]);
    expect([...codeSpans].some((span) => span.startsWith("x-"))).toBe(true);
  });

  it("sends the reader nowhere outside the repository", () => {
    expect(doc).not.toMatch(/SCENARIO\.md|\/work\/|shared\/design|file:\/\//);
  });
});

/** Every leaf of SCENARIO_DEFAULTS as a dotted path and its value. */
function flatten(value: unknown, prefix = ""): [string, unknown][] {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, child]) => flatten(child, prefix === "" ? key : `${prefix}.${key}`));
  }
  return [[prefix, value]];
}

/**
 * Where each default is documented: the heading of its table and the key of its row.
 * A new default fails the test until it is documented and listed here.
 */
const WHERE: Record<string, { heading: string; key: string }> = {
  seed: { heading: "Top level", key: "seed" },
  time_quantum_us: { heading: "Top level", key: "time_quantum_us" },
  "timeouts.startup_sec": { heading: "`timeouts`", key: "startup_sec" },
  "timeouts.shutdown_grace_sec": { heading: "`timeouts`", key: "shutdown_grace_sec" },
  "timeouts.quantum_wall_sec": { heading: "`timeouts`", key: "quantum_wall_sec" },
  "output.trace": { heading: "`output`", key: "trace" },
  "output.metrics": { heading: "`output`", key: "metrics" },
  "limits.sends_per_quantum": { heading: "`limits`", key: "sends_per_quantum" },
  "limits.log_lines": { heading: "`limits`", key: "log_lines" },
  "limits.log_bytes": { heading: "`limits`", key: "log_bytes" },
  "sensor.sensors": { heading: "`type: sensor`", key: "sensors" },
  "sensor.period_ms": { heading: "`type: sensor`", key: "period_ms" },
  "sensor.payload_bytes": { heading: "`type: sensor`", key: "payload_bytes" },
  "gateway.batch": { heading: "`type: gateway`", key: "batch" },
  "gateway.processing_ms": { heading: "`type: gateway`", key: "processing_ms" },
  "module.export": { heading: "`type: module`", key: "export" },
  "docker.protocol": { heading: "`type: docker`", key: "protocol" },
  "docker.dockerfile": { heading: "`build`", key: "dockerfile" },
  "qemu.serial": { heading: "`type: qemu`", key: "serial" },
  "qemu.icount_shift": { heading: "`type: qemu`", key: "icount_shift" },
  "qemu.quantum_us": { heading: "`type: qemu`", key: "quantum_us" },
  "latency.default_latency_ms": { heading: "`network`", key: "default_latency_ms" },
  "latency.jitter_ms": { heading: "`network`", key: "jitter_ms" },
  "latency.loss": { heading: "`network`", key: "loss" },
  "ml.edge_inference_ms": { heading: "`ml_inference`", key: "inference_ms" },
  "ml.cloud_inference_ms": { heading: "`ml_inference`", key: "inference_ms" },
  "ml.window": { heading: "`ml_inference`", key: "window" },
  name: { heading: "The scenario's name", key: "name" },
};

/** Splits a Markdown table row into cells (`\|` stays inside a cell). */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** The "default" cell of every row whose first cell is `key`, in the tables under `heading` (up to the next heading). */
function defaultCells(heading: string, key: string): string[] {
  const lines = doc.split("\n");
  const start = lines.findIndex((line) => /^#{2,4} /.test(line) && line.replace(/^#+ /, "") === heading);
  if (start === -1) return [];
  const found: string[] = [];
  let column = -1;
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,4} /.test(line)) break;
    if (!line.startsWith("|")) {
      column = -1;
      continue;
    }
    const row = cells(line);
    if (column === -1) {
      column = row.indexOf("default");
      continue;
    }
    if (row[0] === `\`${key}\`` && row[column] !== undefined) found.push(row[column]!);
  }
  return found;
}

/** How a value is written in the page: numbers may have thousands separators, lists are `[a, b]`. */
function written(value: unknown): RegExp {
  const text = Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\w.])${escaped}(?![\\w.])`);
}

describe("docs/scenario-format.md gives every default of SCENARIO_DEFAULTS next to its key", () => {
  const defaults = flatten(SCENARIO_DEFAULTS);

  it("knows where each default is documented", () => {
    expect(defaults.length).toBeGreaterThan(20);
    expect(defaults.map(([path]) => path).filter((path) => !(path in WHERE))).toEqual([]);
  });

  it.each(defaults)("%s = %j", (path, value) => {
    const where = WHERE[path];
    if (where === undefined) return; // reported by the test above
    const found = defaultCells(where.heading, where.key);
    expect(found, `no row for \`${where.key}\` with a "default" column under the heading "${where.heading}"`).not.toEqual([]);
    // 100,000 and 10,485,760 are written with separators.
    const normalised = found.map((cell) => cell.replace(/(\d),(?=\d{3}\b)/g, "$1"));
    expect(normalised.some((cell) => written(value).test(cell)), `${JSON.stringify(value)} in ${JSON.stringify(found)}`).toBe(true);
  });

  it("reads the default column, not just any cell of the row", () => {
    expect(defaultCells("`timeouts`", "startup_sec")).toEqual(["60"]);
    expect(defaultCells("Top level", "seed")).toEqual(["0"]);
    expect(defaultCells("`type: docker`", "dockerfile")).toEqual([]);
  });
});

describe("docs/sweeps.md documents every key of sweep.schema.json", () => {
  const sweepSchema = JSON.parse(readFileSync(new URL("../sweep.schema.json", import.meta.url), "utf8")) as Schema;
  const sweepDoc = readFileSync(new URL("../../../docs/sweeps.md", import.meta.url), "utf8");
  const spans = new Set([...sweepDoc.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!));
  const keys = new Map<string, string>();
  walk(sweepSchema, "#", keys, new Map());

  it("writes every property name as a code span", () => {
    expect([...keys.keys()]).toEqual(expect.arrayContaining(["scenario", "parameters", "zip", "replicates", "seed", "metrics"]));
    const missing = [...keys].filter(([key]) => !spans.has(key) && !spans.has(`${key}:`)).map(([key, at]) => `${key} (${at})`);
    expect(missing).toEqual([]);
  });
});
