import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { AleaTable, aleaNextAt, createRng, linkRngKey, nodeRngKey } from "./rng.js";

const draw = (key: string, n: number) => {
  const rng = createRng(key);
  return Array.from({ length: n }, () => rng.next());
};

describe("createRng", () => {
  it("gives the same numbers for the same key", () => {
    expect(draw("42/sensor_1", 100)).toEqual(draw("42/sensor_1", 100));
  });

  it("is pinned: these exact numbers on every platform and Node version", () => {
    // If this changes, every golden digest changes: see docs/engine.md.
    expect(draw("42/sensor_1", 3)).toEqual(GOLDEN);
  });

  it("is seedrandom's alea, bit for bit", () => {
    for (let k = 0; k < 300; k++) {
      const key = k % 3 === 0 ? `${k}/sensor_${k * 7}` : k % 3 === 1 ? `${k}/link/a_${k}->b_${k % 5}` : `ünïcode/${"x".repeat(k)}`;
      const reference = seedrandom.alea(key);
      const ours = createRng(key);
      for (let i = 0; i < 200; i++) expect(ours.next()).toBe(reference());
    }
  });

  it("gives different numbers for different keys", () => {
    expect(draw("42/sensor_1", 5)).not.toEqual(draw("42/sensor_2", 5));
    expect(draw("42/sensor_1", 5)).not.toEqual(draw("43/sensor_1", 5));
  });

  it("draws uniformly in [0, 1)", () => {
    const xs = draw("7/uniform", 100_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const bins = new Array(20).fill(0);
    for (const x of xs) bins[Math.floor(x * 20)]++;
    // Chi-square with 19 degrees of freedom: 43.8 is the 0.1% critical value.
    const expected = xs.length / 20;
    const chi2 = bins.reduce((s, b) => s + (b - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(43.8);
  });

  it("streams of neighbouring keys are not correlated (first draws of 10k sensors are uniform)", () => {
    const firsts = Array.from({ length: 10_000 }, (_, i) => createRng(nodeRngKey(1, `sensor_${i}`)).next());
    const bins = new Array(20).fill(0);
    for (const x of firsts) bins[Math.floor(x * 20)]++;
    const chi2 = bins.reduce((s, b) => s + (b - 500) ** 2 / 500, 0);
    expect(chi2).toBeLessThan(43.8);
    // Lag-1 correlation between consecutive sensors' first draws.
    const mean = firsts.reduce((a, b) => a + b, 0) / firsts.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < firsts.length; i++) {
      den += (firsts[i]! - mean) ** 2;
      if (i > 0) num += (firsts[i]! - mean) * (firsts[i - 1]! - mean);
    }
    expect(Math.abs(num / den)).toBeLessThan(0.05);
  });

  it("a table of streams draws what each stream alone draws, interleaved, across growth", () => {
    const keys = Array.from({ length: 40 }, (_, i) => `7/link/s${i}->g${i % 3}`);
    const table = new AleaTable(0);
    const alone = keys.map((key, i) => {
      table.ensure(i + 1);
      table.seed(i, key);
      return createRng(key);
    });
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < keys.length; i++) expect(aleaNextAt(table.a, i << 2)).toBe(alone[i]!.next());
    }
  });

  it("names streams as the design says", () => {
    expect(nodeRngKey(42, "s1")).toBe("42/s1");
    expect(linkRngKey(42, "s1", "g1")).toBe("42/link/s1->g1");
  });
});

const GOLDEN = [0.8785550054162741, 0.3855643186252564, 0.7269357272889465];
