/**
 * Load-time graph rewrites. Each keeps the graph's outputs exactly as they were (up to
 * float rounding) and makes the run cheaper:
 *
 *   1. prune:         drop nodes no graph output depends on
 *   2. fold constants: evaluate nodes whose inputs are all constants, once
 *   3. fold BatchNorm: Conv(x, W, b) → BN(γ, β, μ, σ², ε) becomes Conv(x, W', b') with
 *                      s = γ / √(σ² + ε),  W'[m] = W[m]·s[m],  b'[m] = (b[m] − μ[m])·s[m] + β[m]
 *                      (when the Conv output has no other reader)
 *   3b. fold affine:  Conv → Mul(s) → Add(t) with constant scalar or per-channel s, t (PP-LCNetV3's
 *                      learnable affine blocks) becomes Conv(x, W·s, b·s + t)
 *   3c. affine in:    Mul(s) → Add(t) with constant scalars (either alone too) feeding a Conv
 *                      that reads no padding becomes Conv(x, W·s, b + t·ΣW), ΣW per output
 *                      channel (the blocks that follow an activation, before a 1×1 conv)
 *   4. hard-swish:    Paddle2ONNX's decomposition Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6)
 *                      becomes one HardSwish(x)
 *   5. fuse:          Conv → Relu | Clip | HardSigmoid | HardSwish | Sigmoid becomes a Conv
 *                      with that activation in its epilogue (when the Conv output has one reader)
 */
import type { OnnxModel, OnnxValueInfo } from "../loader/model.js";
import { topologicalOrder } from "../loader/validate.js";
import { foldBatchNormIntoConv } from "../ops/batchnorm.js";
import { Tensor, type AnyTensor } from "../tensor/tensor.js";
import { NodeAttributes } from "./attributes.js";
import type { ActivationSpec, ExecNode, OpDefinition, ValueMeta } from "./op-types.js";
import { allocateValue } from "./plan.js";

export interface RewriteOptions {
  /** Evaluate nodes whose inputs are all constants at load (default true). */
  foldConstants?: boolean;
  /** Fold BatchNormalization and constant affine maps into the neighbouring Conv (default true). */
  foldBatchNorm?: boolean;
  /** Fuse decomposed hard-swish and Conv → activation (default true). */
  fuseActivations?: boolean;
  /** Largest element count of any tensor computed at load or in a run (default 2^28), checked before allocating. */
  maxTensorElements?: number;
}

export interface ExecGraph {
  nodes: ExecNode[];
  constants: Map<string, AnyTensor>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** ONNX's Clip defaults before opset 11 (float32's range). */
const FLOAT_MAX = 3.4028234663852886e38;

export function rewriteGraph(model: OnnxModel, opTable: Readonly<Record<string, OpDefinition>>, options: RewriteOptions = {}): ExecGraph {
  const graph: ExecGraph = {
    nodes: model.graph.nodes.map((n) => ({ ...n, inputs: n.inputs.slice(), outputs: n.outputs.slice() })),
    constants: new Map(model.graph.constants),
    inputs: model.graph.inputs,
    outputs: model.graph.outputs,
  };
  const available = new Set([...graph.inputs.map((i) => i.name), ...graph.constants.keys()]);
  graph.nodes = topologicalOrder(graph.nodes, available).order;
  prune(graph);
  if (options.foldConstants ?? true) foldConstants(graph, opTable, model.opset, options.maxTensorElements ?? 2 ** 28);
  if (options.foldBatchNorm ?? true) {
    foldBatchNorms(graph);
    foldAffineIntoConvs(graph);
    foldScalarAffineIntoNextConvs(graph);
  }
  if (options.fuseActivations ?? true) {
    fuseHardSwish(graph, model.opset);
    fuseConvActivations(graph, model.opset);
  }
  prune(graph);
  return graph;
}

/** How many times each value is read (graph outputs count as readers). */
function readerCounts(graph: ExecGraph): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (name: string): void => {
    if (name !== "") counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  for (const node of graph.nodes) node.inputs.forEach(add);
  for (const output of graph.outputs) add(output.name);
  return counts;
}

/** The one node that reads `name`, if exactly one does and it is not a graph output. */
function soleReader(graph: ExecGraph, counts: Map<string, number>, name: string): ExecNode | undefined {
  if (counts.get(name) !== 1) return undefined;
  if (graph.outputs.some((o) => o.name === name)) return undefined;
  return graph.nodes.find((n) => n.inputs.includes(name));
}

/** Drops nodes whose outputs nothing needs, and constants nothing reads. */
function prune(graph: ExecGraph): void {
  const needed = new Set(graph.outputs.map((o) => o.name));
  const kept: ExecNode[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((o) => needed.has(o))) continue;
    kept.push(node);
    for (const input of node.inputs) needed.add(input);
  }
  graph.nodes = kept.reverse();
  for (const name of [...graph.constants.keys()]) if (!needed.has(name)) graph.constants.delete(name);
}

function foldConstants(graph: ExecGraph, opTable: Readonly<Record<string, OpDefinition>>, opset: number, maxElements: number): void {
  const remaining: ExecNode[] = [];
  for (const node of graph.nodes) {
    const define = opTable[node.opType];
    const inputs = node.inputs.map((n) => (n === "" ? undefined : graph.constants.get(n)));
    const foldable = define !== undefined && node.inputs.every((n, i) => n === "" || inputs[i] !== undefined);
    if (!foldable) {
      remaining.push(node);
      continue;
    }
    try {
      const metas = inputs.map((v): ValueMeta | undefined => (v === undefined ? undefined : { shape: v.shape, dtype: v.dtype, value: v }));
      // Folded once: no weight layouts worth keeping.
      const plan = define(node, opset, { packWeights: false })(metas);
      let values = plan.values;
      const tooLarge = plan.outputs.some((o) => o.shape.reduce((a, b) => a * b, 1) > maxElements);
      if (tooLarge) throw new Error("left to the planner, which reports the limit");
      if (values === undefined) {
        values = plan.outputs.map(allocateValue);
        plan.run!(inputs as AnyTensor[], values);
      }
      node.outputs.forEach((name, k) => {
        if (name !== "") graph.constants.set(name, values[k]!);
      });
    } catch {
      // Leave it to run time, where the error (if it is one) is reported with the feeds' shapes.
      remaining.push(node);
    }
  }
  graph.nodes = remaining;
}

function floatConstant(graph: ExecGraph, name: string | undefined): Tensor | undefined {
  if (name === undefined || name === "") return undefined;
  const value = graph.constants.get(name);
  return value instanceof Tensor ? value : undefined;
}

function scalarConstant(graph: ExecGraph, name: string | undefined): number | undefined {
  if (name === undefined || name === "") return undefined;
  const value = graph.constants.get(name);
  return value !== undefined && value.data.length === 1 ? value.data[0]! : undefined;
}

/** Gives `conv` new constant weight and bias (names made from `label`) and `input` as its data input. */
function setConvParameters(graph: ExecGraph, conv: ExecNode, input: string, weight: Tensor, bias: Tensor, label: string): void {
  const weightName = freshName(graph, `${conv.name}.${label}_weight`);
  const biasName = freshName(graph, `${conv.name}.${label}_bias`);
  graph.constants.set(weightName, weight);
  graph.constants.set(biasName, bias);
  conv.inputs = [input, weightName, biasName];
}

/** A name for a constant the rewrites create, unused by the graph. */
function freshName(graph: ExecGraph, base: string): string {
  let name = base;
  for (let i = 1; graph.constants.has(name) || graph.nodes.some((n) => n.outputs.includes(name)); i++) name = `${base}_${i}`;
  return name;
}

function foldBatchNorms(graph: ExecGraph): void {
  let counts = readerCounts(graph);
  for (const conv of graph.nodes.slice()) {
    if (conv.opType !== "Conv" || conv.fusedActivation !== undefined) continue;
    const bn = soleReader(graph, counts, conv.outputs[0]!);
    if (bn === undefined || bn.opType !== "BatchNormalization" || bn.inputs[0] !== conv.outputs[0]) continue;
    if (bn.outputs.filter((o) => o !== "").length !== 1) continue;
    const attrs = new NodeAttributes(bn);
    if (attrs.int("training_mode", 0) !== 0 || attrs.int("spatial", 1) !== 1) continue;
    const weight = floatConstant(graph, conv.inputs[1]);
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => floatConstant(graph, bn.inputs[i]));
    const bias = conv.inputs[2] ? floatConstant(graph, conv.inputs[2]) : undefined;
    if (weight === undefined || !gamma || !beta || !mean || !variance || (conv.inputs[2] && bias === undefined)) continue;
    const m = weight.shape[0]!;
    if ([gamma, beta, mean, variance].some((t) => t.data.length !== m) || (bias && bias.data.length !== m)) continue;

    const folded = foldBatchNormIntoConv(weight, bias, gamma, beta, mean, variance, attrs.float("epsilon", 1e-5));
    setConvParameters(graph, conv, conv.inputs[0]!, folded.weight, folded.bias, "folded");
    conv.outputs = [bn.outputs[0]!];
    graph.nodes = graph.nodes.filter((n) => n !== bn);
    counts = readerCounts(graph);
  }
}

/**
 * A constant that multiplies or adds to a Conv output [N, M, H, W] one value per output
 * channel: a scalar, or a shape like [M, 1, 1] / [1, M, 1, 1]. Its M values, or undefined.
 */
function perChannelValues(graph: ExecGraph, name: string, channels: number, outputRank: number): Float32Array | undefined {
  const value = floatConstant(graph, name);
  if (value === undefined) return undefined;
  if (value.data.length === 1) return new Float32Array(channels).fill(value.data[0]!);
  const shape = value.shape;
  if (shape.length > outputRank || value.data.length !== channels) return undefined;
  const channelAxis = 1 - (outputRank - shape.length); // the channel axis in the constant's own shape
  if (channelAxis < 0 || shape[channelAxis] !== channels) return undefined;
  return value.data;
}

function foldAffineIntoConvs(graph: ExecGraph): void {
  let counts = readerCounts(graph);
  for (const conv of graph.nodes.slice()) {
    if (conv.opType !== "Conv" || conv.fusedActivation !== undefined) continue;
    for (;;) {
      const weight = floatConstant(graph, conv.inputs[1]);
      if (weight === undefined || weight.shape.length < 3) break;
      const bias = conv.inputs[2] ? floatConstant(graph, conv.inputs[2]) : undefined;
      if (conv.inputs[2] && bias === undefined) break;
      const next = soleReader(graph, counts, conv.outputs[0]!);
      if (next === undefined || (next.opType !== "Mul" && next.opType !== "Add")) break;
      const other = otherInput(next, conv.outputs[0]!);
      const m = weight.shape[0]!;
      const values = other === undefined ? undefined : perChannelValues(graph, other, m, weight.shape.length);
      if (values === undefined) break;

      const newBias = new Float32Array(m);
      if (bias) newBias.set(bias.data);
      let newWeight = weight;
      if (next.opType === "Mul") {
        const perChannel = weight.data.length / m;
        const scaled = new Float32Array(weight.data.length);
        for (let c = 0; c < m; c++) {
          for (let k = 0; k < perChannel; k++) scaled[c * perChannel + k] = weight.data[c * perChannel + k]! * values[c]!;
          newBias[c] = newBias[c]! * values[c]!;
        }
        newWeight = new Tensor(weight.shape, scaled);
      } else {
        for (let c = 0; c < m; c++) newBias[c] = newBias[c]! + values[c]!;
      }
      setConvParameters(graph, conv, conv.inputs[0]!, newWeight, new Tensor([m], newBias), "affine");
      conv.outputs = [next.outputs[0]!];
      graph.nodes = graph.nodes.filter((n) => n !== next);
      counts = readerCounts(graph);
    }
  }
}

/** A float constant of one value and rank ≤ 1 (so it broadcasts against anything without changing its shape). */
function scalarFloat(graph: ExecGraph, name: string | undefined): number | undefined {
  const value = floatConstant(graph, name);
  return value !== undefined && value.data.length === 1 && value.shape.length <= 1 ? value.data[0]! : undefined;
}

/** Mul or Add of one value by a scalar float constant: [the value, the constant]. */
function scalarOperation(graph: ExecGraph, node: ExecNode): [string, number] | undefined {
  if ((node.opType !== "Mul" && node.opType !== "Add") || node.inputs.length !== 2) return undefined;
  const [a, b] = node.inputs as [string, string];
  const kb = scalarFloat(graph, b);
  if (kb !== undefined && floatConstant(graph, a) === undefined) return [a, kb];
  const ka = scalarFloat(graph, a);
  if (ka !== undefined && floatConstant(graph, b) === undefined) return [b, ka];
  return undefined;
}

/** A Conv that reads no padding: auto_pad NOTSET or VALID, and every explicit pad 0. */
function readsNoPadding(conv: ExecNode): boolean {
  const attrs = new NodeAttributes(conv);
  const autoPad = attrs.string("auto_pad", "NOTSET");
  return (autoPad === "NOTSET" || autoPad === "VALID") && attrs.ints("pads", []).every((p) => p === 0);
}

/**
 * x → Mul(·, s) → Add(·, b) → Conv, the scalars constant and the conv reading no padding
 * (every tap sees a real input): Conv(s·x + b) = (s·W)·x + (c + b·ΣW), ΣW the sum of each
 * output channel's filter, so the Mul and Add go and the conv reads x. A Mul or an Add alone
 * folds the same way. PaddleOCR's PP-LCNetV3 puts such a "learnable affine block" after
 * its activations, and half of them feed 1×1 convs. The folded weights round once more, so
 * outputs move in the last bits (within onnxruntime's tolerance, as for BatchNorm folding).
 */
function foldScalarAffineIntoNextConvs(graph: ExecGraph): void {
  let counts = readerCounts(graph);
  for (const first of graph.nodes.slice()) {
    if (!graph.nodes.includes(first)) continue; // folded as part of an earlier chain
    const head = scalarOperation(graph, first);
    if (head === undefined) continue;
    const [x, k] = head;
    const scale = first.opType === "Mul" ? k : 1;
    let shift = first.opType === "Add" ? k : 0;
    const chain = [first];
    const second = soleReader(graph, counts, first.outputs[0]!);
    const tail = second === undefined ? undefined : scalarOperation(graph, second);
    if (first.opType === "Mul" && second?.opType === "Add" && tail !== undefined && tail[0] === first.outputs[0]) {
      shift = tail[1];
      chain.push(second);
    }
    const last = chain[chain.length - 1]!;
    const conv = soleReader(graph, counts, last.outputs[0]!);
    if (conv === undefined || conv.opType !== "Conv" || conv.inputs[0] !== last.outputs[0] || conv.inputs.slice(1).includes(last.outputs[0]!)) continue;
    if (!readsNoPadding(conv)) continue;
    const weight = floatConstant(graph, conv.inputs[1]);
    if (weight === undefined || weight.shape.length < 3) continue;
    const bias = conv.inputs[2] ? floatConstant(graph, conv.inputs[2]) : undefined;
    if (conv.inputs[2] && bias === undefined) continue;
    const m = weight.shape[0]!;
    const perChannel = weight.data.length / m;
    const newWeight = new Float32Array(weight.data.length);
    const newBias = new Float32Array(m);
    for (let c = 0; c < m; c++) {
      let filterSum = 0;
      for (let i = c * perChannel; i < (c + 1) * perChannel; i++) {
        filterSum += weight.data[i]!;
        newWeight[i] = weight.data[i]! * scale;
      }
      newBias[c] = (bias ? bias.data[c]! : 0) + shift * filterSum;
    }
    setConvParameters(graph, conv, x, new Tensor(weight.shape, newWeight), new Tensor([m], newBias), "affine_in");
    graph.nodes = graph.nodes.filter((n) => !chain.includes(n));
    counts = readerCounts(graph);
  }
}

/** Clip's bounds: attributes before opset 11, constant inputs from 11 on (undefined when not constant). */
function clipBounds(graph: ExecGraph, node: ExecNode, opset: number): { min: number; max: number } | undefined {
  if (opset < 11) {
    const attrs = new NodeAttributes(node);
    return { min: attrs.float("min", -FLOAT_MAX), max: attrs.float("max", FLOAT_MAX) };
  }
  const min = node.inputs[1] ? scalarConstant(graph, node.inputs[1]) : -Infinity;
  const max = node.inputs[2] ? scalarConstant(graph, node.inputs[2]) : Infinity;
  return min === undefined || max === undefined ? undefined : { min, max };
}

/** The other input of a binary node, given one of them. */
function otherInput(node: ExecNode, name: string): string | undefined {
  if (node.inputs.length !== 2) return undefined;
  if (node.inputs[0] === name) return node.inputs[1];
  if (node.inputs[1] === name) return node.inputs[0];
  return undefined;
}

/** Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6) → HardSwish(x). */
function fuseHardSwish(graph: ExecGraph, opset: number): void {
  let counts = readerCounts(graph);
  for (const add of graph.nodes.slice()) {
    if (add.opType !== "Add" || add.inputs.length !== 2) continue;
    const threeIndex = add.inputs.findIndex((n) => scalarConstant(graph, n) === 3 && floatConstant(graph, n) !== undefined);
    if (threeIndex < 0) continue;
    const x = add.inputs[1 - threeIndex]!;
    if (graph.constants.has(x)) continue;
    const clip = soleReader(graph, counts, add.outputs[0]!);
    if (clip === undefined || clip.opType !== "Clip" || clip.inputs[0] !== add.outputs[0]) continue;
    const bounds = clipBounds(graph, clip, opset);
    if (bounds === undefined || bounds.min !== 0 || bounds.max !== 6) continue;
    const mul = soleReader(graph, counts, clip.outputs[0]!);
    if (mul === undefined || mul.opType !== "Mul" || otherInput(mul, clip.outputs[0]!) !== x) continue;
    const div = soleReader(graph, counts, mul.outputs[0]!);
    if (div === undefined || div.opType !== "Div" || div.inputs[0] !== mul.outputs[0] || scalarConstant(graph, div.inputs[1]) !== 6) continue;
    const hardSwish: ExecNode = {
      name: `${add.name}.hard_swish`,
      opType: "HardSwish",
      domain: "",
      inputs: [x],
      outputs: [div.outputs[0]!],
      attributes: new Map(),
    };
    const removed = new Set([add, clip, mul, div]);
    const at = graph.nodes.indexOf(div);
    graph.nodes = graph.nodes.flatMap((n, i) => (i === at ? [hardSwish] : removed.has(n) ? [] : [n]));
    counts = readerCounts(graph);
  }
}

/** The activation a node computes, if it is one a Conv epilogue can apply. */
function activationOf(graph: ExecGraph, node: ExecNode, opset: number): ActivationSpec | undefined {
  switch (node.opType) {
    case "Relu":
      return { kind: "relu" };
    case "Sigmoid":
      return { kind: "sigmoid" };
    case "HardSwish":
      return { kind: "hardSwish" };
    case "HardSigmoid": {
      const attrs = new NodeAttributes(node);
      return { kind: "hardSigmoid", alpha: attrs.float("alpha", 0.2), beta: attrs.float("beta", 0.5) };
    }
    case "Clip": {
      const bounds = clipBounds(graph, node, opset);
      return bounds && { kind: "clip", ...bounds };
    }
    default:
      return undefined;
  }
}

function fuseConvActivations(graph: ExecGraph, opset: number): void {
  const counts = readerCounts(graph);
  const removed = new Set<ExecNode>();
  for (const conv of graph.nodes) {
    if (conv.opType !== "Conv" || conv.fusedActivation !== undefined) continue;
    const act = soleReader(graph, counts, conv.outputs[0]!);
    if (act === undefined || act.inputs[0] !== conv.outputs[0]) continue;
    const spec = activationOf(graph, act, opset);
    if (spec === undefined) continue;
    conv.fusedActivation = spec;
    conv.outputs = [act.outputs[0]!];
    removed.add(act);
  }
  graph.nodes = graph.nodes.filter((n) => !removed.has(n));
}

