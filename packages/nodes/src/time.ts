import type { TimeUs } from "@sim/coordinator";

/** Milliseconds to integer microseconds, rounded to the nearest µs (halves up). */
export function msToUs(ms: number): TimeUs {
  return Math.round(ms * 1_000);
}

/** Seconds to integer microseconds, rounded to the nearest µs (halves up). */
export function secToUs(sec: number): TimeUs {
  return Math.round(sec * 1_000_000);
}
