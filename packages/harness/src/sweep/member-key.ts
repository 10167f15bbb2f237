/**
 * A member's key: a hash of everything its result depends on — the resolved
 * scenario after overrides (seed included), sim's version and the content of its
 * input files — and of nothing else. Reordering keys in the YAML, moving the
 * experiment folder or changing where outputs go keeps the key; editing a value, a
 * model or a node's program makes a new one.
 */
import { createHash } from "node:crypto";
import { sep } from "node:path";
import type { ResolvedScenario } from "@sim/config";
import type { InputFingerprint } from "./input-files.js";

/** Hex characters of the key used as the member's folder name (80 bits). */
export const MEMBER_KEY_LENGTH = 20;

export interface MemberKeyInputs {
  scenario: ResolvedScenario;
  inputs: readonly InputFingerprint[];
  simVersion: string;
}

/** What a key hashes, in short: written to member.json, so that two keys can be told apart. */
export interface KeyMaterial {
  sim: string;
  /** SHA-256 of the resolved scenario as hashed (canonical JSON, paths relative to its folder). */
  scenario_sha256: string;
  inputs: readonly InputFingerprint[];
}

/**
 * The key: SHA-256 of the canonical JSON of `{ sim, scenario, inputs }`, where the
 * scenario leaves out what does not change the result. The scenario is turned into
 * text once and the rest written around it: a sweep plans every member this way.
 */
export function memberKey({ scenario, inputs, simVersion }: MemberKeyInputs): { key: string; material: KeyMaterial } {
  // Where the scenario file is, what it is called and where outputs go do not change the result.
  const { source: _source, base_dir: baseDir, output: _output, name: _name, ...rest } = scenario;
  const scenarioJson = canonicalJson(relativePaths(rest, baseDir));
  // canonicalJson({ sim, scenario, inputs }) with the scenario's text reused: keys in sorted order.
  const text = `{"inputs":${canonicalJson(inputs)},"scenario":${scenarioJson},"sim":${JSON.stringify(simVersion)}}`;
  return { key: sha256(text).slice(0, MEMBER_KEY_LENGTH), material: { sim: simVersion, scenario_sha256: sha256(scenarioJson), inputs } };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Absolute paths under the scenario's folder, written relative to it. */
function relativePaths(value: unknown, baseDir: string): unknown {
  const prefix = baseDir.endsWith(sep) ? baseDir : baseDir + sep;
  // Plain loops: this walks the whole resolved scenario (every node of every group)
  // once per member while a sweep is planned.
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return v === baseDir ? "." : v.startsWith(prefix) ? `./${v.slice(prefix.length)}` : v;
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = walk(v[i]);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x);
    return out;
  };
  return walk(value);
}

/** JSON with object keys sorted at every level: the same data always gives the same text. */
export function canonicalJson(value: unknown): string {
  // One string grown with += (V8 keeps it as a rope): it walks the whole resolved
  // scenario once per member while a sweep is planned.
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + canonicalJson(value[i]);
    return `${out}]`;
  }
  let out = "{";
  // sort() without a comparator orders by UTF-16 code units, as `<` does.
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out += (out.length > 1 ? "," : "") + JSON.stringify(key) + ":" + canonicalJson(item);
  }
  return `${out}}`;
}
