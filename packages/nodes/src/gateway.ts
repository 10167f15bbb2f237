import type { ResolvedGatewayNode } from "@sim/config";
import type { InProcessNode, Message, NodeContext, PayloadJson, TimeUs } from "@sim/coordinator";
import { DETECTOR_COUNTERS, Detector, type Decision } from "./_detector.js";
import { emptyReading, parseReading } from "./_payload.js";
import { FifoServer } from "./_server.js";
import { sensorKind } from "./sensor-kinds.js";
import { msToUs } from "./time.js";
import type { GatewayAggregate, InferenceEngine } from "./types.js";

const DONE = 0;

interface KindSum {
  kind: string;
  sum: number;
  n: number;
}

interface Job {
  forward: GatewayAggregate | null;
  /** The aggregate's JSON for the trace, as a template (see `PayloadJson`), or undefined. */
  json: PayloadJson | undefined;
  sizeBytes: number;
  decision: Decision | null;
}

/**
 * A gateway: adds each reading to a running sum; every `batch`-th message it sends
 * one message with the means upstream and resets. Leftovers are never flushed.
 * It works on one message at a time: each takes `processing_ms` (plus the
 * inference time when it runs the model at the edge), and a forward or decision
 * happens when its message is done. Without `upstream` it is a sink.
 */
export class GatewayNode implements InProcessNode {
  /** Every counter a gateway can produce (`ctx.count`), with the model's when it runs at the edge. */
  static readonly COUNTERS: readonly string[] = Object.freeze(["forwarded", "leftover", "unreadable", ...DETECTOR_COUNTERS]);
  readonly kind = "in-process";
  readonly type = "gateway";
  readonly id: string;
  private readonly upstream: string | null;
  private readonly batch: number;
  private readonly processingUs: TimeUs;
  private readonly detector: Detector | null;
  private readonly reading = emptyReading();
  private readonly server = new FifoServer<Job>();
  /** Per kind, in the order kinds were first seen; reset to zero, never removed, after each batch. */
  private readonly sums: KindSum[] = [];
  private count = 0;
  private oldestUs = Number.POSITIVE_INFINITY;
  private origin: string | null = null;
  private anomaly = false;
  private forwarded = 0;
  /** Template parts of the aggregates' JSON, by origin, anomaly and kinds. */
  private readonly templates = new Map<string, readonly string[]>();
  private lastTemplate: { origin: string; anomaly: boolean; kinds: string[]; parts: readonly string[] } | null = null;

  /** `inference`: given when this gateway runs the model (edge placement). */
  constructor(node: ResolvedGatewayNode, inference: InferenceEngine | null = null) {
    this.id = node.id;
    this.upstream = node.upstream;
    this.batch = Math.max(1, node.batch);
    this.processingUs = msToUs(node.processing_ms);
    this.detector = inference === null ? null : new Detector(inference);
  }

  start(_ctx: NodeContext): void {}

  receive(msg: Message, ctx: NodeContext): void {
    const reading = parseReading(msg, this.reading);
    const values = reading.readings;
    if (values === null) {
      ctx.count("unreadable");
      return;
    }
    let forward: GatewayAggregate | null = null;
    let json: PayloadJson | undefined;
    if (this.upstream !== null) {
      for (const kind in values) {
        const value = values[kind];
        if (typeof value === "number") this.add(kind, value);
      }
      if (reading.sampledAtUs < this.oldestUs) this.oldestUs = reading.sampledAtUs;
      if (this.origin === null) this.origin = reading.origin;
      else if (this.origin !== reading.origin) this.origin = this.id;
      if (reading.anomaly) this.anomaly = true;
      this.count += 1;
      if (this.count === this.batch) {
        json = this.aggregateJson();
        forward = this.takeBatch();
      }
    }
    const decision = this.detector === null ? null : this.detector.observe(reading, ctx);
    const serviceUs = this.processingUs + (decision === null ? 0 : this.detector!.inferenceUs);
    const job = forward === null && decision === null ? null : { forward, json, sizeBytes: msg.sizeBytes, decision };
    if (this.server.submit(ctx, serviceUs, job, DONE)) this.complete(job!, ctx);
  }

  timer(_tag: number, ctx: NodeContext): void {
    this.complete(this.server.take(), ctx);
  }

  finish(ctx: NodeContext): void {
    // Readings of an incomplete batch are never forwarded; say how many there were.
    if (this.count > 0) ctx.count("leftover", this.count);
  }

  private add(kind: string, value: number): void {
    const sums = this.sums;
    for (let i = 0; i < sums.length; i++) {
      const s = sums[i]!;
      if (s.kind === kind) {
        s.sum += value;
        s.n += 1;
        return;
      }
    }
    sums.push({ kind, sum: value, n: 1 });
  }

  /**
   * The JSON of the aggregate takeBatch() is about to build, as a template filled
   * with seq, sampledAtUs, count and the means; undefined when a kind is not one of
   * the built-in kinds (a key like "1" or "__proto__" would not keep its place).
   */
  private aggregateJson(): PayloadJson | undefined {
    const origin = this.origin ?? this.id;
    let n = 0;
    for (const s of this.sums) {
      if (s.n === 0) continue;
      if (sensorKind(s.kind) === undefined) return undefined;
      n++;
    }
    // Sized once (growing by push allocated several times per aggregate).
    const values = new Array<number>(3 + n);
    const kinds = new Array<string>(n);
    values[0] = this.forwarded;
    values[1] = this.oldestUs;
    values[2] = this.count;
    let k = 0;
    for (const s of this.sums) {
      if (s.n === 0) continue;
      kinds[k] = s.kind;
      values[3 + k++] = s.sum / s.n;
    }
    // Usually the same shape as last time: compare before building a key.
    const last = this.lastTemplate;
    if (last !== null && last.origin === origin && last.anomaly === this.anomaly && sameList(last.kinds, kinds)) return { parts: last.parts, values };
    const key = `${this.anomaly ? 1 : 0}${origin}\u0000${kinds.join("\u0000")}`;
    let parts = this.templates.get(key);
    if (parts === undefined) {
      const members = kinds.map((kind, i) => `${i === 0 ? "" : ","}${JSON.stringify(kind)}:`);
      const tail = `},"anomaly":${this.anomaly}}`;
      const head = ['{"seq":', ',"sampledAtUs":', `,"origin":${JSON.stringify(origin)},"count":`];
      parts = members.length === 0 ? [...head, `,"readings":{${tail}`] : [...head, `,"readings":{${members[0]!}`, ...members.slice(1), tail];
      this.templates.set(key, parts);
    }
    this.lastTemplate = { origin, anomaly: this.anomaly, kinds, parts };
    return { parts, values };
  }

  private takeBatch(): GatewayAggregate {
    const readings: Record<string, number> = {};
    for (const s of this.sums) {
      if (s.n === 0) continue;
      readings[s.kind] = s.sum / s.n;
      s.sum = 0;
      s.n = 0;
    }
    const aggregate: GatewayAggregate = {
      seq: this.forwarded,
      sampledAtUs: this.oldestUs,
      origin: this.origin ?? this.id,
      count: this.count,
      readings,
      anomaly: this.anomaly,
    };
    this.forwarded += 1;
    this.count = 0;
    this.oldestUs = Number.POSITIVE_INFINITY;
    this.origin = null;
    this.anomaly = false;
    return aggregate;
  }

  private complete(job: Job, ctx: NodeContext): void {
    if (job.decision !== null) this.detector!.apply(job.decision, ctx);
    if (job.forward !== null) {
      ctx.send(this.upstream!, job.forward, job.sizeBytes, job.json);
      ctx.count("forwarded");
    }
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
