import { Float64List } from "./float64-list.js";

/** Percentiles of one latency series, in milliseconds. */
export interface LatencyFigures {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Every latency sample of a run with the node that recorded it and when, in the
 * order they were recorded; columns of `count` entries (`Coordinator.latencySamples()`).
 */
export interface LatencySamples {
  count: number;
  /** Series names; `series[seriesIndex[i]]` is sample i's. */
  series: readonly string[];
  /** Node ids; `nodes[nodeIndex[i]]` recorded sample i. */
  nodes: readonly string[];
  seriesIndex: Int32Array;
  nodeIndex: Int32Array;
  /** Virtual time at which the sample was recorded (µs). */
  atUs: Float64Array;
  /** The sample (µs). */
  valueUs: Float64Array;
}

/** All samples of one series (µs), kept exactly; sorted once at the end. */
class Series extends Float64List {
  constructor(readonly index: number) {
    super(256);
  }
}

/** Who recorded each sample and when, up to a limit (the values stay in their series). */
class SampleDetail {
  n = 0;
  node = new Int32Array(256);
  series = new Int32Array(256);
  at = new Float64Array(256);
  value = new Float64Array(256);
  add(series: number, node: number, atUs: number, v: number): void {
    if (this.n === this.node.length) {
      const cap = this.n * 2;
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(cap);
        b.set(a);
        return b;
      };
      this.node = grow(this.node);
      this.series = grow(this.series);
      this.at = grow(this.at);
      this.value = grow(this.value);
    }
    const i = this.n++;
    this.node[i] = node;
    this.series[i] = series;
    this.at[i] = atUs;
    this.value[i] = v;
  }
}

/** End-to-end latency samples per named series. */
export class LatencyStats {
  private readonly series = new Map<string, Series>();
  private readonly names: string[] = [];
  private total = 0;
  private detail: SampleDetail | null;

  /** `keepSamples`: keep who recorded each sample and when, as long as there are at most this many. */
  constructor(private readonly keepSamples = 0) {
    this.detail = keepSamples > 0 ? new SampleDetail() : null;
  }

  add(name: string, valueUs: number, node = -1, atUs = 0): void {
    let s = this.series.get(name);
    if (s === undefined) {
      s = new Series(this.names.length);
      this.series.set(name, s);
      this.names.push(name);
    }
    s.add(valueUs);
    if (this.detail !== null) {
      // Over the limit: the details go (memory stays bounded); the percentiles stay exact.
      if (++this.total > this.keepSamples) this.detail = null;
      else this.detail.add(s.index, node, atUs, valueUs);
    }
  }

  /** Every sample with its node and time, or null when they were not kept or exceeded the limit. */
  samples(nodeIds: readonly string[]): LatencySamples | null {
    const d = this.detail;
    if (d === null) return null;
    return {
      count: d.n,
      series: [...this.names],
      nodes: nodeIds,
      seriesIndex: d.series.slice(0, d.n),
      nodeIndex: d.node.slice(0, d.n),
      atUs: d.at.slice(0, d.n),
      valueUs: d.value.slice(0, d.n),
    };
  }

  /** Exact nearest-rank percentiles (the smallest sample with at least p% of samples at or below it). */
  figures(): Record<string, LatencyFigures> {
    const out: Record<string, LatencyFigures> = {};
    for (const name of [...this.series.keys()].sort()) {
      const s = this.series.get(name)!;
      const sorted = s.values.subarray(0, s.n).sort();
      let sum = 0;
      for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
      const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! / 1000;
      out[name] = { count: s.n, mean: sum / s.n / 1000, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1]! / 1000 };
    }
    return out;
  }
}
