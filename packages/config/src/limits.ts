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
  maxNodes: 5_000_000,
  /**
   * YAML's alias budget (the `yaml` package's `maxAliasCount`: uses of an anchor
   * weighted by the aliases inside it); stops "billion laughs" files early.
   */
  maxAliasCount: 10_000,
  /** Most values (scalars, lists, mappings) in the data once aliases are expanded. */
  maxValues: 1_000_000,
  /** Deepest nesting of mappings and lists; the YAML composer recurses per level. */
  maxNestingDepth: 64,
  /**
   * Longest node id once `count` groups are expanded (`<group>_<index>` included): a
   * DNS label, so that every id can be a container's host name and network alias,
   * and far below the 255-byte file name limit for `<id>.uart.log`.
   */
  maxNodeIdLength: 63,
  /**
   * Longest single argument of an external node's program (`command`, `renode.args`),
   * in UTF-8 bytes. Linux refuses one over 128 KiB (MAX_ARG_STRLEN) with E2BIG; an
   * argument longer than a path (PATH_MAX, 4096) is data that belongs in a file or
   * in `config`.
   */
  maxArgumentBytes: 4096,
  /**
   * Most UTF-8 bytes an external node's arguments and environment (`KEY=value`) take
   * together, each counted with its terminating NUL. The kernel's ARG_MAX (2 MiB on
   * Linux by default, 1 MiB on macOS) also holds the variables the launcher adds;
   * 128 KiB leaves room for them everywhere.
   */
  maxCommandBytes: 128 * 1024,
  /** Most problems reported for one file; the rest are summarised in one problem. */
  maxProblems: 1000,
});
