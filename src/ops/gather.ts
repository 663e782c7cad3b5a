/**
 * Gather: picks slices of `data` along `axis` by integer indices (negative counts from
 * the end of the axis).
 *
 *   data [d0, …, d_{axis−1}, A, d_{axis+1}, …], indices [q0, …]
 *   → output [d0, …, d_{axis−1}, q0, …, d_{axis+1}, …]
 *   output[o…, j…, i…] = data[o…, indices[j…], i…]
 *
 * Seen as data [outer, A, inner]: each (outer, index) pair copies one run of `inner`.
 */
import { InputError, ShapeError } from "../errors.js";
import { formatShape, shapesEqual, type IntTensor } from "../tensor/tensor.js";
import type { NumericTensor } from "./strided.js";

/** Gather's output shape: `dataShape` with dimension `axis` replaced by `indicesShape`. */
export function gatherShape(dataShape: readonly number[], indicesShape: readonly number[], axis = 0): number[] {
  const rank = dataShape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(`Gather: axis ${axis} is out of range for data ${formatShape(dataShape)}`);
  }
  const a = axis < 0 ? axis + rank : axis;
  return [...dataShape.slice(0, a), ...indicesShape, ...dataShape.slice(a + 1)];
}

/** Gather: the slices of `data` along `axis` that `indices` pick (negative indices count from the end). */
export function gather(output: NumericTensor, data: NumericTensor, indices: IntTensor, axis = 0): void {
  const expected = gatherShape(data.shape, indices.shape, axis);
  if (!shapesEqual(output.shape, expected)) {
    throw new ShapeError(`Gather: output shape ${formatShape(output.shape)} should be ${formatShape(expected)}`);
  }
  const rank = data.shape.length;
  const a = axis < 0 ? axis + rank : axis;
  const size = data.shape[a]!;
  let outer = 1;
  for (let k = 0; k < a; k++) outer *= data.shape[k]!;
  let inner = 1;
  for (let k = a + 1; k < rank; k++) inner *= data.shape[k]!;
  const idx = indices.data;
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]!;
    if (!Number.isInteger(i) || i < -size || i >= size) {
      throw new InputError(`Gather: index ${i} is out of range for axis ${axis} of size ${size} (data ${formatShape(data.shape)})`);
    }
  }
  const x = data.data;
  const y = output.data;
  let dst = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const i = idx[j]!;
      const src = (o * size + (i < 0 ? i + size : i)) * inner;
      for (let t = 0; t < inner; t++) y[dst + t] = x[src + t]!;
      dst += inner;
    }
  }
}
