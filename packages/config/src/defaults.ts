import { NETWORK_KINDS } from "./network-kinds.js";
import { NODE_KINDS } from "./node-kinds.js";

/** Each row's defaults, by its type. */
type DefaultsOf<Table> = { readonly [T in keyof Table]: Table[T] extends { readonly defaults: infer D } ? D : never };

function defaultsOf<Table extends Readonly<Record<string, { readonly defaults: unknown }>>>(table: Table): DefaultsOf<Table> {
  return Object.fromEntries(Object.entries(table).map(([type, row]) => [type, row.defaults])) as DefaultsOf<Table>;
}

/**
 * Values used when a scenario leaves a key out (see docs/scenario-format.md);
 * `<node type>.*` come from the table of node kinds, `<network type>.*` from the
 * table of network kinds (the two share no type name: a test checks it).
 */
export const SCENARIO_DEFAULTS = Object.freeze({
  seed: 0,
  time_quantum_us: 10_000,
  timeouts: Object.freeze({ startup_sec: 60, shutdown_grace_sec: 10, quantum_wall_sec: 30 }),
  output: Object.freeze({ trace: true, metrics: true }),
  /**
   * Per external node (reasons in docs/scenario-format.md). 100,000 sends in one
   * quantum hold about 60 MB in the harness (1,000,000 took 571 MB) and are 10
   * million messages per virtual second at the default quantum, far beyond any device
   * a scenario models. 100,000 log lines or 10 MiB per log file (a 100-character line
   * every 10 ms for a quarter of an hour) is more than anyone reads, and keeps a sweep
   * of many runs from filling the disk.
   */
  limits: Object.freeze({ sends_per_quantum: 100_000, log_lines: 100_000, log_bytes: 10 * 1024 * 1024 }),
  ...defaultsOf(NODE_KINDS),
  ...defaultsOf(NETWORK_KINDS),
  ml: Object.freeze({ edge_inference_ms: 10, cloud_inference_ms: 1, window: 8 }),
  /** Name of a scenario built in code (no file). */
  name: "scenario",
});
