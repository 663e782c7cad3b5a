/**
 * SGEMM: C = A·B in float32 storage with float64 accumulation, the workhorse behind
 * pointwise (1×1) convolution, im2col convolution, MatMul and Gemm.
 *
 *   C[i·ldc + j] = Σ_{k<K} A[aOffset + i·aRowStride + k·aColStride] · B[bOffset + k·bRowStride + j·bColStride]
 *
 * for i < M, j < N (C is overwritten). General strides express transposes: Aᵀ of a
 * row-major [K, M] buffer is aRowStride 1, aColStride M.
 *
 * How it is fast (GotoBLAS's structure, sized for plain JS):
 *   - B is cut into column blocks of NC and depth blocks of KC; each block is packed into a
 *     module-level scratch buffer as NR-wide panels [kc][NR] (contiguous, zero padded).
 *   - A is cut into row blocks of MC, packed as MR-tall panels [kc][MR].
 *   - A 4×4 register-blocked micro-kernel multiplies one A panel by one B panel: 16
 *     float64 accumulators, 8 loads and 16 multiply-adds per step of k.
 *   - Edge tiles (M or N not a multiple of 4) run the same kernel on a 4×4 scratch tile,
 *     so every element of C is summed in the same order whatever tile it falls in.
 *
 * Summation order: C[i, j] is the float64 sum over k ascending within each KC block,
 * rounded to float32 at the end of every block (C ← fround(C + block sum)). It depends on
 * K and KC only, never on M, N, offsets or which rows/columns a caller asks for, so a
 * thread pool can split M or N across workers and get bitwise-identical results.
 *
 * Measured with bench/kernels-conv.ts (2026-11-28, Node 20.20, V8 on a shared 2-core Xeon
 * with load average 4–7 from other jobs, so absolute figures are noisy; medians of 7
 * interleaved rounds). GFLOP/s at GhostNet x1.0's pointwise shapes (M = Cout, K = Cin,
 * N = H·W), naive i-k-j loop vs this packed kernel with four blockings (mc/nc/kc):
 *
 *     M    K      N   naive  64/512/1024  32/256/1024  128/2048/1024  64/512/256
 *     8   16  12544    0.28         0.84         0.82           0.85        0.87
 *    24   16  12544    0.38         1.69         1.74           1.55        1.41
 *    60   40    784    0.65         2.47         2.52           2.10        2.33
 *    40  240    196    0.44         2.12         2.01           2.11        2.02
 *   240  112    196    0.44         1.86         1.88           1.88        1.94
 *    80  960     49    0.45         1.88         1.85           1.94        1.76
 *   960  160     49    0.76         2.78         2.80           2.81        2.78
 *
 * The blockings are within noise of each other (GhostNet's matrices are small: K ≤ 960,
 * so everything fits in L2); 64/512/1024 is kept, and kc = 1024 ≥ every GhostNet K means a
 * single depth block (one rounding per element). The micro-kernel shape was chosen the same
 * way: 4×4, 4×3, 4×2, 6×2, 5×2, 3×3 and 2×4 kernels on packed panels (K = 160) all ran at
 * 2.3–3.1 GFLOP/s when the machine was quiet, with 4×4 and 4×3 on top; unrolling k by two
 * gained nothing. Small K (16) loses to per-tile call and packing overhead (packing B is
 * 10–15% of the time at K = 16, 1% at K = 160).
 *
 * Reading B in place instead of packing it (when its rows are contiguous, as in pointwise
 * conv) was measured the same way (second run, load ≈ 4): K = 16: 1.12 → 1.41 and
 * 1.27 → 1.40 GFLOP/s; K = 24–40: +5%; K = 80–240: equal within noise; K = 960: 1.96 →
 * 1.56 (rows too far apart to stay cached). So depth blocks of at most 64 read B in place.
 *
 * Pointwise (1×1) convolution no longer runs through here (except 1×1 maps): pointwise.ts
 * has its own tile kernel (pointwise-tiles.ts), because sgemm's general strides and
 * separate epilogue pass cost it 15–40%. What changed, measured 2026-11-29 (Node 20.20,
 * shared 2-core Xeon, load average 0.8–1.4 from other jobs), interleaved in one process:
 *
 *   whole network (bench/pointwise-network.ts, GhostNet x1.0 224² batch 1, profiled
 *   forward, medians of 20 rounds alternating kernels; the machine's speed drifts ~2×
 *   between runs, so only ratios within a row mean anything):
 *                                         sgemm path   tiles    pointwise ratio
 *     00:40 UTC, load 0.94, first tiles       92.5 ms   85.3 ms   1.08×
 *     00:43 UTC, load 1.37, float64 packs    140.6 ms  122.5 ms   1.15×
 *     00:46 UTC, load 1.14, float64 packs     96.0 ms   84.9 ms   1.13×
 *     01:08 UTC, load 2.35, + ragged in strip 100.1 ms   86.3 ms   1.16×
 *
 *   per shape (bench/kernels-conv.ts pointwise: conv + bias + relu, GFLOP/s, medians of
 *   7 rounds, 00:44 UTC, load 0.84; defaults: in place for K ≤ 16, float64 packs above):
 *     M    K      N   sgemm path  tiles  one call/tile  float32 packs  in place K≤64
 *     8   16  12544      1.06      1.62      1.52          1.66           1.64
 *    24   16  12544      1.06      1.62      1.52          1.63           1.63
 *    36   24   3136      1.25      1.89      1.88          1.65           1.73
 *    60   40    784      1.47      2.07      2.06          1.80           1.86
 *    40  240    196      1.72      2.10      2.09          1.87           2.10
 *   100   80    196      1.63      2.14      2.14          1.90           2.16
 *   240  112    196      2.73      3.84      3.84          3.18           3.75
 *    80  960     49      2.52      2.90      3.06          2.89           3.04
 *   480  160     49      2.56      2.99      3.08          2.93           3.08
 *   960  160     49      2.61      3.13      3.18          3.08           3.12
 *
 * Where the gains came from: the relu of the old epilogue (`v > 0 ? v : 0` in
 * fused-activation.ts) mispredicts on random signs, the tile store uses the branch-free
 * (v + |v|)/2 (+15–40% at K = 16 with signed data); one call per strip of tiles instead
 * of one per tile (+3–8%); float64 packs of W and X from K = 24 on (+3–17%); ragged last
 * columns in the float64 strip instead of a float32 tile (+8% at 7×7 maps). Unrolling k
 * by two in the float64 strip lost 5–10%. Packing W
 * once per weight buffer (float64 panels cached in a WeakMap) measured no better in the
 * network than packing it per call, and needs invalidation, so nothing is cached. The
 * in-network rate matched the micro-benchmark once measured on a quiet machine: the
 * "1.1 GFLOP/s in the network" was load, not a deopt (--trace-deopt: 7 deopts while warming
 * up, none in steady state). The 4×4 float64 tile topped out near 3–4 GFLOP/s in V8: its
 * optimised code (node --print-opt-code) spilled accumulators to the stack every step and
 * spent about 8 instructions per typed-array load. Later the same day, packs as plain
 * arrays of doubles and a 2×4 tile (no spills) took the pointwise convs to 4.5–5 GFLOP/s
 * (pointwise.ts); the same 4×4 loop in C (gcc -O2, scalar, no FMA) runs 6.6 GFLOP/s here.
 *
 * Matrix-vector shapes (GhostNet's fc_0: M 1280, N 1, K 960; fc_1: M 1, N 1000, K 1280)
 * skip packing and run several dot products side by side: four gave 1.6 and 2.4 ms, against
 * 3.6 ms for one dot product at a time (N = 1) and 4.7 ms for an axpy loop over rows of B
 * (M = 1). Eight side by side (2026-11-29 08:58 UTC, old and new in one process, medians of
 * 50 calls, load 1.5): fc_0 1.37 → 1.15 ms, fc_1 1.40 → 1.18 ms, the SE layers of 960 and
 * 672 channels 1.17–1.25× faster; the same bits (each output's sum order is unchanged).
 */
import { applyBiasActivation, type FusedActivation } from "./fused-activation.js";

/** Micro-kernel tile: MR rows of A × NR columns of B. */
export const GEMM_MR = 4;
/** Columns of B per micro-kernel tile. */
export const GEMM_NR = 4;

/** Block sizes (elements): rows of A, columns of B, depth per packed block (see above). */
const blocking = { mc: 64, nc: 512, kc: 1024, directBMaxK: 64 };

/**
 * Overrides the block sizes (benchmarks only; results change in the last bits when kc
 * changes). `directBMaxK`: read B in place instead of packing it when its rows are
 * contiguous and the depth block is at most this long (0: always pack).
 */
export function setGemmBlocking(mc: number, nc: number, kc: number, directBMaxK = blocking.directBMaxK): void {
  blocking.mc = Math.max(GEMM_MR, Math.ceil(mc / GEMM_MR) * GEMM_MR);
  blocking.nc = Math.max(GEMM_NR, Math.ceil(nc / GEMM_NR) * GEMM_NR);
  blocking.kc = Math.max(1, Math.floor(kc));
  blocking.directBMaxK = Math.max(0, Math.floor(directBMaxK));
}

/** The current block sizes (see `setGemmBlocking`). */
export function getGemmBlocking(): { mc: number; nc: number; kc: number; directBMaxK: number } {
  return { ...blocking };
}

/** The depth block kc alone, without getGemmBlocking's copy (for callers on a run's path). */
export function gemmDepthBlock(): number {
  return blocking.kc;
}

// Reusable packing buffers, grown on demand (never per call in steady state).
let packedA = new Float32Array(0);
let packedB = new Float32Array(0);
const edgeTile = new Float32Array(GEMM_MR * GEMM_NR);

function ensurePacked(aSize: number, bSize: number): void {
  if (packedA.length < aSize) packedA = new Float32Array(aSize);
  if (packedB.length < bSize) packedB = new Float32Array(bSize);
}

/**
 * Packs rows [0, mc) × depth [0, kc) of A (starting at `base`) into packedA as MR-tall
 * panels: panel r holds rows r·MR..r·MR+3 at packedA[r·kc·MR + p·MR + row].
 */
function packA(A: Float32Array, base: number, rowStride: number, colStride: number, mc: number, kc: number): void {
  const dst = packedA;
  let d = 0;
  for (let i0 = 0; i0 < mc; i0 += GEMM_MR) {
    const rows = Math.min(GEMM_MR, mc - i0);
    const r0 = base + i0 * rowStride;
    if (rows === GEMM_MR) {
      const r1 = r0 + rowStride;
      const r2 = r1 + rowStride;
      const r3 = r2 + rowStride;
      for (let p = 0, o = 0; p < kc; p++, o += colStride) {
        dst[d] = A[r0 + o]!;
        dst[d + 1] = A[r1 + o]!;
        dst[d + 2] = A[r2 + o]!;
        dst[d + 3] = A[r3 + o]!;
        d += 4;
      }
    } else {
      for (let p = 0, o = 0; p < kc; p++, o += colStride) {
        for (let r = 0; r < GEMM_MR; r++) dst[d + r] = r < rows ? A[r0 + r * rowStride + o]! : 0;
        d += 4;
      }
    }
  }
}

/**
 * Packs depth [0, kc) × columns [0, nc) of B (starting at `base`) into packedB as NR-wide
 * panels: panel c holds columns c·NR..c·NR+3 at packedB[c·kc·NR + p·NR + col].
 */
function packB(B: Float32Array, base: number, rowStride: number, colStride: number, kc: number, nc: number): void {
  const dst = packedB;
  let d = 0;
  for (let j0 = 0; j0 < nc; j0 += GEMM_NR) {
    const cols = Math.min(GEMM_NR, nc - j0);
    const c0 = base + j0 * colStride;
    if (cols === GEMM_NR) {
      const c1 = c0 + colStride;
      const c2 = c1 + colStride;
      const c3 = c2 + colStride;
      for (let p = 0, o = 0; p < kc; p++, o += rowStride) {
        dst[d] = B[c0 + o]!;
        dst[d + 1] = B[c1 + o]!;
        dst[d + 2] = B[c2 + o]!;
        dst[d + 3] = B[c3 + o]!;
        d += 4;
      }
    } else {
      for (let p = 0, o = 0; p < kc; p++, o += rowStride) {
        for (let c = 0; c < GEMM_NR; c++) dst[d + c] = c < cols ? B[c0 + c * colStride + o]! : 0;
        d += 4;
      }
    }
  }
}

/**
 * The 4×4 micro-kernel: C[4×4 tile at ci, row stride ldc] (=|+=) Ap[kc×4] · Bp[kc×4], with
 * Ap at packedA[ai..] and row p of Bp at b[bi + p·bStep ..+4] (a packed panel: b = packedB,
 * bStep 4; or B itself when its rows are contiguous: bStep = B's row stride).
 * `accumulate` adds to C (later depth blocks).
 */
function kernel4x4(
  kc: number, ai: number, b: Float32Array, bi: number, bStep: number,
  C: Float32Array, ci: number, ldc: number, accumulate: boolean,
): void {
  const a = packedA;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = a[ai]!, a1 = a[ai + 1]!, a2 = a[ai + 2]!, a3 = a[ai + 3]!;
    const b0 = b[bi]!, b1 = b[bi + 1]!, b2 = b[bi + 2]!, b3 = b[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += 4;
    bi += bStep;
  }
  const r1 = ci + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
  if (accumulate) {
    C[ci] = C[ci]! + c00; C[ci + 1] = C[ci + 1]! + c01; C[ci + 2] = C[ci + 2]! + c02; C[ci + 3] = C[ci + 3]! + c03;
    C[r1] = C[r1]! + c10; C[r1 + 1] = C[r1 + 1]! + c11; C[r1 + 2] = C[r1 + 2]! + c12; C[r1 + 3] = C[r1 + 3]! + c13;
    C[r2] = C[r2]! + c20; C[r2 + 1] = C[r2 + 1]! + c21; C[r2 + 2] = C[r2 + 2]! + c22; C[r2 + 3] = C[r2 + 3]! + c23;
    C[r3] = C[r3]! + c30; C[r3 + 1] = C[r3 + 1]! + c31; C[r3 + 2] = C[r3 + 2]! + c32; C[r3 + 3] = C[r3 + 3]! + c33;
  } else {
    C[ci] = c00; C[ci + 1] = c01; C[ci + 2] = c02; C[ci + 3] = c03;
    C[r1] = c10; C[r1 + 1] = c11; C[r1 + 2] = c12; C[r1 + 3] = c13;
    C[r2] = c20; C[r2 + 1] = c21; C[r2 + 2] = c22; C[r2 + 3] = c23;
    C[r3] = c30; C[r3 + 1] = c31; C[r3 + 2] = c32; C[r3 + 3] = c33;
  }
}

/** An edge tile (rows ≤ 4, cols ≤ 4): the same kernel on a 4×4 scratch tile, then copied out. */
function edgeKernel(
  kc: number, ai: number, b: Float32Array, bi: number, bStep: number,
  C: Float32Array, ci: number, ldc: number, accumulate: boolean, rows: number, cols: number,
): void {
  const t = edgeTile;
  if (accumulate) {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[r * GEMM_NR + c] = C[ci + r * ldc + c]!;
  }
  kernel4x4(kc, ai, b, bi, bStep, t, 0, GEMM_NR, accumulate);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) C[ci + r * ldc + c] = t[r * GEMM_NR + c]!;
}

/**
 * C[i, j] = Σ_k A[i, k]·B[k, j] for a single row or column of C (M = 1 or N = 1), where
 * packing would waste 3/4 of the work. Either way it is a vector of dot products: T "lanes"
 * (the rows of A when N = 1, the columns of B when M = 1) each dotted with one shared
 * vector (B's column, or A's row). Same summation order as the packed path: sums over k
 * ascending within each KC block, C ← fround(C + block sum). (a·b = b·a exactly, so which
 * operand is the lane does not change a bit.)
 */
function dotProducts(
  M: number, N: number, K: number,
  A: Float32Array, aOffset: number, aRowStride: number, aColStride: number,
  B: Float32Array, bOffset: number, bRowStride: number, bColStride: number,
  C: Float32Array, cOffset: number, ldc: number,
): void {
  if (N === 1) dotLanes(M, K, A, aOffset, aRowStride, aColStride, B, bOffset, bRowStride, C, cOffset, ldc);
  else dotLanes(N, K, B, bOffset, bColStride, bRowStride, A, aOffset, aColStride, C, cOffset, 1);
}

/**
 * out[cOffset + t·cStep] = Σ_{k<K} lanes[lane_t + k·kStride] · v[vOffset + k·vStride] for
 * t < count, lane_t = laneOffset + t·laneStep. Eight lanes run side by side (eight
 * independent float64 chains, so the adds' latency overlaps; 1.1–1.2× over four, measured
 * on GhostNet's fc and SE shapes), the last count mod 8 one at a time.
 */
function dotLanes(
  count: number, K: number,
  lanes: Float32Array, laneOffset: number, laneStep: number, kStride: number,
  v: Float32Array, vOffset: number, vStride: number,
  out: Float32Array, cOffset: number, cStep: number,
): void {
  const kcMax = blocking.kc;
  // Index arithmetic is `| 0`'d: as plain int32 adds V8 checks each for overflow (and
  // deoptimises on it), which cost 1.1× here (GhostNet's fc and SE shapes, 2026-11-29).
  const d = laneStep | 0, d2 = (2 * d) | 0, d3 = (3 * d) | 0, d4 = (4 * d) | 0;
  const d5 = (5 * d) | 0, d6 = (6 * d) | 0, d7 = (7 * d) | 0;
  let t = 0;
  for (; t + 8 <= count; t += 8) {
    const l0 = laneOffset + t * laneStep;
    const c0 = cOffset + t * cStep;
    for (let pc = 0; pc < K; pc += kcMax) {
      const kEnd = Math.min(K, pc + kcMax);
      let li = (l0 + pc * kStride) | 0;
      let vi = (vOffset + pc * vStride) | 0;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let p = pc; p < kEnd; p++) {
        const b = v[vi]!;
        s0 += lanes[li]! * b;
        s1 += lanes[(li + d) | 0]! * b;
        s2 += lanes[(li + d2) | 0]! * b;
        s3 += lanes[(li + d3) | 0]! * b;
        s4 += lanes[(li + d4) | 0]! * b;
        s5 += lanes[(li + d5) | 0]! * b;
        s6 += lanes[(li + d6) | 0]! * b;
        s7 += lanes[(li + d7) | 0]! * b;
        li = (li + kStride) | 0;
        vi = (vi + vStride) | 0;
      }
      const first = pc === 0;
      let c = c0;
      out[c] = first ? s0 : out[c]! + s0; c += cStep;
      out[c] = first ? s1 : out[c]! + s1; c += cStep;
      out[c] = first ? s2 : out[c]! + s2; c += cStep;
      out[c] = first ? s3 : out[c]! + s3; c += cStep;
      out[c] = first ? s4 : out[c]! + s4; c += cStep;
      out[c] = first ? s5 : out[c]! + s5; c += cStep;
      out[c] = first ? s6 : out[c]! + s6; c += cStep;
      out[c] = first ? s7 : out[c]! + s7;
    }
  }
  for (; t < count; t++) {
    const ci = cOffset + t * cStep;
    for (let pc = 0; pc < K; pc += kcMax) {
      const kEnd = Math.min(K, pc + kcMax);
      let li = laneOffset + t * laneStep + pc * kStride;
      let vi = vOffset + pc * vStride;
      let sum = 0;
      for (let p = pc; p < kEnd; p++) {
        sum += lanes[li]! * v[vi]!;
        li += kStride;
        vi += vStride;
      }
      out[ci] = pc === 0 ? sum : out[ci]! + sum;
    }
  }
}

/** A per-row bias and an activation applied to C right after it is computed. */
export interface GemmEpilogue {
  /** bias[biasOffset + i] is added to row i of C (null: no bias). */
  bias: Float32Array | null;
  biasOffset: number;
  activation: FusedActivation;
}


function checkGemmArguments(
  M: number, N: number, K: number, A: Float32Array, aOffset: number, aRowStride: number, aColStride: number,
  B: Float32Array, bOffset: number, bRowStride: number, bColStride: number, C: Float32Array, cOffset: number, ldc: number,
): void {
  // Cheap bounds checks on the extreme corners (strides are non-negative in every caller).
  const lastA = aOffset + (M - 1) * aRowStride + (K - 1) * aColStride;
  const lastB = bOffset + (K - 1) * bRowStride + (N - 1) * bColStride;
  const lastC = cOffset + (M - 1) * ldc + N - 1;
  if (aOffset < 0 || bOffset < 0 || cOffset < 0 || aRowStride < 0 || aColStride < 0 || bRowStride < 0 || bColStride < 0 || (M > 1 && ldc < N)) {
    throw new RangeError(`sgemm: negative offset/stride or ldc ${ldc} < N ${N}`);
  }
  if (K > 0 && (lastA >= A.length || lastB >= B.length)) {
    throw new RangeError(`sgemm: A (${A.length}) or B (${B.length}) too short for M=${M} N=${N} K=${K} with the given strides`);
  }
  if (lastC >= C.length) throw new RangeError(`sgemm: C (${C.length}) too short for M=${M} N=${N} ldc=${ldc} offset ${cOffset}`);
}

/** Bias and activation on rows [rowStart, rowEnd) × columns [colStart, colEnd) of C. */
function applyEpilogue(
  C: Float32Array, cOffset: number, ldc: number, epilogue: GemmEpilogue,
  rowStart: number, rowEnd: number, colStart: number, colEnd: number,
): void {
  const bias = epilogue.bias;
  for (let i = rowStart; i < rowEnd; i++) {
    const row = cOffset + i * ldc;
    applyBiasActivation(C, row + colStart, row + colEnd, bias === null ? 0 : bias[epilogue.biasOffset + i]!, epilogue.activation);
  }
}

/**
 * sgemm with an epilogue: C = act(A·B + bias per row). The epilogue runs on each MC×NC
 * block of C right after its last depth block, while the block is in cache.
 */
export function sgemmEpilogue(
  M: number, N: number, K: number,
  A: Float32Array, aOffset: number, aRowStride: number, aColStride: number,
  B: Float32Array, bOffset: number, bRowStride: number, bColStride: number,
  C: Float32Array, cOffset: number, ldc: number,
  epilogue: GemmEpilogue | null,
): void {
  if (M <= 0 || N <= 0) return;
  checkGemmArguments(M, N, K, A, aOffset, aRowStride, aColStride, B, bOffset, bRowStride, bColStride, C, cOffset, ldc);
  if (K <= 0) {
    for (let i = 0; i < M; i++) C.fill(0, cOffset + i * ldc, cOffset + i * ldc + N);
    if (epilogue !== null) applyEpilogue(C, cOffset, ldc, epilogue, 0, M, 0, N);
    return;
  }
  if (M === 1 || N === 1) {
    dotProducts(M, N, K, A, aOffset, aRowStride, aColStride, B, bOffset, bRowStride, bColStride, C, cOffset, ldc);
    if (epilogue !== null) applyEpilogue(C, cOffset, ldc, epilogue, 0, M, 0, N);
    return;
  }
  const { mc: MC, nc: NC, kc: KC } = blocking;
  const kcMax = Math.min(KC, K);
  ensurePacked(Math.ceil(Math.min(MC, M) / GEMM_MR) * GEMM_MR * kcMax, Math.ceil(Math.min(NC, N) / GEMM_NR) * GEMM_NR * kcMax);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      const accumulate = pc > 0;
      const lastDepth = pc + kc >= K;
      const bBlock = bOffset + pc * bRowStride + jc * bColStride;
      // Contiguous rows of B and a short depth: full panels are read from B in place (their
      // kc rows stay in L1 while every row panel of A passes); only a ragged last panel is packed.
      const direct = bColStride === 1 && kc <= blocking.directBMaxK;
      const fullCols = nc - (nc % GEMM_NR);
      if (!direct) packB(B, bBlock, bRowStride, bColStride, kc, nc);
      else if (fullCols < nc) packB(B, bBlock + fullCols, bRowStride, 1, kc, nc - fullCols);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packA(A, aOffset + ic * aRowStride + pc * aColStride, aRowStride, aColStride, mc, kc);
        for (let jr = 0; jr < nc; jr += GEMM_NR) {
          const cols = Math.min(GEMM_NR, nc - jr);
          // Where row p of this column panel starts, and the step between rows.
          const inPlace = direct && cols === GEMM_NR;
          const b = inPlace ? B : packedB;
          const bi = inPlace ? bBlock + jr : direct ? 0 : jr * kc; // packed: (jr / NR) panels of kc·NR
          const bStep = inPlace ? bRowStride : GEMM_NR;
          for (let ir = 0; ir < mc; ir += GEMM_MR) {
            const rows = Math.min(GEMM_MR, mc - ir);
            const ci = cOffset + (ic + ir) * ldc + jc + jr;
            if (rows === GEMM_MR && cols === GEMM_NR) kernel4x4(kc, ir * kc, b, bi, bStep, C, ci, ldc, accumulate);
            else edgeKernel(kc, ir * kc, b, bi, bStep, C, ci, ldc, accumulate, rows, cols);
          }
        }
        if (lastDepth && epilogue !== null) applyEpilogue(C, cOffset, ldc, epilogue, ic, ic + mc, jc, jc + nc);
      }
    }
  }
}

/**
 * C = A·B (see the file comment for the strides). Packed and register-blocked; equal to
 * `sgemmReference` up to float32 rounding of the block sums.
 */
export function sgemm(
  M: number, N: number, K: number,
  A: Float32Array, aOffset: number, aRowStride: number, aColStride: number,
  B: Float32Array, bOffset: number, bRowStride: number, bColStride: number,
  C: Float32Array, cOffset: number, ldc: number,
): void {
  sgemmEpilogue(M, N, K, A, aOffset, aRowStride, aColStride, B, bOffset, bRowStride, bColStride, C, cOffset, ldc, null);
}

/** The plain triple loop sgemm must equal: float64 sum over k ascending, one rounding. */
export function sgemmReference(
  M: number, N: number, K: number,
  A: Float32Array, aOffset: number, aRowStride: number, aColStride: number,
  B: Float32Array, bOffset: number, bRowStride: number, bColStride: number,
  C: Float32Array, cOffset: number, ldc: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) {
        sum += A[aOffset + i * aRowStride + k * aColStride]! * B[bOffset + k * bRowStride + j * bColStride]!;
      }
      C[cOffset + i * ldc + j] = sum;
    }
  }
}
