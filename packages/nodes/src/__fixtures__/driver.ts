// A test-only discrete-event driver: calls start/receive/timer in (time, seq) order
// with a NodeContext that records what nodes do. The real engine is @sim/coordinator.
import type { InProcessNode, Message, NodeContext, PayloadJson, Rng, TimeUs } from "@sim/coordinator";

/** The text of a payload template (`PayloadJson`), numbers as JSON.stringify writes them. */
export function templateText(json: PayloadJson): string {
  if (json.parts.length !== json.values.length + 1) throw new Error(`template with ${json.parts.length} parts for ${json.values.length} values`);
  let text = json.parts[0]!;
  for (let k = 0; k < json.values.length; k++) text += JSON.stringify(json.values[k]) + json.parts[k + 1]!;
  return text;
}

/** mulberry32 seeded by a string hash: a small deterministic stream for tests. */
export function testRng(key: string): Rng {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

interface Event {
  atUs: TimeUs;
  seq: number;
  node: string;
  tag: number;
  msg: Message | null;
}

export interface Sent {
  atUs: TimeUs;
  from: string;
  to: string;
  payload: unknown;
  sizeBytes: number;
}

export class TestDriver {
  readonly trace: string[] = [];
  readonly sent: Sent[] = [];
  readonly counters = new Map<string, Record<string, number>>();
  readonly latencies = new Map<string, TimeUs[]>();
  private readonly nodes = new Map<string, { node: InProcessNode; ctx: NodeContext }>();
  private queue: Event[] = [];
  private seq = 0;
  private nowUs: TimeUs = 0;

  /** `latencyUs(from, to)`: network delay of a message; default 0. */
  constructor(
    nodes: InProcessNode[],
    private readonly latencyUs: (from: string, to: string) => TimeUs = () => 0,
    seed = 1,
  ) {
    for (const node of nodes) this.nodes.set(node.id, { node, ctx: this.context(node.id, testRng(`${seed}/${node.id}`)) });
  }

  counter(node: string, name: string): number {
    return this.counters.get(node)?.[name] ?? 0;
  }

  /** Starts every node, then runs events while their time is < endUs. */
  run(endUs: TimeUs): void {
    for (const { node, ctx } of this.nodes.values()) node.start(ctx);
    for (;;) {
      this.queue.sort((a, b) => a.atUs - b.atUs || a.seq - b.seq);
      const ev = this.queue[0];
      if (ev === undefined || ev.atUs >= endUs) break;
      this.queue.shift();
      this.nowUs = ev.atUs;
      const target = this.nodes.get(ev.node);
      if (target === undefined) throw new Error(`no node ${ev.node}`);
      if (ev.msg === null) {
        this.trace.push(JSON.stringify({ t: ev.atUs, timer: ev.node, tag: ev.tag }));
        target.node.timer(ev.tag, target.ctx);
      } else {
        this.trace.push(JSON.stringify({ t: ev.atUs, deliver: ev.node, from: ev.msg.from, payload: ev.msg.payload }));
        target.node.receive(ev.msg, target.ctx);
      }
    }
  }

  async finish(): Promise<void> {
    for (const { node, ctx } of this.nodes.values()) await node.finish?.(ctx);
  }

  private context(id: string, rng: Rng): NodeContext {
    const push = (atUs: TimeUs, tag: number, msg: Message | null, node = id): void => {
      this.queue.push({ atUs, seq: this.seq++, node, tag, msg });
    };
    return {
      id,
      rng,
      now: () => this.nowUs,
      send: (to, payload, sizeBytes, json) => {
        // The ready-made JSON a node may pass must be exactly what the coordinator would write.
        if (json !== undefined) {
          const text = typeof json === "string" ? json : templateText(json);
          if (text !== JSON.stringify(payload)) throw new Error(`${id} sent JSON ${text} for the payload ${JSON.stringify(payload)}`);
        }
        this.sent.push({ atUs: this.nowUs, from: id, to, payload, sizeBytes });
        if (!this.nodes.has(to)) return;
        const msg: Message = { from: id, to, sentAtUs: this.nowUs, sizeBytes, payload };
        push(this.nowUs + this.latencyUs(id, to), 0, msg, to);
      },
      setTimer: (delayUs, tag) => {
        if (!Number.isInteger(delayUs) || delayUs < 0) throw new Error(`bad timer delay ${delayUs}`);
        push(this.nowUs + delayUs, tag, null);
      },
      trace: (kind, data) => {
        this.trace.push(JSON.stringify({ t: this.nowUs, node: id, kind, ...data }));
      },
      count: (name, delta = 1) => {
        const c = this.counters.get(id) ?? {};
        c[name] = (c[name] ?? 0) + delta;
        this.counters.set(id, c);
      },
      latency: (series, valueUs) => {
        const list = this.latencies.get(series) ?? [];
        list.push(valueUs);
        this.latencies.set(series, list);
      },
    };
  }
}
