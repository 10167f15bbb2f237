import type { LatencyFigures } from "./latency-stats.js";

/** Counts of one node. */
export interface NodeSummary {
  type: string;
  /** Messages it sent (including those dropped). */
  sent: number;
  /** Messages delivered to it (including late ones). */
  received: number;
  /** Messages it sent that were dropped. */
  dropped: number;
  /** Its own counters (`ctx.count`), by name. */
  counters: Record<string, number>;
}

/** Traffic over the links between two groups (or two nodes, without groups). */
export interface LinkSummary {
  messages: number;
  delivered: number;
  dropped: number;
  /** Bytes offered to the links (sent, whether delivered or not). */
  bytes: number;
}

export interface MessageSummary {
  sent: number;
  delivered: number;
  /** All drops; by reason in `dropped_by_reason`. */
  dropped: number;
  dropped_by_reason: Record<string, number>;
  /** Delivered to an external node at the next barrier because its quantum had already been granted. */
  late_deliveries: number;
  /** Sent but neither delivered nor dropped when the run ended. */
  in_flight: number;
}

/** What a run produced. JSON-ready: the harness writes it as summary.json. */
export interface RunSummary {
  /** True when the run reached its end with no node failure, no abort and no trace error. */
  success: boolean;
  seed: number;
  /** Virtual seconds simulated (the time reached; the full duration unless stopped early). */
  duration_sec: number;
  /** Wall-clock seconds of `run()`, from the injected clock. */
  wall_sec: number;
  /** Hex SHA-256 of the trace bytes (`sha256sum trace.jsonl`); null when disabled. */
  digest: string | null;
  trace_path: string | null;
  trace_lines: number;
  trace_bytes: number;
  /** Timer and delivery events processed. */
  events: number;
  messages: MessageSummary;
  /** End-to-end latency per series (`ctx.latency`), in ms. */
  latency_ms: Record<string, LatencyFigures>;
  nodes: Record<string, NodeSummary>;
  /** Per `from->to` group pair (node ids when no groups were given). */
  links: Record<string, LinkSummary>;
  /** Why the run was stopped early by `abort(reason)`, else null. */
  aborted: string | null;
  /** The failure that ended the run, else null. `node` names the failed node if one did. */
  error: { code: string; message: string; node: string | null } | null;
}
