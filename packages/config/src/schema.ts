import { createRequire } from "node:module";

/** A JSON Schema document (draft 2020-12). */
export type JsonSchema = { readonly [key: string]: unknown };

// require, not an `import ... with { type: "json" }`: JSON modules still print an
// ExperimentalWarning on Node 20, and `../schema.json` is the same file seen from
// src/ (tests) and from dist/ (the build).
const require = createRequire(import.meta.url);

/** The JSON Schema of the scenario input format (also exported as `@sim/config/schema.json`). */
export const scenarioSchema: JsonSchema = deepFreeze(require("../schema.json") as JsonSchema);

// Frozen: validation compiles this object, so a caller must not be able to change it.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
