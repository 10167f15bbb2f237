import type { ResolvedCloudNode } from "@sim/config";
import type { InProcessNode, Message, NodeContext } from "@sim/coordinator";
import { DETECTOR_COUNTERS, Detector, type Decision } from "./_detector.js";
import { emptyReading, parseReading } from "./_payload.js";
import { FifoServer } from "./_server.js";
import type { InferenceEngine } from "./types.js";

const DONE = 0;

/**
 * The cloud: a sink that counts messages and records the latency from sampling
 * to arrival (series "cloud"). With cloud placement it runs the model on every
 * reading, one at a time, and applies each decision `inference_ms` after its
 * inference could start (series "decision").
 */
export class CloudNode implements InProcessNode {
  /** Every counter a cloud node can produce (`ctx.count`), with the model's when it runs in the cloud. */
  static readonly COUNTERS: readonly string[] = Object.freeze(["messages", "unreadable", ...DETECTOR_COUNTERS]);
  readonly kind = "in-process";
  readonly type = "cloud";
  readonly id: string;
  private readonly detector: Detector | null;
  private readonly reading = emptyReading();
  private readonly server = new FifoServer<Decision>();

  /** `inference`: given when the cloud runs the model (cloud placement). */
  constructor(node: ResolvedCloudNode, inference: InferenceEngine | null = null) {
    this.id = node.id;
    this.detector = inference === null ? null : new Detector(inference);
  }

  start(_ctx: NodeContext): void {}

  receive(msg: Message, ctx: NodeContext): void {
    ctx.count("messages");
    const reading = parseReading(msg, this.reading);
    ctx.latency("cloud", ctx.now() - reading.sampledAtUs);
    if (reading.readings === null) {
      ctx.count("unreadable");
      return;
    }
    if (this.detector === null) return;
    const decision = this.detector.observe(reading, ctx);
    if (decision === null) return;
    if (this.server.submit(ctx, this.detector.inferenceUs, decision, DONE)) this.detector.apply(decision, ctx);
  }

  timer(_tag: number, ctx: NodeContext): void {
    this.detector!.apply(this.server.take(), ctx);
  }
}
