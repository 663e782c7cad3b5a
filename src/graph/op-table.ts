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
import { batchNormalization } from "../ops/batchnorm.js";
import { convTranspose2d, convTranspose2dShape, type ConvTranspose2dAttributes } from "../ops/conv-transpose.js";
import { conv2d, conv2dGeometry, conv2dPath, conv2dShape, type Conv2dAttributes } from "../ops/conv2d.js";
import { packPointwiseWeights } from "../ops/pointwise.js";
import * as elementwise from "../ops/elementwise.js";
import { NO_ACTIVATION } from "../ops/fused-activation.js";
import * as unary from "../ops/unary.js";
import { concat, concatShape } from "../ops/concat.js";
import * as reshape from "../ops/reshape.js";
import * as shapes from "../ops/shape-ops.js";
import { resize, resizeShape } from "../ops/resize.js";
import { expand, expandShape, tile, tileShape } from "../ops/expand.js";
import { gather, gatherShape } from "../ops/gather.js";
import { COLUMN_ROWS_MAX_A_ROWS, columnRows, gemm, gemmShape, matmul, matmulShape } from "../ops/matmul.js";
import { pad, padShape, type PadAttributes } from "../ops/pad.js";
import { reduce, reduceShape, type ReduceOp } from "../ops/reduce.js";
import { slice, sliceShape, type SliceAttributes } from "../ops/slice.js";
import { logSoftmax, softmax, softmaxShape } from "../ops/softmax.js";
import { transpose, transposeShape } from "../ops/transpose.js";
import { averagePool, globalAveragePool, globalMaxPool, globalPoolShape, maxPool, poolShape, type PoolAttributes } from "../ops/pooling.js";
import { IntTensor, Tensor, formatShape, type AnyTensor, type DataType } from "../tensor/tensor.js";
import { NodeAttributes } from "./attributes.js";
import { knownValues, required, requiredFloat, single } from "./op-support.js";
import type { OpDefinition, ValueMeta } from "./op-types.js";
import { StagedConv2d, StagedLinear } from "../wasm/staged.js";

type Inputs = readonly (ValueMeta | undefined)[];

/** Reshape-like ops' run when their output must be its own tensor (else the executor shares the buffer). */
const copyData = (inputs: readonly AnyTensor[], output: AnyTensor): void => reshape.reshape(output, inputs[0]!);

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

/** Mod: fmod = 1 takes the dividend's sign (C fmod), 0 the divisor's (Python %). */
const modOp: OpDefinition = (node, opset, settings) => {
  const fmod = new NodeAttributes(node).int("fmod", 0) === 1;
  return binary(fmod ? "fmod" : "mod")(node, opset, settings);
};

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

const reshapeOp: OpDefinition = (node) => {
  const allowZero = new NodeAttributes(node).int("allowzero", 0);
  return (inputs) => {
    const x = required(inputs, 0, "data");
    const requested = knownValues(inputs, 1, "Reshape's shape");
    if (requested === undefined) throw new ShapeError("Reshape: the shape input is missing");
    return single(reshape.reshapeShape(x.shape, requested, allowZero), x.dtype, copyData);
  };
};

const flattenOp: OpDefinition = (node) => {
  const axis = new NodeAttributes(node).int("axis", 1);
  return (inputs) => {
    const x = required(inputs, 0, "input");
    return single(reshape.flattenShape(x.shape, axis), x.dtype, copyData);
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
    return single(reshape.squeezeShape(x.shape, axesOf(attrs, opset, inputs, "Squeeze")), x.dtype, copyData);
  };
};

const unsqueezeOp: OpDefinition = (node, opset) => {
  const attrs = new NodeAttributes(node);
  return (inputs) => {
    const x = required(inputs, 0, "data");
    const axes = axesOf(attrs, opset, inputs, "Unsqueeze");
    if (axes === undefined) throw new ShapeError("Unsqueeze: axes are missing");
    return single(reshape.unsqueezeShape(x.shape, axes), x.dtype, copyData);
  };
};

/** Shape: the input's shape as int64, known from the shape alone (start/end from opset 15). */
const shapeOp: OpDefinition = (node, opset) => {
  const attrs = new NodeAttributes(node);
  const params = opset >= 15 ? { start: attrs.int("start", 0), end: attrs.has("end") ? attrs.int("end") : undefined } : {};
  return (inputs) => {
    const inputShape = required(inputs, 0, "data").shape;
    const value = new IntTensor("int64", shapes.shapeOfShape(inputShape, params));
    shapes.shapeOf(value, inputShape, params);
    return { outputs: [{ shape: value.shape.slice(), dtype: "int64" }], values: [value] };
  };
};

/** Size: the input's element count as an int64 scalar, known from the shape alone. */
const sizeOp: OpDefinition = () => (inputs) => {
  const value = new IntTensor("int64", []);
  shapes.sizeOf(value, required(inputs, 0, "data").shape);
  return { outputs: [{ shape: [], dtype: "int64" }], values: [value] };
};

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
    case 9: // BOOL
      return "bool";
    default:
      return undefined;
  }
}

const castOp: OpDefinition = (node) => {
  const to = new NodeAttributes(node).int("to");
  const target = castTarget(to);
  if (target === undefined) throw new UnsupportedOperatorError(`Cast to ONNX type ${to} is not supported`);
  return (inputs) => {
    const x = required(inputs, 0, "input");
    return single(x.shape, target, (ins, out) => shapes.cast(out, ins[0]!));
  };
};

/** ConstantOfShape: the `value` attribute (one element, default float32 0) repeated over the shape input. */
const constantOfShapeOp: OpDefinition = (node) => {
  const attrs = new NodeAttributes(node);
  const fill = attrs.has("value") ? attrs.tensor("value") : Tensor.scalar(0);
  if (fill.data.length !== 1) throw new ShapeError(`ConstantOfShape: value must hold one element, found ${fill.data.length}`);
  return (inputs) => {
    const dims = knownValues(inputs, 0, "ConstantOfShape's shape") ?? [];
    return single(shapes.constantOfShapeShape(dims), fill.dtype, (_, out) => shapes.constantOfShape(out, fill.data[0]!));
  };
};

/** Range(start, limit, delta): scalars known before the run; dtype follows start. */
const rangeOp: OpDefinition = () => (inputs) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => knownValues(inputs, i, "Range's bounds")?.[0] ?? NaN) as [number, number, number];
  const dtype = required(inputs, 0, "start").dtype;
  return single(shapes.rangeShape(start, limit, delta), dtype, (_, out) => shapes.range(out, start, delta));
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
// Data movement: Transpose, Slice, Gather, Expand, Tile, Pad, Where

const transposeOp: OpDefinition = (node) => {
  const perm = new NodeAttributes(node).optionalInts("perm");
  return (inputs) => {
    const x = required(inputs, 0, "data");
    return single(transposeShape(x.shape, perm), x.dtype, (ins, out) => transpose(out, ins[0]!, perm));
  };
};

/** Slice: starts/ends/axes attributes before opset 10; inputs (known before the run), with steps, from 10. */
const sliceOp: OpDefinition = (node, opset) => {
  const attrs = new NodeAttributes(node);
  const fromAttributes: SliceAttributes | undefined =
    opset < 10 ? { starts: attrs.ints("starts"), ends: attrs.ints("ends"), axes: attrs.optionalInts("axes") } : undefined;
  return (inputs) => {
    const x = required(inputs, 0, "data");
    const params: SliceAttributes = fromAttributes ?? {
      starts: knownValues(inputs, 1, "Slice's starts") ?? [],
      ends: knownValues(inputs, 2, "Slice's ends") ?? [],
      axes: knownValues(inputs, 3, "Slice's axes"),
      steps: knownValues(inputs, 4, "Slice's steps"),
    };
    return single(sliceShape(x.shape, params), x.dtype, (ins, out) => slice(out, ins[0]!, params));
  };
};

/**
 * Split along `axis` into the node's outputs: sizes from the `split` attribute (< 13) or
 * input (≥ 13), else equal parts. Each output is a Slice of the input.
 */
const splitOp: OpDefinition = (node, opset) => {
  const attrs = new NodeAttributes(node);
  const axisAttr = attrs.int("axis", 0);
  const attributeSizes = opset < 13 ? attrs.optionalInts("split") : undefined;
  const parts = node.outputs.length;
  return (inputs) => {
    const x = required(inputs, 0, "input");
    const rank = x.shape.length;
    if (axisAttr < -rank || axisAttr >= rank) throw new ShapeError(`Split: axis ${axisAttr} is out of range for input ${formatShape(x.shape)}`);
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    const length = x.shape[axis]!;
    let sizes = attributeSizes ?? (opset >= 13 ? knownValues(inputs, 1, "Split's sizes") : undefined);
    if (sizes === undefined) {
      if (length % parts !== 0) throw new ShapeError(`Split: axis ${axis} of ${formatShape(x.shape)} does not divide into ${parts} equal parts`);
      sizes = new Array<number>(parts).fill(length / parts);
    }
    if (sizes.length !== parts || sizes.reduce((a, b) => a + b, 0) !== length) {
      throw new ShapeError(`Split: sizes [${sizes.join(", ")}] do not split ${length} into ${parts} outputs`);
    }
    let start = 0;
    const slices = sizes.map((size) => {
      const params: SliceAttributes = { starts: [start], ends: [start + size], axes: [axis] };
      start += size;
      return params;
    });
    return {
      outputs: slices.map((params) => ({ shape: sliceShape(x.shape, params), dtype: x.dtype })),
      run: (ins, outs) => slices.forEach((params, k) => slice(outs[k]!, ins[0]!, params)),
    };
  };
};

const gatherOp: OpDefinition = (node) => {
  const axis = new NodeAttributes(node).int("axis", 0);
  return (inputs) => {
    const data = required(inputs, 0, "data");
    const indices = required(inputs, 1, "indices");
    if (indices.dtype === "float32") throw new ShapeError("Gather: indices must be an integer tensor");
    return single(gatherShape(data.shape, indices.shape, axis), data.dtype, (ins, out) => gather(out, ins[0]!, ins[1] as IntTensor, axis));
  };
};

const expandOp: OpDefinition = () => (inputs) => {
  const x = required(inputs, 0, "input");
  const shape = knownValues(inputs, 1, "Expand's shape");
  if (shape === undefined) throw new ShapeError("Expand: the shape input is missing");
  return single(expandShape(x.shape, shape), x.dtype, (ins, out) => expand(out, ins[0]!));
};

const tileOp: OpDefinition = () => (inputs) => {
  const x = required(inputs, 0, "input");
  const repeats = knownValues(inputs, 1, "Tile's repeats");
  if (repeats === undefined) throw new ShapeError("Tile: the repeats input is missing");
  return single(tileShape(x.shape, repeats), x.dtype, (ins, out) => tile(out, ins[0]!, repeats));
};

/** Pad: pads/mode/value attributes before opset 11; pads and constant_value inputs (and axes from 18) after. */
const padOp: OpDefinition = (node, opset) => {
  const attrs = new NodeAttributes(node);
  const mode = attrs.string("mode", "constant");
  return (inputs) => {
    const x = required(inputs, 0, "data");
    let params: PadAttributes;
    if (opset < 11) {
      params = { pads: attrs.ints("pads"), mode, value: attrs.float("value", 0) };
    } else {
      const pads = knownValues(inputs, 1, "Pad's pads");
      if (pads === undefined) throw new ShapeError("Pad: the pads input is missing");
      params = { pads, mode, value: knownValues(inputs, 2, "Pad's constant_value")?.[0] ?? 0, axes: knownValues(inputs, 3, "Pad's axes") };
    }
    return single(padShape(x.shape, params), x.dtype, (ins, out) => pad(out, ins[0]!, params));
  };
};

const whereOp: OpDefinition = () => (inputs) => {
  const condition = required(inputs, 0, "condition");
  const x = required(inputs, 1, "X");
  const y = required(inputs, 2, "Y");
  const shape = elementwise.whereShape(condition.shape, x.shape, y.shape);
  return single(shape, x.dtype, (ins, out) => elementwise.where(out, ins[0] as IntTensor, ins[1]!, ins[2]!));
};

// ---------------------------------------------------------------------------------------
// Softmax, reductions, matrix products

/** Softmax / LogSoftmax: the kernel applies the opset's rule (flatten at axis < 13, one axis ≥ 13). */
function softmaxFamily(kernel: typeof softmax): OpDefinition {
  return (node, opset) => {
    const params = { axis: new NodeAttributes(node).int("axis", opset < 13 ? 1 : -1), opset };
    return (inputs) => {
      const x = requiredFloat(inputs, 0, "input");
      return single(softmaxShape(x.shape), "float32", (ins, out) => kernel(out as Tensor, ins[0] as Tensor, params));
    };
  };
}

/** Reduce*: axes an attribute, or an input from opset 18 (ReduceSum: from 13). */
function reduceFamily(op: ReduceOp): OpDefinition {
  return (node, opset) => {
    const attrs = new NodeAttributes(node);
    const axesAsInput = op === "sum" ? opset >= 13 : opset >= 18;
    const keepdims = attrs.int("keepdims", 1);
    const noopWithEmptyAxes = attrs.int("noop_with_empty_axes", 0);
    const attributeAxes = axesAsInput ? undefined : attrs.optionalInts("axes");
    return (inputs) => {
      const x = required(inputs, 0, "data");
      const axes = axesAsInput ? knownValues(inputs, 1, `${node.opType}'s axes`) : attributeAxes;
      const params = { axes, keepdims, noopWithEmptyAxes };
      return single(reduceShape(x.shape, params, node.opType), x.dtype, (ins, out) => reduce(op, out, ins[0]!, params));
    };
  };
}

/**
 * A node's copy of a constant weight in a kernel's layout (`make`), kept across runs: made
 * on the first run that asks, made again if that run's weight is another buffer.
 */
function keptLayout<T>(make: (weight: Tensor) => T): (weight: Tensor) => T {
  let source: Float32Array | undefined;
  let kept: T | undefined;
  return (weight) => {
    if (weight.data !== source || kept === undefined) {
      kept = make(weight);
      source = weight.data;
    }
    return kept;
  };
}

/** A 2-D B [K, N] (or, `transposed`, [N, K]) as columnRows (src/ops/matmul.ts). */
function bColumnRows(b: Tensor, transposed: boolean): number[] {
  const [r, c] = b.shape as [number, number];
  return transposed ? columnRows(b.data, c, r, 1, c) : columnRows(b.data, r, c, c, 1);
}

/** Rows of A's product (every dimension but the last; 1 for a vector). */
function productRows(shape: readonly number[]): number {
  return shape.length === 1 ? 1 : shape.slice(0, -1).reduce((p, d) => p * d, 1);
}

const matmulOp: OpDefinition = (_node, _opset, settings) => {
  // A constant B kept as column rows for products of at most COLUMN_ROWS_MAX_A_ROWS rows.
  const bColumns = keptLayout((b) => bColumnRows(b, false));
  // On the wasm backend: a constant B packed once into its memory (per node, whatever the shapes).
  const wasm = settings.wasm;
  const staged = keptLayout((b) => new StagedLinear(wasm!, b.data, null, b.shape[0]!, b.shape[1]!, false));
  return (inputs) => {
    const a = requiredFloat(inputs, 0, "A");
    const b = requiredFloat(inputs, 1, "B");
    const shape = matmulShape(a.shape, b.shape);
    if (wasm !== undefined && b.value !== undefined && b.shape.length === 2 && a.shape.length >= 1) {
      return single(shape, "float32", (ins, out) => {
        if (!staged(ins[1] as Tensor).run(out as Tensor, ins[0] as Tensor)) matmul(out as Tensor, ins[0] as Tensor, ins[1] as Tensor);
      });
    }
    if (settings.packWeights && b.value !== undefined && b.shape.length === 2 && productRows(a.shape) <= COLUMN_ROWS_MAX_A_ROWS) {
      return single(shape, "float32", (ins, out) => matmul(out as Tensor, ins[0] as Tensor, ins[1] as Tensor, bColumns(ins[1] as Tensor)));
    }
    return single(shape, "float32", (ins, out) => matmul(out as Tensor, ins[0] as Tensor, ins[1] as Tensor));
  };
};

const gemmOp: OpDefinition = (node, _opset, settings) => {
  const attrs = new NodeAttributes(node);
  const params = { alpha: attrs.float("alpha", 1), beta: attrs.float("beta", 1), transA: attrs.int("transA", 0), transB: attrs.int("transB", 0) };
  const bColumns = keptLayout((b) => bColumnRows(b, params.transB !== 0));
  const wasm = settings.wasm;
  // On the wasm backend: a constant B (and C as a bias of N values) packed once into its memory.
  let constantBias: Float32Array | null = null;
  const staged = keptLayout((b) => {
    const [n, k] = params.transB !== 0 ? (b.shape as [number, number]) : [b.shape[1]!, b.shape[0]!];
    return new StagedLinear(wasm!, b.data, constantBias, k, n, params.transB !== 0);
  });
  return (inputs) => {
    const a = requiredFloat(inputs, 0, "A");
    const b = requiredFloat(inputs, 1, "B");
    const c = inputs[2];
    const shape = gemmShape(a.shape, b.shape, c?.shape, params);
    const n = shape[1]!;
    const cAsBias = c === undefined || (c.value !== undefined && c.shape.reduce((p, d) => p * d, 1) === n && (c.shape.length === 1 || c.shape[0] === 1));
    if (wasm !== undefined && b.value !== undefined && params.transA === 0 && params.alpha === 1 && (params.beta === 1 || c === undefined) && cAsBias) {
      constantBias = (c?.value as Tensor | undefined)?.data ?? null;
      return single(shape, "float32", (ins, out) => {
        if (!staged(ins[1] as Tensor).run(out as Tensor, ins[0] as Tensor)) gemm(out as Tensor, ins[0] as Tensor, ins[1] as Tensor, ins[2] as Tensor | undefined, params, null);
      });
    }
    const useColumns = settings.packWeights && b.value !== undefined && params.transA === 0 && shape[0]! <= COLUMN_ROWS_MAX_A_ROWS;
    return single(shape, "float32", (ins, out) =>
      gemm(out as Tensor, ins[0] as Tensor, ins[1] as Tensor, ins[2] as Tensor | undefined, params, useColumns ? bColumns(ins[1] as Tensor) : null),
    );
  };
};

// ---------------------------------------------------------------------------------------
// Resize, Upsample

/**
 * Resize inputs by opset: (X, scales) at 10; (X, roi, scales, sizes?) at 11–12; every input
 * after X optional from 13. Opset 10 maps coordinates asymmetrically with the "simple"
 * nearest rule; from 11 the attributes choose (defaults half_pixel, round_prefer_floor).
 */
const resizeOp: OpDefinition = (node, opset) => {
  const attrs = new NodeAttributes(node);
  const mode = attrs.string("mode", "nearest");
  const coordinateTransformationMode = opset < 11 ? "asymmetric" : attrs.string("coordinate_transformation_mode", "half_pixel");
  const nearestMode = opset < 11 ? "simple" : attrs.string("nearest_mode", "round_prefer_floor");
  if (opset >= 11 && attrs.int("exclude_outside", 0) !== 0) throw new UnsupportedOperatorError("Resize exclude_outside = 1 is not supported");
  return (inputs) => {
    const x = requiredFloat(inputs, 0, "X");
    const scales = knownValues(inputs, opset < 11 ? 1 : 2, "Resize's scales");
    const sizes = opset < 11 ? undefined : knownValues(inputs, 3, "Resize's sizes");
    const params = { mode, coordinateTransformationMode, nearestMode, scales, sizes };
    return single(resizeShape(x.shape, params), "float32", (ins, out) => resize(out as Tensor, ins[0] as Tensor, params));
  };
};

/** Upsample (opsets 7–9): scales an attribute (7, 8) or an input (9); asymmetric coordinates. */
const upsampleOp: OpDefinition = (node, opset) => {
  const attrs = new NodeAttributes(node);
  const mode = attrs.string("mode", "nearest");
  const attributeScales = opset < 9 ? attrs.floats("scales") : undefined;
  return (inputs) => {
    const x = requiredFloat(inputs, 0, "X");
    const scales = attributeScales ?? knownValues(inputs, 1, "Upsample's scales");
    const params = { mode, coordinateTransformationMode: "asymmetric", nearestMode: "simple", scales };
    return single(resizeShape(x.shape, params), "float32", (ins, out) => resize(out as Tensor, ins[0] as Tensor, params));
  };
};

// ---------------------------------------------------------------------------------------
// Convolutions and BatchNormalization

function convAttributes(attrs: NodeAttributes): Conv2dAttributes {
  return {
    kernelShape: attrs.optionalInts("kernel_shape"),
    strides: attrs.optionalInts("strides"),
    pads: attrs.optionalInts("pads"),
    dilations: attrs.optionalInts("dilations"),
    group: attrs.int("group", 1),
    autoPad: attrs.string("auto_pad", "NOTSET"),
  };
}

/**
 * A 1-D convolution [N, C, L] is run as 2-D on [N, C, 1, L] with weight [M, C/g, 1, k]:
 * every spatial attribute gains a leading entry for the unit height.
 */
function as2d(params: Conv2dAttributes): Conv2dAttributes {
  const lead = (v: readonly number[] | undefined, unit: number): number[] | undefined => (v === undefined ? undefined : [unit, ...v]);
  const pads = params.pads === undefined ? undefined : [0, params.pads[0]!, 0, params.pads[1]!];
  return { ...params, kernelShape: lead(params.kernelShape, 1), strides: lead(params.strides, 1), dilations: lead(params.dilations, 1), pads };
}

const unitHeight = (shape: readonly number[]): number[] => [...shape.slice(0, 2), 1, ...shape.slice(2)];

/** Conv (2-D, and 1-D as 2-D), with the activation the rewrites fused into it. */
const convOp: OpDefinition = (node, _opset, settings) => {
  const params2d = convAttributes(new NodeAttributes(node));
  const activation = node.fusedActivation ?? NO_ACTIVATION;
  // A constant weight of a pointwise conv (on maps of 4 pixels or more, where the tile
  // kernel runs) packed once, as the typed GhostNet does.
  const packedWeight = keptLayout((w) => packPointwiseWeights(w.data, w.shape[0]!, w.shape[1]!));
  // On the wasm backend: a constant weight (and bias) packed once into its memory.
  const wasm = settings.wasm;
  let constantBias: Float32Array | null = null;
  const staged = keptLayout((w) => new StagedConv2d(wasm!, w.shape, w.data, constantBias, params2d, activation));
  return (inputs) => {
    const x = requiredFloat(inputs, 0, "X");
    const w = requiredFloat(inputs, 1, "W");
    if (inputs[2] !== undefined) requiredFloat(inputs, 2, "B");
    if (x.shape.length === 3 && w.shape.length === 3) {
      const params = as2d(params2d);
      const shape2d = conv2dShape(unitHeight(x.shape), unitHeight(w.shape), params);
      const shape = [shape2d[0]!, shape2d[1]!, shape2d[3]!];
      return single(shape, "float32", (ins, out) => {
        const [input, weight, bias] = ins as Tensor[];
        const output2d = new Tensor(shape2d, (out as Tensor).data);
        conv2d(output2d, input!.reshape(unitHeight(input!.shape)), weight!.reshape(unitHeight(weight!.shape)), bias ?? null, params, activation);
      });
    }
    const shape = conv2dShape(x.shape, w.shape, params2d);
    const biasValue = inputs[2]?.value;
    if (wasm !== undefined && w.value !== undefined && (inputs[2] === undefined || biasValue !== undefined) && x.shape.length === 4 && w.shape.length === 4) {
      constantBias = (biasValue as Tensor | undefined)?.data ?? null;
      return single(shape, "float32", (ins, out) => {
        const [input, weight, bias] = ins as Tensor[];
        if (!staged(weight!).run(out as Tensor, input!)) conv2d(out as Tensor, input!, weight!, bias ?? null, params2d, activation);
      });
    }
    const pack = settings.packWeights && w.value !== undefined && x.shape.length === 4 && w.shape.length === 4 &&
      conv2dPath(conv2dGeometry(x.shape, w.shape, params2d)) === "pointwise" && shape[2]! * shape[3]! >= 4;
    return single(shape, "float32", (ins, out) => {
      const [input, weight, bias] = ins as Tensor[];
      conv2d(out as Tensor, input!, weight!, bias ?? null, params2d, activation, pack ? packedWeight(weight!) : null);
    });
  };
};

const convTransposeOp: OpDefinition = (node) => {
  const attrs = new NodeAttributes(node);
  const params: ConvTranspose2dAttributes = {
    ...convAttributes(attrs),
    outputPadding: attrs.optionalInts("output_padding"),
    outputShape: attrs.optionalInts("output_shape"),
  };
  return (inputs) => {
    const x = requiredFloat(inputs, 0, "X");
    const w = requiredFloat(inputs, 1, "W");
    const shape = convTranspose2dShape(x.shape, w.shape, params);
    return single(shape, "float32", (ins, out) => {
      const [input, weight, bias] = ins as Tensor[];
      convTranspose2d(out as Tensor, input!, weight!, bias ?? null, params);
    });
  };
};

/** BatchNormalization at inference (one output; `spatial` must be 1 before opset 9, training_mode 0 from 14). */
const batchNormOp: OpDefinition = (node) => {
  const attrs = new NodeAttributes(node);
  const epsilon = attrs.float("epsilon", 1e-5);
  if (attrs.int("spatial", 1) !== 1) throw new UnsupportedOperatorError("BatchNormalization with spatial = 0 is not supported");
  if (attrs.int("training_mode", 0) !== 0) throw new UnsupportedOperatorError("BatchNormalization in training mode is not supported");
  return (inputs) => {
    const x = requiredFloat(inputs, 0, "X");
    const channels = x.shape[1];
    for (const [i, name] of ["scale", "B", "input_mean", "input_var"].entries()) {
      const p = requiredFloat(inputs, i + 1, name);
      const size = p.shape.reduce((a, b) => a * b, 1);
      if (size !== channels) {
        throw new ShapeError(`BatchNormalization: ${name} ${formatShape(p.shape)} should hold ${channels} values for input ${formatShape(x.shape)}`);
      }
    }
    return single(x.shape, "float32", (ins, out) => {
      const [input, s, b, m, v] = ins as Tensor[];
      batchNormalization(out as Tensor, input!, { scale: s!, offset: b!, mean: m!, variance: v! }, { epsilon });
    });
  };
};

// ---------------------------------------------------------------------------------------
// The table

/** Every supported ONNX op type and how to run it: attribute reading, output shapes, the kernel call. */
export const OP_TABLE: Readonly<Record<string, OpDefinition>> = {
  // convolutions
  Conv: convOp,
  ConvTranspose: convTransposeOp,
  BatchNormalization: batchNormOp,

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
  Mod: modOp,
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
  Size: sizeOp,
  Cast: castOp,
  ConstantOfShape: constantOfShapeOp,
  Range: rangeOp,
  Reshape: reshapeOp,
  Flatten: flattenOp,
  Squeeze: squeezeOp,
  Unsqueeze: unsqueezeOp,
  Concat: concatOp,
  Transpose: transposeOp,
  Slice: sliceOp,
  Split: splitOp,
  Gather: gatherOp,
  Expand: expandOp,
  Tile: tileOp,
  Pad: padOp,
  Where: whereOp,

  // softmax, reductions, matrix products
  Softmax: softmaxFamily(softmax),
  LogSoftmax: softmaxFamily(logSoftmax),
  ReduceMean: reduceFamily("mean"),
  ReduceSum: reduceFamily("sum"),
  ReduceMax: reduceFamily("max"),
  ReduceMin: reduceFamily("min"),
  ReduceProd: reduceFamily("prod"),
  ReduceSumSquare: reduceFamily("sumSquare"),
  ReduceL1: reduceFamily("l1"),
  ReduceL2: reduceFamily("l2"),
  ReduceLogSumExp: reduceFamily("logSumExp"),
  Resize: resizeOp,
  Upsample: upsampleOp,
  MatMul: matmulOp,
  Gemm: gemmOp,

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

