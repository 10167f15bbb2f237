import { describe, expect, it } from "vitest";
import type { SensorKind } from "@sim/config";
import { TestDriver } from "./__fixtures__/driver.js";
import { sensor } from "./__fixtures__/nodes.js";
import { UnknownSensorKindError } from "./errors.js";
import { SENSOR_KINDS } from "./sensor-kinds.js";
import { SensorNode } from "./sensor.js";
import type { SensorReading } from "./types.js";

function sample(over: Parameters<typeof sensor>[1], endUs: number, seed = 1): { atUs: number; payload: SensorReading; sizeBytes: number }[] {
  const driver = new TestDriver([new SensorNode(sensor("s", over))], undefined, seed);
  driver.run(endUs);
  return driver.sent.map((s) => ({ atUs: s.atUs, payload: s.payload as SensorReading, sizeBytes: s.sizeBytes }));
}

describe("SensorNode signals", () => {
  for (const [kind, spec] of Object.entries(SENSOR_KINDS)) {
    it(`${kind}: plausible, within range, at the sensor's resolution, and noisy`, () => {
      const values = sample({ sensors: [kind as SensorKind], period_ms: 100 }, 60_000_000).map((s) => s.payload.readings[kind]!);
      expect(values).toHaveLength(600);
      const reach = spec.spread + spec.amplitude + spec.noise + 10 ** -spec.decimals;
      for (const v of values) {
        expect(v).toBeGreaterThanOrEqual(Math.max(spec.min, spec.baseline - reach));
        expect(v).toBeLessThanOrEqual(Math.min(spec.max, spec.baseline + reach));
        const scaled = v * 10 ** spec.decimals;
        expect(Math.abs(scaled - Math.round(scaled))).toBeLessThan(1e-6);
      }
      // Over one minute the drift is tiny: neighbours differ by noise only (bounded by 2 * noise).
      for (let i = 1; i < values.length; i++) {
        expect(Math.abs(values[i]! - values[i - 1]!)).toBeLessThanOrEqual(2 * spec.noise + 2 * 10 ** -spec.decimals + 0.01);
      }
      expect(new Set(values).size).toBeGreaterThan(5);
    });
  }

  it("is deterministic for a seed and differs between seeds", () => {
    const over = { sensors: ["temperature", "humidity", "co2"] as SensorKind[], anomaly: { probability: 0.2, magnitude: 3 } };
    const a = sample(over, 30_000_000, 7);
    const b = sample(over, 30_000_000, 7);
    const c = sample(over, 30_000_000, 8);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it("sends one reading per kind, in the listed order, with the payload size from the scenario", () => {
    const [first] = sample({ sensors: ["pressure", "light", "moisture"], payload_bytes: 48 }, 1);
    expect(Object.keys(first!.payload.readings)).toEqual(["pressure", "light", "moisture"]);
    expect(first).toMatchObject({ atUs: 0, sizeBytes: 48, payload: { seq: 0, sampledAtUs: 0, anomaly: false } });
  });

  it("gives sensors with the same seed key different offsets per node id", () => {
    const driver = new TestDriver([new SensorNode(sensor("a")), new SensorNode(sensor("b"))]);
    driver.run(1);
    const [a, b] = driver.sent.map((s) => (s.payload as SensorReading).readings["temperature"]);
    expect(a).not.toBe(b);
  });
});

describe("SensorNode schedule", () => {
  it("samples first at start_ms (rounded to the nearest µs), then every period_ms", () => {
    const times = sample({ start_ms: 1000 / 3, period_ms: 250 }, 1_000_000).map((s) => s.atUs);
    expect(times).toEqual([333_333, 583_333, 833_333]);
    expect(sample({ start_ms: 0.0625, period_ms: 1 }, 2_000).map((s) => s.atUs)).toEqual([63, 1063]);
  });

  it("stops before until_sec and numbers samples from 0", () => {
    const got = sample({ period_ms: 100, until_sec: 0.5 }, 10_000_000);
    expect(got.map((s) => s.atUs)).toEqual([0, 100_000, 200_000, 300_000, 400_000]);
    expect(got.map((s) => s.payload.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(got.map((s) => s.payload.sampledAtUs)).toEqual(got.map((s) => s.atUs));
  });

  it("never samples when start_ms is at or after until_sec", () => {
    expect(sample({ start_ms: 500, until_sec: 0.5 }, 10_000_000)).toEqual([]);
  });
});

describe("SensorNode anomalies", () => {
  it("flags injected anomalies at about the configured rate and counts them", () => {
    const driver = new TestDriver([new SensorNode(sensor("s", { period_ms: 10, anomaly: { probability: 0.1, magnitude: 5 } }))]);
    driver.run(20_000_000);
    const flagged = driver.sent.filter((s) => (s.payload as SensorReading).anomaly).length;
    expect(driver.sent).toHaveLength(2000);
    expect(flagged).toBeGreaterThan(140);
    expect(flagged).toBeLessThan(260);
    expect(driver.counter("s", "anomalies_injected")).toBe(flagged);
  });

  it("adds the magnitude to every kind of an anomalous sample", () => {
    const over = (magnitude: number) => ({ sensors: ["temperature", "humidity"] as SensorKind[], anomaly: { probability: 1, magnitude } });
    const plain = sample(over(0), 5_000_000);
    const shifted = sample(over(4), 5_000_000);
    plain.forEach((p, i) => {
      const s = shifted[i]!;
      expect(s.payload.anomaly).toBe(true);
      expect(s.payload.readings["temperature"]! - p.payload.readings["temperature"]!).toBeCloseTo(4, 6);
      expect(s.payload.readings["humidity"]! - p.payload.readings["humidity"]!).toBeCloseTo(4, 6);
    });
  });

  it("clamps to the measuring range", () => {
    const got = sample({ sensors: ["humidity"] as SensorKind[], anomaly: { probability: 1, magnitude: 500 } }, 3_000_000);
    expect(got.map((s) => s.payload.readings["humidity"])).toEqual([100, 100, 100]);
  });
});

describe("SensorNode configuration", () => {
  it("rejects an unknown kind with a typed error naming the node and the known kinds", () => {
    let error: unknown;
    try {
      new SensorNode(sensor("s1", { sensors: ["temprature" as SensorKind] }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownSensorKindError);
    expect(error).toMatchObject({ code: "SIM_SENSOR_KIND_UNKNOWN", node: "s1", kind: "temprature" });
    expect((error as Error).message).toContain("temperature, humidity, moisture, light, pressure, co2");
  });

  it("does not take inherited properties for kinds", () => {
    expect(() => new SensorNode(sensor("s1", { sensors: ["toString" as SensorKind] }))).toThrow(UnknownSensorKindError);
  });
});
