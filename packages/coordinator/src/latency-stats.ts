/** Percentiles of one latency series, in milliseconds. */
export interface LatencyFigures {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** All samples of one series (µs), kept exactly; sorted once at the end. */
class Series {
  values = new Float64Array(256);
  n = 0;
  add(v: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.n * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = v;
  }
}

/** End-to-end latency samples per named series. */
export class LatencyStats {
  private readonly series = new Map<string, Series>();

  add(name: string, valueUs: number): void {
    let s = this.series.get(name);
    if (s === undefined) {
      s = new Series();
      this.series.set(name, s);
    }
    s.add(valueUs);
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
