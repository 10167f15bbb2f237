/**
 * Latency distributions for the CDF and tail figures: a few hundred points per
 * series, whatever the number of samples, so that a figure stays small.
 */

/** Points per series and figure: enough for a smooth curve, few enough for a small SVG. */
const MAX_POINTS = 300;

export interface CdfPoint {
  latency_ms: number;
  /** Fraction of samples <= latency_ms. */
  p: number;
}

export interface TailPoint {
  latency_ms: number;
  /** Fraction of samples >= latency_ms (1 - CDF just below it): never 0, so it fits a log axis. */
  tail: number;
}

/** The empirical CDF of `sorted` (ascending) at up to MAX_POINTS ranks, evenly spaced, first and last included. */
export function cdfPoints(sorted: Float64Array): CdfPoint[] {
  const n = sorted.length;
  const indexes = n <= MAX_POINTS ? range(n) : distinct(range(MAX_POINTS).map((k) => Math.round((k / (MAX_POINTS - 1)) * (n - 1))));
  return indexes.map((i) => ({ latency_ms: sorted[i]!, p: (i + 1) / n }));
}

/**
 * The tail (complementary CDF) of `sorted`: P(X >= x) at ranks spaced evenly in
 * log(P), from the smallest sample (P = 1) to the largest (P = 1/n), so that the
 * slowest samples keep their resolution.
 */
export function tailPoints(sorted: Float64Array): TailPoint[] {
  const n = sorted.length;
  // k = samples at or above x, from n down to 1.
  const ks = n <= MAX_POINTS ? range(n).map((i) => n - i) : distinct(range(MAX_POINTS).map((j) => Math.round(Math.exp(Math.log(n) * (1 - j / (MAX_POINTS - 1))))));
  return ks.map((k) => ({ latency_ms: sorted[n - k]!, tail: k / n }));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const distinct = (values: number[]) => [...new Set(values)];
