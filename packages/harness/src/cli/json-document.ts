/**
 * What `--json` prints: exactly one JSON object on stdout, its keys in snake_case
 * (as summary.json's always were), `schema_version` first. Each command's document
 * has its own version, bumped on any incompatible change of that document (a key
 * removed or renamed, a meaning or unit changed); a new key does not bump it.
 * docs/harness.md#json-output lists the documents.
 */
import { SUMMARY_SCHEMA_VERSION } from "../outputs.js";

export const JSON_SCHEMA_VERSIONS = {
  /** `sim run --json`: summary.json, or `{success: false, error, problems?}` when nothing ran. */
  run: SUMMARY_SCHEMA_VERSION,
  /** `sim run --dry-run --json`: the plan. */
  plan: 1,
  validate: 1,
  clean: 1,
  /** `sim sweep --json`, also with --dry-run and on failure. */
  sweep: 1,
  report: 1,
} as const;

export type JsonDocumentName = keyof typeof JSON_SCHEMA_VERSIONS;

/** `body` with its document's `schema_version` in front, as one pretty-printed line-terminated text. */
export function jsonDocument(name: JsonDocumentName, body: object): string {
  return `${JSON.stringify({ schema_version: JSON_SCHEMA_VERSIONS[name], ...body }, null, 2)}\n`;
}
