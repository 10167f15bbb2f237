import type { ResolvedMlInference } from "@sim/config";
import { MlInferenceError, MlModelInvalidError, MlUnavailableError } from "./errors.js";
import { msToUs } from "./time.js";
import type { InferenceEngine, InferenceStats } from "./types.js";

/** Options of `loadInference`. */
export interface LoadInferenceOptions {
  /** Wall clock in milliseconds, used only for `stats().wallMs` (default `performance.now`). */
  clock?: () => number;
}

// The parts of onnxruntime-node's native session that sim uses. `InferenceSession.run`
// of the public API wraps exactly this synchronous call in a setImmediate promise.
interface NativeValueMetadata {
  name: string;
  isTensor: boolean;
  /** 1 = float32. */
  type: number;
  /** -1 for a symbolic dimension. */
  shape: number[];
}
interface NativeSession {
  loadModel(modelPath: string, options: Record<string, unknown>): void;
  readonly inputMetadata: NativeValueMetadata[];
  readonly outputMetadata: NativeValueMetadata[];
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: Record<string, unknown>): Record<string, { data: unknown }>;
  dispose(): void;
}
interface NativeBindingModule {
  binding: { InferenceSession: new () => NativeSession };
  initOrt: () => void;
}
type TensorClass = new (type: "float32", data: Float32Array, dims: readonly number[]) => unknown;

const ORT_FLOAT = 1;
/** onnxruntime-node is an optional peer dependency of @sim/nodes: only scenarios with ml_inference need it (288 MB installed). */
export const INFERENCE_RUNTIME = "onnxruntime-node@^1.30.0";
export const INFERENCE_RUNTIME_HINT = `install it beside sim: \`npm install ${INFERENCE_RUNTIME}\` or \`pnpm add ${INFERENCE_RUNTIME}\`; its CPU runtime is inside the npm package, and ONNXRUNTIME_NODE_INSTALL=skip skips its GPU download`;

// One intra-op and one inter-op thread: a result must never depend on how the work was split.
const SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  executionProviders: ["cpu"],
  logSeverityLevel: 3,
} as const;

async function loadRuntime(): Promise<{ Tensor: TensorClass; native: NativeBindingModule }> {
  let ort: { Tensor?: unknown };
  let native: Partial<NativeBindingModule> & { default?: Partial<NativeBindingModule> };
  try {
    ort = (await import("onnxruntime-node")) as { Tensor?: unknown };
    native = (await import("onnxruntime-node/dist/binding.js")) as typeof native;
  } catch (cause) {
    throw new MlUnavailableError(`cannot load onnxruntime-node, which ml_inference needs: ${messageOf(cause)}. ${INFERENCE_RUNTIME_HINT}`, { cause });
  }
  const mod = typeof native.initOrt === "function" ? native : native.default;
  if (typeof ort.Tensor !== "function" || typeof mod?.initOrt !== "function" || typeof mod.binding?.InferenceSession !== "function") {
    throw new MlUnavailableError(`onnxruntime-node does not expose the synchronous session sim runs models with (dist/binding.js). ${INFERENCE_RUNTIME_HINT}`);
  }
  return { Tensor: ort.Tensor as TensorClass, native: mod as NativeBindingModule };
}

/**
 * Why ml_inference cannot run here (onnxruntime-node missing or unusable), or null when
 * it can. For validation: a scenario that needs the runtime without it starts nothing.
 */
export async function inferenceRuntimeProblem(): Promise<string | null> {
  try {
    await loadRuntime();
    return null;
  } catch (error) {
    if (!(error instanceof MlUnavailableError)) throw error;
    const cause = error.cause === undefined ? "" : `: ${messageOf(error.cause)}`;
    return `ml_inference needs onnxruntime-node, which cannot be loaded here${cause}`;
  }
}

/**
 * Loads onnxruntime-node (lazily: only a scenario with `ml_inference` pays for it)
 * and the model of the chosen placement. Create one per run, share it between
 * nodes, and `close()` it at the end. Rejects with MlUnavailableError or
 * MlModelInvalidError.
 */
export async function loadInference(ml: ResolvedMlInference, options: LoadInferenceOptions = {}): Promise<InferenceEngine> {
  const { Tensor, native } = await loadRuntime();
  // Wall time of inference is reported by stats() only, never traced.
  const clock = options.clock ?? (() => performance.now());
  const path = ml.model_path;
  const invalid = (what: string, cause?: unknown): MlModelInvalidError =>
    new MlModelInvalidError(
      path,
      `ONNX model ${path} (ml_inference, placement ${ml.placement}): ${what}. sim feeds one float32 input [rows, window] and reads one float32 output [rows, 1] of scores in [0, 1]; scenarios/models/make-anomaly-model.mjs writes such a model`,
      cause === undefined ? undefined : { cause },
    );

  let session: NativeSession;
  try {
    native.initOrt();
    session = new native.binding.InferenceSession();
    session.loadModel(path, { ...SESSION_OPTIONS });
  } catch (cause) {
    throw invalid(`cannot be loaded: ${messageOf(cause)}`, cause);
  }
  const dispose = (): void => {
    try {
      session.dispose();
    } catch {
      // Already released; nothing else to free.
    }
  };
  const input = session.inputMetadata;
  const output = session.outputMetadata;
  const first = input[0];
  const out = output[0];
  const problem =
    input.length !== 1 || first === undefined
      ? `it has ${input.length} inputs, not 1`
      : !first.isTensor || first.type !== ORT_FLOAT || first.shape.length !== 2
        ? `input "${first.name}" is not a float32 tensor of rank 2`
        : first.shape[1] !== -1 && first.shape[1] !== ml.window
          ? `input "${first.name}" takes windows of ${first.shape[1]} readings, but ml_inference.window is ${ml.window}`
          : out === undefined || !out.isTensor || out.type !== ORT_FLOAT
            ? "its first output is not a float32 tensor"
            : null;
  if (problem !== null || first === undefined || out === undefined) {
    dispose();
    throw invalid(problem ?? "unexpected signature");
  }

  const window = ml.window;
  const fetches = { [out.name]: null };
  const runOnce = (data: Float32Array, rows: number): Float32Array => {
    const result = session.run({ [first.name]: new Tensor("float32", data, [rows, window]) }, { ...fetches }, {});
    const scores = result[out.name]?.data;
    if (!(scores instanceof Float32Array) || scores.length !== rows) {
      throw new Error(`output "${out.name}" holds ${scores instanceof Float32Array ? scores.length : "no"} float32 values for ${rows} rows`);
    }
    return scores;
  };
  // Run the model once now, so that a model that loads but cannot run fails before the run starts.
  try {
    const scores = runOnce(new Float32Array(2 * window), 2);
    if (!scores.every((s) => s >= 0 && s <= 1)) throw new Error(`scores ${Array.from(scores).join(", ")} are not in [0, 1]`);
  } catch (cause) {
    dispose();
    throw invalid(`a trial run failed: ${messageOf(cause)}`, cause);
  }

  const stats: InferenceStats = { inferences: 0, rows: 0, wallMs: 0 };
  let closed = false;
  return {
    placement: ml.placement,
    modelPath: path,
    inferenceUs: msToUs(ml.inference_ms),
    window,
    run(data: Float32Array, rows: number): Float32Array {
      if (closed) throw new MlInferenceError(`the inference engine for ${path} was already closed`);
      if (data.length !== rows * window) {
        throw new MlInferenceError(`inference input holds ${data.length} values, expected ${rows} rows x ${window}`);
      }
      const t0 = clock();
      let scores: Float32Array;
      try {
        scores = runOnce(data, rows);
      } catch (cause) {
        throw new MlInferenceError(`onnxruntime failed on model ${path}: ${messageOf(cause)}`, { cause });
      }
      stats.wallMs += clock() - t0;
      stats.inferences += 1;
      stats.rows += rows;
      return scores;
    },
    stats: () => ({ ...stats }),
    close: async () => {
      if (closed) return;
      closed = true;
      dispose();
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
