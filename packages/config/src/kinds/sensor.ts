import type { KindContext, NodeKind } from "../node-kind.js";
import { NodeNames } from "../node-names.js";
import type { NameMeaning, NodeEntry } from "../node-names.js";
import { describePath } from "../problem.js";
import type { AnomalyInput, SensorKind } from "../types.js";

const DEFAULTS = Object.freeze({ sensors: Object.freeze<SensorKind[]>(["temperature"]), period_ms: 1000, payload_bytes: 32 });

/** `type: sensor`: in-process; samples and sends readings to its target; receives nothing. */
export const sensorKind = {
  runs: "in-process",
  receives: false,
  schema: "sensor_node",
  references: ["target"],
  defaults: DEFAULTS,
  resolve(entry, input, ctx) {
    const target = input.target !== undefined ? ctx.receiver(input.target, ["nodes", entry.key, "target"]) : defaultTarget(ctx, entry);
    if (target === undefined) return undefined;
    const period = input.period_ms ?? DEFAULTS.period_ms;
    return (base) => ({
      id: base.id,
      group: base.group,
      group_index: base.group_index,
      group_size: base.group_size,
      type: "sensor",
      sensors: [...(input.sensors ?? DEFAULTS.sensors)],
      period_ms: period,
      // Members of a group start at evenly spread phases so they do not all fire at once.
      start_ms: input.start_ms ?? (base.group_index * period) / base.group_size,
      until_sec: input.until_sec ?? null,
      target: target === null ? null : NodeNames.targetFor(target, base.group_index),
      payload_bytes: input.payload_bytes ?? DEFAULTS.payload_bytes,
      anomaly: input.anomaly ? copyAnomaly(input.anomaly) : null,
    });
  },
} as const satisfies NodeKind<"sensor">;

function copyAnomaly(anomaly: AnomalyInput): AnomalyInput {
  return { probability: anomaly.probability, magnitude: anomaly.magnitude };
}

/**
 * A sensor's target when it names none: the only gateway; with no gateway at all,
 * null (the sensor samples and records its readings, and sends nothing: a warning);
 * with several, undefined (an error: which one is not guessed).
 */
function defaultTarget(ctx: KindContext, entry: NodeEntry): NameMeaning | null | undefined {
  const gateways = ctx.entriesOf("gateway");
  const only = gateways.length === 1 ? ctx.names.lookup(gateways[0]!.key) : undefined;
  if (only) return only;
  const where = describePath(["nodes", entry.key]);
  if (gateways.length === 0) {
    ctx.problems.add({
      severity: "warning",
      code: "no-target",
      path: ["nodes", entry.key, "target"],
      locatePath: ["nodes", entry.key],
      at: "key",
      message: `${where} has no \`target\` and the scenario has no gateway: it samples and records its readings in the trace, and sends nothing`,
      hint: "add `target: <node or group>` or a gateway node to send them",
    });
    return null;
  }
  ctx.problems.add({
    code: "no-target",
    path: ["nodes", entry.key, "target"],
    locatePath: ["nodes", entry.key],
    at: "key",
    message: `${where} has no \`target\` and there are ${gateways.length} gateways to choose from (${gateways.slice(0, 5).map((g) => g.key).join(", ")}${gateways.length > 5 ? ", ..." : ""})`,
    hint: "add `target: <node or group>` to the sensor",
  });
  return undefined;
}
