/**
 * Expand and Tile: repeat data without arithmetic.
 *
 * Expand: broadcasts the input against `shape` (both ways, as NumPy does: a 1 in `shape`
 *   keeps the input's dimension) — a strided copy with stride 0 along broadcast axes.
 * Tile: output dimension k is d_k·repeats_k, the input repeated repeats_k times along k.
 *   Seen as the view [r0, d0, r1, d1, …] with strides [0, s0, 0, s1, …], also a strided copy.
 */
import { ShapeError } from "../errors.js";
import { broadcastShapes, broadcastStrides } from "../tensor/broadcast.js";
import { formatShape, shapesEqual, stridesOf } from "../tensor/tensor.js";
import { copyStrided, type NumericTensor } from "./strided.js";

/** Expand's output shape: the input broadcast against `shape`. */
export function expandShape(inputShape: readonly number[], shape: readonly number[]): number[] {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`Expand: invalid target shape [${shape.join(", ")}]`);
  }
  try {
    return broadcastShapes(inputShape, shape);
  } catch {
    throw new ShapeError(`Expand: input ${formatShape(inputShape)} cannot be broadcast to [${shape.join(", ")}]`);
  }
}

/** Expand: output[i…] = input[i… broadcast]; output shape from expandShape. */
export function expand(output: NumericTensor, input: NumericTensor): void {
  let fits = output.shape.length >= input.shape.length;
  try {
    fits = fits && shapesEqual(broadcastShapes(input.shape, output.shape), output.shape);
  } catch {
    fits = false;
  }
  if (!fits) throw new ShapeError(`Expand: input ${formatShape(input.shape)} does not broadcast to output ${formatShape(output.shape)}`);
  copyStrided(output.data, 0, input.data, 0, output.shape, broadcastStrides(input.shape, output.shape));
}

/** Tile's output shape: each dimension times its repeat count. */
export function tileShape(inputShape: readonly number[], repeats: readonly number[]): number[] {
  if (repeats.length !== inputShape.length || repeats.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new ShapeError(`Tile: repeats [${repeats.join(", ")}] should hold one non-negative integer per axis of ${formatShape(inputShape)}`);
  }
  return inputShape.map((d, k) => d * repeats[k]!);
}

/** Tile: output[…, r_k·d_k + i_k, …] = input[…, i_k, …]. */
export function tile(output: NumericTensor, input: NumericTensor, repeats: readonly number[]): void {
  const expected = tileShape(input.shape, repeats);
  if (!shapesEqual(output.shape, expected)) {
    throw new ShapeError(`Tile: output shape ${formatShape(output.shape)} should be ${formatShape(expected)}`);
  }
  if (output.data.length === 0) return;
  const strides = stridesOf(input.shape);
  const viewShape: number[] = [];
  const viewStrides: number[] = [];
  input.shape.forEach((d, k) => {
    viewShape.push(repeats[k]!, d);
    viewStrides.push(0, strides[k]!);
  });
  copyStrided(output.data, 0, input.data, 0, viewShape, viewStrides);
}
