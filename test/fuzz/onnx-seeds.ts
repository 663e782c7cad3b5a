/**
 * Small seed models for the ONNX fuzzer, a few kilobytes each so thousands of mutants
 * load in seconds: a GhostNet-shaped graph (stem ConvBN → ghost module → SE block →
 * shortcut add → decomposed hard-swish → 1×1 conv → pool → Gemm → softmax) with the shape
 * arithmetic Paddle2ONNX writes (Shape → Gather → Unsqueeze → Concat → Reshape), in the
 * two storage styles of DESIGN.md §3: opset 9 with weights as Constant nodes, and opset 13
 * with weights as initializers and Clip/Unsqueeze operands as inputs.
 */
import { attr, constantNode, encodeModel, type WriterNode, type WriterTensor } from "../../src/loader/writer.js";
import { Rng } from "./mutate.js";

export type SeedStyle = "constants-opset9" | "initializers-opset13";

/** [N, 3, H, W] → [N, 5] probabilities; N, H and W are dynamic. */
export function tinyGhostLikeModel(style: SeedStyle, seed = 1): Uint8Array {
  const rng = new Rng(seed);
  const weights: WriterTensor[] = [];
  const nodes: WriterNode[] = [];
  const legacy = style === "constants-opset9";
  const weight = (name: string, dims: number[], scale = 0.5): string => {
    const size = dims.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: size }, () => (rng.next() * 2 - 1) * scale);
    weights.push({ name, dtype: "float32", dims, data });
    return name;
  };
  const ints = (name: string, data: number[]): string => {
    weights.push({ name, dtype: "int64", dims: [data.length], data });
    return name;
  };
  const scalar = (name: string, value: number): string => {
    weights.push({ name, dtype: "float32", dims: [], data: [value] });
    return name;
  };
  const node = (opType: string, inputs: string[], outputs: string[], attributes?: WriterNode["attributes"]): string => {
    nodes.push({ opType, inputs, outputs, name: `${opType}.${nodes.length}`, attributes });
    return outputs[0]!;
  };
  const batchNorm = (x: string, c: number, out: string): string =>
    node(
      "BatchNormalization",
      [x, weight(`${out}_scale`, [c]), weight(`${out}_offset`, [c]), weight(`${out}_mean`, [c], 0.1), positive(`${out}_var`, c)],
      [out],
      { epsilon: attr.float(1e-5) },
    );
  const positive = (name: string, c: number): string => {
    weights.push({ name, dtype: "float32", dims: [c], data: Array.from({ length: c }, () => 0.5 + rng.next()) });
    return name;
  };
  const conv = (x: string, w: string, out: string, k: number, stride: number, group: number, bias?: string): string =>
    node("Conv", bias ? [x, w, bias] : [x, w], [out], {
      kernel_shape: attr.ints([k, k]),
      strides: attr.ints([stride, stride]),
      pads: attr.ints(Array(4).fill((k - 1) >> 1)),
      dilations: attr.ints([1, 1]),
      group: attr.int(group),
    });
  const clip = (x: string, lo: number, hi: number, out: string): string =>
    legacy
      ? node("Clip", [x], [out], { min: attr.float(lo), max: attr.float(hi) })
      : node("Clip", [x, scalar(`${out}_min`, lo), scalar(`${out}_max`, hi)], [out]);

  // Stem: ConvBN 3×3 stride 2, relu. [N, 3, H, W] → [N, 8, H/2, W/2]
  conv("x", weight("conv1_weights", [8, 3, 3, 3]), "conv1.tmp", 3, 2, 1);
  node("Relu", [batchNorm("conv1.tmp", 8, "conv1_bn")], ["conv1.out"]);
  // Ghost module: primary 1×1 8→4, cheap depthwise 3×3 4→4, concat → 8 channels.
  conv("conv1.out", weight("primary_weights", [4, 8, 1, 1]), "primary.tmp", 1, 1, 1);
  node("Relu", [batchNorm("primary.tmp", 4, "primary_bn")], ["primary.out"]);
  conv("primary.out", weight("cheap_weights", [4, 1, 3, 3]), "cheap.tmp", 3, 1, 4);
  node("Relu", [batchNorm("cheap.tmp", 4, "cheap_bn")], ["cheap.out"]);
  node("Concat", ["primary.out", "cheap.out"], ["ghost.out"], { axis: attr.int(1) });
  // SE: pool → reshape to [N, 8] (shape arithmetic) → linear 8→2 → relu → linear 2→8 → clip(0, 1).
  node("GlobalAveragePool", ["ghost.out"], ["se.pool"]);
  node("Shape", ["se.pool"], ["se.shape"]);
  node("Gather", ["se.shape", ints("zero", [0])], ["se.n"], { axis: attr.int(0) });
  node("Concat", ["se.n", ints("eight", [8])], ["se.newshape"], { axis: attr.int(0) });
  node("Reshape", ["se.pool", "se.newshape"], ["se.flat"]);
  node("MatMul", ["se.flat", weight("se_1_weights", [8, 2])], ["se.fc1"]);
  node("Add", ["se.fc1", weight("se_1_offset", [2])], ["se.fc1b"]);
  node("Relu", ["se.fc1b"], ["se.relu"]);
  node("MatMul", ["se.relu", weight("se_2_weights", [2, 8])], ["se.fc2"]);
  node("Add", ["se.fc2", weight("se_2_offset", [8])], ["se.fc2b"]);
  clip("se.fc2b", 0, 1, "se.gate");
  if (legacy) node("Unsqueeze", ["se.gate"], ["se.gate4"], { axes: attr.ints([2, 3]) });
  else node("Unsqueeze", ["se.gate", ints("axes23", [2, 3])], ["se.gate4"]);
  node("Mul", ["ghost.out", "se.gate4"], ["se.out"]);
  node("Add", ["se.out", "conv1.out"], ["block.out"]);
  // Hard-swish as Paddle2ONNX decomposes it: x · clip(x + 3, 0, 6) / 6.
  node("Add", ["block.out", scalar("three", 3)], ["hs.add"]);
  clip("hs.add", 0, 6, "hs.clip");
  node("Mul", ["block.out", "hs.clip"], ["hs.mul"]);
  node("Div", ["hs.mul", scalar("six", 6)], ["hs.out"]);
  // Head: 1×1 conv 8→16 with bias, max pool, global pool, flatten, Gemm 16→5, softmax.
  conv("hs.out", weight("last_weights", [16, 8, 1, 1]), "last.out", 1, 1, 1, weight("last_bias", [16], 0.1));
  node("MaxPool", ["last.out"], ["last.pool"], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
  node("GlobalAveragePool", ["last.pool"], ["gap.out"]);
  node("Flatten", ["gap.out"], ["flat.out"], { axis: attr.int(1) });
  node("Gemm", ["flat.out", weight("fc_weights", [16, 5]), weight("fc_offset", [5], 0.1)], ["logits"], {
    alpha: attr.float(1),
    beta: attr.float(1),
  });
  node("Softmax", ["logits"], ["softmax_0.tmp_0"], { axis: attr.int(1) });

  const dynamic = ["p2o.DynamicDimension.0", 3, "p2o.DynamicDimension.1", "p2o.DynamicDimension.2"];
  return new Uint8Array(encodeModel({
    opset: legacy ? 9 : 13,
    nodes: legacy ? [...weights.map((w) => constantNode(w.name!, w)), ...nodes] : nodes,
    initializers: legacy ? [] : weights,
    inputs: [{ name: "x", shape: dynamic }],
    outputs: [{ name: "softmax_0.tmp_0", shape: ["p2o.DynamicDimension.0", 5] }],
  }));
}

/**
 * A graph of the ops whose output sizes come from constant operands (the place where a
 * hostile file would ask for a huge allocation): Pad, Slice, Resize (scales and sizes),
 * Expand, Tile, ConstantOfShape, Range, Reshape, Transpose, Split, Gather, ReduceMean,
 * Where, Cast, AveragePool and ConvTranspose. Opset 13, operands as initializers.
 * [1, 2, H, W] → [1, 4] with H, W dynamic (the seed runs at 32×32).
 */
export function shapeOpsModel(): Uint8Array {
  const inits: WriterTensor[] = [];
  const nodes: WriterNode[] = [];
  const ints = (name: string, data: number[]): string => {
    inits.push({ name, dtype: "int64", dims: [data.length], data });
    return name;
  };
  const floats = (name: string, dims: number[], data: number[]): string => {
    inits.push({ name, dtype: "float32", dims, data });
    return name;
  };
  const scalarInt = (name: string, value: number): string => {
    inits.push({ name, dtype: "int64", dims: [], data: [value] });
    return name;
  };
  const node = (opType: string, inputs: string[], outputs: string[], attributes?: WriterNode["attributes"]): string => {
    nodes.push({ opType, inputs, outputs, name: `${opType}.${nodes.length}`, attributes });
    return outputs[0]!;
  };
  node("Pad", ["x", ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])], ["padded"], { mode: attr.string("constant") });
  node("Slice", ["padded", ints("starts", [1, 1]), ints("ends", [-1, -1]), ints("axes", [2, 3]), ints("steps", [1, 1])], ["sliced"]);
  node("Resize", ["sliced", "", floats("scales", [4], [1, 1, 0.5, 0.5])], ["half"], { mode: attr.string("linear") });
  node("Resize", ["half", "", "", ints("sizes", [1, 2, 8, 8])], ["eight"], { mode: attr.string("nearest") });
  node("ConvTranspose", ["eight", floats("deconv_w", [2, 2, 2, 2], Array(16).fill(0.25))], ["up"], {
    strides: attr.ints([2, 2]),
  });
  node("AveragePool", ["up"], ["pooled"], { kernel_shape: attr.ints([4, 4]), strides: attr.ints([4, 4]) });
  node("Expand", ["pooled", ints("expand_to", [1, 2, 4, 4])], ["expanded"]);
  node("Tile", ["expanded", ints("repeats", [1, 2, 1, 1])], ["tiled"]);
  node("Reshape", ["tiled", ints("to_2d", [1, -1])], ["flat"]);
  node("Split", ["flat", ints("split", [32, 32])], ["part0", "part1"], { axis: attr.int(1) });
  node("Transpose", ["part0"], ["part0t"], { perm: attr.ints([1, 0]) });
  node("Gather", ["part0t", ints("rows", [0, 5, 9, 31])], ["picked"], { axis: attr.int(0) });
  node("ConstantOfShape", [ints("cos_shape", [4, 1])], ["ones"], {
    value: attr.tensor({ dtype: "float32", dims: [1], data: [1] }),
  });
  node("Range", [scalarInt("r_start", 0), scalarInt("r_limit", 4), scalarInt("r_delta", 1)], ["range"]);
  node("Cast", ["range"], ["range_f"], { to: attr.int(1) });
  node("Unsqueeze", ["range_f", ints("axis1", [1])], ["range_col"]);
  node("Greater", ["picked", floats("zero", [], [0])], ["positive"]);
  node("Where", ["positive", "picked", "ones"], ["chosen"]);
  node("Add", ["chosen", "range_col"], ["shifted"]);
  node("ReduceMean", ["part1"], ["mean"], { axes: attr.ints([1]), keepdims: attr.int(1) });
  node("Transpose", ["shifted"], ["row"], { perm: attr.ints([1, 0]) });
  node("Mul", ["row", "mean"], ["y"]);
  return new Uint8Array(
    encodeModel({
      opset: 13,
      nodes,
      initializers: inits,
      inputs: [{ name: "x", shape: [1, 2, "h", "w"] }],
      outputs: [{ name: "y", shape: [1, 4] }],
    }),
  );
}
