import type { ResolvedSensorNode } from "@sim/config";
import type { InProcessNode, Message, NodeContext, TimeUs } from "@sim/coordinator";
import { UnknownSensorKindError } from "./errors.js";
import { SENSOR_KINDS, sensorKind, type SensorKindSpec } from "./sensor-kinds.js";
import { msToUs, secToUs } from "./time.js";
import type { SensorReading } from "./types.js";

const SAMPLE = 0;

/**
 * A sensor: samples every kind it measures at `start_ms`, then every `period_ms`,
 * while the sample time is before `until_sec`, and sends one reading per sample.
 * Every random number comes from the node's own stream.
 */
export class SensorNode implements InProcessNode {
  readonly kind = "in-process";
  readonly type = "sensor";
  readonly id: string;
  private readonly target: string;
  private readonly sizeBytes: number;
  private readonly startUs: TimeUs;
  private readonly periodUs: TimeUs;
  private readonly untilUs: TimeUs;
  private readonly anomalyProbability: number;
  private readonly anomalyMagnitude: number;
  private readonly names: string[];
  private readonly specs: SensorKindSpec[];
  /** Per kind: baseline plus this sensor's offset, and the drift's phase (drawn at start). */
  private readonly level: Float64Array;
  private readonly phase: Float64Array;
  private readonly omega: Float64Array;
  private readonly scale: Float64Array;
  private seq = 0;

  constructor(node: ResolvedSensorNode) {
    this.id = node.id;
    this.target = node.target;
    this.sizeBytes = node.payload_bytes;
    this.startUs = msToUs(node.start_ms);
    this.periodUs = Math.max(1, msToUs(node.period_ms));
    this.untilUs = node.until_sec === null ? Number.POSITIVE_INFINITY : secToUs(node.until_sec);
    this.anomalyProbability = node.anomaly?.probability ?? 0;
    this.anomalyMagnitude = node.anomaly?.magnitude ?? 0;
    this.names = [...node.sensors];
    this.specs = this.names.map((name) => {
      const spec = sensorKind(name);
      if (spec === undefined) throw new UnknownSensorKindError(node.id, name, Object.keys(SENSOR_KINDS));
      return spec;
    });
    const n = this.specs.length;
    this.level = new Float64Array(n);
    this.phase = new Float64Array(n);
    this.omega = new Float64Array(n);
    this.scale = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const spec = this.specs[i]!;
      // Drift angle per µs of virtual time.
      this.omega[i] = (2 * Math.PI) / (spec.periodSec * 1_000_000);
      this.scale[i] = 10 ** spec.decimals;
    }
  }

  start(ctx: NodeContext): void {
    for (let i = 0; i < this.specs.length; i++) {
      const spec = this.specs[i]!;
      this.level[i] = spec.baseline + (2 * ctx.rng.next() - 1) * spec.spread;
      this.phase[i] = 2 * Math.PI * ctx.rng.next();
    }
    if (this.startUs < this.untilUs) ctx.setTimer(Math.max(0, this.startUs - ctx.now()), SAMPLE);
  }

  receive(_msg: Message, _ctx: NodeContext): void {
    // A sensor only sends; anything addressed to it is delivered (and traced) and ignored.
  }

  timer(_tag: number, ctx: NodeContext): void {
    const now = ctx.now();
    const rng = ctx.rng;
    const anomaly = this.anomalyProbability > 0 && rng.next() < this.anomalyProbability;
    const readings: Record<string, number> = {};
    for (let i = 0; i < this.specs.length; i++) {
      const spec = this.specs[i]!;
      // Triangular noise: the sum of two uniforms, bounded by spec.noise.
      let value =
        this.level[i]! +
        spec.amplitude * Math.sin(this.omega[i]! * now + this.phase[i]!) +
        spec.noise * (rng.next() + rng.next() - 1);
      if (anomaly) value += this.anomalyMagnitude;
      value = Math.min(spec.max, Math.max(spec.min, value));
      const scale = this.scale[i]!;
      readings[this.names[i]!] = Math.round(value * scale) / scale;
    }
    const payload: SensorReading = { seq: this.seq, sampledAtUs: now, readings, anomaly };
    ctx.send(this.target, payload, this.sizeBytes);
    if (anomaly) ctx.count("anomalies_injected");
    this.seq += 1;
    const next = this.startUs + this.seq * this.periodUs;
    if (next < this.untilUs) ctx.setTimer(next - now, SAMPLE);
  }
}
