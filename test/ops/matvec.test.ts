/**
 * matVecRows: the matrix-vector product on float64 weight rows must equal sgemm's dot
 * products on the same float32 weights bit for bit (the typed GhostNet runs one, its
 * thread pool the other), including the depth-block split for K > kc and the rows left
 * over after blocks of eight.
 */
import { describe, expect, it } from "vitest";
import { toDoubleArray } from "../../src/ops/double-array.js";
import { getGemmBlocking, sgemm, sgemmReference } from "../../src/ops/gemm.js";
import { matVecRows } from "../../src/ops/matvec.js";
import { randomFloats } from "../helpers/compare.js";

describe("matVecRows", () => {
  it("computes a hand-checked product: [[1, 2], [3, 4]] · [5, 6] = [17, 39]", () => {
    const y = new Float32Array(2);
    matVecRows(2, 2, toDoubleArray(Float32Array.from([1, 2, 3, 4])), 0, Float32Array.from([5, 6]), 0, y, 0);
    expect(Array.from(y)).toEqual([17, 39]);
  });

  const kc = getGemmBlocking().kc;
  for (const [M, K] of [[1, 1], [7, 5], [8, 960], [13, 240], [240, 960], [1000, 1280], [9, kc + 77], [16, 2 * kc + 3]] as const) {
    it(`M ${M}, K ${K}: bitwise equal to sgemm, close to the float64 reference`, () => {
      const rowsOffset = 3 * K; // three unused rows first
      const w = randomFloats(rowsOffset + M * K, M * 31 + K);
      const x = randomFloats(K + 5, K + 7);
      const ours = new Float32Array(M + 2).fill(NaN);
      matVecRows(M, K, toDoubleArray(w), rowsOffset, x, 5, ours, 2);
      // sgemm with A = W rows [M, K] and B = x as a column [K, 1].
      const viaSgemm = new Float32Array(M + 2).fill(NaN);
      sgemm(M, 1, K, w, rowsOffset, K, 1, x, 5, 1, 1, viaSgemm, 2, 1);
      for (let j = 0; j < M + 2; j++) expect(Object.is(ours[j], viaSgemm[j]), `y[${j}]: ${ours[j]} vs ${viaSgemm[j]}`).toBe(true);
      const reference = new Float32Array(M);
      sgemmReference(M, 1, K, w, rowsOffset, K, 1, x, 5, 1, 1, reference, 0, 1);
      for (let j = 0; j < M; j++) expect(Math.abs(ours[j + 2]! - reference[j]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(reference[j]!)));
      expect(Number.isNaN(ours[0]!) && Number.isNaN(ours[1]!)).toBe(true); // nothing written before yOffset
    });
  }
});
