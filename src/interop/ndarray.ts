/**
 * Interop with the scijs ecosystem's `ndarray` (https://github.com/scijs/ndarray):
 * hand a tensor out as an ndarray view (no copy), and take any float ndarray in,
 * however it is strided (a transposed or sliced view is copied into C order).
 */
import ndarray from "ndarray";
import { InputError } from "../errors.js";
import { Tensor, stridesOf } from "../tensor/tensor.js";

/** A zero-copy ndarray view of `tensor` (C order: stride = row-major strides). */
export function toNdarray(tensor: { shape: readonly number[]; data: Float32Array }): ndarray.NdArray<Float32Array> {
  return ndarray(tensor.data, tensor.shape.slice(), stridesOf(tensor.shape), 0);
}

/**
 * A Tensor holding the values of `array`. A C-contiguous Float32Array-backed view at
 * offset 0 is wrapped without copying; anything else (other strides, an offset, another
 * numeric storage) is copied element by element in C order.
 */
export function fromNdarray(array: ndarray.NdArray<ndarray.Data<number>>): Tensor {
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
      : (array.data as ndarray.GenericArray<number>).get(position);
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
