import type { ResolvedSensorNode } from "@sim/config";
import type { InProcessNode, Message, NodeContext, PayloadJson, TimeUs } from "@sim/coordinator";
import { UnknownSensorKindError } from "./errors.js";
import { SENSOR_KINDS, sensorKind, type SensorKindSpec } from "./sensor-kinds.js";
import { msToUs, secToUs } from "./time.js";
import type { SensorReading } from "./types.js";

const SAMPLE = 0;

/**
 * A kind's constants, shared by every sensor measuring it: at a million sensors, one
 * copy per sensor (V8 boxes each fractional field) was ~80 bytes each.
 */
class KindConstants {
  readonly amplitude: number;
  readonly noise: number;
  readonly min: number;
  readonly max: number;
  /** Drift angle per µs of virtual time. */
  readonly omega: number;
  /** 10^decimals. */
  readonly scale: number;
  constructor(readonly spec: SensorKindSpec) {
    this.amplitude = spec.amplitude;
    this.noise = spec.noise;
    this.min = spec.min;
    this.max = spec.max;
    this.omega = (2 * Math.PI) / (spec.periodSec * 1_000_000);
    this.scale = 10 ** spec.decimals;
  }
}

const KIND_CONSTANTS = new Map<SensorKindSpec, KindConstants>();

function kindConstants(spec: SensorKindSpec): KindConstants {
  let k = KIND_CONSTANTS.get(spec);
  if (k === undefined) {
    k = new KindConstants(spec);
    KIND_CONSTANTS.set(spec, k);
  }
  return k;
}

/** Channels per slab of drawn signal parameters. */
const SLAB_CHANNELS = 4096;
let slab = new Float64Array(2 * SLAB_CHANNELS);
let slabUsed = 0;

/**
 * The signal of one kind at one sensor: the kind's constants plus this sensor's
 * offset and drift phase (drawn at start), kept in a slab shared with the sensors
 * built just before and after it (`slab[at]` the level, `slab[at + 1]` the phase).
 * As two fields each was a boxed double of its own; in a slab, the sensors of a group,
 * which sample one after the other, read adjacent memory.
 */
class Channel {
  readonly slab: Float64Array;
  readonly at: number;
  constructor(
    readonly name: string,
    readonly k: KindConstants,
  ) {
    if (slabUsed === SLAB_CHANNELS) {
      slab = new Float64Array(2 * SLAB_CHANNELS);
      slabUsed = 0;
    }
    this.slab = slab;
    this.at = 2 * slabUsed++;
  }
}

/**
 * The payload template handed to `send` (its parts and numbers), one per count of
 * kinds, shared by every sensor: `send` reads it before it returns (PayloadJson), and
 * each sample fills it afresh.
 */
interface SharedPayload {
  parts: readonly string[];
  readonly values: Float64Array;
}

const SHARED_PAYLOADS: SharedPayload[] = [];

function sharedPayload(kinds: number): SharedPayload {
  let shared = SHARED_PAYLOADS[kinds];
  if (shared === undefined) {
    shared = { parts: [], values: new Float64Array(2 + kinds) };
    SHARED_PAYLOADS[kinds] = shared;
  }
  return shared;
}

/**
 * The JSON text of a sensor's payload as a template (see `PayloadJson`): the
 * numbers are seq, sampledAtUs and one reading per kind; one parts array per
 * value of `anomaly`.
 */
interface ReadingTemplate {
  readonly normal: readonly string[];
  readonly anomalous: readonly string[];
}

function makeTemplate(names: readonly string[]): ReadingTemplate {
  const kinds = names.map((name, i) => `${i === 0 ? "" : ","}${JSON.stringify(name)}:`);
  const parts = (anomaly: boolean): readonly string[] => {
    const tail = `},"anomaly":${anomaly}}`;
    // No kinds: `readings` is `{}` and the last number is sampledAtUs.
    const list = kinds.length === 0 ? ['{"seq":', `,"sampledAtUs":`, `,"readings":{${tail}`] : ['{"seq":', ',"sampledAtUs":', `,"readings":{${kinds[0]!}`, ...kinds.slice(1), tail];
    return Object.freeze(list);
  };
  return Object.freeze({ normal: parts(false), anomalous: parts(true) });
}

/**
 * Templates of the single-kind sensors, built once: every sensor measuring one kind
 * hands the coordinator the same parts array, registered once per run. (Sensors
 * with several kinds build their own; the coordinator matches equal texts.)
 */
const SINGLE_KIND_TEMPLATES: Readonly<Record<string, ReadingTemplate>> = Object.freeze(
  Object.fromEntries(Object.keys(SENSOR_KINDS).map((name) => [name, makeTemplate([name])])),
);

function readingTemplate(names: readonly string[]): ReadingTemplate | null {
  // A kind listed twice is one key in the readings object (the last value wins): no template.
  if (new Set(names).size !== names.length) return null;
  if (names.length === 1 && Object.hasOwn(SINGLE_KIND_TEMPLATES, names[0]!)) return SINGLE_KIND_TEMPLATES[names[0]!]!;
  return makeTemplate(names);
}

/**
 * A sensor: samples every kind it measures at `start_ms`, then every `period_ms`,
 * while the sample time is before `until_sec`, and sends one reading per sample.
 * Every random number comes from the node's own stream.
 */
export class SensorNode implements InProcessNode {
  /** Every counter a sensor can produce (`ctx.count`), for fixed metrics columns. */
  static readonly COUNTERS: readonly string[] = Object.freeze(["anomalies_injected", "readings_recorded"]);
  readonly kind = "in-process";
  readonly type = "sensor";
  readonly id: string;
  /** Null: no target and no gateway in the scenario; readings go to the trace only. */
  private readonly target: string | null;
  private readonly sizeBytes: number;
  private readonly startUs: TimeUs;
  private readonly periodUs: TimeUs;
  private readonly untilUs: TimeUs;
  private readonly anomalyProbability: number;
  private readonly anomalyMagnitude: number;
  private readonly channels: Channel[];
  /** The only channel when the sensor measures one kind (the common case), else null. */
  private readonly single: Channel | null;
  private readonly template: ReadingTemplate | null;
  /** The payload template given to `send`, shared with other sensors. */
  private readonly shared: SharedPayload;
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
    this.channels = node.sensors.map((name) => {
      const spec = sensorKind(name);
      if (spec === undefined) throw new UnknownSensorKindError(node.id, name, Object.keys(SENSOR_KINDS));
      return new Channel(name, kindConstants(spec));
    });
    this.single = this.channels.length === 1 ? this.channels[0]! : null;
    this.template = readingTemplate(node.sensors);
    this.shared = sharedPayload(this.channels.length);
  }

  start(ctx: NodeContext): void {
    const rng = ctx.rng;
    for (const ch of this.channels) {
      ch.slab[ch.at] = ch.k.spec.baseline + (2 * rng.next() - 1) * ch.k.spec.spread;
      ch.slab[ch.at + 1] = 2 * Math.PI * rng.next();
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
    const values = this.shared.values;
    values[0] = this.seq;
    values[1] = now;
    const readings: Record<string, number> = {};
    const single = this.single;
    if (single !== null) {
      // sample() written out: a double returned from a call that is not inlined costs an allocation.
      const k = single.k;
      const params = single.slab;
      const at = single.at;
      let value = params[at]! + k.amplitude * Math.sin(k.omega * now + params[at + 1]!) + k.noise * (rng.next() + rng.next() - 1);
      if (anomaly) value += this.anomalyMagnitude;
      value = Math.min(k.max, Math.max(k.min, value));
      value = Math.round(value * k.scale) / k.scale;
      readings[single.name] = value;
      values[2] = value;
    } else {
      for (let i = 0; i < this.channels.length; i++) {
        const ch = this.channels[i]!;
        const value = this.sample(ch, now, rng.next() + rng.next() - 1, anomaly);
        readings[ch.name] = value;
        values[2 + i] = value;
      }
    }
    const payload: SensorReading = { seq: this.seq, sampledAtUs: now, readings, anomaly };
    const template = this.template;
    let text: PayloadJson | undefined;
    if (template !== null) {
      const shared = this.shared;
      shared.parts = anomaly ? template.anomalous : template.normal;
      text = shared;
    }
    if (this.target !== null) ctx.send(this.target, payload, this.sizeBytes, text);
    else this.record(payload, ctx);
    if (anomaly) ctx.count("anomalies_injected");
    this.seq += 1;
    const next = this.startUs + this.seq * this.periodUs;
    if (next < this.untilUs) ctx.setTimer(next - now, SAMPLE);
  }

  /** A reading with nowhere to go: a `reading` line in the trace and a count, so that a lone sensor still shows what it measured. */
  private record(payload: SensorReading, ctx: NodeContext): void {
    ctx.trace("reading", { seq: payload.seq, readings: payload.readings, anomaly: payload.anomaly });
    ctx.count("readings_recorded");
  }

  /** One reading: level + drift + triangular noise (`u2`: the sum of two uniforms minus 1), clamped and rounded. */
  private sample(ch: Channel, now: TimeUs, u2: number, anomaly: boolean): number {
    const k = ch.k;
    let value = ch.slab[ch.at]! + k.amplitude * Math.sin(k.omega * now + ch.slab[ch.at + 1]!) + k.noise * u2;
    if (anomaly) value += this.anomalyMagnitude;
    value = Math.min(k.max, Math.max(k.min, value));
    return Math.round(value * k.scale) / k.scale;
  }
}
