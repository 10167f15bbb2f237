import { Float64List } from "./float64-list.js";
import type { TimeUs } from "./types.js";

/** What `Coordinator.timeSeries()` counts per bin of virtual time (see docs/results.md). */
export interface TimeSeriesOptions {
  /** Width of a bin in µs (a positive integer); bin `k` covers `[k * binUs, (k + 1) * binUs)`. */
  binUs: TimeUs;
  /** Node counters (`ctx.count`) to count per node group and bin, e.g. `["inferences"]`. */
  counters?: readonly string[];
}

/** Per bin, over the links from one node group to another (the keys of the summary's `links`). */
export interface LinkBins {
  /** Messages sent in the bin (by send time), whatever became of them. */
  sent: Float64Array;
  /** Messages delivered in the bin (by delivery time). */
  delivered: Float64Array;
  /** Messages dropped in the bin (drops happen at send time), and by reason. */
  dropped: Float64Array;
  dropped_by_reason: Record<string, Float64Array>;
  /** Bytes offered to the links in the bin (by send time). */
  bytes: Float64Array;
  /** Mean and 95th percentile (nearest rank) of delivery − send time of the messages delivered in the bin, ms; NaN when none was. */
  latency_mean_ms: Float64Array;
  latency_p95_ms: Float64Array;
}

/** Per bin, over the nodes of one group. */
export interface GroupBins {
  /** Messages delivered to the group's nodes in the bin. */
  received: Float64Array;
  /** The requested counters, added up by the time `ctx.count` was called. */
  counters: Record<string, Float64Array>;
}

/** Counts per bin of virtual time; every array has `bins` entries. */
export interface TimeSeries {
  binUs: TimeUs;
  /** Bins covering the virtual time simulated (fewer than planned when a run stopped early). */
  bins: number;
  /** By `fromGroup->toGroup`, sorted; only pairs that carried traffic, as in the summary's `links`. */
  links: Record<string, LinkBins>;
  /** By node group, sorted; every group of the run. */
  groups: Record<string, GroupBins>;
}

/** The delivery latencies (µs) of one bin of one link pair, until the bin is settled. */
class OpenBin extends Float64List {
  constructor(readonly bin: number) {
    super(64);
  }
}

class PairState {
  readonly sent: Float64Array;
  readonly delivered: Float64Array;
  readonly dropped: Float64Array;
  readonly bytes: Float64Array;
  readonly latencySumUs: Float64Array;
  readonly p95Ms: Float64Array;
  readonly byReason = new Map<string, Float64Array>();
  /** Bins that may still get deliveries; `last` caches the most recent one. */
  readonly open = new Map<number, OpenBin>();
  last: OpenBin | null = null;
  constructor(
    readonly key: string,
    bins: number,
  ) {
    this.sent = new Float64Array(bins);
    this.delivered = new Float64Array(bins);
    this.dropped = new Float64Array(bins);
    this.bytes = new Float64Array(bins);
    this.latencySumUs = new Float64Array(bins);
    this.p95Ms = new Float64Array(bins).fill(NaN);
  }
}

/**
 * Accumulates the time series during a run. Latency percentiles are exact: the
 * samples of a bin are kept until no delivery can fall into it any more (the
 * engine calls `settle(t)` with a time before which every delivery has happened),
 * then reduced to their mean and 95th percentile, so memory holds only the bins
 * still open.
 */
export class TimeSeriesRecorder {
  readonly binUs: number;
  private readonly nBins: number;
  private readonly pairs: PairState[] = [];
  private readonly pairIndex = new Map<string, number>();
  private readonly groupNames: string[] = [];
  private readonly received: Float64Array[] = [];
  private readonly counterIndex = new Map<string, number>();
  private readonly counterNames: readonly string[];
  /** counters[group][counter] */
  private readonly counterBins: Float64Array[][] = [];
  private readonly groupIndex = new Map<string, number>();

  constructor(options: TimeSeriesOptions, endUs: TimeUs) {
    this.binUs = options.binUs;
    this.nBins = Math.max(1, Math.ceil(endUs / options.binUs));
    this.counterNames = [...new Set(options.counters ?? [])];
    this.counterNames.forEach((name, i) => this.counterIndex.set(name, i));
  }

  /** The number of node group `name` (registered on first use). */
  group(name: string): number {
    let g = this.groupIndex.get(name);
    if (g === undefined) {
      g = this.groupNames.length;
      this.groupIndex.set(name, g);
      this.groupNames.push(name);
      this.received.push(new Float64Array(this.nBins));
      this.counterBins.push(this.counterNames.map(() => new Float64Array(this.nBins)));
    }
    return g;
  }

  /** The number of the `fromGroup->toGroup` pair (registered on first use). */
  pair(key: string): number {
    let p = this.pairIndex.get(key);
    if (p === undefined) {
      p = this.pairs.length;
      this.pairIndex.set(key, p);
      this.pairs.push(new PairState(key, this.nBins));
    }
    return p;
  }

  send(pair: number, atUs: TimeUs, size: number): void {
    const s = this.pairs[pair]!;
    const bin = this.bin(atUs);
    s.sent[bin]! += 1;
    s.bytes[bin]! += size;
  }

  drop(pair: number, atUs: TimeUs, reason: string): void {
    const s = this.pairs[pair]!;
    const bin = this.bin(atUs);
    s.dropped[bin]! += 1;
    let byReason = s.byReason.get(reason);
    if (byReason === undefined) {
      byReason = new Float64Array(this.nBins);
      s.byReason.set(reason, byReason);
    }
    byReason[bin]! += 1;
  }

  deliver(pair: number, toGroup: number, atUs: TimeUs, sentUs: TimeUs): void {
    const s = this.pairs[pair]!;
    const bin = this.bin(atUs);
    const latency = atUs - sentUs;
    s.delivered[bin]! += 1;
    s.latencySumUs[bin]! += latency;
    let open = s.last;
    if (open === null || open.bin !== bin) {
      open = s.open.get(bin) ?? null;
      if (open === null) {
        open = new OpenBin(bin);
        s.open.set(bin, open);
      }
      s.last = open;
    }
    open.add(latency);
    this.received[toGroup]![bin]! += 1;
  }

  count(group: number, counter: string, delta: number, atUs: TimeUs): void {
    const c = this.counterIndex.get(counter);
    if (c === undefined) return;
    this.counterBins[group]![c]![this.bin(atUs)]! += delta;
  }

  /** Every delivery before `safeUs` has been recorded: reduce the bins that end by then. */
  settle(safeUs: number): void {
    const binUs = this.binUs;
    for (const s of this.pairs) {
      if (s.open.size === 0) continue;
      for (const open of s.open.values()) {
        if ((open.bin + 1) * binUs > safeUs) continue;
        const sorted = open.values.subarray(0, open.n).sort();
        s.p95Ms[open.bin] = sorted[Math.min(open.n - 1, Math.max(0, Math.ceil(0.95 * open.n) - 1))]! / 1000;
        s.open.delete(open.bin);
        if (s.last === open) s.last = null;
      }
    }
  }

  /** The series over `[0, reachedUs)`; settles every bin. */
  result(reachedUs: TimeUs): TimeSeries {
    this.settle(Infinity);
    const bins = Math.min(this.nBins, Math.max(1, Math.ceil(reachedUs / this.binUs)));
    const cut = (a: Float64Array) => a.slice(0, bins);
    const links: Record<string, LinkBins> = {};
    for (const s of [...this.pairs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
      const mean = new Float64Array(bins);
      for (let b = 0; b < bins; b++) mean[b] = s.delivered[b]! > 0 ? s.latencySumUs[b]! / s.delivered[b]! / 1000 : NaN;
      const byReason: Record<string, Float64Array> = {};
      for (const reason of [...s.byReason.keys()].sort()) byReason[reason] = cut(s.byReason.get(reason)!);
      links[s.key] = {
        sent: cut(s.sent),
        delivered: cut(s.delivered),
        dropped: cut(s.dropped),
        dropped_by_reason: byReason,
        bytes: cut(s.bytes),
        latency_mean_ms: mean,
        latency_p95_ms: cut(s.p95Ms),
      };
    }
    const groups: Record<string, GroupBins> = {};
    for (const name of [...this.groupNames].sort()) {
      const g = this.groupIndex.get(name)!;
      const counters: Record<string, Float64Array> = {};
      this.counterNames.forEach((counter, c) => (counters[counter] = cut(this.counterBins[g]![c]!)));
      groups[name] = { received: cut(this.received[g]!), counters };
    }
    return { binUs: this.binUs, bins, links, groups };
  }

  private bin(atUs: TimeUs): number {
    // Times are below the end of the run; the clamp only guards rounding.
    const b = Math.floor(atUs / this.binUs);
    return b < this.nBins ? b : this.nBins - 1;
  }
}
