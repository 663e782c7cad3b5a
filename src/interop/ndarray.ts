/**
 * Interop with the scijs ecosystem's `ndarray` (https://github.com/scijs/ndarray):
 * hand a tensor out as an ndarray view (no copy), and take any float ndarray in,
 * however it is strided (a transposed or sliced view is copied into C order).
 */
import ndarray from "ndarray";
import { InputError } from "../errors.js";
import { Tensor, stridesOf } from "../tensor/tensor.js";

/**
 * What an ndarray's storage can be: an array or typed array, or a "generic array" with
 * `get(i)` (scijs's own convention for custom storage).
 */
export type NdarrayData =
  | ArrayLike<number>
  | {
      /** The element at a flat storage index. */
      get(index: number): number;
    };

/**
 * Any scijs ndarray, as far as `fromNdarray` reads it: its storage, shape, strides, offset
 * and element count. Structural, so the package's declarations need none of ndarray's
 * types (those live in `@types/ndarray`, which users need not install).
 */
export interface NdarrayLike {
  data: NdarrayData;
  shape: number[];
  stride: number[];
  offset: number;
  size: number;
}

/**
 * The ndarray `toNdarray` returns: a real scijs ndarray over the tensor's Float32Array,
 * typed here with the members of ndarray's API that read, write and slice it.
 */
export interface Float32Ndarray extends NdarrayLike {
  data: Float32Array;
  dtype: "float32";
  dimension: number;
  /** The element at the given indices (one per dimension). */
  get(...indices: number[]): number;
  /** Writes the last argument at the indices before it; returns the value. */
  set(...indicesThenValue: number[]): number;
  /** The position in `data` of the element at the given indices. */
  index(...indices: number[]): number;
  /** A view starting at the given indices. */
  lo(...indices: number[]): Float32Ndarray;
  /** A view ending before the given indices. */
  hi(...indices: number[]): Float32Ndarray;
  /** A view taking every n-th element per dimension (negative: reversed). */
  step(...steps: number[]): Float32Ndarray;
  /** A view with the dimensions in the given order. */
  transpose(...axes: number[]): Float32Ndarray;
  /** A view with the given dimensions fixed (`null` keeps a dimension). */
  pick(...indices: (number | null)[]): Float32Ndarray;
}

/** A zero-copy ndarray view of `tensor` (C order: stride = row-major strides). */
export function toNdarray(tensor: { shape: readonly number[]; data: Float32Array }): Float32Ndarray {
  return ndarray(tensor.data, tensor.shape.slice(), stridesOf(tensor.shape), 0) as unknown as Float32Ndarray;
}

/**
 * A Tensor holding the values of `array`. A C-contiguous Float32Array-backed view at
 * offset 0 is wrapped without copying; anything else (other strides, an offset, another
 * numeric storage) is copied element by element in C order.
 */
export function fromNdarray(array: NdarrayLike): Tensor {
  const shape = array.shape.slice();
  const contiguous = stridesOf(shape);
  const isCOrder = array.stride.every((s, i) => s === contiguous[i] || shape[i] === 1);
  if (array.data instanceof Float32Array && array.offset === 0 && isCOrder && array.data.length === array.size) {
    return new Tensor(shape, array.data);
  }
  const out = new Float32Array(array.size);
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    let position = array.offset;
    for (let d = 0; d < shape.length; d++) position += index[d]! * array.stride[d]!;
    const value = Array.isArray(array.data) || ArrayBuffer.isView(array.data)
      ? (array.data as ArrayLike<number>)[position]
      : (array.data as { get(index: number): number }).get(position);
    if (typeof value !== "number") throw new InputError(`ndarray element ${flat} is not a number`);
    out[flat] = value;
    // Advance the multi-index like an odometer, last axis fastest (C order).
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return new Tensor(shape, out);
}
