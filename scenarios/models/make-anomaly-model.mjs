#!/usr/bin/env node
// Writes anomaly.onnx next to this file: a tiny anomaly detector, hand-encoded as
// ONNX protobuf with the standard library only (no download, no onnx package).
//
//   window [rows, W] float32  normalised readings, oldest first, one row per series
//   median = the ceil((W+1)/2)-th largest value of the row      (Shape, Gather, Div, Add, TopK, Slice)
//   dev    = |last - median|                                     (Slice, Sub, Abs)
//   score  = sigmoid(STEEPNESS * dev - STEEPNESS * THRESHOLD)    (a 1x1 dense layer: Gemm, then Sigmoid)
//   score  [rows, 1] float32 in [0, 1]
//
// Works for any window size. Readings are normalised per kind as
// (value - baseline) / noise, and the simulated noise is bounded by 1 in those
// units, so a normal reading lies within 2 of the median and scores below 0.02.
// Usage: node make-anomaly-model.mjs [out.onnx]
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const THRESHOLD = 3;
const STEEPNESS = 4;

// --- protobuf wire format -----------------------------------------------------
const varint = (n) => {
  const out = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? byte | 0x80 : byte);
  } while (v);
  return Buffer.from(out);
};
const tag = (field, wire) => varint((field << 3) | wire);
const int = (field, n) => Buffer.concat([tag(field, 0), varint(n)]);
const bytes = (field, buf) => Buffer.concat([tag(field, 2), varint(buf.length), buf]);
const str = (field, s) => bytes(field, Buffer.from(s, "utf8"));
const msg = (field, ...parts) => bytes(field, Buffer.concat(parts));

// --- ONNX messages (field numbers from onnx.proto) ----------------------------
const FLOAT = 1;
const INT64 = 7;
const tensor = (field, name, type, dims, values) => {
  const raw = Buffer.alloc(values.length * (type === FLOAT ? 4 : 8));
  values.forEach((v, i) => (type === FLOAT ? raw.writeFloatLE(v, i * 4) : raw.writeBigInt64LE(BigInt(v), i * 8)));
  return msg(field, ...dims.map((d) => int(1, d)), int(2, type), str(8, name), bytes(9, raw));
};
const attrInt = (name, value) => msg(5, str(1, name), int(3, value), int(20, 2));
const node = (op, inputs, outputs, ...attrs) =>
  msg(1, ...inputs.map((s) => str(1, s)), ...outputs.map((s) => str(2, s)), str(3, outputs[0]), str(4, op), ...attrs);
const valueInfo = (field, name, dims) =>
  msg(field, str(1, name), msg(2, msg(1, int(1, FLOAT), msg(2, ...dims.map((d) => msg(1, typeof d === "number" ? int(1, d) : str(2, d)))))));

const INT64_MAX = 2n ** 63n - 1n;
const graph = (window) => Buffer.concat([
  node("Shape", ["window"], ["shape"]),
  node("Gather", ["shape", "one"], ["width"], attrInt("axis", 0)),
  node("Div", ["width", "two"], ["half"]),
  node("Add", ["half", "one"], ["k"]),
  node("TopK", ["window", "k"], ["sorted", "sorted_idx"], attrInt("axis", 1), attrInt("largest", 1), attrInt("sorted", 1)),
  node("Slice", ["sorted", "minus_one", "int64_max", "one"], ["median"]),
  node("Slice", ["window", "minus_one", "int64_max", "one"], ["last"]),
  node("Sub", ["last", "median"], ["dev"]),
  node("Abs", ["dev"], ["abs_dev"]),
  node("Gemm", ["abs_dev", "dense_w", "dense_b"], ["logit"]),
  node("Sigmoid", ["logit"], ["score"]),
  str(2, "anomaly"),
  tensor(5, "one", INT64, [1], [1]),
  tensor(5, "two", INT64, [1], [2]),
  tensor(5, "minus_one", INT64, [1], [-1]),
  tensor(5, "int64_max", INT64, [1], [INT64_MAX]),
  tensor(5, "dense_w", FLOAT, [1, 1], [STEEPNESS]),
  tensor(5, "dense_b", FLOAT, [1], [-STEEPNESS * THRESHOLD]),
  valueInfo(11, "window", ["rows", window ?? "window"]),
  valueInfo(12, "score", ["rows", 1]),
]);

/**
 * The model's bytes; deterministic, so a test can compare them with the committed
 * file. `window` fixes the input's second dimension (default: any window size).
 */
export const anomalyModel = ({ window } = {}) =>
  Buffer.concat([
    int(1, 7), // ir_version 7 goes with opset 13
    str(2, "sim make-anomaly-model.mjs"),
    str(3, "1"),
    str(6, `median deviation anomaly score: sigmoid(${STEEPNESS} * (|last - median| - ${THRESHOLD}))`),
    msg(7, graph(window)),
    msg(8, str(1, ""), int(2, 13)),
  ]);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? fileURLToPath(new URL("anomaly.onnx", import.meta.url));
  writeFileSync(out, anomalyModel());
  console.log(`wrote ${out}`);
}
