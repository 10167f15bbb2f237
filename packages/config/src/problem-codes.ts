/**
 * Every `Problem.code` this package emits. Codes are stable: tools and tests may
 * match on them; messages may be reworded.
 */
export const PROBLEM_CODES = [
  // Reading the file
  "unreadable",
  "file-too-large",
  "binary-content",
  "control-character",
  "invalid-utf8",
  // YAML
  "yaml-syntax",
  "yaml-warning",
  "duplicate-key",
  "multiple-documents",
  "alias-limit",
  "data-too-large",
  "unknown-anchor",
  "unsupported-tag",
  "non-string-key",
  "too-deep",
  "empty-scenario",
  "not-a-mapping",
  "not-plain-data",
  // Schema
  "unknown-key",
  "missing-key",
  "wrong-type",
  "bad-value",
  "out-of-range",
  "bad-format",
  "empty-value",
  "duplicate-item",
  "unknown-node-type",
  "invalid-id",
  "missing-one-of",
  "conflicting-keys",
  "schema",
  "bad-override",
  // Meaning
  "too-many-nodes",
  "id-too-long",
  "argument-too-long",
  "command-too-large",
  "duplicate-id",
  "unknown-node",
  "no-target",
  "bad-target",
  "upstream-cycle",
  "ambiguous-upstream",
  "port-conflict",
  "host-path-refused",
  "host-path-outside",
  "missing-model",
  "ml-placement-unused",
  "batched-cloud-inference",
  "late-deliveries",
  // Referenced files
  "missing-file",
  "not-a-file",
  "not-a-directory",
  // What the run needs installed
  "missing-runtime",
  // Reporting
  "too-many-problems",
  "internal-error",
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];
