import ndarray from "ndarray";
import { describe, expect, it } from "vitest";
import { fromNdarray, toNdarray } from "../src/interop/ndarray.js";
import { Tensor } from "../src/tensor/tensor.js";

describe("ndarray interop", () => {
  it("hands a tensor out as a zero-copy C-order view", () => {
    const t = new Tensor([2, 3], Float32Array.from([0, 1, 2, 3, 4, 5]));
    const view = toNdarray(t);
    expect(view.get(1, 2)).toBe(5); // row 1, column 2 → 1·3 + 2
    view.set(0, 1, 42);
    expect(t.data[1]).toBe(42); // same memory
  });

  it("wraps a contiguous Float32Array ndarray without copying", () => {
    const data = Float32Array.from([1, 2, 3, 4]);
    const t = fromNdarray(ndarray(data, [2, 2]));
    expect(t.data).toBe(data);
    expect(t.shape).toEqual([2, 2]);
  });

  it("copies a transposed view into C order", () => {
    // [[0, 1, 2], [3, 4, 5]] transposed is [[0, 3], [1, 4], [2, 5]].
    const a = ndarray(Float32Array.from([0, 1, 2, 3, 4, 5]), [2, 3]).transpose(1, 0);
    const t = fromNdarray(a);
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.data)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it("copies a sliced view with an offset and a plain-array store", () => {
    // Rows 1..2 of [[0,1],[2,3],[4,5]] from a number[] store.
    const a = ndarray([0, 1, 2, 3, 4, 5], [3, 2]).lo(1, 0);
    const t = fromNdarray(a);
    expect(t.shape).toEqual([2, 2]);
    expect(Array.from(t.data)).toEqual([2, 3, 4, 5]);
  });
});
