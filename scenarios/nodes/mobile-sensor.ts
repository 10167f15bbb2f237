/**
 * A mobile sensor, written for `type: module` (docs/custom-nodes.md): a person or a
 * robot carrying a temperature sensor across a square field, walking from one random
 * waypoint to the next. A gateway in the middle of the field hears it only within
 * `range_m`; out of range the sensor keeps its readings (up to `buffer`, dropping the
 * oldest) and sends them all once it is back in range. Used by scenarios/mobile-sensor.yaml.
 *
 * Everything random comes from `ctx.rng` and every time from `ctx.now()`: the same
 * seed gives the same walk, the same readings and the same trace.
 */
import type { ResolvedModuleNode } from "@sim/config";
import type { InProcessNode, Message, NodeContext } from "@sim/coordinator";

/** `params:` of a mobile sensor, after the defaults below. */
interface MobileSensorParams {
  /** The gateway (a node id) readings go to. */
  target: string;
  period_ms: number;
  /** Side of the square field, in metres; the gateway stands in its centre. */
  area_m: number;
  speed_mps: number;
  range_m: number;
  /** Readings kept while out of range. */
  buffer: number;
  payload_bytes: number;
}

const DEFAULTS = { period_ms: 1000, area_m: 200, speed_mps: 1.5, range_m: 60, buffer: 20, payload_bytes: 32 };

/** A reading, shaped like the built-in sensor's so that gateways and clouds read it. */
interface Reading {
  seq: number;
  sampledAtUs: number;
  readings: { temperature: number };
  anomaly: boolean;
}

export class MobileSensor implements InProcessNode {
  /** Checked against `params:` before anything starts; sim reports each problem at its line in the scenario. */
  static readonly paramsSchema = {
    type: "object",
    required: ["target"],
    additionalProperties: false,
    properties: {
      target: { type: "string", minLength: 1 },
      period_ms: { type: "number", exclusiveMinimum: 0 },
      area_m: { type: "number", exclusiveMinimum: 0 },
      speed_mps: { type: "number", exclusiveMinimum: 0 },
      range_m: { type: "number", minimum: 0 },
      buffer: { type: "integer", minimum: 0 },
      payload_bytes: { type: "integer", minimum: 0 },
    },
  } as const;

  readonly kind = "in-process";
  readonly type = "mobile-sensor";
  readonly id: string;
  private readonly params: MobileSensorParams;
  private readonly periodUs: number;
  private readonly firstSampleUs: number;
  private x = 0;
  private y = 0;
  private waypoint = { x: 0, y: 0 };
  private readonly waiting: Reading[] = [];
  private seq = 0;

  constructor(node: ResolvedModuleNode) {
    this.id = node.id;
    this.params = { ...DEFAULTS, ...(node.params as Partial<MobileSensorParams>) } as MobileSensorParams;
    this.periodUs = Math.round(this.params.period_ms * 1000);
    // Members of a group sample at evenly spread phases, as built-in sensors do.
    this.firstSampleUs = Math.round((node.group_index * this.periodUs) / node.group_size);
  }

  start(ctx: NodeContext): void {
    this.x = ctx.rng.next() * this.params.area_m;
    this.y = ctx.rng.next() * this.params.area_m;
    this.waypoint = this.randomPoint(ctx);
    ctx.setTimer(this.firstSampleUs, 0);
  }

  receive(_msg: Message, _ctx: NodeContext): void {
    // Nothing is sent to a mobile sensor.
  }

  timer(_tag: number, ctx: NodeContext): void {
    if (this.seq > 0) this.walk(ctx, this.periodUs / 1e6);
    const reading: Reading = {
      seq: this.seq++,
      sampledAtUs: ctx.now(),
      readings: { temperature: Math.round((21 + (ctx.rng.next() + ctx.rng.next() - 1) * 0.5) * 100) / 100 },
      anomaly: false,
    };
    const half = this.params.area_m / 2;
    const inRange = Math.hypot(this.x - half, this.y - half) <= this.params.range_m;
    ctx.trace("position", { x: round2(this.x), y: round2(this.y), in_range: inRange });
    if (inRange) {
      for (const kept of this.waiting) ctx.send(this.params.target, kept, this.params.payload_bytes);
      ctx.count("sent_late", this.waiting.length);
      this.waiting.length = 0;
      ctx.send(this.params.target, reading, this.params.payload_bytes);
    } else {
      ctx.count("out_of_range");
      if (this.params.buffer === 0) ctx.count("buffer_dropped");
      else {
        if (this.waiting.length === this.params.buffer) {
          this.waiting.shift();
          ctx.count("buffer_dropped");
        }
        this.waiting.push(reading);
      }
    }
    ctx.setTimer(this.periodUs, 0);
  }

  finish(ctx: NodeContext): void {
    ctx.count("unsent_at_end", this.waiting.length);
  }

  /** Walks `seconds` towards the waypoint, taking a new one on arrival. */
  private walk(ctx: NodeContext, seconds: number): void {
    let left = this.params.speed_mps * seconds;
    while (left > 0) {
      const dx = this.waypoint.x - this.x;
      const dy = this.waypoint.y - this.y;
      const distance = Math.hypot(dx, dy);
      if (distance > left) {
        this.x += (dx / distance) * left;
        this.y += (dy / distance) * left;
        return;
      }
      this.x = this.waypoint.x;
      this.y = this.waypoint.y;
      left -= distance;
      this.waypoint = this.randomPoint(ctx);
    }
  }

  private randomPoint(ctx: NodeContext): { x: number; y: number } {
    return { x: ctx.rng.next() * this.params.area_m, y: ctx.rng.next() * this.params.area_m };
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
