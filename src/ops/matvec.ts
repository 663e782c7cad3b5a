/**
 * Matrix-vector product on weights kept as float64 rows (see double-array.ts):
 *
 *   y[yOffset + j] = Σ_{i<K} rows[rowsOffset + j·K + i] · x[xOffset + i]      for j < M
 *
 * the fully connected layers of a batch-1 network (GhostNet's fc_0, fc_1 and SE layers),
 * where each weight is read once per run and the load dominates: on GhostNet's shapes this
 * runs 1.5–1.7× faster than sgemm's dot products over the same weights as a Float32Array.
 *
 * Summation order is sgemm's (gemm.ts, `dotLanes`): float64 over i ascending within depth
 * blocks of the GEMM's kc, the output rounded to float32 after each block and the next
 * block added to it. So the results are bitwise equal to sgemm's on the float32 weights,
 * and a layer may run here on one thread and through sgemm on a worker pool.
 */
import { gemmDepthBlock } from "./gemm.js";

/** y[yOffset + j] = Σ_i rows[rowsOffset + j·K + i] · x[xOffset + i] for j < M, in sgemm's summation order (see the file comment). */
export function matVecRows(
  M: number, K: number, rows: number[], rowsOffset: number, x: Float32Array, xOffset: number, y: Float32Array, yOffset: number,
): void {
  const kc = gemmDepthBlock();
  // Eight rows side by side: eight independent float64 chains, one load of x per step.
  // Index arithmetic is `| 0`'d so V8 drops its int32 overflow checks.
  const d = K | 0, d2 = (2 * d) | 0, d3 = (3 * d) | 0, d4 = (4 * d) | 0;
  const d5 = (5 * d) | 0, d6 = (6 * d) | 0, d7 = (7 * d) | 0;
  let j = 0;
  for (; j + 8 <= M; j += 8) {
    for (let p0 = 0; p0 < K; p0 += kc) {
      const pEnd = Math.min(K, p0 + kc);
      let ri = (rowsOffset + j * K + p0) | 0;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let xi = (xOffset + p0) | 0, xEnd = (xOffset + pEnd) | 0; xi < xEnd; xi = (xi + 1) | 0) {
        const v = x[xi]!;
        s0 += rows[ri]! * v;
        s1 += rows[(ri + d) | 0]! * v;
        s2 += rows[(ri + d2) | 0]! * v;
        s3 += rows[(ri + d3) | 0]! * v;
        s4 += rows[(ri + d4) | 0]! * v;
        s5 += rows[(ri + d5) | 0]! * v;
        s6 += rows[(ri + d6) | 0]! * v;
        s7 += rows[(ri + d7) | 0]! * v;
        ri = (ri + 1) | 0;
      }
      const o = yOffset + j;
      if (p0 === 0) {
        y[o] = s0; y[o + 1] = s1; y[o + 2] = s2; y[o + 3] = s3;
        y[o + 4] = s4; y[o + 5] = s5; y[o + 6] = s6; y[o + 7] = s7;
      } else {
        y[o] = y[o]! + s0; y[o + 1] = y[o + 1]! + s1; y[o + 2] = y[o + 2]! + s2; y[o + 3] = y[o + 3]! + s3;
        y[o + 4] = y[o + 4]! + s4; y[o + 5] = y[o + 5]! + s5; y[o + 6] = y[o + 6]! + s6; y[o + 7] = y[o + 7]! + s7;
      }
    }
  }
  // The last M mod 8 rows one at a time.
  for (; j < M; j++) {
    for (let p0 = 0; p0 < K; p0 += kc) {
      const pEnd = Math.min(K, p0 + kc);
      let sum = 0;
      for (let p = p0; p < pEnd; p++) sum += rows[rowsOffset + j * K + p]! * x[xOffset + p]!;
      y[yOffset + j] = p0 === 0 ? sum : y[yOffset + j]! + sum;
    }
  }
}
