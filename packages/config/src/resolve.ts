import { checkNodeLimits } from "./check-limits.js";
import { SCENARIO_DEFAULTS } from "./defaults.js";
import { SCENARIO_LIMITS } from "./limits.js";
import { isNodeType } from "./node-kinds.js";
import { NodeNames, readEntries } from "./node-names.js";
import type { PathSegment } from "./positions.js";
import type { ProblemCollector } from "./problem.js";
import { absolute, cleanChecker } from "./resolve-context.js";
import type { ResolveContext } from "./resolve-context.js";
import { resolveMl, warnAboutBatchedCloudInference } from "./resolve-ml.js";
import { resolveNetwork, warnAboutLateDeliveries } from "./resolve-network.js";
import { resolveNodes } from "./resolve-nodes.js";
import type { ResolvedScenario, ScenarioInput } from "./types.js";

export interface ResolveOptions {
  /** Absolute path of the scenario file, or null. */
  source: string | null;
  /** Absolute folder relative paths are resolved against. */
  baseDir: string;
  name: string;
  /** Key paths that failed the schema: not read, and not reported again. */
  badPaths: readonly (readonly PathSegment[])[];
}

/**
 * Applies defaults, expands groups and resolves references. `data` is trusted only
 * where the schema found nothing wrong, so that one mistake is reported once.
 * Returns null when nothing can be built (the problems say why).
 */
export function resolveScenario(data: unknown, options: ResolveOptions, problems: ProblemCollector): ResolvedScenario | null {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return null;
  const isClean = cleanChecker(options.badPaths);
  const ctx: ResolveContext = { baseDir: options.baseDir, problems, isClean };
  const raw = data as Record<string, unknown>;
  // Read a top-level value only when the schema accepted it.
  const pick = <K extends keyof ScenarioInput>(key: K): ScenarioInput[K] | undefined => (isClean([key]) ? (raw[key] as ScenarioInput[K]) : undefined);

  const entries = readEntries(raw.nodes, (key) => isClean(["nodes", key]), isNodeType);
  if (!checkNodeCount(ctx, entries)) return null;
  checkNodeLimits(ctx, entries);
  const names = new NodeNames(entries);

  const timeouts = pick("timeouts");
  const resolvedTimeouts = {
    startup_sec: timeouts?.startup_sec ?? SCENARIO_DEFAULTS.timeouts.startup_sec,
    shutdown_grace_sec: timeouts?.shutdown_grace_sec ?? SCENARIO_DEFAULTS.timeouts.shutdown_grace_sec,
    quantum_wall_sec: timeouts?.quantum_wall_sec ?? SCENARIO_DEFAULTS.timeouts.quantum_wall_sec,
  };
  const quantum = pick("time_quantum_us") ?? SCENARIO_DEFAULTS.time_quantum_us;
  const nodes = resolveNodes(ctx, names, { startupSec: resolvedTimeouts.startup_sec, timeQuantumUs: quantum });

  // Trusted only as far as the schema vouches for it: resolveNetwork checks before reading.
  const networkInput = raw.network as ScenarioInput["network"];
  const network = resolveNetwork(ctx, names, networkInput);
  if (isClean(["network"]) && isClean(["time_quantum_us"])) warnAboutLateDeliveries(ctx, names, networkInput, quantum);

  const mlInput = pick("ml_inference");
  const ml = mlInput === undefined ? null : resolveMl(ctx, names, mlInput);
  if (ml !== null) warnAboutBatchedCloudInference(ctx, nodes, ml);

  // Only when `network.type` failed the schema, which has said so.
  if (network === null) return null;
  const limits = pick("limits");
  const output = pick("output");
  return {
    source: options.source,
    base_dir: options.baseDir,
    name: options.name,
    duration_sec: pick("duration_sec") ?? 0,
    seed: pick("seed") ?? SCENARIO_DEFAULTS.seed,
    time_quantum_us: quantum,
    realtime_factor: pick("realtime_factor") ?? null,
    nodes,
    network,
    ml_inference: ml,
    output: {
      dir: output?.dir === undefined ? null : absolute(ctx, output.dir),
      trace: output?.trace ?? SCENARIO_DEFAULTS.output.trace,
      metrics: output?.metrics ?? SCENARIO_DEFAULTS.output.metrics,
    },
    timeouts: resolvedTimeouts,
    limits: {
      sends_per_quantum: limits?.sends_per_quantum ?? SCENARIO_DEFAULTS.limits.sends_per_quantum,
      log_lines: limits?.log_lines ?? SCENARIO_DEFAULTS.limits.log_lines,
      log_bytes: limits?.log_bytes ?? SCENARIO_DEFAULTS.limits.log_bytes,
    },
  };
}

/** Refuses to expand groups past the node limit (checked before anything is allocated). */
function checkNodeCount(ctx: ResolveContext, entries: ReturnType<typeof readEntries>): boolean {
  let total = 0;
  for (const entry of entries) {
    total += entry.size;
    if (total > SCENARIO_LIMITS.maxNodes) {
      const all = entries.reduce((sum, e) => sum + e.size, 0);
      ctx.problems.add({
        code: "too-many-nodes",
        path: ["nodes", entry.key, "count"],
        message: `the scenario expands to ${all} nodes; the limit is ${SCENARIO_LIMITS.maxNodes}`,
        hint: "lower the `count` of some groups",
      });
      return false;
    }
  }
  return true;
}
