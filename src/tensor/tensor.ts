/**
 * The tensor: a shape and a flat, row-major (C-order) buffer. Images and feature maps
 * are NCHW: element (n, c, h, w) of a [N, C, H, W] tensor sits at
 * ((n·C + c)·H + h)·W + w.
 *
 * Float tensors hold a Float32Array. Integer and boolean tensors (shape arithmetic:
 * Shape → Slice → Concat → Reshape) hold their values in a Float64Array, which
 * represents every integer up to 2^53 exactly; ONNX's INT64_MAX sentinels in Slice
 * become 9.22e18, which is only ever compared against, never indexed with.
 */
import { ShapeError } from "../errors.js";

/** The element type of a `Tensor`: always float32. */
export type FloatType = "float32";
/** Element types of an `IntTensor` (shape arithmetic, indices, masks); values are held exactly in a Float64Array. */
export type IntegerType = "int64" | "int32" | "bool";
/** Every element type a graph value can have. */
export type DataType = FloatType | IntegerType;

/** The structural type users pass in: anything with a shape and float32 data. */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export class Tensor implements TensorLike {
  readonly dtype = "float32" as const;
  readonly shape: readonly number[];
  readonly data: Float32Array;

  /** Wraps `data` (no copy); allocates zeros when `data` is omitted. */
  constructor(shape: readonly number[], data?: Float32Array) {
    const size = shapeSize(shape);
    if (data === undefined) data = new Float32Array(size);
    else if (data.length !== size) {
      throw new ShapeError(`tensor of shape [${shape.join(", ")}] needs ${size} values, got ${data.length}`);
    }
    this.shape = Object.freeze(shape.slice());
    this.data = data;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A tensor over the same data with another shape of the same size. */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(shape, this.data);
  }

  /** `like` as a Tensor: itself when it is one, else a Tensor over the same shape and data (no copy). */
  static from(like: TensorLike): Tensor {
    return like instanceof Tensor ? like : new Tensor(like.shape, like.data);
  }

  /** A rank-0 tensor holding one value. */
  static scalar(value: number): Tensor {
    return new Tensor([], Float32Array.of(value));
  }
}

/** Integer or boolean tensor, values stored exactly in a Float64Array (see above). */
export class IntTensor {
  readonly dtype: IntegerType;
  readonly shape: readonly number[];
  readonly data: Float64Array;

  constructor(dtype: IntegerType, shape: readonly number[], data?: Float64Array) {
    const size = shapeSize(shape);
    if (data === undefined) data = new Float64Array(size);
    else if (data.length !== size) {
      throw new ShapeError(`${dtype} tensor of shape [${shape.join(", ")}] needs ${size} values, got ${data.length}`);
    }
    this.dtype = dtype;
    this.shape = Object.freeze(shape.slice());
    this.data = data;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A tensor over the same values with another shape of the same size. */
  reshape(shape: readonly number[]): IntTensor {
    return new IntTensor(this.dtype, shape, this.data);
  }

  /** A 1-D integer tensor holding `values` (int64 unless `dtype` says otherwise). */
  static fromValues(values: readonly number[], dtype: IntegerType = "int64"): IntTensor {
    return new IntTensor(dtype, [values.length], Float64Array.from(values));
  }
}

/** Any value that flows along a graph edge. */
export type AnyTensor = Tensor | IntTensor;

/** Whether a graph value is a float32 `Tensor` (not an `IntTensor`). */
export function isFloatTensor(t: AnyTensor): t is Tensor {
  return t.dtype === "float32";
}

/** Number of elements of a shape; [] (a scalar) has one. */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`invalid dimension ${d} in shape [${shape.join(", ")}]`);
    size *= d;
  }
  return size;
}

/** Row-major strides: strides[i] = product of shape[i+1..]. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

/** Whether two shapes have the same rank and the same dimensions. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A shape as messages write it: `[1, 3, 224, 224]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
