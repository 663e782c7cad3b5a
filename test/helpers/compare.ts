/**
 * Float comparison with the tolerances of DESIGN.md §6:
 * max|a − b| ≤ tol · max(1, max|ref|).
 */
import { expect } from "vitest";
import { seededUniform } from "../../src/ghostnet/fixture.js";

export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return NaN; // a NaN anywhere is a failure (a later finite difference must not hide it)
    if (d > m) m = d;
  }
  return m;
}

/** Asserts equal shapes and values within `tol` relative to the reference's scale. */
/** Values of any typed array (int64 ones included) as plain numbers. */
export function toNumbers(data: ArrayLike<number> | BigInt64Array): ArrayLike<number> {
  return data instanceof BigInt64Array ? Array.from(data, Number) : data;
}

export function expectClose(
  actualTensor: { shape: readonly number[]; data: ArrayLike<number> | BigInt64Array },
  referenceTensor: { shape: readonly number[]; data: ArrayLike<number> | BigInt64Array },
  tol = 1e-5,
  label = "output",
): void {
  const actual = { shape: actualTensor.shape, data: toNumbers(actualTensor.data) };
  const reference = { shape: referenceTensor.shape, data: toNumbers(referenceTensor.data) };
  expect(Array.from(actual.shape), `${label} shape`).toEqual(Array.from(reference.shape));
  expect(actual.data.length, `${label} length`).toBe(reference.data.length);
  const scale = Math.max(1, maxAbs(reference.data));
  const diff = maxAbsDiff(actual.data, reference.data);
  expect(diff, `${label}: max |diff| ${diff} vs allowed ${tol * scale}`).toBeLessThanOrEqual(tol * scale);
}

/** Seeded random numbers in [0, 1) (mulberry32), so failures reproduce: the generator the fixtures use. */
export const seededRandom = seededUniform;

/** Uniform floats in [low, high) from a seeded generator. */
export function randomFloats(n: number, seed: number, low = -1, high = 1): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = low + (high - low) * rand();
  return out;
}
