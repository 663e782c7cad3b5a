/**
 * Strided iteration, the one loop behind every data-movement kernel (transpose, slice,
 * expand, tile) and behind broadcasting in the elementwise ops.
 *
 * A view of a flat buffer is an offset plus one stride per output dimension:
 * element (i0, i1, …) of the view sits at offset + Σ i_k·stride_k. A stride of 0 repeats
 * the same element along that dimension (broadcasting); a negative stride walks backwards
 * (Slice with negative steps); permuted strides transpose.
 */
import type { IntTensor, Tensor } from "../tensor/tensor.js";

/** The buffer of a float or an integer tensor. */
export type NumericArray = Float32Array | Float64Array;

/** A float or an integer tensor: data-movement kernels accept either. */
export type NumericTensor = Tensor | IntTensor;

/**
 * Merges adjacent dimensions that every view walks through as one: dimension k folds into
 * k+1 when, for each view, stride_k = stride_{k+1}·shape_{k+1}. Size-1 dimensions vanish.
 * Same-shape contiguous views fold to one run; a per-channel [N,C,1,1] operand against
 * [N,C,H,W] folds to shape [N·C, H·W] with strides [1, 0].
 */
export function foldDimensions(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let k = 0; k < shape.length; k++) {
    const size = shape[k]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    for (let v = 0; v < strides.length && mergeable; v++) {
      if (outStrides[v]![last]! !== strides[v]![k]! * size) mergeable = false;
    }
    if (mergeable) {
      outShape[last] = outShape[last]! * size;
      for (let v = 0; v < strides.length; v++) outStrides[v]![last] = strides[v]![k]!;
    } else {
      outShape.push(size);
      for (let v = 0; v < strides.length; v++) outStrides[v]!.push(strides[v]![k]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * output[outOffset + flat(i…)] = input[inOffset + Σ i_k·inStrides_k], for every index i…
 * of `shape` in row-major order (the output is written contiguously).
 */
export function copyStrided(
  output: NumericArray,
  outOffset: number,
  input: NumericArray,
  inOffset: number,
  shape: readonly number[],
  inStrides: readonly number[],
): void {
  const folded = foldDimensions(shape, [inStrides]);
  const dims = folded.shape;
  const strides = folded.strides[0]!;
  const rank = dims.length;
  if (rank === 0) {
    // Every dimension was 1: one element (or shape has a 0 and nothing to copy).
    if (shape.every((d) => d > 0)) output[outOffset] = input[inOffset]!;
    return;
  }
  const run = dims[rank - 1]!;
  const step = strides[rank - 1]!;
  let total = 1;
  for (const d of dims) total *= d;
  if (total === 0) return;
  const index = new Int32Array(rank);
  let src = inOffset;
  for (let dst = outOffset, end = outOffset + total; dst < end; dst += run) {
    if (step === 1) {
      for (let i = 0; i < run; i++) output[dst + i] = input[src + i]!;
    } else {
      for (let i = 0, s = src; i < run; i++, s += step) output[dst + i] = input[s]!;
    }
    // Advance the odometer over the outer dimensions.
    for (let k = rank - 2; k >= 0; k--) {
      src += strides[k]!;
      if (++index[k]! < dims[k]!) break;
      src -= strides[k]! * dims[k]!;
      index[k] = 0;
    }
  }
}
