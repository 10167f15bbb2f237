import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MODEL_PATH, ml } from "./__fixtures__/nodes.js";
import { MlInferenceError, MlModelInvalidError } from "./errors.js";
import { loadInference } from "./inference.js";

const dir = mkdtempSync(join(tmpdir(), "sim-nodes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WINDOW = 8;

async function generator(): Promise<{ anomalyModel: (options?: { window?: number }) => Buffer }> {
  // @ts-expect-error -- a plain .mjs script without type declarations
  return (await import("../../../scenarios/models/make-anomaly-model.mjs")) as never;
}
// Normalised readings (noise units): bounded noise around a level, then the newest reading.
const normal = [0.3, -0.8, 0.5, 0.9, -0.2, 0.4, -0.6, 0.7];
const spike = [0.3, -0.8, 0.5, 0.9, -0.2, 0.4, -0.6, 12];
const dip = [0.3, -0.8, 0.5, 0.9, -0.2, 0.4, -0.6, -9];
const oldSpike = [0.3, 25, 0.5, 0.9, -0.2, 0.4, -0.6, 0.1];

describe("loadInference with the shipped model (real onnxruntime)", () => {
  it("scores anomalous windows high and normal ones low, one score per row", async () => {
    const engine = await loadInference(ml("edge"), { clock: () => 0 });
    try {
      const scores = engine.run(Float32Array.from([...normal, ...spike, ...dip, ...oldSpike]), 4);
      expect(scores).toHaveLength(4);
      expect(scores[0]).toBeLessThan(0.02);
      expect(scores[1]).toBeGreaterThan(0.99);
      expect(scores[2]).toBeGreaterThan(0.99);
      // A spike that is not the newest reading does not move the median: the newest is normal.
      expect(scores[3]).toBeLessThan(0.02);
      expect(engine).toMatchObject({ placement: "edge", window: WINDOW, inferenceUs: 8_000, modelPath: MODEL_PATH });
    } finally {
      await engine.close();
    }
  });

  it("gives bit-identical scores to onnxruntime-node's public async API", async () => {
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(MODEL_PATH, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const engine = await loadInference(ml("cloud"));
    try {
      const input = Float32Array.from({ length: 5 * WINDOW }, (_, i) => Math.sin(i * 1.7) * (i % 11 === 7 ? 9 : 1));
      const viaPublic = await session.run({ window: new ort.Tensor("float32", input, [5, WINDOW]) });
      expect(Array.from(engine.run(input, 5))).toEqual(Array.from(viaPublic["score"]!.data as Float32Array));
    } finally {
      await session.release();
      await engine.close();
    }
  });

  it("works for any window size", async () => {
    const engine = await loadInference(ml("edge", { window: 3 }));
    try {
      const scores = engine.run(Float32Array.from([0.2, -0.4, 0.5, 0.2, -0.4, 7]), 2);
      expect(scores[0]).toBeLessThan(0.02);
      expect(scores[1]).toBeGreaterThan(0.9);
    } finally {
      await engine.close();
    }
  });

  it("counts inferences and rows and measures wall time with the injected clock only", async () => {
    let now = 100;
    const engine = await loadInference(ml("edge"), { clock: () => (now += 2.5) });
    engine.run(Float32Array.from(normal), 1);
    engine.run(Float32Array.from([...normal, ...spike]), 2);
    expect(engine.stats()).toEqual({ inferences: 2, rows: 3, wallMs: 5 });
    await engine.close();
    await engine.close();
    expect(() => engine.run(Float32Array.from(normal), 1)).toThrow(MlInferenceError);
  });

  it("rejects an input whose length does not match rows x window", async () => {
    const engine = await loadInference(ml("edge"));
    try {
      expect(() => engine.run(new Float32Array(7), 1)).toThrow(/7 values, expected 1 rows x 8/);
    } finally {
      await engine.close();
    }
  });

  it("rejects a file that is not an ONNX model with SIM_ML_MODEL_INVALID", async () => {
    const path = join(dir, "not-a-model.onnx");
    writeFileSync(path, "this is not protobuf");
    const error = await loadInference(ml("edge", { model_path: path })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlModelInvalidError);
    expect(error).toMatchObject({ code: "SIM_ML_MODEL_INVALID", modelPath: path });
    expect((error as Error).message).toContain(path);
    expect((error as Error).cause).toBeDefined();
  });

  it("rejects a missing model file with SIM_ML_MODEL_INVALID", async () => {
    const path = join(dir, "missing.onnx");
    await expect(loadInference(ml("edge", { model_path: path }))).rejects.toMatchObject({ code: "SIM_ML_MODEL_INVALID" });
  });

  it("rejects a model whose fixed window size differs from ml_inference.window", async () => {
    const path = join(dir, "window-4.onnx");
    writeFileSync(path, (await generator()).anomalyModel({ window: 4 }));
    const error = await loadInference(ml("edge", { model_path: path })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlModelInvalidError);
    expect((error as Error).message).toContain('input "window" takes windows of 4 readings, but ml_inference.window is 8');
    const fits = await loadInference(ml("edge", { model_path: path, window: 4 }));
    expect(fits.run(Float32Array.from([0, 0, 0, 9]), 1)[0]).toBeGreaterThan(0.99);
    await fits.close();
  });
});

describe("scenarios/models/make-anomaly-model.mjs", () => {
  it("reproduces the committed anomaly.onnx byte for byte", async () => {
    expect(Buffer.compare((await generator()).anomalyModel(), readFileSync(MODEL_PATH))).toBe(0);
  });
});
