/**
 * The op table: ONNX op type → how to run it with the kernels of src/ops.
 *
 * Each entry reads its node's attributes once, with the per-opset rules of the ONNX
 * spec (https://onnx.ai/onnx/operators/), and returns a planner that, given the
 * inputs' shapes (and values, where they are known before the run), gives the output
 * shapes and the function that calls the kernel. The entries hold no math: kernels do.
 *
 * Per-opset rules handled here:
 *   Clip            min/max attributes (< 11) or optional scalar inputs (≥ 11)
 *   Squeeze/Unsqueeze axes attribute (< 13) or input (≥ 13)
 *   Softmax         flattens to 2-D at `axis`, default 1 (< 13), or along `axis`, default −1 (≥ 13)
 *   Slice           starts/ends/axes attributes (< 10) or inputs with optional steps (≥ 10)
 *   Resize          (X, scales) (10), (X, roi, scales, sizes?) (11, 12), all optional (≥ 13)
 *   Reshape         shape input (0 copies a dim unless allowzero, −1 infers one)
 *   ReduceMean      axes attribute
 *   Shape           start/end attributes (≥ 15)
 */
import { ShapeError, UnsupportedOperatorError } from "../errors.js";
import * as elementwise from "../ops/elementwise.js";
import * as unary from "../ops/unary.js";
import { concat, concatShape } from "../ops/concat.js";
import { averagePool, globalAveragePool, globalMaxPool, globalPoolShape, maxPool, poolShape, type PoolAttributes } from "../ops/pooling.js";
import { IntTensor, Tensor, formatShape, type AnyTensor, type DataType } from "../tensor/tensor.js";
import { NodeAttributes } from "./attributes.js";
import { axisIn, copyData, knownValues, required, requiredFloat, single } from "./op-support.js";
import type { OpDefinition, OpPlanner, ValueMeta } from "./op-types.js";

type Inputs = readonly (ValueMeta | undefined)[];

// ---------------------------------------------------------------------------------------
// Builders for families of ops

/** A float unary op y = f(x): same shape, same dtype. */
function floatUnary(kernel: (output: Tensor, input: Tensor) => void): OpDefinition {
  return () => (inputs) => {
    const x = requiredFloat(inputs, 0, "X");
    return single(x.shape, "float32", (ins, out) => kernel(out as Tensor, ins[0] as Tensor));
  };
}

/** A unary op that also takes integer tensors (Neg, Abs, Identity…): dtype follows the input. */
function numericUnary(kernel: (output: AnyTensor, input: AnyTensor) => void): OpDefinition {
  return () => (inputs) => {
    const x = required(inputs, 0, "X");
    return single(x.shape, x.dtype, (ins, out) => kernel(out, ins[0]!));
  };
}

/** A binary elementwise op with broadcasting; comparisons write bool. */
function binary(op: elementwise.BinaryOp, result: "same" | "bool" = "same"): OpDefinition {
  return (node) => (inputs) => {
    const a = required(inputs, 0, "A");
    const b = required(inputs, 1, "B");
    const shape = elementwise.binaryShape(a.shape, b.shape, node.opType);
    const dtype: DataType = result === "bool" ? "bool" : a.dtype;
    return single(shape, dtype, (ins, out) => elementwise.binary(op, out, ins[0]!, ins[1]!));
  };
}

function variadic(op: "sum" | "max" | "min" | "mean"): OpDefinition {
  return (node) => (inputs) => {
    const metas = inputs.map((m, i) => required(inputs, i, `input ${i}`));
    const shape = elementwise.variadicShape(
      metas.map((m) => m.shape),
      node.opType,
    );
    return single(shape, metas[0]!.dtype, (ins, out) => elementwise.variadic(op, out, ins));
  };
}

// ---------------------------------------------------------------------------------------
// Shape-only ops: the output is the input with another shape (the executor shares the
// buffer when it can; `copyData` runs only when the output must be a separate tensor).

/** Reshape's target shape: 0 copies the input's dim (unless allowzero), −1 is inferred. */
function reshapeTarget(inputShape: readonly number[], requested: readonly number[], allowZero: boolean): number[] {
  const size = inputShape.reduce((a, b) => a * b, 1);
  let inferAt = -1;
  let known = 1;
  const shape = requested.map((d, i) => {
    if (d === -1) {
      if (inferAt >= 0) throw new ShapeError(`Reshape: more than one -1 in shape [${requested.join(", ")}]`);
      inferAt = i;
      return 1;
    }
    if (d === 0 && !allowZero) {
      if (i >= inputShape.length) throw new ShapeError(`Reshape: 0 at position ${i} but the input has rank ${inputShape.length}`);
      d = inputShape[i]!;
    }
    if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`Reshape: invalid dimension ${d} in shape [${requested.join(", ")}]`);
    known *= d;
    return d;
  });
  if (inferAt >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`Reshape: cannot reshape ${formatShape(inputShape)} to [${requested.join(", ")}]`);
    }
    shape[inferAt] = size / known;
  } else if (known !== size) {
    throw new ShapeError(`Reshape: cannot reshape ${formatShape(inputShape)} (${size} elements) to ${formatShape(shape)}`);
  }
  return shape;
}

const reshapeOp: OpDefinition = (node) => {
  const allowZero = new NodeAttributes(node).int("allowzero", 0) === 1;
  return (inputs) => {
    const x = required(inputs, 0, "data");
    const requested = knownValues(inputs, 1, "Reshape's shape");
    if (requested === undefined) throw new ShapeError("Reshape: the shape input is missing");
    return single(reshapeTarget(x.shape, requested, allowZero), x.dtype, copyData);
  };
};

const flattenOp: OpDefinition = (node) => {
  const axisAttr = new NodeAttributes(node).int("axis", 1);
  return (inputs) => {
    const x = required(inputs, 0, "input");
    const axis = axisAttr < 0 ? axisAttr + x.shape.length : axisAttr;
    if (axis < 0 || axis > x.shape.length) throw new ShapeError(`Flatten: axis ${axisAttr} is out of range for rank ${x.shape.length}`);
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(axis).reduce((a, b) => a * b, 1);
    return single([outer, inner], x.dtype, copyData);
  };
};

/** Squeeze/Unsqueeze axes: an attribute before opset 13, an optional input from 13 on. */
function axesOf(attrs: NodeAttributes, opset: number, inputs: Inputs, opName: string): number[] | undefined {
  if (opset < 13) return attrs.optionalInts("axes");
  return knownValues(inputs, 1, `${opName}'s axes`);
}

const squeezeOp: OpDefinition = (node, opset) => {
  const attrs = new NodeAttributes(node);
  return (inputs) => {
    const x = required(inputs, 0, "data");
    const rank = x.shape.length;
    const axes = axesOf(attrs, opset, inputs, "Squeeze");
    const drop = new Set(
      axes === undefined
        ? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))
        : axes.map((a) => axisIn(a, rank, "Squeeze")),
    );
    for (const a of drop) {
      if (x.shape[a] !== 1) throw new ShapeError(`Squeeze: dimension ${a} of ${formatShape(x.shape)} is not 1`);
    }
    return single(
      x.shape.filter((_, i) => !drop.has(i)),
      x.dtype,
      copyData,
    );
  };
};

const unsqueezeOp: OpDefinition = (node, opset) => {
  const attrs = new NodeAttributes(node);
  return (inputs) => {
    const x = required(inputs, 0, "data");
    const axes = axesOf(attrs, opset, inputs, "Unsqueeze");
    if (axes === undefined) throw new ShapeError("Unsqueeze: axes are missing");
    const rank = x.shape.length + axes.length;
    const inserted = new Set(axes.map((a) => axisIn(a, rank, "Unsqueeze")));
    if (inserted.size !== axes.length) throw new ShapeError(`Unsqueeze: repeated axes [${axes.join(", ")}]`);
    const shape: number[] = [];
    for (let i = 0, j = 0; i < rank; i++) shape.push(inserted.has(i) ? 1 : x.shape[j++]!);
    return single(shape, x.dtype, copyData);
  };
};

/** Shape: the input's shape as int64, known from the shape alone (start/end from opset 15). */
const shapeOp: OpDefinition = (node, opset) => {
  const attrs = new NodeAttributes(node);
  const start = opset >= 15 ? attrs.int("start", 0) : 0;
  const end = opset >= 15 && attrs.has("end") ? attrs.int("end") : undefined;
  return (inputs) => {
    const shape = required(inputs, 0, "data").shape;
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + shape.length : v, 0), shape.length);
    const dims = shape.slice(clamp(start), end === undefined ? shape.length : clamp(end));
    const value = IntTensor.fromValues(dims, "int64");
    return { outputs: [{ shape: [dims.length], dtype: "int64" }], values: [value] };
  };
};

// ---------------------------------------------------------------------------------------
// Cast

/** ONNX TensorProto.DataType codes → the dtype values of that type are held as. */
function castTarget(to: number): DataType | undefined {
  switch (to) {
    case 1: // FLOAT
    case 10: // FLOAT16 (computed in float32)
    case 11: // DOUBLE (computed in float32)
      return "float32";
    case 6: // INT32
    case 2: // UINT8
    case 3: // INT8
    case 4: // UINT16
    case 5: // INT16
      return "int32";
    case 7: // INT64
    case 12: // UINT32
    case 13: // UINT64
      return "int64";
    case 9:
      return "bool";
    default:
      return undefined;
  }
}

/**
 * Cast: y = x converted to `to`. Float → integer truncates toward zero (as C++'s
 * static_cast in onnxruntime); anything → bool is x ≠ 0; → float rounds to float32.
 */
const castOp: OpDefinition = (node) => {
  const to = new NodeAttributes(node).int("to");
  const target = castTarget(to);
  if (target === undefined) throw new UnsupportedOperatorError(`Cast to ONNX type ${to} is not supported`);
  return (inputs) => {
    const x = required(inputs, 0, "input");
    return single(x.shape, target, (ins, out) => {
      const src = ins[0]!.data;
      const dst = out.data;
      if (target === "bool") for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
      else if (target === "float32") dst.set(src);
      else for (let i = 0; i < src.length; i++) dst[i] = Math.trunc(src[i]!);
    });
  };
};

// ---------------------------------------------------------------------------------------
// Activations with parameters

/** Clip bounds: attributes before opset 11; optional scalar inputs (known before the run) from 11. */
const clipOp: OpDefinition = (node, opset) => {
  const attrs = new NodeAttributes(node);
  return (inputs) => {
    const x = required(inputs, 0, "input");
    let min = -Infinity;
    let max = Infinity;
    if (opset < 11) {
      min = attrs.float("min", -3.4028234663852886e38);
      max = attrs.float("max", 3.4028234663852886e38);
    } else {
      min = knownValues(inputs, 1, "Clip's min")?.[0] ?? -Infinity;
      max = knownValues(inputs, 2, "Clip's max")?.[0] ?? Infinity;
    }
    return single(x.shape, x.dtype, (ins, out) => unary.clip(out, ins[0]!, { min, max }));
  };
};

const hardSigmoidOp: OpDefinition = (node) => {
  const attrs = new NodeAttributes(node);
  const params = { alpha: attrs.float("alpha", 0.2), beta: attrs.float("beta", 0.5) };
  return (inputs) => {
    const x = requiredFloat(inputs, 0, "X");
    return single(x.shape, "float32", (ins, out) => unary.hardSigmoid(out as Tensor, ins[0] as Tensor, params));
  };
};

function withAlpha(kernel: (output: Tensor, input: Tensor, attrs: { alpha: number }) => void, fallback: number): OpDefinition {
  return (node) => {
    const params = { alpha: new NodeAttributes(node).float("alpha", fallback) };
    return (inputs) => {
      const x = requiredFloat(inputs, 0, "X");
      return single(x.shape, "float32", (ins, out) => kernel(out as Tensor, ins[0] as Tensor, params));
    };
  };
}

// ---------------------------------------------------------------------------------------
// Concat, pooling

const concatOp: OpDefinition = (node) => {
  const axis = new NodeAttributes(node).int("axis");
  return (inputs) => {
    const metas = inputs.map((_, i) => required(inputs, i, `input ${i}`));
    const shape = concatShape(
      metas.map((m) => m.shape),
      axis,
    );
    return single(shape, metas[0]!.dtype, (ins, out) => concat(out, ins, axis));
  };
};

function poolAttributes(node: Parameters<OpDefinition>[0], opset: number, average: boolean): PoolAttributes {
  const attrs = new NodeAttributes(node);
  const result: PoolAttributes = {
    kernelShape: attrs.ints("kernel_shape"),
    strides: attrs.optionalInts("strides"),
    pads: attrs.optionalInts("pads"),
    autoPad: attrs.string("auto_pad", "NOTSET"),
    ceilMode: opset >= 10 ? attrs.int("ceil_mode", 0) : 0,
  };
  if (average) result.countIncludePad = attrs.int("count_include_pad", 0);
  else result.dilations = attrs.optionalInts("dilations");
  if (!average && attrs.int("storage_order", 0) !== 0) throw new UnsupportedOperatorError("MaxPool storage_order 1 is not supported");
  return result;
}

function pool(average: boolean): OpDefinition {
  return (node, opset) => {
    const attrs = poolAttributes(node, opset, average);
    const kernel = average ? averagePool : maxPool;
    return (inputs) => {
      const x = requiredFloat(inputs, 0, "X");
      const shape = poolShape(x.shape, attrs, node.opType);
      return { outputs: [{ shape, dtype: "float32" }], run: (ins, outs) => kernel(outs[0] as Tensor, ins[0] as Tensor, attrs) };
    };
  };
}

function globalPool(kernel: (output: Tensor, input: Tensor) => void): OpDefinition {
  return () => (inputs) => {
    const x = requiredFloat(inputs, 0, "X");
    return single(globalPoolShape(x.shape), "float32", (ins, out) => kernel(out as Tensor, ins[0] as Tensor));
  };
}

// ---------------------------------------------------------------------------------------
// The table

export const OP_TABLE: Readonly<Record<string, OpDefinition>> = {
  // activations and unary math
  Relu: floatUnary(unary.relu),
  Sigmoid: floatUnary(unary.sigmoid),
  HardSigmoid: hardSigmoidOp,
  HardSwish: floatUnary(unary.hardSwish),
  Clip: clipOp,
  LeakyRelu: withAlpha(unary.leakyRelu, 0.01),
  Elu: withAlpha(unary.elu, 1),
  Tanh: floatUnary(unary.tanh),
  Softplus: floatUnary(unary.softplus),
  Sqrt: floatUnary(unary.sqrt),
  Exp: floatUnary(unary.exp),
  Log: floatUnary(unary.log),
  Erf: floatUnary(unary.erf),
  Reciprocal: floatUnary(unary.reciprocal),
  Floor: floatUnary(unary.floor),
  Ceil: floatUnary(unary.ceil),
  Round: floatUnary(unary.round),
  Neg: numericUnary(unary.neg),
  Abs: numericUnary(unary.abs),
  Sign: numericUnary(unary.sign),
  Not: numericUnary(unary.not),
  Identity: numericUnary(unary.identity),
  Dropout: numericUnary(unary.identity),

  // binary elementwise (broadcasting)
  Add: binary("add"),
  Sub: binary("sub"),
  Mul: binary("mul"),
  Div: binary("div"),
  Pow: binary("pow"),
  Equal: binary("equal", "bool"),
  Less: binary("less", "bool"),
  LessOrEqual: binary("lessOrEqual", "bool"),
  Greater: binary("greater", "bool"),
  GreaterOrEqual: binary("greaterOrEqual", "bool"),
  And: binary("and", "bool"),
  Or: binary("or", "bool"),
  Xor: binary("xor", "bool"),
  Sum: variadic("sum"),
  Max: variadic("max"),
  Min: variadic("min"),
  Mean: variadic("mean"),

  // shapes
  Shape: shapeOp,
  Cast: castOp,
  Reshape: reshapeOp,
  Flatten: flattenOp,
  Squeeze: squeezeOp,
  Unsqueeze: unsqueezeOp,
  Concat: concatOp,

  // pooling
  MaxPool: pool(false),
  AveragePool: pool(true),
  GlobalAveragePool: globalPool(globalAveragePool),
  GlobalMaxPool: globalPool(globalMaxPool),
};

/** The op types the graph executor can run (default ONNX domain). */
export function supportedOpTypes(): Set<string> {
  return new Set(Object.keys(OP_TABLE));
}

export type { OpPlanner };
