/**
 * Transpose: output axis k is input axis perm[k] (default: the axes reversed).
 *
 *   output[i0, …, i_{r−1}] = input[j…] with j_{perm[k]} = i_k
 *
 * A strided copy: output dimension k walks the input with the input's stride of axis
 * perm[k]. NCHW → NHWC is perm [0, 2, 3, 1].
 */
import { ShapeError } from "../errors.js";
import { formatShape, shapesEqual, stridesOf } from "../tensor/tensor.js";
import { copyStrided, type NumericTensor } from "./strided.js";

function resolvePerm(inputShape: readonly number[], perm?: readonly number[]): number[] {
  const rank = inputShape.length;
  if (perm === undefined || perm.length === 0) return inputShape.map((_, k) => rank - 1 - k);
  const seen = new Array<boolean>(rank).fill(false);
  const valid =
    perm.length === rank &&
    perm.every((p) => {
      if (!Number.isInteger(p) || p < 0 || p >= rank || seen[p]) return false;
      seen[p] = true;
      return true;
    });
  if (!valid) throw new ShapeError(`Transpose: perm [${perm.join(", ")}] is not a permutation of the axes of ${formatShape(inputShape)}`);
  return perm.slice();
}

/** Transpose's output shape: the input's dimensions in `perm` order (default: reversed). */
export function transposeShape(inputShape: readonly number[], perm?: readonly number[]): number[] {
  return resolvePerm(inputShape, perm).map((p) => inputShape[p]!);
}

/** Transpose: the input with its axes reordered as `perm` says (default: reversed). */
export function transpose(output: NumericTensor, input: NumericTensor, perm?: readonly number[]): void {
  const p = resolvePerm(input.shape, perm);
  const shape = p.map((axis) => input.shape[axis]!);
  if (!shapesEqual(output.shape, shape)) {
    throw new ShapeError(`Transpose: output shape ${formatShape(output.shape)} should be ${formatShape(shape)}`);
  }
  const inStrides = stridesOf(input.shape);
  copyStrided(output.data, 0, input.data, 0, shape, p.map((axis) => inStrides[axis]!));
}
