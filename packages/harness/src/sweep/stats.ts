/** Summary statistics of one metric across the replicates of a point. */
import jstat from "jstat";

export interface Spread {
  n: number;
  mean: number | null;
  /** Sample standard deviation (n - 1); null below two values. */
  sd: number | null;
  /** 95 % confidence interval of the mean (Student's t); null below two values. */
  ci95: [number, number] | null;
}

export function spread(values: readonly number[]): Spread {
  const n = values.length;
  if (n === 0) return { n, mean: null, sd: null, ci95: null };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: null, ci95: null };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = jstat.jStat.studentt.inv(0.975, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, ci95: [mean - half, mean + half] };
}
