/**
 * Plain JavaScript arrays of doubles as kernel operands.
 *
 * V8 stores an array that only ever held non-integer numbers as PACKED_DOUBLE_ELEMENTS:
 * unboxed float64s, no holes. Reading one in optimised code is a bounds check and a load;
 * reading a Float32Array or Float64Array element also checks the buffer (on- or off-heap)
 * and, for float32, converts. Measured on this project's kernels (2026-11-29): the
 * pointwise tile kernel 1.04–1.35× faster on double-array packs than on Float64Array ones,
 * a matrix-vector product 1.5–1.7× faster on double-array weights than on Float32Array ones.
 * Float32 values convert to doubles exactly, so sums over either give the same bits.
 */

/**
 * An array of `length` doubles that V8 keeps PACKED_DOUBLE_ELEMENTS: built by push from a
 * non-integer (an integer first would make it PACKED_SMI and a later transition copy).
 * Callers overwrite every element and never write past the length.
 */
export function doubleArray(length: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < length; i++) a.push(0.5);
  return a;
}

/** A double array holding `values` (float32 widened exactly). */
export function toDoubleArray(values: Float32Array): number[] {
  const a = doubleArray(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i]!;
  return a;
}
