// The errors alone: the engine must not load the validator (ajv) or the YAML parser.
import { SimError } from "@sim/config/errors";
import type { Logger } from "pino";
import { isFastLinkRoute, type FastLinkRoute } from "./_fast-route.js";
import { NetworkModelError, NodeFailedError } from "./errors.js";
import type { NodeErrorEvent, ProgressEvent, QuantumEvent } from "./events.js";
import { EventQueue } from "./event-queue.js";
import { LatencyStats, type LatencySamples } from "./latency-stats.js";
import { aleaNext, aleaSeed, linkRngKey, nodeRngKey, type AleaState } from "./rng.js";
import type { LinkSummary, NodeSummary, RunSummary } from "./summary.js";
import { TimeSeriesRecorder, type TimeSeries, type TimeSeriesOptions } from "./time-series.js";
import { TraceRecorder } from "./trace-pipeline.js";
import type { TraceSink } from "./trace-sinks.js";
import type {
  ExternalNode,
  InboundMessage,
  InProcessNode,
  LinkRoute,
  Message,
  NetworkModel,
  NodeContext,
  OutboundMessage,
  PayloadJson,
  Rng,
  Route,
  SimNode,
  TimeUs,
  TracePayloads,
} from "./types.js";
import { grown } from "./_typed-arrays.js";

export interface EngineHooks {
  progress(p: ProgressEvent): void;
  quantum(q: QuantumEvent): void;
  nodeError(e: NodeErrorEvent): void;
}

export interface EngineOptions {
  nodes: readonly SimNode[];
  network: NetworkModel;
  seed: number;
  endUs: TimeUs;
  timeQuantumUs: TimeUs;
  realtimeFactor: number | null;
  sink: TraceSink | null;
  digest: boolean;
  tracePayloads: TracePayloads;
  traceThread: boolean | "auto";
  groupOf: (nodeId: string) => string;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: Logger;
  progressIntervalMs: number;
  /** Keep each latency sample's node and time while there are at most this many (0: never). */
  latencySamples: number;
  timeSeries: TimeSeriesOptions | null;
}

const KIND_TIMER = 1;
const KIND_DELIVER = 2;

const SLICE_DONE = 0;
const SLICE_YIELD = 1;
const SLICE_DRAIN = 2;
const SLICE_PACE = 3;
const SLICE_STOP = 4;

/** Values a payload template may have before its text is built here instead (bounds a trace record). */
const MAX_TEMPLATE_VALUES = 64;

/** Events per synchronous slice; between slices the loop yields (abort, I/O, progress). */
const SLICE_EVENTS = 1 << 14;

const RESERVED_EVENT_KINDS = new Set(["timer", "send", "deliver", "drop"]);
const RESERVED_EVENT_KEYS = ["t", "ev", "node"];

/**
 * State of one directed (from, to) pair: its network route, its counts and its
 * random stream (the alea state lives here, seeded on the first draw).
 */
class LinkRecord implements Rng, AleaState {
  sent = 0;
  delivered = 0;
  dropped = 0;
  bytes = 0;
  s0 = 0.5;
  s1 = 0.5;
  s2 = 0.5;
  c = 1;
  private seeded = false;
  readonly fromIdx: number;
  readonly toIdx: number;
  readonly fromId: string;
  readonly toId: string;
  readonly toExternal: boolean;
  readonly fast: FastLinkRoute | null;
  /** Its `fromGroup->toGroup` pair and the receiver's group in the time series (-1 without one). */
  tsPair = -1;
  tsToGroup = -1;
  constructor(
    /** Number of the link in creation order (the trace refers to links by it). */
    readonly id: number,
    readonly from: NodeSlot,
    readonly to: NodeSlot,
    readonly route: LinkRoute | null,
    readonly tracePayload: boolean,
    private readonly seed: number,
  ) {
    this.fromIdx = from.index;
    this.toIdx = to.index;
    this.fromId = from.id;
    this.toId = to.id;
    this.toExternal = to.external !== null;
    this.fast = route !== null && isFastLinkRoute(route) ? route : null;
  }
  /** The link's stream `${seed}/link/${from}->${to}`. */
  next(): number {
    if (!this.seeded) this.seedStream();
    return aleaNext(this);
  }
  private seedStream(): void {
    aleaSeed(this, linkRngKey(this.seed, this.fromId, this.toId));
    this.seeded = true;
  }
}

interface PendingInbound {
  at: number;
  link: LinkRecord;
  /** Message id. */
  msg: number;
  sent: number;
  size: number;
  payload: unknown;
}

/**
 * Everything the engine keeps per node, in one object so that an event touches few
 * cache lines; for an in-process node it is also the node's context.
 */
class NodeSlot implements NodeContext, Rng, AleaState {
  sent = 0;
  received = 0;
  dropped = 0;
  counters: Map<string, number> | null = null;
  /** One-entry cache of the last destination: nodes mostly talk to one peer. */
  lastTo: string | null = null;
  lastLink: LinkRecord | null = null;
  /** One-entry cache of the last payload template (`parts` array -> template number). */
  lastParts: readonly string[] | null = null;
  lastTemplate = -1;
  /** The node's group in the time series (-1 without one). */
  tsGroup = -1;
  // The node's stream `${seed}/${id}`, seeded when `rng` is first read; `rng` is this object.
  s0 = 0.5;
  s1 = 0.5;
  s2 = 0.5;
  c = 1;
  private seeded = false;
  constructor(
    readonly id: string,
    readonly index: number,
    readonly node: InProcessNode | null,
    readonly external: ExternalNode | null,
    private readonly engine: Engine,
  ) {}
  get rng(): Rng {
    // Seeded here, not in next(): V8 judges next() by its optimised code, and the
    // seeding inlined there would keep it from being inlined into the node's code
    // (then every draw returns a boxed double).
    if (!this.seeded) this.seedStream();
    return this;
  }
  next(): number {
    return aleaNext(this);
  }
  private seedStream(): void {
    aleaSeed(this, nodeRngKey(this.engine.seed, this.id));
    this.seeded = true;
  }
  now(): TimeUs {
    return this.engine.nowUs;
  }
  send(to: string, payload: unknown, sizeBytes: number, json?: string | PayloadJson): void {
    this.engine.send(this, to, payload, sizeBytes, json);
  }
  setTimer(delayUs: TimeUs, tag: number): void {
    this.engine.setTimer(this.index, delayUs, tag);
  }
  trace(kind: string, data: Record<string, unknown>): void {
    this.engine.nodeEvent(this.index, kind, data);
  }
  count(counter: string, delta = 1): void {
    const map = (this.counters ??= new Map());
    map.set(counter, (map.get(counter) ?? 0) + delta);
    const ts = this.engine.ts;
    if (ts !== null) ts.count(this.tsGroup, counter, delta, this.engine.nowUs);
  }
  latency(series: string, valueUs: TimeUs): void {
    this.engine.latency.add(series, valueUs, this.index, this.engine.nowUs);
  }
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The run's state and loop. Internal: `Coordinator` is the public face. */
export class Engine {
  readonly seed: number;
  nowUs: TimeUs = 0;
  readonly latency: LatencyStats;
  /** Counts per bin of virtual time, when asked for. */
  readonly ts: TimeSeriesRecorder | null;

  private readonly o: EngineOptions;
  private readonly n: number;
  private readonly ids: string[];
  private readonly indexOf = new Map<string, number>();
  private readonly slots: NodeSlot[];
  private readonly externalIdx: number[] = [];
  private readonly endUs: number;
  private readonly links = new Map<number, LinkRecord>();
  private readonly inbox: (PendingInbound[] | null)[];

  // Event records, pooled; the queue orders their slot numbers.
  private readonly queue = new EventQueue(1024);
  private slotKind = new Uint8Array(1024);
  private slotNode = new Int32Array(1024);
  private slotTag = new Float64Array(1024);
  /** Message id of a delivery. */
  private slotMsgId = new Float64Array(1024);
  private slotMsg: (Message | null)[] = new Array<Message | null>(1024).fill(null);
  private slotLink: (LinkRecord | null)[] = new Array<LinkRecord | null>(1024).fill(null);
  private freeSlots = new Int32Array(1024);
  private nFree = 0;
  private nSlots = 0;

  private readonly trace: TraceRecorder | null;
  private readonly reasonJson = new Map<string, string>();
  /** Payload template numbers (in order of first use) by the identity of a `parts` array, and by its text. */
  private readonly templates = new Map<readonly string[], number>();
  private readonly templateByText = new Map<string, number>();
  private readonly droppedByReason = new Map<string, number>();

  private events = 0;
  private sent = 0;
  private delivered = 0;
  private dropped = 0;
  private late = 0;

  /** Index of the node being called, for blaming it if it throws. */
  private current = -1;
  private stopped = false;
  private abortReason: string | null = null;
  private failure: { error: Error; node: string | null } | null = null;
  private wakeAbort: () => void = () => {};
  private readonly aborted = new Promise<void>((resolve) => {
    this.wakeAbort = resolve;
  });

  private wallStart = 0;
  private lastProgress = 0;
  private allowedUs = Infinity;
  private ran = false;
  private started = false;

  constructor(options: EngineOptions) {
    this.o = options;
    this.seed = options.seed;
    this.endUs = options.endUs;
    const nodes = options.nodes;
    const n = nodes.length;
    this.n = n;
    this.ids = nodes.map((node) => node.id);
    this.inbox = new Array<PendingInbound[] | null>(n).fill(null);
    this.slots = nodes.map((node, i) => {
      this.indexOf.set(node.id, i);
      if (node.kind === "external") {
        this.externalIdx.push(i);
        this.inbox[i] = [];
        return new NodeSlot(node.id, i, null, node, this);
      }
      return new NodeSlot(node.id, i, node, null, this);
    });
    this.latency = new LatencyStats(options.latencySamples);
    this.ts = options.timeSeries === null ? null : new TimeSeriesRecorder(options.timeSeries, options.endUs);
    if (this.ts !== null) for (const st of this.slots) st.tsGroup = this.ts.group(options.groupOf(st.id));
    this.allowedUs = options.realtimeFactor === null ? Infinity : 0;
    this.trace =
      options.sink !== null || options.digest
        ? new TraceRecorder({ idsJson: this.ids.map((id) => JSON.stringify(id)), sink: options.sink, digest: options.digest, thread: options.traceThread })
        : null;
  }

  abort(reason: string): void {
    if (this.stopped) return;
    this.abortReason = reason;
    this.stopped = true;
    this.wakeAbort();
  }

  async run(hooks: EngineHooks): Promise<RunSummary> {
    if (this.ran) throw new SimError("SIM_COORDINATOR_REUSED", "Coordinator.run() was already called; create a new Coordinator for another run");
    this.ran = true;
    const { clock } = this.o;
    this.wallStart = clock();
    this.lastProgress = this.wallStart;
    try {
      if (!this.stopped) await this.startExternal(hooks);
      if (!this.stopped) {
        this.started = true;
        this.startInProcess(hooks);
      }
      let barrier = this.externalIdx.length > 0 ? 0 : Infinity;
      while (!this.stopped) {
        await this.processUntil(Math.min(barrier, this.endUs), hooks);
        if (this.stopped) break;
        if (barrier >= this.endUs) {
          this.nowUs = this.endUs;
          break;
        }
        this.nowUs = barrier;
        await this.barrier(barrier, Math.min(barrier + this.o.timeQuantumUs, this.endUs), hooks);
        barrier += this.o.timeQuantumUs;
      }
      if (this.started) await this.finishNodes(hooks);
    } catch (err) {
      this.fail(null, err, hooks);
    }
    let traceResult = { digest: null as string | null, bytes: 0, lines: 0 };
    if (this.trace !== null) {
      try {
        traceResult = await this.trace.close();
      } catch (err) {
        this.trace.destroy();
        this.fail(null, err, hooks);
      }
    }
    hooks.progress(this.progressEvent(clock()));
    return this.summary(traceResult, (clock() - this.wallStart) / 1000);
  }

  // -------------------------------------------------------------------------
  // Called by nodes through their context

  send(from: NodeSlot, to: string, payload: unknown, sizeBytes: number, json?: string | PayloadJson): void {
    // Error texts are built in separate functions: they would make this hot function
    // too big for V8 to inline the small calls it makes (e.g. random draws).
    if (!(sizeBytes >= 0 && sizeBytes <= Number.MAX_SAFE_INTEGER && Math.floor(sizeBytes) === sizeBytes)) throw badSize(to, sizeBytes);
    const now = this.nowUs;
    // The message id: sends are numbered 0, 1, 2... in the order the engine takes them.
    const id = this.sent++;
    from.sent++;
    let link = from.lastLink;
    if (from.lastTo !== to || link === null) {
      const toIdx = this.indexOf.get(to);
      if (toIdx === undefined) {
        this.sendToNowhere(from, to, id, payload, sizeBytes, now, json);
        return;
      }
      link = this.link(from.index, toIdx);
      from.lastTo = to;
      from.lastLink = link;
    }
    link.sent++;
    link.bytes += sizeBytes;
    const ts = this.ts;
    if (ts !== null) ts.send(link.tsPair, now, sizeBytes);
    const trace = this.trace;
    if (trace !== null) this.traceSend(trace, from, now, link, id, sizeBytes, payload, json);
    let at: number;
    if (link.fast !== null) {
      at = link.fast.deliverAtUs(sizeBytes, now, link);
      if (at === -1) {
        this.drop(link, id, "loss", sizeBytes, now);
        return;
      }
    } else {
      const route: Route = link.route !== null ? link.route.route(sizeBytes, now, link) : this.o.network.route(link.fromId, link.toId, sizeBytes, now, link);
      const routed = (route as { deliverAtUs?: number }).deliverAtUs;
      if (routed === undefined) {
        this.drop(link, id, (route as { drop: string }).drop, sizeBytes, now);
        return;
      }
      at = routed;
    }
    if (!(at >= now && Math.floor(at) === at)) throw badDelivery(link, at, now);
    if (at >= this.endUs) return; // would land after the end: in flight
    if (link.toExternal) {
      this.inbox[link.toIdx]!.push({ at, link, msg: id, sent: now, size: sizeBytes, payload });
      return;
    }
    const slot = this.allocSlot();
    this.slotKind[slot] = KIND_DELIVER;
    this.slotNode[slot] = link.toIdx;
    this.slotMsgId[slot] = id;
    this.slotMsg[slot] = { from: link.fromId, to: link.toId, sentAtUs: now, sizeBytes, payload };
    this.slotLink[slot] = link;
    this.queue.push(at, slot);
  }

  setTimer(node: number, delayUs: TimeUs, tag: number): void {
    if (!(delayUs >= 0 && delayUs <= Number.MAX_SAFE_INTEGER && Math.floor(delayUs) === delayUs)) throw badTimer("delayUs must be a non-negative integer number of µs", delayUs);
    if (typeof tag !== "number" || !Number.isFinite(tag)) throw badTimer("tag must be a finite number", tag);
    const at = this.nowUs + delayUs;
    if (at >= this.endUs) return;
    const slot = this.allocSlot();
    this.slotKind[slot] = KIND_TIMER;
    this.slotNode[slot] = node;
    this.slotTag[slot] = tag;
    this.queue.push(at, slot);
  }

  nodeEvent(node: number, kind: string, data: Record<string, unknown>): void {
    if (typeof kind !== "string" || kind === "") throw new TypeError(`trace: kind must be a non-empty string, got ${String(kind)}`);
    if (data === null || typeof data !== "object" || Array.isArray(data)) throw new TypeError(`trace("${kind}"): data must be an object of fields`);
    if (RESERVED_EVENT_KINDS.has(kind)) throw new TypeError(`trace: kind "${kind}" is reserved for the coordinator's own events`);
    for (const key of RESERVED_EVENT_KEYS) {
      if (Object.hasOwn(data, key)) throw new TypeError(`trace: key "${key}" is reserved (every line has "t", "ev" and "node")`);
    }
    if (this.trace === null) return;
    const json = JSON.stringify(data);
    this.trace.nodeEvent(this.nowUs, node, JSON.stringify(kind), json.length > 2 ? json.slice(1, -1) : null);
  }

  // -------------------------------------------------------------------------
  // The loop

  private async processUntil(limit: number, hooks: EngineHooks): Promise<void> {
    const { realtimeFactor, clock } = this.o;
    for (;;) {
      if (realtimeFactor !== null) this.allowedUs = Math.max(this.allowedUs, (clock() - this.wallStart) * 1000 * realtimeFactor);
      let status: number;
      try {
        status = this.processSlice(limit);
      } catch (err) {
        this.fail(this.current, err, hooks);
        return;
      }
      // Every delivery before now has happened (see docs/results.md): its bins can be reduced.
      if (this.ts !== null) this.ts.settle(this.nowUs);
      this.maybeProgress(hooks);
      if (status === SLICE_DONE || status === SLICE_STOP) return;
      if (status === SLICE_YIELD) await yieldToLoop();
      else if (status === SLICE_DRAIN) {
        try {
          await this.trace!.drain();
        } catch (err) {
          this.fail(null, err, hooks);
          return;
        }
      } else if (status === SLICE_PACE) await this.pace(this.queue.peekTime());
    }
  }

  /** Runs events with time < limit until one of the SLICE_* conditions. Synchronous. */
  private processSlice(limit: number): number {
    const queue = this.queue;
    const trace = this.trace;
    const slots = this.slots;
    // The slot arrays are read through `this` on every event: a callback that
    // schedules many events may replace them (growSlots).
    let budget = SLICE_EVENTS;
    for (;;) {
      const t = queue.peekTime();
      if (t >= limit) return SLICE_DONE;
      if (this.stopped) return SLICE_STOP;
      if (budget-- === 0) return SLICE_YIELD;
      if (trace !== null && trace.blocked) return SLICE_DRAIN;
      if (t > this.allowedUs) return SLICE_PACE;
      const slot = queue.pop();
      this.nowUs = t;
      const idx = this.slotNode[slot]!;
      const st = slots[idx]!;
      this.current = idx;
      this.events++;
      if (this.slotKind[slot] === KIND_DELIVER) {
        const msg = this.slotMsg[slot]!;
        const link = this.slotLink[slot]!;
        this.slotMsg[slot] = null;
        this.slotLink[slot] = null;
        this.freeSlots[this.nFree++] = slot;
        link.delivered++;
        this.delivered++;
        st.received++;
        if (trace !== null) trace.deliver(t, link.id, this.slotMsgId[slot]!, msg.sentAtUs, msg.sizeBytes);
        if (this.ts !== null) this.ts.deliver(link.tsPair, link.tsToGroup, t, msg.sentAtUs);
        st.node!.receive(msg, st);
      } else {
        const tag = this.slotTag[slot]!;
        this.freeSlots[this.nFree++] = slot;
        if (trace !== null) trace.timer(t, idx, tag);
        st.node!.timer(tag, st);
      }
    }
  }

  private async pace(untilUs: number): Promise<void> {
    const factor = this.o.realtimeFactor!;
    const waitMs = untilUs / (1000 * factor) - (this.o.clock() - this.wallStart);
    // Sub-µs waits are rounding noise; skipping them guarantees progress.
    if (waitMs > 0.001) await Promise.race([this.o.sleep(waitMs), this.aborted]);
    if (untilUs > this.allowedUs) this.allowedUs = untilUs;
  }

  private startInProcess(hooks: EngineHooks): void {
    for (let i = 0; i < this.n && !this.stopped; i++) {
      const st = this.slots[i]!;
      if (st.node === null) continue;
      this.current = i;
      try {
        st.node.start(st);
      } catch (err) {
        this.fail(i, err, hooks);
      }
    }
  }

  private async startExternal(hooks: EngineHooks): Promise<void> {
    if (this.externalIdx.length === 0) return;
    const init = { seed: this.seed, timeQuantumUs: this.o.timeQuantumUs };
    await this.allExternal((node) => node.start(init), hooks);
  }

  /**
   * Calls `call` on every external node at once; resolves with their results in node
   * order, or with null after the first failure (reported) or an abort.
   */
  private async allExternal<T>(call: (node: ExternalNode, j: number) => Promise<T>, hooks: EngineHooks): Promise<T[] | null> {
    const results = new Array<T>(this.externalIdx.length);
    let failed: { idx: number; err: unknown } | null = null;
    const all = new Promise<void>((resolve) => {
      let pending = this.externalIdx.length;
      this.externalIdx.forEach((idx, j) => {
        let p: Promise<T>;
        try {
          p = Promise.resolve(call(this.slots[idx]!.external!, j));
        } catch (err) {
          p = Promise.reject(err);
        }
        p.then(
          (value) => {
            results[j] = value;
            if (--pending === 0) resolve();
          },
          (err: unknown) => {
            failed ??= { idx, err };
            resolve();
          },
        );
      });
    });
    await Promise.race([all, this.aborted]);
    if (failed !== null) {
      const { idx, err } = failed;
      this.fail(idx, err, hooks);
    }
    return this.stopped ? null : results;
  }

  private async barrier(atUs: number, untilUs: number, hooks: EngineHooks): Promise<void> {
    if (this.o.realtimeFactor !== null && atUs > this.allowedUs) {
      await this.pace(atUs);
      if (this.stopped) return;
    }
    const trace = this.trace;
    let inboundCount = 0;
    const inbound = this.externalIdx.map((idx) => {
      const box = this.inbox[idx]!;
      if (box.length === 0) return [];
      box.sort(byTime); // stable: equal times stay in send order
      const ready: InboundMessage[] = [];
      const keep: PendingInbound[] = [];
      for (const p of box) {
        if (p.at >= untilUs) {
          keep.push(p);
          continue;
        }
        const late = p.at < atUs;
        const at = late ? atUs : p.at;
        if (late) {
          this.late++;
          if (trace !== null) trace.deliverLate(at, p.link.id, p.msg, p.sent, p.size, p.at);
        } else if (trace !== null) trace.deliver(at, p.link.id, p.msg, p.sent, p.size);
        p.link.delivered++;
        this.delivered++;
        this.slots[idx]!.received++;
        if (this.ts !== null) this.ts.deliver(p.link.tsPair, p.link.tsToGroup, at, p.sent);
        this.events++;
        ready.push({ from: p.link.fromId, atUs: at, payload: p.payload, sizeBytes: p.size });
      }
      this.inbox[idx] = keep;
      inboundCount += ready.length;
      return ready;
    });
    const outbound = await this.allExternal((node, j) => node.advance(untilUs, inbound[j]!), hooks);
    if (outbound === null) return;
    const sends: { idx: number; id: string; m: OutboundMessage }[] = [];
    for (let j = 0; j < outbound.length; j++) {
      const idx = this.externalIdx[j]!;
      const id = this.ids[idx]!;
      const list = outbound[j];
      if (!Array.isArray(list)) {
        this.fail(idx, new NodeFailedError(id, `advance(${untilUs}) resolved with ${typeof list}, expected an array of messages`), hooks);
        return;
      }
      for (const m of list) {
        const problem = outboundProblem(m, atUs, untilUs);
        if (problem !== null) {
          this.fail(idx, new NodeFailedError(id, problem), hooks);
          return;
        }
        sends.push({ idx, id, m });
      }
    }
    // Replies arrive in wall-clock order; this sort makes the trace independent of it.
    sends.sort((a, b) => a.m.atUs - b.m.atUs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || a.m.nodeSeq - b.m.nodeSeq);
    for (const s of sends) {
      this.nowUs = s.m.atUs;
      this.current = s.idx;
      try {
        this.send(this.slots[s.idx]!, s.m.to, s.m.payload, s.m.sizeBytes);
      } catch (err) {
        this.fail(s.idx, err, hooks);
        return;
      }
    }
    this.nowUs = atUs;
    hooks.quantum({ untilUs, inbound: inboundCount, outbound: sends.length });
  }

  private async finishNodes(hooks: EngineHooks): Promise<void> {
    for (let i = 0; i < this.n; i++) {
      const st = this.slots[i]!;
      if (st.node?.finish === undefined) continue;
      this.current = i;
      try {
        await st.node.finish(st);
      } catch (err) {
        this.fail(i, err, hooks);
      }
    }
  }

  // -------------------------------------------------------------------------
  // Helpers

  private link(from: number, to: number): LinkRecord {
    const key = from * this.n + to;
    let link = this.links.get(key);
    if (link === undefined) {
      const fromSlot = this.slots[from]!;
      const toSlot = this.slots[to]!;
      const mode = this.o.tracePayloads;
      const tracePayload = mode === "all" || (mode === "external" && (fromSlot.external !== null || toSlot.external !== null));
      const route = this.o.network.link?.(fromSlot.id, toSlot.id) ?? null;
      link = new LinkRecord(this.links.size, fromSlot, toSlot, route, tracePayload, this.seed);
      if (this.ts !== null) {
        link.tsPair = this.ts.pair(`${this.o.groupOf(fromSlot.id)}->${this.o.groupOf(toSlot.id)}`);
        link.tsToGroup = toSlot.tsGroup;
      }
      this.links.set(key, link);
      this.trace?.link(link.id, from, to);
    }
    return link;
  }

  private traceSend(trace: TraceRecorder, from: NodeSlot, now: number, link: LinkRecord, msg: number, size: number, payload: unknown, json: string | PayloadJson | undefined): void {
    if (!link.tracePayload || payload === undefined) trace.send(now, link.id, msg, size, null);
    else if (json === undefined) trace.send(now, link.id, msg, size, payloadJson(payload));
    else if (typeof json === "string") trace.send(now, link.id, msg, size, json);
    else this.sendValues(trace, from, now, link.id, msg, size, json);
  }

  /** The send line of a payload given as a template (`PayloadJson`). */
  private sendValues(trace: TraceRecorder, from: NodeSlot, now: number, link: number, msg: number, size: number, json: PayloadJson): void {
    const { parts, values } = json;
    if (parts.length !== values.length + 1) {
      throw new TypeError(`send: payload template has ${parts.length} parts for ${values.length} values; it needs one part more than values`);
    }
    for (let k = 0; k < values.length; k++) {
      if (typeof values[k] !== "number") throw new TypeError(`send: payload template value ${k} is ${typeof values[k]}, not a number`);
    }
    if (values.length > MAX_TEMPLATE_VALUES) {
      trace.send(now, link, msg, size, templateText(json));
      return;
    }
    let tpl = from.lastTemplate;
    if (from.lastParts !== parts) {
      tpl = this.templates.get(parts) ?? this.newTemplate(trace, parts);
      from.lastParts = parts;
      from.lastTemplate = tpl;
    }
    trace.sendValues(now, link, msg, size, tpl, values);
  }

  private newTemplate(trace: TraceRecorder, parts: readonly string[]): number {
    for (const part of parts) if (typeof part !== "string") throw new TypeError(`send: payload template parts must be strings, got ${typeof part}`);
    // Equal parts in different arrays (e.g. one per node) share one template.
    const text = JSON.stringify(parts);
    let tpl = this.templateByText.get(text);
    if (tpl === undefined) {
      tpl = this.templateByText.size;
      this.templateByText.set(text, tpl);
      trace.template(tpl, parts);
    }
    this.templates.set(parts, tpl);
    return tpl;
  }

  private sendToNowhere(from: NodeSlot, to: string, msg: number, payload: unknown, size: number, now: number, json: string | PayloadJson | undefined): void {
    const trace = this.trace;
    if (trace !== null) {
      const toJson = JSON.stringify(String(to));
      const text = this.o.tracePayloads !== "all" || payload === undefined ? null : json === undefined ? payloadJson(payload) : typeof json === "string" ? json : templateText(json);
      trace.sendAstray(now, from.index, toJson, msg, size, text);
      trace.dropAstray(now, from.index, toJson, msg, size, this.jsonReason("no-such-node"));
    }
    this.countDrop("no-such-node", from);
    if (this.droppedByReason.get("no-such-node") === 1) {
      this.o.logger.warn({ from: from.id, to }, "a node sent to an unknown node id; the message is dropped (reason no-such-node)");
    }
  }

  private drop(link: LinkRecord, msg: number, reason: string, size: number, now: number): void {
    link.dropped++;
    if (this.ts !== null) this.ts.drop(link.tsPair, now, reason);
    if (this.trace !== null) this.trace.drop(now, link.id, msg, size, this.jsonReason(reason));
    this.countDrop(reason, link.from);
  }

  private countDrop(reason: string, from: NodeSlot): void {
    this.dropped++;
    from.dropped++;
    this.droppedByReason.set(reason, (this.droppedByReason.get(reason) ?? 0) + 1);
  }

  private jsonReason(reason: string): string {
    let json = this.reasonJson.get(reason);
    if (json === undefined) {
      json = JSON.stringify(String(reason));
      this.reasonJson.set(reason, json);
    }
    return json;
  }

  private allocSlot(): number {
    if (this.nFree > 0) return this.freeSlots[--this.nFree]!;
    if (this.nSlots === this.slotKind.length) this.growSlots();
    return this.nSlots++;
  }

  private growSlots(): void {
    const cap = this.slotKind.length * 2;
    this.slotKind = grown(this.slotKind, cap);
    this.slotNode = grown(this.slotNode, cap);
    this.slotTag = grown(this.slotTag, cap);
    this.slotMsgId = grown(this.slotMsgId, cap);
    this.freeSlots = grown(this.freeSlots, cap);
    for (let i = this.slotMsg.length; i < cap; i++) {
      this.slotMsg.push(null);
      this.slotLink.push(null);
    }
  }

  private fail(nodeIdx: number | null, err: unknown, hooks: EngineHooks): void {
    this.stopped = true;
    if (this.failure !== null) return;
    let node: string | null = null;
    let error: Error;
    if (err instanceof NodeFailedError) {
      error = err;
      node = err.nodeId;
    } else if (nodeIdx !== null && nodeIdx >= 0 && !(err instanceof NetworkModelError) && !(err instanceof SimError && err.code === "SIM_TRACE_WRITE_FAILED")) {
      node = this.ids[nodeIdx]!;
      const message = err instanceof Error ? err.message : String(err);
      error = new NodeFailedError(node, `threw at t=${this.nowUs} µs: ${message}`, { cause: err });
    } else {
      error = err instanceof Error ? err : new Error(String(err));
    }
    this.failure = { error, node };
    this.o.logger.error({ err: error, node }, "run failed");
    if (node !== null) hooks.nodeError({ nodeId: node, error });
  }

  /** The error that ended the run, if any. */
  get error(): Error | null {
    return this.failure?.error ?? null;
  }

  /** Latency samples with node and time (null: not kept, or more than the limit). */
  latencySamples(): LatencySamples | null {
    return this.latency.samples(this.ids);
  }

  /** The time series up to the time reached (null: not asked for). */
  timeSeries(): TimeSeries | null {
    return this.ts === null ? null : this.ts.result(this.nowUs);
  }

  private maybeProgress(hooks: EngineHooks): void {
    const now = this.o.clock();
    if (now - this.lastProgress < this.o.progressIntervalMs) return;
    this.lastProgress = now;
    hooks.progress(this.progressEvent(now));
  }

  private progressEvent(wallNow: number): ProgressEvent {
    const wallMs = wallNow - this.wallStart;
    return { nowUs: this.nowUs, durationUs: this.endUs, events: this.events, realtimeFactor: wallMs > 0 ? this.nowUs / 1000 / wallMs : 0 };
  }

  private summary(trace: { digest: string | null; bytes: number; lines: number }, wallSec: number): RunSummary {
    const nodes: Record<string, NodeSummary> = {};
    for (let i = 0; i < this.n; i++) {
      const st = this.slots[i]!;
      const counters: Record<string, number> = {};
      if (st.counters !== null) for (const key of [...st.counters.keys()].sort()) counters[key] = st.counters.get(key)!;
      nodes[st.id] = { type: this.o.nodes[i]!.type, sent: st.sent, received: st.received, dropped: st.dropped, counters };
    }
    const byGroup = new Map<string, LinkSummary>();
    const groupOf = new Map<number, string>();
    const group = (i: number) => {
      let g = groupOf.get(i);
      if (g === undefined) {
        g = this.o.groupOf(this.ids[i]!);
        groupOf.set(i, g);
      }
      return g;
    };
    for (const link of this.links.values()) {
      const key = `${group(link.fromIdx)}->${group(link.toIdx)}`;
      let s = byGroup.get(key);
      if (s === undefined) {
        s = { messages: 0, delivered: 0, dropped: 0, bytes: 0 };
        byGroup.set(key, s);
      }
      s.messages += link.sent;
      s.delivered += link.delivered;
      s.dropped += link.dropped;
      s.bytes += link.bytes;
    }
    const links: Record<string, LinkSummary> = {};
    for (const key of [...byGroup.keys()].sort()) links[key] = byGroup.get(key)!;
    const droppedByReason: Record<string, number> = {};
    for (const key of [...this.droppedByReason.keys()].sort()) droppedByReason[key] = this.droppedByReason.get(key)!;
    const failure = this.failure;
    return {
      success: failure === null && this.abortReason === null,
      seed: this.seed,
      duration_sec: this.nowUs / 1e6,
      wall_sec: wallSec,
      digest: trace.digest,
      trace_path: this.o.sink?.path ?? null,
      trace_lines: trace.lines,
      trace_bytes: trace.bytes,
      events: this.events,
      messages: {
        sent: this.sent,
        delivered: this.delivered,
        dropped: this.dropped,
        dropped_by_reason: droppedByReason,
        late_deliveries: this.late,
        in_flight: this.sent - this.delivered - this.dropped,
      },
      latency_ms: this.latency.figures(),
      nodes,
      links,
      aborted: this.abortReason,
      error:
        failure === null
          ? null
          : { code: failure.error instanceof SimError ? failure.error.code : "SIM_INTERNAL_ERROR", message: failure.error.message, node: failure.node },
    };
  }
}

function badTimer(what: string, value: unknown): TypeError {
  return new TypeError(`setTimer: ${what}, got ${String(value)}`);
}

function badSize(to: string, sizeBytes: number): TypeError {
  return new TypeError(`send to ${JSON.stringify(to)}: sizeBytes must be a non-negative integer, got ${String(sizeBytes)}`);
}

function badDelivery(link: LinkRecord, at: number, now: number): NetworkModelError {
  return new NetworkModelError(`network model returned deliverAtUs=${String(at)} for ${link.fromId} -> ${link.toId} sent at ${now} µs; it must be an integer >= the send time`);
}

function byTime(a: PendingInbound, b: PendingInbound): number {
  return a.at - b.at;
}

/** The text of a payload template, built here (sends to no node; templates with very many values). */
function templateText(json: PayloadJson): string {
  const { parts, values } = json;
  let text = parts[0]!;
  for (let k = 0; k < values.length; k++) text += JSON.stringify(values[k]) + parts[k + 1]!;
  return text;
}

function payloadJson(payload: unknown): string | null {
  if (payload === undefined) return null;
  return JSON.stringify(payload) ?? null;
}

function outboundProblem(m: OutboundMessage, fromUs: number, untilUs: number): string | null {
  if (m === null || typeof m !== "object") return `sent ${String(m)} instead of a message`;
  if (typeof m.to !== "string") return `sent a message without a "to" node id`;
  if (!(typeof m.atUs === "number" && Math.floor(m.atUs) === m.atUs)) return `sent a message with at_us=${String(m.atUs)}, which is not an integer`;
  if (m.atUs < fromUs || m.atUs >= untilUs) return `sent a message at at_us=${m.atUs}, outside the quantum it was running [${fromUs}, ${untilUs})`;
  if (!(typeof m.sizeBytes === "number" && m.sizeBytes >= 0 && Math.floor(m.sizeBytes) === m.sizeBytes && m.sizeBytes <= Number.MAX_SAFE_INTEGER)) {
    return `sent a message with size_bytes=${String(m.sizeBytes)}; it must be a non-negative integer`;
  }
  if (typeof m.nodeSeq !== "number" || !Number.isFinite(m.nodeSeq)) return `sent a message without a numeric nodeSeq`;
  return null;
}
