import type { ExternalInit, ExternalNode, InboundMessage, InProcessNode, Message, NodeContext, OutboundMessage, TimeUs } from "../types.js";

type Handlers = {
  start?: (ctx: NodeContext) => void;
  receive?: (msg: Message, ctx: NodeContext) => void;
  timer?: (tag: number, ctx: NodeContext) => void;
  finish?: (ctx: NodeContext) => void | Promise<void>;
};

/** An in-process node made of plain functions. */
export function node(id: string, handlers: Handlers = {}, type = "test"): InProcessNode {
  return {
    kind: "in-process",
    id,
    type,
    start: (ctx) => handlers.start?.(ctx),
    receive: (msg, ctx) => handlers.receive?.(msg, ctx),
    timer: (tag, ctx) => handlers.timer?.(tag, ctx),
    ...(handlers.finish ? { finish: handlers.finish } : {}),
  };
}

/**
 * Samples every `periodUs` (first at `phaseUs`), draws a value from its own stream,
 * sends it to `to` and remembers every number it drew.
 */
export function sampler(id: string, to: string, periodUs: TimeUs, phaseUs = 0, type = "sampler"): InProcessNode & { drawn: number[] } {
  const drawn: number[] = [];
  return Object.assign(
    node(
      id,
      {
        start: (ctx) => ctx.setTimer(phaseUs, 0),
        timer: (_tag, ctx) => {
          const v = ctx.rng.next();
          drawn.push(v);
          ctx.send(to, { v, at: ctx.now() }, 16);
          ctx.setTimer(periodUs, 0);
        },
      },
      type,
    ),
    { drawn },
  );
}

/** Counts what it receives and records end-to-end latency under "e2e". */
export function sink(id: string, type = "sink"): InProcessNode & { got: Message[] } {
  const got: Message[] = [];
  return Object.assign(
    node(
      id,
      {
        receive: (msg, ctx) => {
          got.push(msg);
          ctx.count("received_by_node");
          ctx.latency("e2e", ctx.now() - msg.sentAtUs);
        },
      },
      type,
    ),
    { got },
  );
}

export interface AdvanceCall {
  untilUs: TimeUs;
  inbound: InboundMessage[];
}

/**
 * A fake external node. `behave(untilUs, inbound, fromUs)` returns what it sends
 * during the quantum; `delayMs` decides how long (wall) its reply takes, so that
 * replies of several nodes arrive in any order.
 */
export class FakeExternal implements ExternalNode {
  readonly kind = "external";
  readonly type = "fake";
  readonly calls: AdvanceCall[] = [];
  init: ExternalInit | null = null;
  private nodeSeq = 0;
  private lastUntil = 0;
  constructor(
    readonly id: string,
    private readonly behave: (untilUs: TimeUs, inbound: InboundMessage[], fromUs: TimeUs) => Omit<OutboundMessage, "nodeSeq">[] = () => [],
    private readonly delayMs: () => number = () => 0,
  ) {}
  async start(init: ExternalInit): Promise<void> {
    this.init = init;
  }
  async advance(untilUs: TimeUs, inbound: InboundMessage[]): Promise<OutboundMessage[]> {
    this.calls.push({ untilUs, inbound });
    const fromUs = this.lastUntil;
    this.lastUntil = untilUs;
    const out = this.behave(untilUs, inbound, fromUs).map((m) => ({ ...m, nodeSeq: this.nodeSeq++ }));
    const delay = this.delayMs();
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return out;
  }
}
