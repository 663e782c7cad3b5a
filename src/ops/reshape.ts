/**
 * The reshape family: Reshape, Flatten, Squeeze, Unsqueeze. Each keeps the elements in
 * row-major order and only changes the shape, so the kernel is one copy (`reshape`); an
 * executor may instead share the input's buffer under the new shape.
 */
import { ShapeError } from "../errors.js";
import { formatShape, shapeSize } from "../tensor/tensor.js";
import type { NumericTensor } from "./strided.js";

/**
 * Reshape's output shape from the requested `shape` values: a 0 copies the input's
 * dimension at the same index (unless allowzero = 1, when 0 means an empty dimension),
 * and one −1 is inferred so that the sizes match.
 */
export function reshapeShape(inputShape: readonly number[], shape: readonly number[], allowzero = 0): number[] {
  const fail = (why: string): never => {
    throw new ShapeError(`Reshape: cannot reshape ${formatShape(inputShape)} to [${shape.join(", ")}]: ${why}`);
  };
  const size = shapeSize(inputShape);
  const out: number[] = [];
  let inferred = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    let d = shape[i]!;
    if (!Number.isInteger(d) || d < -1) fail(`invalid dimension ${d}`);
    if (d === 0 && allowzero === 0) {
      if (i >= inputShape.length) fail(`0 at index ${i} has no input dimension to copy`);
      d = inputShape[i]!;
    }
    if (d === -1) {
      if (inferred >= 0) fail("more than one −1");
      inferred = i;
      out.push(1);
    } else {
      out.push(d);
      known *= d;
    }
  }
  if (inferred >= 0) {
    if (known === 0 || size % known !== 0) fail(`${size} elements do not divide into ${known}`);
    out[inferred] = size / known;
  } else if (known !== size) {
    fail(`${size} elements vs ${known}`);
  }
  return out;
}

/** Flatten's output shape: [d0·…·d_{axis−1}, d_axis·…·d_{r−1}], axis in [−r, r] (default 1). */
export function flattenShape(inputShape: readonly number[], axis = 1): number[] {
  const rank = inputShape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis > rank) {
    throw new ShapeError(`Flatten: axis ${axis} is out of range for input ${formatShape(inputShape)}`);
  }
  const a = axis < 0 ? axis + rank : axis;
  let outer = 1;
  for (let k = 0; k < a; k++) outer *= inputShape[k]!;
  let inner = 1;
  for (let k = a; k < rank; k++) inner *= inputShape[k]!;
  return [outer, inner];
}

/**
 * Squeeze's output shape: drops the listed axes (each must be 1; negative counts from the
 * end), or every size-1 axis when `axes` is absent or empty. Axes are an attribute before
 * opset 13 and an int64 input from 13 on; the caller passes numbers either way.
 */
export function squeezeShape(inputShape: readonly number[], axes?: readonly number[]): number[] {
  const rank = inputShape.length;
  if (axes === undefined || axes.length === 0) return inputShape.filter((d) => d !== 1);
  const drop = new Array<boolean>(rank).fill(false);
  for (const axis of axes) {
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      throw new ShapeError(`Squeeze: axis ${axis} is out of range for input ${formatShape(inputShape)}`);
    }
    const a = axis < 0 ? axis + rank : axis;
    if (inputShape[a] !== 1) {
      throw new ShapeError(`Squeeze: axis ${axis} of input ${formatShape(inputShape)} has size ${inputShape[a]}, not 1`);
    }
    drop[a] = true;
  }
  return inputShape.filter((_, k) => !drop[k]);
}

/**
 * Unsqueeze's output shape: inserts size-1 axes at the listed positions of the output
 * (rank r + len(axes); negative counts from the output's end). Attribute before opset 13,
 * input from 13 on.
 */
export function unsqueezeShape(inputShape: readonly number[], axes: readonly number[]): number[] {
  const outRank = inputShape.length + axes.length;
  const insert = new Array<boolean>(outRank).fill(false);
  for (const axis of axes) {
    if (!Number.isInteger(axis) || axis < -outRank || axis >= outRank) {
      throw new ShapeError(`Unsqueeze: axis ${axis} is out of range for output rank ${outRank} (input ${formatShape(inputShape)})`);
    }
    const a = axis < 0 ? axis + outRank : axis;
    if (insert[a]) throw new ShapeError(`Unsqueeze: axis ${axis} is repeated in [${axes.join(", ")}]`);
    insert[a] = true;
  }
  const out: number[] = [];
  let next = 0;
  for (let k = 0; k < outRank; k++) out.push(insert[k] ? 1 : inputShape[next++]!);
  return out;
}

/**
 * The kernel of Reshape, Flatten, Squeeze and Unsqueeze: the same elements in the same
 * order under the output's shape (computed by the matching *Shape function).
 */
export function reshape(output: NumericTensor, input: NumericTensor): void {
  if (output.data.length !== input.data.length) {
    throw new ShapeError(`Reshape: output ${formatShape(output.shape)} and input ${formatShape(input.shape)} differ in size`);
  }
  if (output.data !== input.data) output.data.set(input.data);
}
