/**
 * Writes a GhostNet weight map as an ONNX file the way Paddle2ONNX writes PaddleClas
 * GhostNet (DESIGN.md §3), in three vintages:
 *
 * - `legacy` (Paddle2ONNX 1.x, opset 9, IR 4): weights as `Constant` nodes and an empty
 *   initializer list; Squeeze/Unsqueeze axes and Clip bounds as attributes; node names
 *   `p2o.Conv.0`; input `x` [p2o.DynamicDimension.0, 3, 224, 224]; linear = MatMul + Add;
 *   dropout = Identity; the softmax is followed by the `save_infer_model/scale_0.tmp_1`
 *   Identity that the saved inference program's scale op becomes.
 * - `modern` (Paddle2ONNX 2.x, opset 13): weights as initializers; axes and clip bounds as
 *   inputs; names `Conv.0`, `DynamicDimension.0`; output `softmax_0.tmp_0`.
 * - `fused` (after an optimiser such as onnxsim, opset 11): BatchNorm folded into the Conv
 *   weight and bias, automatic parameter names (`conv2d_5.w_0`, `conv2d_5.b_0`,
 *   `linear_0.w_0`), linear layers as Gemm, flatten as Flatten.
 *
 * The graph mirrors PaddleClas's forward op by op: Conv → BatchNormalization → Relu;
 * GhostModule = two ConvBNs → Concat; SE = GlobalAveragePool → Squeeze → MatMul → Add →
 * Relu → MatMul → Add → Clip(0, 1) → Unsqueeze → Mul; bottleneck = … → Add(shortcut).
 */
import { foldBatchNormIntoConv } from "../ops/batchnorm.js";
import { Tensor } from "../tensor/tensor.js";
import { attr, constantNode, encodeModel, type WriterNode, type WriterTensor } from "../loader/writer.js";
import {
  BN_EPSILON,
  type BottleneckConfig,
  type ConvBnSpec,
  type GhostNetConfig,
  type LinearSpec,
  bottleneckSpecs,
  convWeightShape,
  parameterLayers,
} from "./config.js";
import { type GhostNetWeights, batchNormWeights, paramNames, requireWeight } from "./weights.js";

/**
 * How a GhostNet is written: as Paddle2ONNX 1.x does (`legacy`: Constant nodes), as 2.x does
 * (`modern`: initializers), or with BatchNorm folded into the convs (`fused`, as onnxsim leaves it).
 */
export type FixtureStyle = "legacy" | "modern" | "fused";

/** Options of `exportGhostNetOnnx`. */
export interface ExportOptions {
  style: FixtureStyle;
  /** Input height/width written in the graph input; "dynamic" writes string dims (default 224). */
  inputSize?: number | "dynamic";
  /** Name of the softmax output (default by style). */
  outputName?: string;
  /**
   * PaddleClas layer names whose activations become extra graph outputs (for comparing
   * intermediates with a reference engine): any ConvBN name, `{gm}` (a GhostModule's
   * concat), `{block}_se`, `{block}` (a bottleneck's sum), `pool2d_gap`, `fc_1` (logits).
   */
  extraOutputs?: readonly string[];
  /** Leave the final softmax out, so the graph output is the logits (default false). */
  withoutSoftmax?: boolean;
  /**
   * Paddle's automatic parameter names (`conv2d_0.w_0`, `batch_norm_0.w_0` … `.w_2`,
   * `linear_0.w_0`) instead of PaddleClas's, as a model built without ParamAttr names
   * exports. Always on for the `fused` style.
   */
  automaticNames?: boolean;
}

/** Emits nodes and constants with Paddle-like value names and per-style conventions. */
class GraphEmitter {
  readonly nodes: WriterNode[] = [];
  readonly initializers: WriterTensor[] = [];
  /** PaddleClas layer name → the value that holds its output. */
  readonly layerOutputs = new Map<string, string>();
  private readonly nodeCounts = new Map<string, number>();
  private readonly valueCounts = new Map<string, number>();
  private readonly paramCounts = new Map<string, number>();

  constructor(readonly style: FixtureStyle, readonly opset: number, readonly automaticNames: boolean) {}

  /** A parameter's name: PaddleClas's, or Paddle's automatic `{kind}_{i}.{suffix}`. */
  paramName(paddleClasName: string, automatic: string): string {
    return this.automaticNames ? automatic : paddleClasName;
  }

  /** A fresh Paddle-style temporary name, e.g. `conv2d_3.tmp_0`. */
  value(paddleOp: string, suffix = "tmp_0"): string {
    const n = this.valueCounts.get(paddleOp) ?? 0;
    this.valueCounts.set(paddleOp, n + 1);
    return paddleOp === "tmp" ? `tmp_${n}` : `${paddleOp}_${n}.${suffix}`;
  }

  /** Index for an automatic parameter name (`conv2d_{i}`, `linear_{i}`). */
  paramIndex(kind: string): number {
    const n = this.paramCounts.get(kind) ?? 0;
    this.paramCounts.set(kind, n + 1);
    return n;
  }

  node(opType: string, inputs: string[], output: string, attributes: WriterNode["attributes"] = {}): string {
    const n = this.nodeCounts.get(opType) ?? 0;
    this.nodeCounts.set(opType, n + 1);
    const prefix = this.style === "legacy" ? "p2o." : "";
    this.nodes.push({ opType, inputs, outputs: [output], name: `${prefix}${opType}.${n}`, attributes });
    return output;
  }

  /** A constant tensor: a Constant node (legacy) or an initializer. */
  constant(name: string, tensor: Omit<WriterTensor, "name">): string {
    if (this.style === "legacy") {
      const n = this.nodeCounts.get("Constant") ?? 0;
      this.nodeCounts.set("Constant", n + 1);
      this.nodes.push(constantNode(name, tensor, `p2o.Constant.${n}`));
    } else {
      this.initializers.push({ ...tensor, name });
    }
    return name;
  }

  float(name: string, dims: readonly number[], data: Float32Array): string {
    return this.constant(name, { dtype: "float32", dims, data });
  }

  /** A small helper constant (axes, bounds, shapes), named `p2o.helper.constant.N` as Paddle2ONNX does. */
  helper(dtype: "int64" | "float32", dims: readonly number[], data: readonly number[]): string {
    const n = this.valueCounts.get("p2o.helper.constant") ?? 0;
    this.valueCounts.set("p2o.helper.constant", n + 1);
    return this.constant(`p2o.helper.constant.${n}`, { dtype, dims, data });
  }
}

function foldedData(f: { weight: Tensor; bias: Tensor }): { weight: Float32Array; bias: Float32Array } {
  return { weight: f.weight.data, bias: f.bias.data };
}

function emitConvBn(g: GraphEmitter, weights: GhostNetWeights, spec: ConvBnSpec, x: string): string {
  const wShape = convWeightShape(spec);
  const w = requireWeight(weights, spec.name, paramNames.weights(spec.name), wShape);
  const bn = batchNormWeights(weights, spec.name, spec.out);
  const pad = (spec.kernel - 1) >> 1;
  const convAttrs = {
    dilations: attr.ints([1, 1]),
    group: attr.int(spec.groups),
    kernel_shape: attr.ints([spec.kernel, spec.kernel]),
    pads: attr.ints([pad, pad, pad, pad]),
    strides: attr.ints([spec.stride, spec.stride]),
  };
  let y: string;
  if (g.style === "fused") {
    const folded =
      bn === undefined
        ? { weight: w, bias: requireWeight(weights, spec.name, paramNames.foldedBias(spec.name), [spec.out]) }
        : foldedData(foldBatchNormIntoConv(new Tensor(wShape, w), undefined, bn.scale, bn.offset, bn.mean, bn.variance, BN_EPSILON));
    const i = g.paramIndex("conv2d");
    const wName = g.float(`conv2d_${i}.w_0`, wShape, folded.weight);
    const bName = g.float(`conv2d_${i}.b_0`, [spec.out], folded.bias);
    y = g.node("Conv", [x, wName, bName], g.value("conv2d"), convAttrs);
  } else {
    if (bn === undefined) throw new Error(`${g.style} fixtures need BatchNorm parameters for ${spec.name}`);
    const i = g.paramIndex("conv2d");
    const wName = g.float(g.paramName(paramNames.weights(spec.name), `conv2d_${i}.w_0`), wShape, w);
    const conv = g.node("Conv", [x, wName], g.value("conv2d"), convAttrs);
    const j = g.paramIndex("batch_norm");
    const bnInputs = [
      conv,
      g.float(g.paramName(paramNames.bnScale(spec.name), `batch_norm_${j}.w_0`), [spec.out], bn.scale),
      g.float(g.paramName(paramNames.bnOffset(spec.name), `batch_norm_${j}.b_0`), [spec.out], bn.offset),
      g.float(g.paramName(paramNames.bnMean(spec.name), `batch_norm_${j}.w_1`), [spec.out], bn.mean),
      g.float(g.paramName(paramNames.bnVariance(spec.name), `batch_norm_${j}.w_2`), [spec.out], bn.variance),
    ];
    y = g.node("BatchNormalization", bnInputs, g.value("batch_norm", "tmp_3"), {
      epsilon: attr.float(BN_EPSILON),
      momentum: attr.float(0.9),
    });
  }
  if (spec.relu) y = g.node("Relu", [y], g.value("relu"));
  g.layerOutputs.set(spec.name, y);
  return y;
}

function emitLinear(g: GraphEmitter, weights: GhostNetWeights, spec: LinearSpec, x: string): string {
  const w = requireWeight(weights, spec.name, paramNames.weights(spec.name), [spec.in, spec.out]);
  const b = requireWeight(weights, spec.name, paramNames.offset(spec.name), [spec.out]);
  let y: string;
  if (g.style === "fused") {
    const i = g.paramIndex("linear");
    const wName = g.float(`linear_${i}.w_0`, [spec.in, spec.out], w);
    const bName = g.float(`linear_${i}.b_0`, [spec.out], b);
    y = g.node("Gemm", [x, wName, bName], g.value("linear"), {
      alpha: attr.float(1),
      beta: attr.float(1),
      transA: attr.int(0),
      transB: attr.int(0),
    });
  } else {
    const i = g.paramIndex("linear");
    const wName = g.float(g.paramName(paramNames.weights(spec.name), `linear_${i}.w_0`), [spec.in, spec.out], w);
    const bName = g.float(g.paramName(paramNames.offset(spec.name), `linear_${i}.b_0`), [spec.out], b);
    const product = g.node("MatMul", [x, wName], g.value("linear"));
    y = g.node("Add", [product, bName], g.value("linear", "tmp_1"));
  }
  g.layerOutputs.set(spec.name, y);
  return y;
}

/** Squeeze/Unsqueeze on axes [2, 3]: attribute before opset 13, int64 input from 13. */
function emitAxesOp(g: GraphEmitter, opType: "Squeeze" | "Unsqueeze", x: string): string {
  const paddleOp = opType.toLowerCase();
  if (g.opset >= 13) return g.node(opType, [x, g.helper("int64", [2], [2, 3])], g.value(paddleOp));
  return g.node(opType, [x], g.value(paddleOp), { axes: attr.ints([2, 3]) });
}

/** Clip(0, 1): bounds as attributes before opset 11, scalar inputs from 11. */
function emitClip(g: GraphEmitter, x: string): string {
  if (g.opset >= 11) {
    return g.node("Clip", [x, g.helper("float32", [], [0]), g.helper("float32", [], [1])], g.value("clip"));
  }
  return g.node("Clip", [x], g.value("clip"), { min: attr.float(0), max: attr.float(1) });
}

function emitBottleneck(g: GraphEmitter, weights: GhostNetWeights, b: BottleneckConfig, input: string): string {
  const specs = bottleneckSpecs(b);
  let x = input;
  let shortcut = input;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    if (spec.kind === "linear") {
      // SEBlock: pool → squeeze → linear → relu → linear → clip(0,1) → unsqueeze → multiply.
      const seInput = x;
      const pooled = g.node("GlobalAveragePool", [seInput], g.value("pool2d"));
      let s = emitAxesOp(g, "Squeeze", pooled);
      s = g.node("Relu", [emitLinear(g, weights, spec, s)], g.value("relu"));
      s = emitClip(g, emitLinear(g, weights, specs[++i] as LinearSpec, s));
      s = emitAxesOp(g, "Unsqueeze", s);
      x = g.node("Mul", [seInput, s], g.value("tmp"));
      g.layerOutputs.set(`${b.name}_se`, x);
    } else if (spec.name.startsWith(`${b.name}_shortcut`)) {
      shortcut = emitConvBn(g, weights, spec, shortcut);
    } else {
      x = emitConvBn(g, weights, spec, x);
      if (spec.name.endsWith("_cheap_operation")) {
        const primary = g.layerOutputs.get(spec.name.replace(/_cheap_operation$/, "_primary_conv"))!;
        x = g.node("Concat", [primary, x], g.value("concat"), { axis: attr.int(1) });
        g.layerOutputs.set(spec.name.replace(/_cheap_operation$/, ""), x);
      }
    }
  }
  const sum = g.node("Add", [x, shortcut], g.value("tmp"));
  g.layerOutputs.set(b.name, sum);
  return sum;
}

const OPSET: Record<FixtureStyle, number> = { legacy: 9, modern: 13, fused: 11 };

/**
 * Serialises `weights` for `config` as a Paddle2ONNX-style GhostNet ONNX file; also returns
 * which value holds each PaddleClas layer's output (for `extraOutputs`).
 */
export function exportGhostNetOnnx(
  config: GhostNetConfig,
  weights: GhostNetWeights,
  options: ExportOptions,
): { bytes: Uint8Array; layerOutputs: ReadonlyMap<string, string> } {
  const { style } = options;
  const g = new GraphEmitter(style, OPSET[style], style === "fused" || options.automaticNames === true);
  const specs = parameterLayers(config);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const convSpec = (name: string): ConvBnSpec => byName.get(name) as ConvBnSpec;

  let x = emitConvBn(g, weights, convSpec("conv1"), "x");
  for (const b of config.bottlenecks) x = emitBottleneck(g, weights, b, x);
  x = emitConvBn(g, weights, convSpec("conv_last"), x);
  x = g.node("GlobalAveragePool", [x], g.value("pool2d"));
  g.layerOutputs.set("pool2d_gap", x);
  x = emitConvBn(g, weights, convSpec("fc_0"), x);
  if (style === "legacy") x = g.node("Identity", [x], g.value("dropout"));
  if (style === "fused") {
    x = g.node("Flatten", [x], g.value("flatten"), { axis: attr.int(1) });
  } else {
    x = g.node("Reshape", [x, g.helper("int64", [2], [-1, config.fc0])], g.value("reshape2"));
  }
  x = emitLinear(g, weights, byName.get("fc_1") as LinearSpec, x);

  const defaultOutput = style === "legacy" ? "save_infer_model/scale_0.tmp_1" : "softmax_0.tmp_0";
  const outputName = options.outputName ?? defaultOutput;
  if (options.withoutSoftmax) {
    x = g.node("Identity", [x], outputName);
  } else if (style === "legacy") {
    const probabilities = g.node("Softmax", [x], "softmax_0.tmp_0", { axis: attr.int(1) });
    x = g.node("Identity", [probabilities], outputName);
  } else {
    x = g.node("Softmax", [x], outputName, style === "modern" ? { axis: attr.int(-1) } : {});
  }
  g.layerOutputs.set("softmax", x);

  const dynamic = style === "legacy" ? "p2o.DynamicDimension" : "DynamicDimension";
  const size = options.inputSize ?? 224;
  const spatial = size === "dynamic" ? [`${dynamic}.1`, `${dynamic}.2`] : [size, size];
  const outputs: { name: string; shape?: (string | number)[] }[] = [
    { name: outputName, shape: [`${dynamic}.0`, config.classCount] },
  ];
  for (const layer of options.extraOutputs ?? []) {
    const value = g.layerOutputs.get(layer);
    if (value === undefined) throw new Error(`no GhostNet layer named ${layer} to export as an output`);
    outputs.push({ name: value });
  }
  const bytes = encodeModel({
    opset: g.opset,
    producerName: "PaddlePaddle",
    producerVersion: style === "legacy" ? "1.0.0" : "2.0.0",
    graphName: "Model from PaddlePaddle.",
    nodes: g.nodes,
    inputs: [{ name: "x", shape: [`${dynamic}.0`, config.inputChannels, ...spatial] }],
    outputs,
    initializers: g.initializers,
  });
  return { bytes, layerOutputs: g.layerOutputs };
}
