/**
 * A Paddle program (ops in the legacy spelling, with their parameters) → the loader's
 * graph (`OnnxModel`), the same structure the ONNX decoder produces, so validation, the
 * rewrites and both engines take it unchanged.
 *
 * Each Paddle op is mapped by one translator of the table below onto ONNX ops of opset 14
 * with Paddle's own semantics (see each file under ops/). `feed` ops become the graph's
 * inputs and `fetch` ops its outputs, both ordered by their `col`. Ops no translator knows
 * are reported all at once, one line per op type; problems inside known ops (an
 * unsupported attribute value, a rank the program does not declare) are collected too and
 * thrown together as one ModelValidationError.
 */
import { ModelValidationError, quoteName } from "../../errors.js";
import type { AnyTensor, DataType } from "../../tensor/tensor.js";
import type { OnnxModel, OnnxValueInfo } from "../model.js";
import { GraphBuilder, OpProblem, q } from "./graph-builder.js";
import { OpView } from "./op-view.js";
import * as activation from "./ops/activation.js";
import { conv2d, conv2dTranspose } from "./ops/conv.js";
import { interpolate } from "./ops/interp.js";
import * as math from "./ops/math.js";
import { pool2d } from "./ops/pool.js";
import * as tensor from "./ops/tensor.js";
import { PaddleType, type PaddleOp } from "./program-desc.js";

/** Opset of the graph the translation makes (14: Softmax on one axis, axes as inputs, HardSwish). */
export const TRANSLATED_OPSET = 14;

type Translator = (o: OpView) => void;

/** Paddle op type (legacy spelling; PIR ops are renamed to these by pir-json.ts) → translator. */
export const PADDLE_OPS: Readonly<Record<string, Translator>> = {
  conv2d,
  depthwise_conv2d: conv2d,
  conv2d_transpose: conv2dTranspose,
  depthwise_conv2d_transpose: conv2dTranspose,
  batch_norm: activation.batchNorm,
  relu: activation.unary("Relu"),
  sigmoid: activation.unary("Sigmoid"),
  tanh: activation.unary("Tanh"),
  relu6: activation.relu6,
  leaky_relu: activation.leakyRelu,
  hard_swish: activation.hardSwish,
  hard_sigmoid: activation.hardSigmoid,
  swish: activation.swish,
  silu: activation.silu,
  gelu: activation.gelu,
  prelu: activation.prelu,
  layer_norm: activation.layerNorm,
  exp: activation.unary("Exp"),
  sqrt: activation.unary("Sqrt"),
  abs: activation.unary("Abs"),
  log: activation.unary("Log"),
  floor: activation.unary("Floor"),
  reciprocal: activation.unary("Reciprocal"),
  pow: math.pow,
  reduce_mean: math.reduce("ReduceMean"),
  reduce_sum: math.reduce("ReduceSum"),
  reduce_max: math.reduce("ReduceMax"),
  reduce_min: math.reduce("ReduceMin"),
  stack: tensor.stack,
  split: tensor.split,
  softmax: activation.softmax,
  dropout: activation.dropout,
  pool2d,
  elementwise_add: math.elementwise("Add"),
  elementwise_sub: math.elementwise("Sub"),
  elementwise_mul: math.elementwise("Mul"),
  elementwise_div: math.elementwise("Div"),
  elementwise_pow: math.elementwise("Pow"),
  elementwise_max: math.elementwise("Max"),
  elementwise_min: math.elementwise("Min"),
  scale: math.scale,
  matmul: math.matmul,
  matmul_v2: math.matmulV2,
  mul: math.mul,
  clip: math.clip,
  reshape: tensor.reshape,
  reshape2: tensor.reshape,
  flatten_contiguous_range: tensor.flattenRange,
  flatten: tensor.flatten2d,
  flatten2: tensor.flatten2d,
  squeeze: tensor.squeeze,
  squeeze2: tensor.squeeze,
  unsqueeze: tensor.unsqueeze,
  unsqueeze2: tensor.unsqueeze,
  concat: tensor.concat,
  transpose: tensor.transpose,
  transpose2: tensor.transpose,
  slice: tensor.slice,
  shape: tensor.shape,
  fill_constant: tensor.fillConstant,
  cast: tensor.cast,
  assign: tensor.assign,
  nearest_interp: interpolate("nearest", 1),
  nearest_interp_v2: interpolate("nearest"),
  bilinear_interp: interpolate("bilinear", 1),
  bilinear_interp_v2: interpolate("bilinear"),
};

/** Every Paddle op type the translator knows, feed and fetch included. */
export function supportedPaddleOps(): string[] {
  return [...Object.keys(PADDLE_OPS), "feed", "fetch"].sort();
}

/** A program ready to translate, whichever file it came from. */
export interface PaddleGraphSource {
  /** Ops in program order, legacy spelling, feed and fetch included. */
  ops: readonly PaddleOp[];
  /** Declared dims of the program's values (−1 where known only at run time). */
  dims: ReadonlyMap<string, readonly number[]>;
  /** Declared element type (PaddleType code) of values, for the graph inputs. */
  dtypes: ReadonlyMap<string, number>;
  /** Parameters and other constants by value name. */
  constants: ReadonlyMap<string, AnyTensor>;
  /** "PaddlePaddle 2.3.2" and the like, for producerVersion. */
  producerVersion: string;
  /** How to name an unknown op in messages (PIR spells them `1.foo`). */
  spelling?: (type: string) => string;
}

/**
 * Throws one ModelValidationError naming every op type of `ops` that has no translator
 * (with how many ops use it and what the first writes).
 */
export function checkSupportedOps(ops: readonly PaddleOp[], spelling: (type: string) => string = (t) => t): void {
  const missing = new Map<string, { count: number; first: PaddleOp }>();
  for (const op of ops) {
    if (op.type in PADDLE_OPS || op.type === "feed" || op.type === "fetch") continue;
    const entry = missing.get(op.type);
    if (entry === undefined) missing.set(op.type, { count: 1, first: op });
    else entry.count++;
  }
  if (missing.size === 0) return;
  const problems = [...missing].map(([type, { count, first }]) => {
    const output = [...first.outputs.values()].find((l) => l.length > 0)?.[0];
    const more = count > 1 ? ` and ${count - 1} more` : "";
    return `unsupported Paddle op '${quoteName(spelling(type))}' (${output !== undefined ? `the op writing ${q(output)}` : "an op"}${more})`;
  });
  throw new ModelValidationError(problems);
}

const DTYPE_OF: Partial<Record<number, DataType>> = {
  [PaddleType.FP32]: "float32",
  [PaddleType.FP16]: "float32",
  [PaddleType.FP64]: "float32",
  [PaddleType.INT64]: "int64",
  [PaddleType.INT32]: "int32",
  [PaddleType.BOOL]: "bool",
};

/** The program as the loader's graph; throws ModelValidationError listing every problem. */
export function translateProgram(source: PaddleGraphSource, maxTensorElements: number): OnnxModel {
  checkSupportedOps(source.ops, source.spelling);
  const g = new GraphBuilder(source.dims);
  g.maxElements = maxTensorElements;
  for (const [name, value] of source.constants) g.setConstant(name, value);
  const problems: string[] = [];
  const feeds: { col: number; info: OnnxValueInfo }[] = [];
  const fetches: { col: number; info: OnnxValueInfo }[] = [];
  for (const op of source.ops) {
    const view = new OpView(op, g);
    g.opLabel = op.type;
    try {
      if (op.type === "feed") {
        const name = view.output("Out");
        const declared = source.dims.get(name);
        const code = source.dtypes.get(name) ?? PaddleType.FP32;
        const info: OnnxValueInfo = { name, dtype: DTYPE_OF[code] ?? "unsupported", onnxType: `Paddle type ${code}` };
        if (declared !== undefined) info.shape = declared.map((d, i) => (d >= 0 ? d : `?${i}`));
        feeds.push({ col: view.int("col", feeds.length), info });
      } else if (op.type === "fetch") {
        const name = view.input("X");
        fetches.push({ col: view.int("col", fetches.length), info: { name, dtype: "float32" } });
      } else {
        PADDLE_OPS[op.type]!(view);
      }
    } catch (error) {
      if (error instanceof OpProblem) problems.push(error.message);
      else if (error instanceof ModelValidationError) problems.push(...error.problems);
      else problems.push(`${view.where}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (feeds.length === 0) problems.push("the program has no feed op (no input)");
  if (fetches.length === 0) problems.push("the program has no fetch op (no output)");
  if (problems.length > 0) throw new ModelValidationError(problems);
  feeds.sort((a, b) => a.col - b.col);
  fetches.sort((a, b) => a.col - b.col);
  return {
    irVersion: 8,
    opset: TRANSLATED_OPSET,
    producerName: "PaddlePaddle",
    producerVersion: source.producerVersion,
    graph: { name: "paddle", nodes: g.nodes, constants: g.constants, inputs: feeds.map((f) => f.info), outputs: fetches.map((f) => f.info) },
  };
}
