import type { Message, TimeUs } from "@sim/coordinator";

/** What gateway and cloud read from a message; one shape for sensor readings and gateway aggregates. */
export interface ParsedReading {
  /** Null when the payload has no `readings` object (e.g. free-form from an external node). */
  readings: Record<string, unknown> | null;
  sampledAtUs: TimeUs;
  /** The node the readings describe: `origin` when a gateway forwarded them, else the sender. */
  origin: string;
  anomaly: boolean;
}

/** A reusable ParsedReading: each node parses into its own, so a message costs no allocation. */
export function emptyReading(): ParsedReading {
  return { readings: null, sampledAtUs: 0, origin: "", anomaly: false };
}

/**
 * Reads a `SensorReading` or `GatewayAggregate`, or any payload with a `readings`
 * object (e.g. from an external node), into `out`, and returns it. Missing
 * `sampledAtUs` means "sampled when sent".
 */
export function parseReading(msg: Message, out: ParsedReading): ParsedReading {
  const raw = msg.payload;
  const p = (typeof raw === "object" && raw !== null ? raw : {}) as {
    readings?: unknown;
    sampledAtUs?: unknown;
    origin?: unknown;
    anomaly?: unknown;
  };
  const readings = p.readings;
  out.readings = typeof readings === "object" && readings !== null ? (readings as Record<string, unknown>) : null;
  out.sampledAtUs = typeof p.sampledAtUs === "number" ? p.sampledAtUs : msg.sentAtUs;
  out.origin = typeof p.origin === "string" ? p.origin : msg.from;
  out.anomaly = p.anomaly === true;
  return out;
}
