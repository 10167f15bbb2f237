import type { ResolvedScenario } from "@sim/config";
import type { CoordinatorOptions } from "./coordinator.js";
import { createNetworkModel } from "./network.js";

/**
 * The coordinator options a resolved scenario determines: seed, duration
 * (`duration_sec` rounded to the nearest µs), quantum, pacing, network model, and the
 * node groups for the `links` summary. Add `nodes` (and a trace sink) to run it.
 */
export function scenarioOptions(
  scenario: ResolvedScenario,
): Required<Pick<CoordinatorOptions, "seed" | "durationUs" | "timeQuantumUs" | "realtimeFactor" | "network" | "groups">> {
  // A Map, not an object: with a million ids an object falls back to a slow dictionary
  // (~1 s to fill at a million nodes).
  const groupById = new Map<string, string>();
  for (const node of scenario.nodes) groupById.set(node.id, node.group);
  const groups = (id: string): string => groupById.get(id) ?? id;
  return {
    seed: scenario.seed,
    durationUs: Math.round(scenario.duration_sec * 1e6),
    timeQuantumUs: scenario.time_quantum_us,
    realtimeFactor: scenario.realtime_factor,
    network: createNetworkModel(scenario.network),
    groups,
  };
}
