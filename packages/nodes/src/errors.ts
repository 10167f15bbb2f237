import { SimError } from "@sim/config";

/** onnxruntime-node cannot be loaded, or no inference engine was handed to a node that needs one. */
export class MlUnavailableError extends SimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SIM_ML_UNAVAILABLE", message, options);
  }
}

/** The ONNX model cannot be loaded, or its inputs/outputs are not the ones sim feeds and reads. */
export class MlModelInvalidError extends SimError {
  readonly modelPath: string;
  constructor(modelPath: string, message: string, options?: { cause?: unknown }) {
    super("SIM_ML_MODEL_INVALID", message, options);
    this.modelPath = modelPath;
  }
}

/** onnxruntime failed while running the model during a run. */
export class MlInferenceError extends SimError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SIM_ML_INFERENCE_FAILED", message, options);
  }
}

/** A sensor names a kind sim has no signal model for. */
export class UnknownSensorKindError extends SimError {
  readonly node: string;
  readonly kind: string;
  constructor(node: string, kind: string, known: readonly string[]) {
    super(
      "SIM_SENSOR_KIND_UNKNOWN",
      `sensor "${node}" names the unknown kind "${kind}"; use one of: ${known.join(", ")}`,
    );
    this.node = node;
    this.kind = kind;
  }
}

/**
 * A `module` node cannot be built: no class was given for it (`missing`), its
 * constructor threw (`threw`, the error as `cause`), or it built something that is
 * not an in-process node with the node's id (`not-a-node`).
 */
export class CustomNodeError extends SimError {
  readonly node: string;
  readonly reason: "missing" | "threw" | "not-a-node";
  constructor(node: string, reason: CustomNodeError["reason"], message: string, options?: { cause?: unknown }) {
    super("SIM_CUSTOM_NODE_INVALID", message, options);
    this.node = node;
    this.reason = reason;
  }
}
