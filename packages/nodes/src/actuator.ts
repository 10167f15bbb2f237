import type { ResolvedActuatorNode } from "@sim/config";
import type { InProcessNode, Message, NodeContext, TimeUs } from "@sim/coordinator";
import { emptyReading, parseReading } from "./_payload.js";
import { msToUs } from "./time.js";

/**
 * An actuator (a valve, a relay, a fan): every message delivered to it is a command,
 * applied when it arrives. It records each one: a `command` line in the trace with
 * the sender, its own count, the latency from the sample the command was made from
 * (`sampledAtUs` of the payload, else the send time) and the command itself; the
 * counter `commands`; a sample of the latency series `actuation`. With a deadline,
 * a command applied later than that after its sample also counts as `missed_deadlines`.
 */
export class ActuatorNode implements InProcessNode {
  /** Every counter an actuator can produce (`ctx.count`), for fixed metrics columns. */
  static readonly COUNTERS: readonly string[] = Object.freeze(["commands", "missed_deadlines"]);
  readonly kind = "in-process";
  readonly type = "actuator";
  readonly id: string;
  /** Null: no deadline. */
  private readonly deadlineUs: TimeUs | null;
  private readonly reading = emptyReading();
  private seq = 0;

  constructor(node: ResolvedActuatorNode) {
    this.id = node.id;
    this.deadlineUs = node.deadline_ms === null ? null : msToUs(node.deadline_ms);
  }

  start(_ctx: NodeContext): void {}

  receive(msg: Message, ctx: NodeContext): void {
    const latencyUs = ctx.now() - parseReading(msg, this.reading).sampledAtUs;
    const missed = this.deadlineUs !== null && latencyUs > this.deadlineUs;
    ctx.count("commands");
    if (missed) ctx.count("missed_deadlines");
    ctx.latency("actuation", latencyUs);
    ctx.trace("command", { from: msg.from, seq: this.seq, latency_us: latencyUs, missed, command: msg.payload ?? null });
    this.seq += 1;
  }

  timer(_tag: number, _ctx: NodeContext): void {
    // An actuator sets no timers: a command takes effect when it arrives.
  }
}
