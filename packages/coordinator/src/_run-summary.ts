import type { Failures } from "./_failures.js";
import type { LinkRecord } from "./_link-record.js";
import type { NodeSlot } from "./_node-slot.js";
import type { RunState } from "./_run-state.js";
import type { LatencyStats } from "./latency-stats.js";
import type { LinkSummary, NodeSummary, RunSummary } from "./summary.js";
import type { SimNode } from "./types.js";

/** Everything the summary is made of, read once at the end of the run. */
export interface SummaryInput {
  seed: number;
  state: RunState;
  nodes: readonly SimNode[];
  /** Per-node state, by node index. */
  slots: readonly NodeSlot[];
  /** Every link used, in creation order. */
  links: Iterable<LinkRecord>;
  groupOf: (nodeId: string) => string;
  latency: LatencyStats;
  failures: Failures;
  tracePath: string | null;
  trace: { digest: string | null; bytes: number; lines: number };
  wallSec: number;
}

/** The run's summary. Keys of every map are sorted, so that equal runs give equal JSON. */
export function buildSummary(input: SummaryInput): RunSummary {
  const { state, trace } = input;
  return {
    success: input.failures.error === null && state.abortReason === null,
    seed: input.seed,
    duration_sec: state.nowUs / 1e6,
    wall_sec: input.wallSec,
    digest: trace.digest,
    trace_path: input.tracePath,
    trace_lines: trace.lines,
    trace_bytes: trace.bytes,
    events: state.events,
    messages: {
      sent: state.sent,
      delivered: state.delivered,
      dropped: state.dropped,
      dropped_by_reason: sortedRecord(state.droppedByReason),
      late_deliveries: state.late,
      in_flight: state.sent - state.delivered - state.dropped,
    },
    latency_ms: input.latency.figures(),
    nodes: nodeSummaries(input.nodes, input.slots),
    links: linksByGroup(input.links, input.slots, input.groupOf),
    aborted: state.abortReason,
    error: input.failures.summaryError(),
  };
}

function nodeSummaries(nodes: readonly SimNode[], slots: readonly NodeSlot[]): Record<string, NodeSummary> {
  const out: Record<string, NodeSummary> = {};
  for (let i = 0; i < slots.length; i++) {
    const st = slots[i]!;
    const counters = st.counters === null ? {} : sortedRecord(st.counters);
    out[st.id] = { type: nodes[i]!.type, sent: st.sent, received: st.received, dropped: st.dropped, counters };
  }
  return out;
}

/** Links summed per `fromGroup->toGroup` pair. */
function linksByGroup(links: Iterable<LinkRecord>, slots: readonly NodeSlot[], groupOf: (nodeId: string) => string): Record<string, LinkSummary> {
  const byGroup = new Map<string, LinkSummary>();
  const groups = new Map<number, string>();
  const group = (i: number) => {
    let g = groups.get(i);
    if (g === undefined) {
      g = groupOf(slots[i]!.id);
      groups.set(i, g);
    }
    return g;
  };
  for (const link of links) {
    const key = `${group(link.fromIdx)}->${group(link.toIdx)}`;
    let s = byGroup.get(key);
    if (s === undefined) {
      s = { messages: 0, delivered: 0, dropped: 0, bytes: 0 };
      byGroup.set(key, s);
    }
    s.messages += link.sent;
    s.delivered += link.delivered;
    s.dropped += link.dropped;
    s.bytes += link.bytes;
  }
  return sortedRecord(byGroup);
}

function sortedRecord<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of [...map.keys()].sort()) out[key] = map.get(key)!;
  return out;
}
