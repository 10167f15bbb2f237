/**
 * Hard limits that keep hostile or runaway scenario files from exhausting memory or
 * time. Each one is far above what a real experiment needs.
 */
export const SCENARIO_LIMITS = Object.freeze({
  /**
   * Largest scenario file accepted, in bytes (4 MiB). The YAML parser needs about
   * 1-3 µs per byte; 4 MiB still holds 60,000 explicit link rules.
   */
  maxFileBytes: 4 * 1024 * 1024,
  /** Most nodes a scenario may have after `count` groups are expanded. */
  maxNodes: 1_000_000,
  /**
   * YAML's alias budget (the `yaml` package's `maxAliasCount`: uses of an anchor
   * weighted by the aliases inside it); stops "billion laughs" files early.
   */
  maxAliasCount: 10_000,
  /** Most values (scalars, lists, mappings) in the data once aliases are expanded. */
  maxValues: 1_000_000,
  /** Deepest nesting of mappings and lists; the YAML composer recurses per level. */
  maxNestingDepth: 64,
  /** Most problems reported for one file; the rest are summarised in one problem. */
  maxProblems: 1000,
});
