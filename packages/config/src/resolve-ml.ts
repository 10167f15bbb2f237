import { SCENARIO_DEFAULTS } from "./defaults.js";
import { modelRunner } from "./node-kinds.js";
import type { NodeNames } from "./node-names.js";
import { absolute } from "./resolve-context.js";
import type { ResolveContext } from "./resolve-context.js";
import type { MlInferenceInput, MlPlacementConfigInput, ResolvedMlInference, ResolvedNode } from "./types.js";

type Placement = MlInferenceInput["placement"];

/**
 * Picks the configuration of the chosen placement; its model is that
 * configuration's `model_path`, else the other one's. No model at all is an error.
 */
export function resolveMl(ctx: ResolveContext, names: NodeNames, input: MlInferenceInput): ResolvedMlInference | null {
  const placement = input.placement;
  const other: Placement = placement === "edge" ? "cloud" : "edge";
  const chosen = input[`${placement}_config`];
  const fallback = input[`${other}_config`];
  const modelPath = chosen?.model_path ?? fallback?.model_path;
  if (modelPath === undefined) {
    ctx.problems.add({
      code: "missing-model",
      path: ["ml_inference", `${placement}_config`, "model_path"],
      locatePath: chosen ? ["ml_inference", `${placement}_config`] : ["ml_inference", "placement"],
      at: "key",
      message: `ml_inference has placement "${placement}" but neither ${placement}_config nor ${other}_config names a model_path`,
      hint: `add \`${placement}_config: {model_path: models/model.onnx}\` (relative to the scenario file)`,
    });
    return null;
  }
  const runner = modelRunner(placement);
  if (!names.entries.some((e) => e.type === runner)) {
    ctx.problems.add({
      severity: "warning",
      code: "ml-placement-unused",
      path: ["ml_inference", "placement"],
      message: `ml_inference runs at the ${placement}, but the scenario has no ${runner} node, so no inference will run`,
      hint: `add a ${runner} node or change placement`,
    });
  }
  const edge = config(ctx, input.edge_config, SCENARIO_DEFAULTS.ml.edge_inference_ms);
  const cloud = config(ctx, input.cloud_config, SCENARIO_DEFAULTS.ml.cloud_inference_ms);
  const used = placement === "edge" ? edge : cloud;
  return {
    placement,
    model_path: absolute(ctx, modelPath),
    inference_ms: used.inference_ms,
    window: used.window,
    edge_config: edge,
    cloud_config: cloud,
  };
}

/**
 * With inference in the cloud, a gateway that batches (`batch > 1`) forwards the
 * means of its batch, not readings: the cloud's model scores averages (an anomaly
 * diluted by the batch's other readings) and an aggregate counts as anomalous when
 * any of its readings was. Comparing edge and cloud placement is then confounded
 * by the batching. One warning per gateway group.
 */
export function warnAboutBatchedCloudInference(ctx: ResolveContext, nodes: readonly ResolvedNode[], ml: ResolvedMlInference): void {
  if (ml.placement !== "cloud") return;
  const clouds = new Set(nodes.filter((n) => n.type === "cloud").map((n) => n.id));
  const warned = new Set<string>();
  for (const node of nodes) {
    if (node.type !== "gateway" || node.batch <= 1 || node.upstream === null || !clouds.has(node.upstream) || warned.has(node.group)) continue;
    warned.add(node.group);
    ctx.problems.add({
      severity: "warning",
      code: "batched-cloud-inference",
      path: ["nodes", node.group, "batch"],
      message:
        `${node.group} has batch ${node.batch} and forwards to the cloud, which runs the model (ml_inference.placement: cloud): ` +
        `the model scores the means of ${node.batch} readings, not readings, so an edge-vs-cloud comparison also compares batching`,
      hint: "set batch: 1 on the gateway to give the cloud model the same readings as the edge model",
    });
  }
}

function config(ctx: ResolveContext, input: MlPlacementConfigInput | undefined, inferenceMs: number) {
  return {
    model_path: input?.model_path === undefined ? null : absolute(ctx, input.model_path),
    inference_ms: input?.inference_ms ?? inferenceMs,
    window: input?.window ?? SCENARIO_DEFAULTS.ml.window,
  };
}
