/**
 * Ops of shape arithmetic (Paddle2ONNX's Shape → Cast → Slice → Concat → Reshape chains)
 * and tensor creation: Shape, Size, Cast, ConstantOfShape, Range.
 */
import { ShapeError } from "../errors.js";
import { formatShape, shapesEqual, type IntTensor } from "../tensor/tensor.js";
import type { NumericTensor } from "./strided.js";

/** Shape's attributes. */
export interface ShapeOfAttributes {
  /** Opset 15: first dimension to report (default 0; negative counts from the end). */
  start?: number;
  /** Opset 15: one past the last dimension (default rank; negative counts from the end). */
  end?: number;
}

/** [first, last) of the dimensions Shape reports, clamped to [0, rank] as ONNX says. */
function shapeRange(rank: number, attrs: ShapeOfAttributes): [number, number] {
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(attrs.start ?? 0);
  const end = clamp(attrs.end ?? rank);
  return [start, Math.max(start, end)];
}

/** Shape's output shape: [number of reported dimensions]. */
export function shapeOfShape(inputShape: readonly number[], attrs: ShapeOfAttributes = {}): number[] {
  const [start, end] = shapeRange(inputShape.length, attrs);
  return [end - start];
}

/** Shape: output (int64) = the input's dimensions start … end−1. */
export function shapeOf(output: IntTensor, inputShape: readonly number[], attrs: ShapeOfAttributes = {}): void {
  const [start, end] = shapeRange(inputShape.length, attrs);
  if (output.data.length !== end - start) {
    throw new ShapeError(`Shape: output shape ${formatShape(output.shape)} should be [${end - start}]`);
  }
  for (let k = start; k < end; k++) output.data[k - start] = inputShape[k]!;
}

/** Size: output (int64 scalar) = number of elements of the input. */
export function sizeOf(output: IntTensor, inputShape: readonly number[]): void {
  let size = 1;
  for (const d of inputShape) size *= d;
  output.data[0] = size;
}

/**
 * Cast: converts to the output's type. To float32: rounding to the nearest float. To
 * int64/int32: truncation toward zero (as C++'s static_cast). To bool: x ≠ 0 (NaN is true).
 */
export function cast(output: NumericTensor, input: NumericTensor): void {
  if (!shapesEqual(output.shape, input.shape)) {
    throw new ShapeError(`Cast: output shape ${formatShape(output.shape)} should equal input shape ${formatShape(input.shape)}`);
  }
  const x = input.data;
  const y = output.data;
  switch (output.dtype) {
    case "float32":
      for (let i = 0; i < x.length; i++) y[i] = x[i]!;
      return;
    case "int64":
      for (let i = 0; i < x.length; i++) y[i] = Math.trunc(x[i]!);
      return;
    case "int32":
      for (let i = 0; i < x.length; i++) y[i] = Math.trunc(x[i]!) | 0;
      return;
    case "bool":
      for (let i = 0; i < x.length; i++) y[i] = x[i]! !== 0 ? 1 : 0;
      return;
  }
}

/** ConstantOfShape's output shape: the input's values, each a non-negative integer. */
export function constantOfShapeShape(shape: readonly number[]): number[] {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`ConstantOfShape: invalid shape [${shape.join(", ")}]`);
  }
  return shape.slice();
}

/** ConstantOfShape: every element = value (ONNX default: float32 0). */
export function constantOfShape(output: NumericTensor, value = 0): void {
  output.data.fill(value);
}

/** Range's output shape: [max(ceil((limit − start) / delta), 0)]. */
export function rangeShape(start: number, limit: number, delta: number): number[] {
  if (delta === 0 || !Number.isFinite(delta) || !Number.isFinite(start) || !Number.isFinite(limit)) {
    throw new ShapeError(`Range: start ${start}, limit ${limit}, delta ${delta} do not give a finite range`);
  }
  return [Math.max(Math.ceil((limit - start) / delta), 0)];
}

/**
 * Range: output[i] = start + i·delta, accumulated by repeated addition in the output's
 * precision (as onnxruntime does, so float32 ranges agree to the last bit).
 */
export function range(output: NumericTensor, start: number, delta: number): void {
  const y = output.data;
  if (output.dtype === "float32") {
    let v = Math.fround(start);
    const d = Math.fround(delta);
    for (let i = 0; i < y.length; i++, v = Math.fround(v + d)) y[i] = v;
  } else {
    for (let i = 0; i < y.length; i++) y[i] = start + i * delta;
  }
}
