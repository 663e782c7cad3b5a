/**
 * Weight binding: a decoded Paddle2ONNX file (`OnnxModel`) → GhostNet config + weight map,
 * whatever the file's vintage (DESIGN.md §3).
 *
 * 1. The graph must be made of GhostNet's ops only (Conv, BatchNormalization, Relu,
 *    Concat, GlobalAveragePool, Squeeze, MatMul/Gemm, Add, Clip(0, 1), Unsqueeze, Mul,
 *    Reshape/Flatten, Softmax, Identity/Dropout).
 * 2. Each parameterised layer (parameterLayers(config): every ConvBN and Linear in
 *    execution order) is matched to its node: by PaddleClas parameter name when the file
 *    has them (`conv1_weights` feeds conv1's Conv), otherwise by structure: the i-th
 *    Conv/MatMul/Gemm with a constant weight, in graph order, is the i-th layer.
 * 3. The scale is read off the weight shapes (conv_last's width is md(960·s); every
 *    scale in that interval is tried until all shapes match) and the class count off fc_1.
 * 4. Each layer's tensors are read from its node and neighbours: the Conv's weight (and
 *    bias, when an optimiser folded the BatchNorm into it), the BatchNormalization that
 *    consumes it, MatMul's weight and the Add after it, or Gemm's B and C.
 */
import { ModelValidationError, ShapeError } from "../errors.js";
import type { OnnxModel, OnnxNode } from "../loader/model.js";
import { foldBatchNormIntoConv } from "../ops/batchnorm.js";
import { type AnyTensor, Tensor, isFloatTensor, formatShape, shapesEqual } from "../tensor/tensor.js";
import {
  BN_EPSILON,
  type ConvBnSpec,
  type GhostNetConfig,
  type LinearSpec,
  type ParameterLayerSpec,
  convWeightShape,
  ghostNetConfig,
  parameterLayers,
} from "./config.js";
import { GhostNet } from "./ghostnet.js";
import { type WeightTensor, paramNames } from "./weights.js";

/** Op types a Paddle2ONNX GhostNet contains (Constant nodes are already in `constants`). */
const GHOSTNET_OPS = new Set([
  "Conv", "BatchNormalization", "Relu", "Concat", "GlobalAveragePool", "Squeeze", "Unsqueeze",
  "MatMul", "Gemm", "Add", "Clip", "Mul", "Reshape", "Flatten", "Softmax", "Identity", "Dropout",
  // Shape arithmetic some exports feed Reshape with (the typed network reshapes by itself).
  "Shape", "Cast", "Slice", "Gather", "Concat",
]);

export interface GhostNetBinding {
  config: GhostNetConfig;
  weights: Map<string, WeightTensor>;
  /** "names" when PaddleClas parameter names were found, "structure" otherwise. */
  matchedBy: "names" | "structure";
  /** Whether the file ends in a softmax (else its output is fc_1's logits). */
  hasSoftmax: boolean;
}

/** Thrown inside binding; turned into a reason string. */
class NotGhostNet extends Error {}

function fail(reason: string): never {
  throw new NotGhostNet(reason);
}

/** The graph's structure, indexed for lookups. */
class GraphIndex {
  readonly consumers = new Map<string, OnnxNode[]>();
  constructor(readonly model: OnnxModel) {
    for (const node of model.graph.nodes) {
      for (const input of node.inputs) {
        const list = this.consumers.get(input);
        if (list) list.push(node);
        else this.consumers.set(input, [node]);
      }
    }
  }

  constant(name: string | undefined): AnyTensor | undefined {
    return name === undefined || name === "" ? undefined : this.model.graph.constants.get(name);
  }

  floatConstant(name: string, what: string): WeightTensor {
    const t = this.constant(name);
    if (t === undefined) fail(`${what} (${name}) is not a constant`);
    if (!isFloatTensor(t)) fail(`${what} (${name}) is ${t.dtype}, expected float32`);
    return t;
  }

  /** The single consumer of `value`, if exactly one node reads it. */
  soleConsumer(value: string): OnnxNode | undefined {
    const list = this.consumers.get(value);
    return list !== undefined && list.length === 1 ? list[0] : undefined;
  }

  /** Conv / MatMul / Gemm nodes whose weight (input 1) is a constant, in graph order. */
  parameterNodes(): OnnxNode[] {
    return this.model.graph.nodes.filter(
      (n) => (n.opType === "Conv" || n.opType === "MatMul" || n.opType === "Gemm") && this.constant(n.inputs[1]) !== undefined,
    );
  }
}

function intsAttribute(node: OnnxNode, name: string, fallback: number[]): number[] {
  const v = node.attributes.get(name);
  return Array.isArray(v) ? (v as number[]) : fallback;
}

function numberAttribute(node: OnnxNode, name: string, fallback: number): number {
  const v = node.attributes.get(name);
  return typeof v === "number" ? v : fallback;
}

/** The shape a layer's weight has in the file: Conv [out, in/g, k, k]; linear [in, out] (Gemm transB undone). */
function observedWeightShape(g: GraphIndex, node: OnnxNode): readonly number[] {
  const shape = g.constant(node.inputs[1])!.shape;
  if (node.opType === "Gemm" && numberAttribute(node, "transB", 0) === 1 && shape.length === 2) return [shape[1]!, shape[0]!];
  return shape;
}

function expectedWeightShape(spec: ParameterLayerSpec): number[] {
  return spec.kind === "convbn" ? convWeightShape(spec) : [spec.in, spec.out];
}

/** The first layer whose node differs from `specs` in op kind or weight shape, described; undefined when all match. */
function firstMismatch(g: GraphIndex, specs: readonly ParameterLayerSpec[], nodes: readonly OnnxNode[]): string | undefined {
  for (let i = 0; i < Math.min(specs.length, nodes.length); i++) {
    const [spec, node] = [specs[i]!, nodes[i]!];
    const kind = spec.kind === "convbn" ? "Conv" : "MatMul/Gemm";
    if ((spec.kind === "convbn") !== (node.opType === "Conv")) return `layer ${spec.name} should be a ${kind}, found ${node.opType} ${node.name}`;
    const found = observedWeightShape(g, node);
    const expected = expectedWeightShape(spec);
    if (!shapesEqual(found, expected)) return `layer ${spec.name} (${node.name}) has weight ${formatShape(found)}, expected ${formatShape(expected)}`;
  }
  if (specs.length !== nodes.length) return `it has ${nodes.length} Conv/MatMul/Gemm layers with weights, expected ${specs.length}`;
  return undefined;
}

/**
 * The config whose layers match `nodeFor` (layer → node) for some scale: every scale
 * with md(960·s) = conv_last's width is tried, finest steps first near common scales.
 */
function findConfig(
  g: GraphIndex,
  lastConv: number,
  classCount: number,
  nodesFor: (config: GhostNetConfig) => OnnxNode[] | undefined,
): GhostNetConfig {
  const candidates = [0.5, 0.75, 1.0, 1.3, 1.5, 2.0];
  const low = (lastConv - 2) / 960;
  const high = (lastConv + 2) / 960;
  for (let i = 0; i <= 400; i++) candidates.push(low + ((high - low) * i) / 400);
  let closest: string | undefined;
  for (const scale of candidates) {
    if (!(scale > 0)) continue;
    const config = ghostNetConfig(Math.round(scale * 1e4) / 1e4, classCount);
    if (config.lastConv !== lastConv) continue;
    const nodes = nodesFor(config);
    const mismatch = nodes === undefined ? "a layer's PaddleClas-named weight is missing" : firstMismatch(g, parameterLayers(config), nodes);
    if (mismatch === undefined) return config;
    closest ??= `at x${config.scale}: ${mismatch}`;
  }
  fail(`its layer widths follow no GhostNet scale (conv_last has ${lastConv} channels; ${closest ?? "no scale gives that width"})`);
}

function checkOps(g: GraphIndex): void {
  const model = g.model;
  const foreign = [...new Set(model.graph.nodes.map((n) => n.opType).filter((t) => !GHOSTNET_OPS.has(t)))];
  if (foreign.length > 0) fail(`it uses ops GhostNet does not have: ${foreign.slice(0, 5).join(", ")}`);
  if (model.graph.inputs.length !== 1) fail(`it has ${model.graph.inputs.length} inputs, GhostNet has one`);
  if (model.graph.outputs.length !== 1) fail(`it has ${model.graph.outputs.length} outputs, GhostNet has one`);
  const shape = model.graph.inputs[0]!.shape;
  if (shape !== undefined && (shape.length !== 4 || (typeof shape[1] === "number" && shape[1] !== 3))) {
    fail(`its input has shape [${shape.join(", ")}], GhostNet takes [N, 3, H, W]`);
  }
  for (const node of model.graph.nodes.filter((n) => n.opType === "Clip")) {
    const bound = (index: number, attribute: string): number | undefined => {
      const t = g.constant(node.inputs[index]);
      if (t !== undefined) return t.data.length === 1 ? t.data[0] : undefined;
      const v = node.attributes.get(attribute);
      return typeof v === "number" ? v : undefined;
    };
    if (bound(1, "min") !== 0 || bound(2, "max") !== 1) fail(`Clip node ${node.name} is not clip(0, 1) as in GhostNet's SE block`);
  }
}

/** Reads one ConvBN's tensors from its Conv node (and the BatchNormalization after it). */
function bindConvBn(g: GraphIndex, spec: ConvBnSpec, conv: OnnxNode, weights: Map<string, WeightTensor>): void {
  const pad = (spec.kernel - 1) >> 1;
  const ok =
    numberAttribute(conv, "group", 1) === spec.groups &&
    shapesEqual(intsAttribute(conv, "strides", [1, 1]), [spec.stride, spec.stride]) &&
    shapesEqual(intsAttribute(conv, "pads", [0, 0, 0, 0]), [pad, pad, pad, pad]) &&
    shapesEqual(intsAttribute(conv, "dilations", [1, 1]), [1, 1]);
  if (!ok) fail(`Conv node ${conv.name} (${spec.name}) does not have GhostNet's stride ${spec.stride}, padding ${pad}, groups ${spec.groups}`);
  const weight = g.floatConstant(conv.inputs[1]!, `weight of ${conv.name}`);
  weights.set(paramNames.weights(spec.name), weight);
  const convBias = conv.inputs[2] ? g.floatConstant(conv.inputs[2], `bias of ${conv.name}`) : undefined;
  const bnNode = g.soleConsumer(conv.outputs[0]!);
  if (bnNode?.opType !== "BatchNormalization") {
    // BatchNorm already folded into the conv (onnxsim-style), or none at all.
    weights.set(paramNames.foldedBias(spec.name), convBias ?? { shape: [spec.out], data: new Float32Array(spec.out) });
    return;
  }
  const [scale, offset, mean, variance] = [1, 2, 3, 4].map((i) => g.floatConstant(bnNode.inputs[i]!, `input ${i} of ${bnNode.name}`));
  for (const t of [scale!, offset!, mean!, variance!]) {
    if (!shapesEqual(t.shape, [spec.out])) fail(`BatchNormalization ${bnNode.name} (${spec.name}) has a parameter of shape ${formatShape(t.shape)}, expected [${spec.out}]`);
  }
  const epsilon = numberAttribute(bnNode, "epsilon", 1e-5);
  // Paddle2ONNX stores ε as float32 (9.99999975e-6): equal to 1e-5 within float32 rounding.
  if (convBias === undefined && Math.abs(epsilon - BN_EPSILON) <= 1e-6 * BN_EPSILON) {
    weights.set(paramNames.bnScale(spec.name), scale!);
    weights.set(paramNames.bnOffset(spec.name), offset!);
    weights.set(paramNames.bnMean(spec.name), mean!);
    weights.set(paramNames.bnVariance(spec.name), variance!);
    return;
  }
  // Another epsilon or a conv bias: fold here, y = γ(conv + b − μ)/√(σ²+ε) + β.
  const folded = foldBatchNormIntoConv(new Tensor(weight.shape, weight.data), convBias?.data, scale!.data, offset!.data, mean!.data, variance!.data, epsilon);
  weights.set(paramNames.weights(spec.name), folded.weight);
  weights.set(paramNames.foldedBias(spec.name), folded.bias);
}

/** Reads one Linear's weight [in, out] and bias from MatMul (+ Add) or Gemm. */
function bindLinear(g: GraphIndex, spec: LinearSpec, node: OnnxNode, weights: Map<string, WeightTensor>): void {
  const b = g.floatConstant(node.inputs[1]!, `weight of ${node.name}`);
  let weight: WeightTensor = b;
  let bias: WeightTensor | undefined;
  if (node.opType === "Gemm") {
    const alpha = numberAttribute(node, "alpha", 1);
    const beta = numberAttribute(node, "beta", 1);
    if (numberAttribute(node, "transA", 0) !== 0) fail(`Gemm ${node.name} (${spec.name}) has transA = 1`);
    if (numberAttribute(node, "transB", 0) === 1 || alpha !== 1) {
      const transposed = new Float32Array(spec.in * spec.out);
      const transB = numberAttribute(node, "transB", 0) === 1;
      for (let i = 0; i < spec.in; i++) {
        for (let o = 0; o < spec.out; o++) transposed[i * spec.out + o] = alpha * b.data[transB ? o * spec.in + i : i * spec.out + o]!;
      }
      weight = { shape: [spec.in, spec.out], data: transposed };
    }
    if (node.inputs[2]) {
      const c = g.floatConstant(node.inputs[2], `bias of ${node.name}`);
      if (c.data.length !== spec.out) fail(`Gemm ${node.name} (${spec.name}) has bias of shape ${formatShape(c.shape)}, expected [${spec.out}]`);
      bias = { shape: [spec.out], data: beta === 1 ? c.data : c.data.map((v) => v * beta) };
    }
  } else {
    const add = g.soleConsumer(node.outputs[0]!);
    const other = add?.opType === "Add" ? add.inputs.find((name) => name !== node.outputs[0]) : undefined;
    const c = other !== undefined ? g.constant(other) : undefined;
    if (c !== undefined && isFloatTensor(c) && c.data.length === spec.out) bias = { shape: [spec.out], data: c.data };
  }
  weights.set(paramNames.weights(spec.name), weight);
  weights.set(paramNames.offset(spec.name), bias ?? { shape: [spec.out], data: new Float32Array(spec.out) });
}

/** Matches layers to nodes by PaddleClas parameter name (`{layer}_weights` feeds the layer's node). */
function nodesByName(g: GraphIndex, config: GhostNetConfig): OnnxNode[] | undefined {
  const nodes: OnnxNode[] = [];
  for (const spec of parameterLayers(config)) {
    const node = g.consumers.get(paramNames.weights(spec.name))?.find((n) => n.opType === "Conv" || n.opType === "MatMul" || n.opType === "Gemm");
    if (node === undefined) return undefined;
    nodes.push(node);
  }
  return nodes;
}

/** The value a ConvBN's result leaves by: Conv → (BatchNormalization) → (Relu). */
function convBnOutput(g: GraphIndex, conv: OnnxNode): string {
  let value = conv.outputs[0]!;
  for (const opType of ["BatchNormalization", "Relu"]) {
    const next = g.soleConsumer(value);
    if (next?.opType === opType && next.inputs[0] === value) value = next.outputs[0]!;
  }
  return value;
}

/**
 * Checks that the matched Convs are wired as in GhostNet, so that layers with equal
 * weight shapes (a bottleneck's first primary conv and its shortcut conv can be) are not
 * swapped: conv1 reads the graph input; each cheap operation reads its primary conv; the
 * shortcut depthwise reads the block input (which the first ghost module also reads), and
 * the shortcut conv reads the shortcut depthwise.
 */
function checkWiring(g: GraphIndex, config: GhostNetConfig, convs: ReadonlyMap<string, OnnxNode>): void {
  const node = (layer: string): OnnxNode => convs.get(layer)!;
  const reads = (layer: string, value: string, what: string): void => {
    if (node(layer).inputs[0] !== value) fail(`layer ${layer} (${node(layer).name}) does not read ${what} as in GhostNet`);
  };
  reads("conv1", g.model.graph.inputs[0]!.name, "the graph input");
  for (const b of config.bottlenecks) {
    for (const m of ["ghost_module_1", "ghost_module_2"]) {
      const primary = `${b.name}_${m}_primary_conv`;
      reads(`${b.name}_${m}_cheap_operation`, convBnOutput(g, node(primary)), `${primary}'s output`);
    }
    if (!b.identityShortcut) {
      const blockInput = node(`${b.name}_ghost_module_1_primary_conv`).inputs[0]!;
      reads(`${b.name}_shortcut_depthwise_depthwise`, blockInput, "the block input");
      reads(`${b.name}_shortcut_conv`, convBnOutput(g, node(`${b.name}_shortcut_depthwise_depthwise`)), "the shortcut depthwise output");
    }
  }
}

function bind(model: OnnxModel): GhostNetBinding {
  const g = new GraphIndex(model);
  checkOps(g);
  const byName = model.graph.constants.has("conv1_weights");
  const ordered = g.parameterNodes();
  if (ordered.length < 4) fail(`it has only ${ordered.length} Conv/MatMul/Gemm layers with constant weights`);
  let lastConv: number;
  let classCount: number;
  if (byName) {
    const convLast = g.constant(paramNames.weights("conv_last"));
    const fc1 = g.consumers.get(paramNames.weights("fc_1"))?.[0];
    if (convLast === undefined || fc1 === undefined) fail("it has conv1_weights but no conv_last_weights or fc_1_weights");
    lastConv = convLast.shape[0]!;
    classCount = observedWeightShape(g, fc1)[1]!;
  } else {
    const fc0 = ordered[ordered.length - 2]!;
    const fc1 = ordered[ordered.length - 1]!;
    if (fc0.opType !== "Conv" || fc1.opType === "Conv") fail("it does not end in a 1×1 Conv (fc_0) and a linear layer (fc_1)");
    lastConv = observedWeightShape(g, fc0)[1]!;
    classCount = observedWeightShape(g, fc1)[1]!;
  }
  const config = findConfig(g, lastConv, classCount, (c) => (byName ? nodesByName(g, c) : ordered));
  const nodes = byName ? nodesByName(g, config)! : ordered;
  const specs = parameterLayers(config);
  checkWiring(g, config, new Map(specs.map((spec, i) => [spec.name, nodes[i]!])));
  const weights = new Map<string, WeightTensor>();
  specs.forEach((spec, i) => {
    if (spec.kind === "convbn") bindConvBn(g, spec, nodes[i]!, weights);
    else bindLinear(g, spec, nodes[i]!, weights);
  });
  const softmaxCount = model.graph.nodes.filter((n) => n.opType === "Softmax").length;
  const seCount = config.bottlenecks.filter((b) => b.se).length;
  const clipCount = model.graph.nodes.filter((n) => n.opType === "Clip").length;
  if (clipCount !== seCount) fail(`it has ${clipCount} Clip nodes, GhostNet x${config.scale} has ${seCount} SE blocks`);
  if (softmaxCount > 1) fail(`it has ${softmaxCount} Softmax nodes`);
  return { config, weights, matchedBy: byName ? "names" : "structure", hasSoftmax: softmaxCount === 1 };
}

/** The binding, or the reason the file is not a GhostNet this builder can run. */
export function bindGhostNet(model: OnnxModel): { binding: GhostNetBinding } | { reason: string } {
  try {
    return { binding: bind(model) };
  } catch (error) {
    if (error instanceof NotGhostNet || error instanceof ShapeError) return { reason: error.message };
    throw error;
  }
}

/** The reason `model` is not a GhostNet, or undefined when it is one. */
export function whyNotGhostNet(model: OnnxModel): string | undefined {
  const result = bindGhostNet(model);
  return "reason" in result ? result.reason : undefined;
}

/** The typed GhostNet for a decoded file, or null when the file is not a GhostNet. */
export function tryBuildGhostNet(model: OnnxModel): GhostNet | null {
  const result = bindGhostNet(model);
  if ("reason" in result) return null;
  return new GhostNet(result.binding.config, result.binding.weights);
}

/** The typed GhostNet; throws ModelValidationError saying why when the file is not one. */
export function buildGhostNet(model: OnnxModel): { net: GhostNet; binding: GhostNetBinding } {
  const result = bindGhostNet(model);
  if ("reason" in result) throw new ModelValidationError([`engine "ghostnet": this model is not a PaddleClas GhostNet: ${result.reason}`]);
  return { net: new GhostNet(result.binding.config, result.binding.weights), binding: result.binding };
}
