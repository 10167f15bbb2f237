/**
 * Turns a JSON Schema into ajv's validate function, compiled ahead of time when the
 * build did it for this very schema.
 *
 * Why: compiling the scenario schema costs 150-350 ms of CPU in a fresh process, and
 * loading ajv's compiler another ~85 modules. Every `sim run`, `sim validate` and every
 * sweep member is a fresh process. The build (scripts/generate-dist.mjs) writes ajv's
 * standalone code for each published schema to `dist/validators/<fingerprint>.cjs`;
 * here the file named by the schema's own fingerprint is used when it exists. Running
 * from source, or with a schema edited after the build, there is no such file and ajv
 * compiles as before: the same ajv and the same options, so the same errors either way.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { ValidateFunction } from "ajv";
import type { JsonSchema } from "./schema.js";

/** ajv's options for every schema of sim, at build time and at run time. */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: true, strictRequired: false } as const;

/** Folder of the precompiled validators, next to this module once built. */
export const PRECOMPILED_DIR = "validators";

/** Names the precompiled file of a schema: a hash of its content, so a stale file is never picked. */
export function schemaFingerprint(schema: JsonSchema): string {
  return createHash("sha256").update(JSON.stringify(schema)).digest("hex").slice(0, 24);
}

// CommonJS: ajv's standalone code requires its runtime helpers, and ajv itself is
// loaded only when something has to be compiled.
const require = createRequire(import.meta.url);

export function compileValidator(schema: JsonSchema): ValidateFunction {
  const precompiled = new URL(`./${PRECOMPILED_DIR}/${schemaFingerprint(schema)}.cjs`, import.meta.url);
  if (existsSync(precompiled)) return require(fileURLToPath(precompiled)) as ValidateFunction;
  const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
  return new Ajv2020({ ...AJV_OPTIONS }).compile(schema);
}
