import { describeNetwork, type ResolvedScenario } from "@sim/config";
import { hostAccessOf, type HostAccess } from "./host-access.js";

/** What a run would do, as `sim run --dry-run` prints it. */
export interface RunPlan {
  scenario: string;
  duration_sec: number;
  seed: number;
  time_quantum_us: number;
  realtime_factor: number | null;
  /** Node counts by type, in first-appearance order. */
  nodes: Record<string, number>;
  network: string;
  ml_placement: string | null;
  external: { id: string; type: string; details: Record<string, unknown> }[];
  /** Host paths bound into containers and ports published beyond loopback. */
  host_access: HostAccess[];
}

export function planOf(scenario: ResolvedScenario, external: RunPlan["external"]): RunPlan {
  const nodes: Record<string, number> = {};
  for (const node of scenario.nodes) nodes[node.type] = (nodes[node.type] ?? 0) + 1;
  return {
    scenario: scenario.source ?? scenario.name,
    duration_sec: scenario.duration_sec,
    seed: scenario.seed,
    time_quantum_us: scenario.time_quantum_us,
    realtime_factor: scenario.realtime_factor,
    nodes,
    network: describeNetwork(scenario.network),
    ml_placement: scenario.ml_inference?.placement ?? null,
    external,
    host_access: hostAccessOf(scenario),
  };
}
