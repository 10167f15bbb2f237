import { createRequire } from "node:module";
import type { ValidateFunction } from "ajv";
import { AJV_OPTIONS } from "./compile-validator.js";
import { SimError } from "./errors.js";
import type { PathSegment } from "./positions.js";
import { sourceOf } from "./positions.js";
import { ProblemCollector } from "./problem.js";
import type { JsonSchema } from "./schema.js";
import { reportSchemaErrors } from "./schema-validate.js";
import type { Problem, ResolvedScenario } from "./types.js";

/** A JSON Schema given at run time (a custom node's `paramsSchema`) that cannot be compiled. */
export class JsonSchemaInvalidError extends SimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SIM_JSON_SCHEMA_INVALID", message, options);
  }
}

/** A compiled JSON Schema: call it with a value, then read `errors`. */
export type JsonSchemaValidator = ValidateFunction;

// CommonJS, loaded on first use: a scenario without custom nodes never loads ajv's compiler.
const require = createRequire(import.meta.url);

/**
 * Compiles a JSON Schema (draft 2020-12) written by a scenario's author, with ajv as
 * sim compiles its own schemas, plus the standard formats (`email`, `uri`, `date-time`,
 * ...). Unknown keywords are errors, so that a typo (`minimun`) cannot silently check
 * nothing; keywords without their `type` are allowed. Throws JsonSchemaInvalidError.
 */
export function compileJsonSchema(schema: unknown): JsonSchemaValidator {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    throw new JsonSchemaInvalidError(`a JSON Schema is an object, got ${Array.isArray(schema) ? "a list" : schema === null ? "null" : typeof schema}`);
  }
  const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
  const addFormats = require("ajv-formats") as typeof import("ajv-formats").default;
  const ajv = new Ajv2020({ ...AJV_OPTIONS, strictTypes: false, strictTuples: false });
  addFormats(ajv);
  try {
    return ajv.compile(schema as JsonSchema);
  } catch (error) {
    throw new JsonSchemaInvalidError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/**
 * Checks the value at `path` of a resolved scenario against a compiled JSON Schema
 * (see compileJsonSchema) and returns a problem for each error, below `path` and
 * located in the scenario's file, worded as sim's own schema problems are.
 */
export function checkAgainstSchema(scenario: ResolvedScenario, path: readonly PathSegment[], value: unknown, validate: JsonSchemaValidator): Problem[] {
  const { file, locator } = sourceOf(scenario);
  const problems = new ProblemCollector(file, locator);
  reportSchemaErrors(validate, value, problems, { at: path, scenarioHints: false });
  return problems.result();
}
