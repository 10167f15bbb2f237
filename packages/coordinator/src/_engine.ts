// The errors alone: the engine must not load the validator (ajv) or the YAML parser.
import { SimError } from "@sim/config/errors";
import type { Logger } from "pino";
import { EventLoop } from "./_event-loop.js";
import { Failures } from "./_failures.js";
import { LinkRecord } from "./_link-record.js";
import { LockstepBarrier } from "./_lockstep-barrier.js";
import { NodeSlot, type NodeHost } from "./_node-slot.js";
import { PayloadTemplates, payloadJson, templateText } from "./_payload-templates.js";
import { buildSummary } from "./_run-summary.js";
import { RunState } from "./_run-state.js";
import { AleaTable } from "./rng.js";
import { WallTime } from "./_wall-time.js";
import { CoordinatorOptionsError, NetworkModelError } from "./errors.js";
import type { NodeErrorEvent, ProgressEvent, QuantumEvent } from "./events.js";
import { LatencyStats, type LatencySamples } from "./latency-stats.js";
import type { RunSummary } from "./summary.js";
import { TimeSeriesRecorder, type TimeSeries, type TimeSeriesOptions } from "./time-series.js";
import { TraceRecorder, type TraceResult } from "./trace-pipeline.js";
import type { TraceSink } from "./trace-sinks.js";
import type { NetworkModel, PayloadJson, Route, SimNode, TimeUs, TracePayloads } from "./types.js";

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

const RESERVED_EVENT_KINDS = new Set(["timer", "send", "deliver", "drop"]);
const RESERVED_EVENT_KEYS = ["t", "ev", "node"];

/**
 * One run: the nodes' state, what their contexts call (send, timers, trace lines),
 * the routing of messages through the network model, and the order of a run's
 * phases. Internal: `Coordinator` is the public face. The parts live beside it:
 * the event loop (_event-loop.ts), the lockstep barrier (_lockstep-barrier.ts),
 * payload templates (_payload-templates.ts), failures (_failures.ts), pacing and
 * progress (_wall-time.ts) and the summary (_run-summary.ts).
 */
export class Engine implements NodeHost {
  readonly seed: number;
  readonly state = new RunState();
  readonly latency: LatencyStats;
  /** Counts per bin of virtual time, when asked for. */
  readonly ts: TimeSeriesRecorder | null;
  /** Per-node state by node index (also the in-process nodes' contexts). */
  readonly slots: NodeSlot[];
  readonly trace: TraceRecorder | null;
  readonly failures: Failures;
  readonly nodeStreams: AleaTable;

  private readonly o: EngineOptions;
  private readonly n: number;
  private readonly indexOf = new Map<string, number>();
  private readonly endUs: TimeUs;
  /** Links by `from * n + to`, in creation order. */
  private readonly links = new Map<number, LinkRecord>();
  /** Every link's stream state, by link id. */
  private readonly linkStreams = new AleaTable(0);
  private readonly reasonJson = new Map<string, string>();
  private readonly templates: PayloadTemplates | null;
  private readonly wall: WallTime;
  private readonly loop: EventLoop;
  private readonly barrier: LockstepBarrier;
  private ran = false;

  constructor(options: EngineOptions, hooks: EngineHooks) {
    this.o = options;
    this.seed = options.seed;
    this.endUs = options.endUs;
    const nodes = options.nodes;
    this.n = nodes.length;
    this.nodeStreams = new AleaTable(this.n);
    this.slots = nodes.map((node, i) => {
      if (this.indexOf.has(node.id)) throw new CoordinatorOptionsError(`node id "${node.id}" appears twice; ids must be unique`);
      this.indexOf.set(node.id, i);
      return node.kind === "external" ? new NodeSlot(node.id, i, null, node, this) : new NodeSlot(node.id, i, node, null, this);
    });
    this.latency = new LatencyStats(options.latencySamples);
    this.ts = options.timeSeries === null ? null : new TimeSeriesRecorder(options.timeSeries, options.endUs);
    if (this.ts !== null) for (const st of this.slots) st.tsGroup = this.ts.group(options.groupOf(st.id));
    this.trace =
      options.sink !== null || options.digest
        ? new TraceRecorder({ idsJson: nodes.map((node) => JSON.stringify(node.id)), sink: options.sink, digest: options.digest, thread: options.traceThread, clock: options.clock })
        : null;
    this.templates = this.trace === null ? null : new PayloadTemplates(this.trace);
    this.failures = new Failures(
      this.state,
      nodes.map((node) => node.id),
      options.logger,
      (e) => hooks.nodeError(e),
    );
    this.wall = new WallTime(this.state, options, (p) => hooks.progress(p));
    this.loop = new EventLoop(this.state, this.slots, this.trace, this.ts, this.wall, this.failures);
    this.barrier = new LockstepBarrier(this, (q) => hooks.quantum(q));
  }

  abort(reason: string): void {
    this.state.abort(reason);
  }

  /**
   * Starts the external nodes, then the in-process ones at t = 0; runs the events up
   * to each barrier and the barrier (or straight to the end without external nodes);
   * finishes the in-process nodes and closes the trace. Resolves with the summary.
   */
  async run(): Promise<RunSummary> {
    if (this.ran) throw new SimError("SIM_COORDINATOR_REUSED", "Coordinator.run() was already called; create a new Coordinator for another run");
    this.ran = true;
    const { state, wall, loop, barrier } = this;
    const quantum = this.o.timeQuantumUs;
    wall.begin();
    let started = false;
    try {
      if (!state.stopped) await barrier.start({ seed: this.seed, timeQuantumUs: quantum });
      if (!state.stopped) {
        started = true;
        this.startInProcess();
      }
      let at = barrier.active ? 0 : Infinity;
      while (!state.stopped) {
        await loop.runUntil(Math.min(at, this.endUs));
        if (state.stopped) break;
        if (at >= this.endUs) {
          state.nowUs = this.endUs;
          break;
        }
        state.nowUs = at;
        // Barriers are paced at their start.
        if (at > wall.allowedUs) {
          await wall.pace(at);
          if (state.stopped) break;
        }
        await barrier.advance(at, Math.min(at + quantum, this.endUs));
        at += quantum;
      }
      if (started) await this.finishNodes();
    } catch (err) {
      this.failures.record(null, err);
    }
    let trace: TraceResult = { digest: null, bytes: 0, lines: 0 };
    if (this.trace !== null) {
      try {
        trace = await this.trace.close();
      } catch (err) {
        this.trace.destroy();
        this.failures.record(null, err);
      }
    }
    const wallSec = wall.finish();
    return buildSummary({
      seed: this.seed,
      state,
      nodes: this.o.nodes,
      slots: this.slots,
      links: this.links.values(),
      groupOf: this.o.groupOf,
      latency: this.latency,
      failures: this.failures,
      tracePath: this.o.sink?.path ?? null,
      trace,
      wallSec,
    });
  }

  /** The error that ended the run, if any. */
  get error(): Error | null {
    return this.failures.error;
  }

  /** Latency samples with node and time (null: not kept, or more than the limit). */
  latencySamples(): LatencySamples | null {
    return this.latency.samples(this.slots.map((st) => st.id));
  }

  /** The time series up to the time reached (null: not asked for). */
  timeSeries(): TimeSeries | null {
    return this.ts === null ? null : this.ts.result(this.state.nowUs);
  }

  // -------------------------------------------------------------------------
  // Called by nodes through their context (and by the barrier for external nodes)

  send(from: NodeSlot, to: string, payload: unknown, sizeBytes: number, json?: string | PayloadJson): void {
    // Error texts are built in separate functions: they would make this hot function
    // too big for V8 to inline the small calls it makes (e.g. random draws).
    if (!(sizeBytes >= 0 && sizeBytes <= Number.MAX_SAFE_INTEGER && Math.floor(sizeBytes) === sizeBytes)) throw badSize(to, sizeBytes);
    const state = this.state;
    const now = state.nowUs;
    // The message id: sends are numbered 0, 1, 2... in the order the engine takes them.
    const id = state.sent++;
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
    // The payload's JSON, when the trace got it as text: handed on to an external receiver.
    const text = trace !== null ? this.traceSend(trace, from, now, link, id, sizeBytes, payload, json) : null;
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
    if (link.toExternal) this.barrier.hold(link, at, id, now, sizeBytes, payload, text);
    else this.loop.scheduleDelivery(at, link, id, { from: link.fromId, to: link.toId, sentAtUs: now, sizeBytes, payload });
  }

  setTimer(node: number, delayUs: TimeUs, tag: number): void {
    if (!(delayUs >= 0 && delayUs <= Number.MAX_SAFE_INTEGER && Math.floor(delayUs) === delayUs)) throw badTimer("delayUs must be a non-negative integer number of µs", delayUs);
    if (typeof tag !== "number" || !Number.isFinite(tag)) throw badTimer("tag must be a finite number", tag);
    const at = this.state.nowUs + delayUs;
    if (at >= this.endUs) return;
    this.loop.scheduleTimer(at, node, tag);
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
    this.trace.nodeEvent(this.state.nowUs, node, JSON.stringify(kind), json.length > 2 ? json.slice(1, -1) : null);
  }

  // -------------------------------------------------------------------------
  // Phases

  private startInProcess(): void {
    const state = this.state;
    for (let i = 0; i < this.n && !state.stopped; i++) {
      const st = this.slots[i]!;
      if (st.node === null) continue;
      state.current = i;
      try {
        st.node.start(st);
      } catch (err) {
        this.failures.record(i, err);
      }
    }
  }

  private async finishNodes(): Promise<void> {
    for (let i = 0; i < this.n; i++) {
      const st = this.slots[i]!;
      if (st.node?.finish === undefined) continue;
      this.state.current = i;
      try {
        await st.node.finish(st);
      } catch (err) {
        this.failures.record(i, err);
      }
    }
  }

  // -------------------------------------------------------------------------
  // Routing helpers

  private link(from: number, to: number): LinkRecord {
    const key = from * this.n + to;
    let link = this.links.get(key);
    if (link === undefined) {
      const fromSlot = this.slots[from]!;
      const toSlot = this.slots[to]!;
      const mode = this.o.tracePayloads;
      const tracePayload = mode === "all" || (mode === "external" && (fromSlot.external !== null || toSlot.external !== null));
      const route = this.o.network.link?.(fromSlot.id, toSlot.id) ?? null;
      link = new LinkRecord(this.links.size, fromSlot, toSlot, route, tracePayload, this.seed, this.linkStreams);
      if (this.ts !== null) {
        link.tsPair = this.ts.pair(`${this.o.groupOf(fromSlot.id)}->${this.o.groupOf(toSlot.id)}`);
        link.tsToGroup = toSlot.tsGroup;
      }
      this.links.set(key, link);
      this.trace?.link(link.id, from, to);
    }
    return link;
  }

  /** Writes the send line; returns the payload's JSON when it was written as text (else null). */
  private traceSend(trace: TraceRecorder, from: NodeSlot, now: number, link: LinkRecord, msg: number, size: number, payload: unknown, json: string | PayloadJson | undefined): string | null {
    let text: string | null = null;
    if (!link.tracePayload || payload === undefined) trace.send(now, link.id, msg, size, null);
    else if (typeof json !== "object") trace.send(now, link.id, msg, size, (text = json ?? payloadJson(payload)));
    else this.templates!.traceSend(from, now, link.id, msg, size, json);
    return text;
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
    if (this.state.droppedByReason.get("no-such-node") === 1) {
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
    const state = this.state;
    state.dropped++;
    from.dropped++;
    state.droppedByReason.set(reason, (state.droppedByReason.get(reason) ?? 0) + 1);
  }

  private jsonReason(reason: string): string {
    let json = this.reasonJson.get(reason);
    if (json === undefined) {
      json = JSON.stringify(String(reason));
      this.reasonJson.set(reason, json);
    }
    return json;
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
