/**
 * A sweep's points and members. A point is one setting of every parameter (the
 * grid crossed with each zip group); a member is a point at one replicate, run
 * with that replicate's seed.
 */
import { parseOverrideValue, type Override, type SweepDefinition, type SweepParameter } from "@sim/config";

export interface SweepPoint {
  /** 0-based, in expansion order: the first grid parameter varies slowest. */
  index: number;
  /** Parameter key as written -> value, in the order parameters were written. */
  values: Record<string, unknown>;
  overrides: Override[];
  /** The same as `sim run --set` arguments. */
  set: string[];
}

export interface PlannedMember {
  point: SweepPoint;
  replicate: number;
  seed: number;
}

/**
 * Replicate r's seed: `base + r`. The same at every point (common random numbers,
 * so that points differ only by their parameters), printed in the results, and a
 * member is exactly `sim run <scenario> --set ... --seed <seed>`.
 */
export function replicateSeed(base: number, replicate: number): number {
  return base + replicate;
}

/** Every point: the cartesian product of the grid's parameters and the zip groups. */
export function expandPoints(sweep: Pick<SweepDefinition, "parameters" | "zip">): SweepPoint[] {
  // Each axis is a list of settings; a setting assigns one value to each of its parameters.
  type Setting = [SweepParameter, unknown][];
  const axes: Setting[][] = [
    ...sweep.parameters.map((p) => p.values.map((v): Setting => [[p, v]])),
    ...sweep.zip.map((group) => (group[0]?.values ?? []).map((_, i): Setting => group.map((p) => [p, p.values[i]]))),
  ];
  let combinations: Setting[] = [[]];
  for (const axis of axes) combinations = combinations.flatMap((prefix) => axis.map((setting) => [...prefix, ...setting]));
  return combinations.map((settings, index) => ({
    index,
    values: Object.fromEntries(settings.map(([p, v]) => [p.key, v])),
    overrides: settings.map(([p, v]) => ({ path: p.path, value: v, origin: `${p.origin}: ${setArgument(p.key, v)}` })),
    set: settings.map(([p, v]) => setArgument(p.key, v)),
  }));
}

/** Every member, point by point, replicates in order. */
export function expandMembers(points: readonly SweepPoint[], replicates: number, baseSeed: number): PlannedMember[] {
  return points.flatMap((point) => Array.from({ length: replicates }, (_, replicate) => ({ point, replicate, seed: replicateSeed(baseSeed, replicate) })));
}

/** `key=value` as `sim run --set` reads it back to the same value. */
export function setArgument(key: string, value: unknown): string {
  if (typeof value === "string") {
    let plain = false;
    try {
      plain = value !== "" && parseOverrideValue(value, "") === value;
    } catch {
      plain = false;
    }
    return `${key}=${plain ? value : JSON.stringify(value)}`;
  }
  // JSON is YAML: numbers, booleans, null, lists and mappings read back as written.
  return `${key}=${JSON.stringify(value)}`;
}
