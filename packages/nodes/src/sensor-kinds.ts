/** Signal model of one sensor kind; every value is in the kind's unit. */
export interface SensorKindSpec {
  readonly unit: string;
  /** Typical value. */
  readonly baseline: number;
  /** Each sensor gets a fixed offset drawn uniformly from [-spread, spread). */
  readonly spread: number;
  /** Amplitude of the slow sinusoidal drift. */
  readonly amplitude: number;
  /** Period of the drift, seconds. */
  readonly periodSec: number;
  /** Half-width of the triangular noise added to every sample (noise never exceeds it). */
  readonly noise: number;
  /** Resolution: readings are rounded to this many decimals. */
  readonly decimals: number;
  /** Measuring range: readings are clamped to [min, max]. */
  readonly min: number;
  readonly max: number;
}

const DAY = 86_400;

/** The sensor kinds sim simulates. */
export const SENSOR_KINDS: Readonly<Record<string, SensorKindSpec>> = Object.freeze({
  temperature: { unit: "°C", baseline: 21, spread: 2, amplitude: 3, periodSec: DAY, noise: 0.1, decimals: 2, min: -40, max: 85 },
  humidity: { unit: "%RH", baseline: 45, spread: 5, amplitude: 8, periodSec: DAY, noise: 0.5, decimals: 1, min: 0, max: 100 },
  moisture: { unit: "%VWC", baseline: 30, spread: 5, amplitude: 2, periodSec: DAY, noise: 0.3, decimals: 1, min: 0, max: 100 },
  light: { unit: "lx", baseline: 400, spread: 100, amplitude: 350, periodSec: DAY, noise: 10, decimals: 0, min: 0, max: 100_000 },
  // The semidiurnal atmospheric tide: two pressure maxima a day.
  pressure: { unit: "hPa", baseline: 1013.25, spread: 5, amplitude: 1.5, periodSec: DAY / 2, noise: 0.05, decimals: 2, min: 300, max: 1100 },
  co2: { unit: "ppm", baseline: 650, spread: 50, amplitude: 150, periodSec: DAY, noise: 10, decimals: 0, min: 0, max: 10_000 },
});

/** The spec of a kind, or undefined; never falls through to Object.prototype. */
export function sensorKind(kind: string): SensorKindSpec | undefined {
  return Object.hasOwn(SENSOR_KINDS, kind) ? SENSOR_KINDS[kind] : undefined;
}
