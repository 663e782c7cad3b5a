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
 * 4. The network's dataflow is replayed over the graph (DataflowWalk below): every node
 *    GhostNet's forward pass depends on is checked for op type, attributes (per opset),
 *    exact inputs, and the walk must end at the graph output, so a file that computes
 *    anything else is refused (and engine "auto" runs it with the graph executor).
 * 5. Each layer's tensors are read from its node and neighbours: the Conv's weight (and
 *    bias, when an optimiser folded the BatchNorm into it), the BatchNormalization that
 *    consumes it, MatMul's weight and the Add after it, or Gemm's B and C.
 */
import { ModelValidationError, ShapeError } from "../errors.js";
import type { OnnxModel, OnnxNode } from "../loader/model.js";
import { foldBatchNormIntoConv } from "../ops/batchnorm.js";
import { type AnyTensor, Tensor, isFloatTensor, formatShape, shapesEqual } from "../tensor/tensor.js";
import {
  BN_EPSILON,
  type BottleneckConfig,
  type ConvBnSpec,
  type GhostNetConfig,
  type LinearSpec,
  type ParameterLayerSpec,
  bottleneckSpecs,
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
  "Shape", "Cast", "Slice", "Gather",
]);

/** A GhostNet found in a decoded file: its configuration, its weights by PaddleClas name, and how they were found. */
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
  const weight = g.constant(node.inputs[1]);
  if (weight === undefined) fail(`the weight of ${node.opType} ${node.name} (${node.inputs[1] ?? "none"}) is not a constant`);
  const shape = weight.shape;
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
  const input = model.graph.inputs[0]!;
  if (input.dtype !== "float32") fail(`its input ${input.name} is ${input.onnxType ?? input.dtype}, GhostNet takes float32`);
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
    const name = paramNames.weights(spec.name);
    const node = g.consumers.get(name)?.find((n) => (n.opType === "Conv" || n.opType === "MatMul" || n.opType === "Gemm") && n.inputs[1] === name);
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
 * the shortcut conv reads the shortcut depthwise. (A quick first check with pointed
 * messages; the DataflowWalk below checks every node.)
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

// ── Dataflow check: the file must compute exactly what the typed network computes ──
//
// Starting at the graph input, GhostNet's forward pass is replayed over the file: at each
// step the node that must come next is looked up among the consumers of the current value
// and checked for op type, domain, every attribute that changes its result (per the file's
// opset) and its exact inputs. Every value the walk reads must be produced by the node the
// walk expects, and the walk must end at the graph output; so a file that computes anything
// else (another activation, swapped operands, another axis, another output) is refused.

/** Which attributes each walked op may carry (anything else is refused, so nothing is silently ignored). */
const KNOWN_ATTRIBUTES: Record<string, readonly string[]> = {
  Conv: ["dilations", "group", "kernel_shape", "pads", "strides", "auto_pad"],
  BatchNormalization: ["epsilon", "momentum", "spatial", "training_mode", "is_test"],
  Relu: [],
  Concat: ["axis"],
  GlobalAveragePool: [],
  Squeeze: ["axes"],
  Unsqueeze: ["axes"],
  Flatten: ["axis"],
  Reshape: ["allowzero"],
  MatMul: [],
  Gemm: ["alpha", "beta", "transA", "transB"],
  Add: [],
  Mul: [],
  Clip: ["min", "max"],
  Softmax: ["axis"],
  Identity: [],
  Dropout: ["ratio", "seed", "is_test"],
};

class DataflowWalk {
  /** Value name → the node that produces it. */
  private readonly producer = new Map<string, OnnxNode>();

  constructor(private readonly g: GraphIndex, private readonly opset: number) {
    const model = g.model;
    const inputName = model.graph.inputs[0]!.name;
    for (const node of model.graph.nodes) {
      for (const output of node.outputs) {
        if (output === "") continue;
        if (this.producer.has(output) || model.graph.constants.has(output) || output === inputName) {
          fail(`value ${output} is produced twice (node ${node.name})`);
        }
        this.producer.set(output, node);
      }
    }
  }

  /** Checks a walked node's domain, attribute names and types, and that it has one used output. */
  private checkNode(node: OnnxNode, opType: string, where: string): void {
    if (node.opType !== opType) fail(`${where}: expected ${opType}, found ${node.opType} ${node.name}`);
    if (node.domain !== "" && node.domain !== "ai.onnx") fail(`${where}: node ${node.name} is in domain ${node.domain}`);
    const known = KNOWN_ATTRIBUTES[opType] ?? [];
    for (const name of node.attributes.keys()) {
      if (!known.includes(name)) fail(`${where}: ${opType} ${node.name} has attribute ${name}, which GhostNet's ${opType} does not`);
    }
    if (opType !== "Dropout" && node.outputs.length !== 1) fail(`${where}: ${opType} ${node.name} has ${node.outputs.length} outputs`);
  }

  /** The one node of `opType` that reads `value` as input `position`; refuses none or several. */
  private next(value: string, opType: string, where: string, position = 0): OnnxNode {
    const found = (this.g.consumers.get(value) ?? []).filter((n) => n.opType === opType && n.inputs[position] === value);
    if (found.length !== 1) {
      const others = (this.g.consumers.get(value) ?? []).map((n) => `${n.opType} ${n.name}`).join(", ");
      fail(`${where}: expected one ${opType} reading ${value}, found ${found.length} (consumers: ${others || "none"})`);
    }
    this.checkNode(found[0]!, opType, where);
    return found[0]!;
  }

  /** The one `opType` node reading exactly [x] (Relu, GlobalAveragePool); returns its output. */
  private unary(x: string, opType: string, where: string): string {
    const node = this.next(x, opType, where);
    this.inputsAre(node, [x], where);
    return node.outputs[0]!;
  }

  private int(node: OnnxNode, name: string, fallback: number): number {
    const v = node.attributes.get(name);
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isInteger(v)) fail(`${node.opType} ${node.name}: attribute ${name} is not an integer`);
    return v;
  }

  private float(node: OnnxNode, name: string, fallback: number): number {
    const v = node.attributes.get(name);
    if (v === undefined) return fallback;
    if (typeof v !== "number") fail(`${node.opType} ${node.name}: attribute ${name} is not a number`);
    return v;
  }

  private ints(node: OnnxNode, name: string): number[] | undefined {
    const v = node.attributes.get(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((e) => typeof e === "number")) fail(`${node.opType} ${node.name}: attribute ${name} is not a list of integers`);
    return v as number[];
  }

  /** A constant input's values as numbers (int64 or float), or undefined when it is not a constant. */
  private constantValues(name: string | undefined): { shape: readonly number[]; values: number[] } | undefined {
    const t = this.g.constant(name);
    if (t === undefined) return undefined;
    return { shape: t.shape, values: Array.from(t.data as ArrayLike<number | bigint>, Number) };
  }

  /** The inputs must be exactly `expected` (value names, in order; "" = omitted optional). */
  private inputsAre(node: OnnxNode, expected: readonly string[], where: string): void {
    const actual = [...node.inputs];
    while (actual.length > expected.length && actual[actual.length - 1] === "") actual.pop();
    if (actual.length !== expected.length || actual.some((v, i) => v !== expected[i])) {
      fail(`${where}: ${node.opType} ${node.name} reads [${node.inputs.join(", ")}], expected [${expected.join(", ")}]`);
    }
  }

  /** Conv → (BatchNormalization) → (Relu) of one ConvBN reading `x`; returns its output. */
  convBn(spec: ConvBnSpec, conv: OnnxNode, x: string): string {
    const where = `layer ${spec.name}`;
    this.checkNode(conv, "Conv", where);
    if (conv.inputs[0] !== x) fail(`${where} (${conv.name}) does not read ${x} as in GhostNet (reads ${conv.inputs[0]})`);
    this.inputsAre(conv, conv.inputs[2] ? [x, conv.inputs[1]!, conv.inputs[2]] : [x, conv.inputs[1]!], where);
    if (conv.inputs[2]) {
      const bias = this.g.constant(conv.inputs[2]);
      if (bias === undefined || !isFloatTensor(bias) || !shapesEqual(bias.shape, [spec.out])) fail(`${where}: Conv ${conv.name}'s bias is not a float32 constant [${spec.out}]`);
    }
    const autoPad = conv.attributes.get("auto_pad");
    if (autoPad !== undefined && autoPad !== "NOTSET") fail(`${where}: Conv ${conv.name} has auto_pad ${String(autoPad)}`);
    const kernel = this.ints(conv, "kernel_shape");
    if (kernel !== undefined && !shapesEqual(kernel, [spec.kernel, spec.kernel])) fail(`${where}: Conv ${conv.name} has kernel_shape [${kernel.join(", ")}], expected ${spec.kernel}×${spec.kernel}`);
    const pad = (spec.kernel - 1) >> 1;
    const ok =
      this.int(conv, "group", 1) === spec.groups &&
      shapesEqual(this.ints(conv, "strides") ?? [1, 1], [spec.stride, spec.stride]) &&
      shapesEqual(this.ints(conv, "pads") ?? [0, 0, 0, 0], [pad, pad, pad, pad]) &&
      shapesEqual(this.ints(conv, "dilations") ?? [1, 1], [1, 1]);
    if (!ok) fail(`Conv node ${conv.name} (${spec.name}) does not have GhostNet's stride ${spec.stride}, padding ${pad}, groups ${spec.groups}, dilation 1`);
    let y = conv.outputs[0]!;
    const bn = this.g.soleConsumer(y);
    if (bn?.opType === "BatchNormalization") {
      this.checkNode(bn, "BatchNormalization", where);
      this.inputsAre(bn, [y, ...bn.inputs.slice(1, 5)], where);
      if (bn.inputs.length !== 5) fail(`${where}: BatchNormalization ${bn.name} has ${bn.inputs.length} inputs`);
      if (this.int(bn, "training_mode", 0) !== 0) fail(`${where}: BatchNormalization ${bn.name} is in training mode`);
      if (this.int(bn, "spatial", 1) !== 1) fail(`${where}: BatchNormalization ${bn.name} is not spatial`);
      this.float(bn, "epsilon", 1e-5);
      y = bn.outputs[0]!;
    }
    if (spec.relu) y = this.unary(y, "Relu", where);
    return y;
  }

  /** MatMul (+ Add bias) or Gemm of one Linear reading `x` ([N, in]); returns its output. */
  linear(spec: LinearSpec, node: OnnxNode, x: string): string {
    const where = `layer ${spec.name}`;
    if (node.opType !== "MatMul" && node.opType !== "Gemm") fail(`${where}: expected MatMul or Gemm, found ${node.opType} ${node.name}`);
    this.checkNode(node, node.opType, where);
    // bindLinear reads the bias only from a float32 constant [out] (or [1, out], the same broadcast).
    const biasShapeOk = (name: string | undefined): boolean => {
      const c = this.g.constant(name);
      return c !== undefined && isFloatTensor(c) && (shapesEqual(c.shape, [spec.out]) || shapesEqual(c.shape, [1, spec.out]));
    };
    if (node.opType === "Gemm") {
      this.inputsAre(node, node.inputs[2] ? [x, node.inputs[1]!, node.inputs[2]] : [x, node.inputs[1]!], where);
      if (node.inputs[2] && !biasShapeOk(node.inputs[2])) fail(`${where}: Gemm ${node.name}'s bias is not a constant [${spec.out}]`);
      for (const a of ["transA", "transB"]) if (![0, 1].includes(this.int(node, a, 0))) fail(`${where}: Gemm ${node.name} has ${a} ${this.int(node, a, 0)}`);
      this.float(node, "alpha", 1);
      this.float(node, "beta", 1);
      return node.outputs[0]!;
    }
    this.inputsAre(node, [x, node.inputs[1]!], where);
    const product = node.outputs[0]!;
    const add = this.g.soleConsumer(product);
    if (add?.opType !== "Add") return product;
    const other = add.inputs[0] === product ? add.inputs[1] : add.inputs[0];
    if (add.inputs.length !== 2 || !biasShapeOk(other)) return product;
    this.checkNode(add, "Add", where);
    return add.outputs[0]!;
  }

  /** Squeeze/Unsqueeze on axes [2, 3] of a 4-D / 2-D value (attribute before opset 13, input from 13). */
  private axesOp(x: string, opType: "Squeeze" | "Unsqueeze", where: string): string {
    const node = this.next(x, opType, where);
    let axes: number[] | undefined;
    if (this.opset >= 13) {
      if (node.attributes.has("axes")) fail(`${where}: ${opType} ${node.name} has an axes attribute, which opset ${this.opset} does not have`);
      axes = this.constantValues(node.inputs[1])?.values;
      this.inputsAre(node, [x, node.inputs[1] ?? ""], where);
    } else {
      axes = this.ints(node, "axes");
      if (node.inputs.length > 1) fail(`${where}: ${opType} ${node.name} has an axes input, which opset ${this.opset} does not read (axes is an attribute before 13)`);
    }
    // Squeeze reads a 4-D [N, C, 1, 1] (−2, −1 are 2, 3); Unsqueeze writes a 4-D one.
    const normal = (axes ?? []).map((a) => (a < 0 ? a + 4 : a)).sort();
    if (!shapesEqual(normal, [2, 3])) fail(`${where}: ${opType} ${node.name} is not on axes [2, 3] (opset ${this.opset})`);
    return node.outputs[0]!;
  }

  /** Clip(0, 1): bounds as attributes before opset 11, as constant inputs from 11. */
  private clip01(x: string, where: string): string {
    const node = this.next(x, "Clip", where);
    let low: number | undefined;
    let high: number | undefined;
    if (this.opset >= 11) {
      if (node.attributes.size > 0) fail(`${where}: Clip ${node.name} has attributes, which opset ${this.opset} does not read`);
      const bound = (name: string | undefined): number | undefined => {
        const c = this.constantValues(name);
        return c !== undefined && c.values.length === 1 && c.shape.length === 0 ? c.values[0] : undefined;
      };
      low = bound(node.inputs[1]);
      high = bound(node.inputs[2]);
      this.inputsAre(node, [x, node.inputs[1] ?? "", node.inputs[2] ?? ""], where);
    } else {
      low = this.float(node, "min", -Infinity);
      high = this.float(node, "max", Infinity);
      this.inputsAre(node, [x], where);
    }
    if (low !== 0 || high !== 1) fail(`Clip node ${node.name} is not clip(0, 1) as in GhostNet's SE block (opset ${this.opset})`);
    return node.outputs[0]!;
  }

  /** A commutative binary op (Add, Mul) of exactly `a` and `b`, in either order. */
  private binary(a: string, b: string, opType: "Add" | "Mul", where: string): string {
    const found = (this.g.consumers.get(a) ?? []).filter(
      (n) => n.opType === opType && n.inputs.length === 2 && ((n.inputs[0] === a && n.inputs[1] === b) || (n.inputs[0] === b && n.inputs[1] === a)),
    );
    if (found.length !== 1) fail(`${where}: expected one ${opType} of ${a} and ${b}, found ${found.length}`);
    this.checkNode(found[0]!, opType, where);
    return found[0]!.outputs[0]!;
  }

  /** Skips Identity / inference-mode Dropout nodes after `x` when one is its only consumer. */
  private passThrough(x: string, stopAt: string): string {
    for (;;) {
      if (x === stopAt) return x;
      const node = this.g.soleConsumer(x);
      if (node === undefined || (node.opType !== "Identity" && node.opType !== "Dropout") || node.inputs[0] !== x) return x;
      this.checkNode(node, node.opType, "pass-through");
      if (node.opType === "Dropout") {
        this.inputsAre(node, [x], "dropout");
        if (this.int(node, "is_test", 1) !== 1) fail(`Dropout ${node.name} is not in inference mode`);
      } else this.inputsAre(node, [x], "identity");
      x = node.outputs[0]!;
    }
  }

  /** [N, C, 1, 1] → [N, C]: Squeeze(2, 3), Flatten(axis 1) or Reshape to [−1 or 0, C]. */
  private flatten(x: string, channels: number, where: string): string {
    const node = this.g.soleConsumer(x);
    if (node?.opType === "Squeeze") return this.axesOp(x, "Squeeze", where);
    if (node?.opType === "Flatten") {
      this.checkNode(node, "Flatten", where);
      this.inputsAre(node, [x], where);
      if (this.int(node, "axis", 1) !== 1) fail(`${where}: Flatten ${node.name} is not on axis 1`);
      return node.outputs[0]!;
    }
    if (node?.opType === "Reshape") {
      this.checkNode(node, "Reshape", where);
      this.inputsAre(node, [x, node.inputs[1] ?? ""], where);
      const target = this.constantValues(node.inputs[1])?.values;
      const allowZero = this.int(node, "allowzero", 0);
      const ok = target !== undefined && target.length === 2 && target[1] === channels && (target[0] === -1 || (target[0] === 0 && allowZero === 0));
      if (!ok) fail(`${where}: Reshape ${node.name} does not reshape to [N, ${channels}] with a constant target`);
      return node.outputs[0]!;
    }
    fail(`${where}: expected Squeeze, Flatten or Reshape reading ${x}, found ${node ? `${node.opType} ${node.name}` : "none or several"}`);
  }

  /** GlobalAveragePool → flatten → Linear → Relu → Linear → Clip(0, 1) → Unsqueeze → Mul(x, scale). */
  private se(b: BottleneckConfig, x: string, first: LinearSpec, second: LinearSpec, nodeOf: (name: string) => OnnxNode): string {
    const where = `${b.name}'s SE block`;
    const pooled = this.unary(x, "GlobalAveragePool", where);
    let s = this.flatten(pooled, b.hidden, where);
    s = this.linear(first, nodeOf(first.name), s);
    s = this.unary(s, "Relu", where);
    s = this.linear(second, nodeOf(second.name), s);
    s = this.clip01(s, where);
    s = this.axesOp(s, "Unsqueeze", where);
    return this.binary(x, s, "Mul", where);
  }

  private bottleneck(b: BottleneckConfig, input: string, nodeOf: (name: string) => OnnxNode): string {
    const specs = bottleneckSpecs(b);
    let x = input;
    let shortcut = input;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!;
      if (spec.kind === "linear") {
        x = this.se(b, x, spec, specs[++i] as LinearSpec, nodeOf);
      } else if (spec.name.startsWith(`${b.name}_shortcut`)) {
        shortcut = this.convBn(spec, nodeOf(spec.name), shortcut);
      } else {
        const before = x;
        x = this.convBn(spec, nodeOf(spec.name), x);
        if (spec.name.endsWith("_cheap_operation")) {
          // GhostModule: concat([primary, cheap], channels): primary first.
          const where = `${spec.name.replace(/_cheap_operation$/, "")}'s Concat`;
          const concat = this.next(before, "Concat", where, 0);
          this.inputsAre(concat, [before, x], where);
          const axis = this.int(concat, "axis", Number.NaN);
          if (axis !== 1 && axis !== -3) fail(`${where}: Concat ${concat.name} is on axis ${axis}, expected 1`);
          x = concat.outputs[0]!;
        }
      }
    }
    return this.binary(x, shortcut, "Add", `${b.name}'s residual Add`);
  }

  /** Walks the whole network; returns whether the graph output is the softmax (else the logits). */
  network(config: GhostNetConfig, nodeOf: (name: string) => OnnxNode): { hasSoftmax: boolean } {
    const layer = (name: string): ConvBnSpec => parameterLayers(config).find((s) => s.name === name) as ConvBnSpec;
    const output = this.g.model.graph.outputs[0]!.name;
    let x = this.convBn(layer("conv1"), nodeOf("conv1"), this.g.model.graph.inputs[0]!.name);
    for (const b of config.bottlenecks) x = this.bottleneck(b, x, nodeOf);
    x = this.convBn(layer("conv_last"), nodeOf("conv_last"), x);
    x = this.unary(x, "GlobalAveragePool", "the final pooling");
    x = this.convBn(layer("fc_0"), nodeOf("fc_0"), x);
    x = this.passThrough(x, output);
    x = this.flatten(x, config.fc0, "the flatten before fc_1");
    const fc1 = parameterLayers(config).find((s) => s.name === "fc_1") as LinearSpec;
    x = this.passThrough(this.linear(fc1, nodeOf("fc_1"), x), output);
    let hasSoftmax = false;
    if (x !== output) {
      const softmax = this.next(x, "Softmax", "the output");
      this.inputsAre(softmax, [x], "the output");
      // On the [N, classes] logits, axis 1 and −1 are both the class axis in every opset.
      const axis = this.int(softmax, "axis", this.opset >= 13 ? -1 : 1);
      if (axis !== 1 && axis !== -1) fail(`Softmax ${softmax.name} is on axis ${axis}, expected the class axis`);
      x = this.passThrough(softmax.outputs[0]!, output);
      hasSoftmax = true;
    }
    if (x !== output) fail(`the graph output ${output} is not GhostNet's ${hasSoftmax ? "softmax" : "logits"} (${x})`);
    return { hasSoftmax };
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
  // Every node the network depends on, checked for op, attributes, inputs and the graph output.
  const layerNodes = new Map(specs.map((spec, i) => [spec.name, nodes[i]!]));
  checkWiring(g, config, layerNodes);
  const { hasSoftmax } = new DataflowWalk(g, model.opset).network(config, (name) => layerNodes.get(name)!);
  const weights = new Map<string, WeightTensor>();
  specs.forEach((spec, i) => {
    if (spec.kind === "convbn") bindConvBn(g, spec, nodes[i]!, weights);
    else bindLinear(g, spec, nodes[i]!, weights);
  });
  // The typed network folds BatchNorm and reorders sums, which keeps finite results within
  // rounding but not where a parameter is NaN or ±∞ (or folding overflows): those files run as written.
  for (const [name, tensor] of weights) {
    const data = tensor.data;
    let check = 0; // v − v is 0 for finite v, NaN for NaN and ±∞; a NaN makes the sum NaN
    for (let i = 0; i < data.length; i++) check += data[i]! - data[i]!;
    if (check !== 0) fail(`parameter ${name} has a NaN or infinite value (after folding its BatchNorm)`);
  }
  const softmaxCount = model.graph.nodes.filter((n) => n.opType === "Softmax").length;
  const seCount = config.bottlenecks.filter((b) => b.se).length;
  const clipCount = model.graph.nodes.filter((n) => n.opType === "Clip").length;
  if (clipCount !== seCount) fail(`it has ${clipCount} Clip nodes, GhostNet x${config.scale} has ${seCount} SE blocks`);
  if (softmaxCount > 1) fail(`it has ${softmaxCount} Softmax nodes`);
  return { config, weights, matchedBy: byName ? "names" : "structure", hasSoftmax };
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
