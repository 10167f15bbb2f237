/**
 * The ML figures of a run: what the model decided against the ground truth the
 * sensors injected (`anomaly:` in the scenario), from the nodes that ran it.
 */
import { modelRunner } from "@sim/config";
import type { LatencyFigures, NodeSummary } from "@sim/coordinator";

/** Confusion counts, precision, recall and decision latency of the nodes that ran the model. */
export interface MlDecisionFigures {
  /** Decisions applied (a reading completed a window and its inference finished before the end). */
  decisions: number;
  /** Flagged and anomalous. */
  true_positives: number;
  /** Flagged, not anomalous. */
  false_positives: number;
  /** Not flagged, anomalous. */
  false_negatives: number;
  /** Not flagged, not anomalous. */
  true_negatives: number;
  /** TP / (TP + FP); null when nothing was flagged. */
  precision: number | null;
  /** TP / (TP + FN); null when no decided reading was anomalous. */
  recall: number | null;
  /** Sample time to decision (the `decision` latency series); null without decisions. */
  decision_latency_ms: LatencyFigures | null;
}

/** Adds up the decision counters of the nodes of the placement's type. */
export function mlDecisionFigures(placement: "edge" | "cloud", nodes: Readonly<Record<string, NodeSummary>>, latency: Readonly<Record<string, LatencyFigures>>): MlDecisionFigures {
  const runner = modelRunner(placement);
  const sum = (counter: string) => Object.values(nodes).reduce((total, n) => total + (n.type === runner ? (n.counters[counter] ?? 0) : 0), 0);
  const tp = sum("true_positives");
  const fp = sum("false_positives");
  const fn = sum("false_negatives");
  return {
    decisions: sum("decisions"),
    true_positives: tp,
    false_positives: fp,
    false_negatives: fn,
    true_negatives: sum("true_negatives"),
    precision: tp + fp === 0 ? null : tp / (tp + fp),
    recall: tp + fn === 0 ? null : tp / (tp + fn),
    decision_latency_ms: latency["decision"] ?? null,
  };
}
