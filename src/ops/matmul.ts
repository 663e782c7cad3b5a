/**
 * MatMul (numpy.matmul semantics) and Gemm, both on top of the packed GEMM `sgemm`
 * (C = A·B with general strides).
 *
 * MatMul:  a [..., M, K] · b [..., K, N] → [broadcast(...), M, N]. A 1-D a is a row [1, K]
 *          whose M axis is dropped from the result; a 1-D b is a column [K, 1] whose N axis
 *          is dropped. Batch dimensions broadcast like elementwise ops.
 * Gemm:    Y [M, N] = alpha · A' · B' + beta · C, where A' = transA ? Aᵀ : A (A' is [M, K]),
 *          B' = transB ? Bᵀ : B (B' is [K, N]), and C (optional) broadcasts to [M, N].
 *          Paddle2ONNX's fused Linear layers are Gemm with transB 0 (weights [in, out]).
 */
import { ShapeError } from "../errors.js";
import { broadcastShapes, broadcastStrides } from "../tensor/broadcast.js";
import { formatShape, shapesEqual, type Tensor } from "../tensor/tensor.js";
import { doubleArray } from "./double-array.js";
import { gemmDepthBlock, sgemm } from "./gemm.js";
import { NO_ACTIVATION } from "./fused-activation.js";
import { matVecRows } from "./matvec.js";
import { tiledMatmulRows } from "./pointwise.js";

/**
 * Products of four rows or more with a row-major B and K no deeper than sgemm's depth block
 * run on the pointwise conv's tile kernel (pointwise.ts: A as the weights, B as the
 * pixels): 1.6–1.7× faster than sgemm at PaddleOCR's shapes ([40, 120]·[120, 6625], its CTC
 * head, and the SVTR block's [40, 120–240] products) and 1.7× at 256³; the same bits, since
 * both sum in float64 over k ascending from +0 and round once when K ≤ kc (the tile store
 * adds a bias of 0 when there is none, which changes no sum: one that starts at +0 is never
 * −0). (2026-11-29 13:37 UTC, interleaved.)
 */
const TILES_MIN_ROWS = 4;

/** y [rows, n] = A [rows, k] (contiguous) · B [k, n] (row-major) on the tile kernel. */
function tiledProduct(y: Float32Array, a: Float32Array, b: Float32Array, rows: number, k: number, n: number): void {
  tiledMatmulRows(y, 0, n, b, 0, n, k, a, null, 0, rows, n, NO_ACTIVATION);
}

/** Whether a product of `rows` rows at depth k takes tiledProduct. */
function useTiles(rows: number, k: number): boolean {
  return rows >= TILES_MIN_ROWS && k <= gemmDepthBlock();
}

/**
 * A product whose A has at most this many rows (a classifier's fully connected layer at
 * small batches) may read B as `columnRows(B)`: matVecRows over B's columns as float64 rows.
 * sgemm reads such a B down its columns, one row of B per step (strided, so nearly every
 * read misses the caches and the TLB); the rows stream. Same products, same order (matvec.ts:
 * float64 sums over k ascending within sgemm's depth blocks), so bitwise sgemm's result.
 * Measured 2026-11-29 13:30 UTC (GhostNet's heads, alternating calls, medians of 35): [1, 960]
 * · [960, 1280] 2.79 → 1.54 ms (1.81× per call pair), [1, 1280]·[1280, 1000] 5.06 → 1.69 ms
 * (2.96×), the same bits.
 */
export const COLUMN_ROWS_MAX_A_ROWS = 3;

/**
 * The columns of B [K, N] as float64 rows: rows[j·K + p] = B[p, j], where element (p, j)
 * sits at b[p·rowStride + j·colStride] (a transposed B: rowStride 1, colStride K). A
 * double array (double-array.ts): 8 bytes per weight, made once by a caller that keeps it
 * with a constant B (the graph executor, per node).
 */
export function columnRows(b: Float32Array, k: number, n: number, rowStride: number, colStride: number): number[] {
  if (!(k >= 0 && n >= 0) || b.length < (k - 1) * rowStride + (n - 1) * colStride + 1) {
    throw new RangeError(`columnRows: B holds ${b.length} values, too few for [${k}, ${n}] with strides ${rowStride}, ${colStride}`);
  }
  const rows = doubleArray(k * n);
  for (let j = 0; j < n; j++) {
    for (let p = 0, o = j * k, src = j * colStride; p < k; p++, o++, src += rowStride) rows[o] = b[src]!;
  }
  return rows;
}

/** y rows [0, count) = A rows (contiguous, length k, from aOffset) times B given as columnRows. */
function productsOnColumnRows(y: Float32Array, a: Float32Array, aOffset: number, count: number, k: number, n: number, bColumns: number[]): void {
  if (bColumns.length !== k * n) throw new RangeError(`B's column rows hold ${bColumns.length} values, [${k}, ${n}] needs ${k * n}`);
  for (let i = 0; i < count; i++) matVecRows(n, k, bColumns, 0, a, aOffset + i * k, y, i * n);
}

/** Output shape of MatMul(a, b) (numpy.matmul). */
export function matmulShape(aShape: readonly number[], bShape: readonly number[]): number[] {
  if (aShape.length === 0 || bShape.length === 0) {
    throw new ShapeError(`MatMul: operands must have rank ≥ 1, found ${formatShape(aShape)} and ${formatShape(bShape)}`);
  }
  const a = aShape.length === 1 ? [1, aShape[0]!] : aShape;
  const b = bShape.length === 1 ? [bShape[0]!, 1] : bShape;
  const m = a[a.length - 2]!;
  const k = a[a.length - 1]!;
  const kb = b[b.length - 2]!;
  const n = b[b.length - 1]!;
  if (k !== kb) {
    throw new ShapeError(`MatMul: inner dimensions differ: ${formatShape(aShape)} · ${formatShape(bShape)} (${k} vs ${kb})`);
  }
  let batch: number[];
  try {
    batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
  } catch {
    throw new ShapeError(`MatMul: batch dimensions of ${formatShape(aShape)} and ${formatShape(bShape)} cannot be broadcast`);
  }
  const out = [...batch];
  if (aShape.length > 1) out.push(m);
  if (bShape.length > 1) out.push(n);
  return out;
}

/**
 * MatMul: output[batch…] = a[batch…] · b[batch…] with broadcast batch dims. `bColumns`,
 * optional: columnRows of a 2-D b, used when a has at most COLUMN_ROWS_MAX_A_ROWS rows in
 * all (the same bits either way).
 */
export function matmul(output: Tensor, a: Tensor, b: Tensor, bColumns: number[] | null = null): void {
  const expected = matmulShape(a.shape, b.shape);
  if (!shapesEqual(output.shape, expected)) {
    throw new ShapeError(`MatMul: output shape ${formatShape(output.shape)} should be ${formatShape(expected)}`);
  }
  const aShape = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bShape = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const m = aShape[aShape.length - 2]!;
  const k = aShape[aShape.length - 1]!;
  const n = bShape[bShape.length - 1]!;
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch);
  let batchCount = 1;
  for (const d of batch) batchCount *= d;
  const y = output.data;
  if (batchCount === 0 || m === 0 || n === 0) return;
  if (k === 0) {
    y.fill(0);
    return;
  }
  // b shared by every batch and a contiguous: the batches of a stack into one tall matrix.
  let bBatchSize = 1;
  for (const d of bBatch) bBatchSize *= d;
  if (bBatchSize === 1 && shapesEqual(aBatch, batch)) {
    if (bColumns !== null && bShape.length === 2 && batchCount * m <= COLUMN_ROWS_MAX_A_ROWS) {
      productsOnColumnRows(y, a.data, 0, batchCount * m, k, n, bColumns);
      return;
    }
    if (useTiles(batchCount * m, k)) tiledProduct(y, a.data, b.data, batchCount * m, k, n);
    else sgemm(batchCount * m, n, k, a.data, 0, k, 1, b.data, 0, n, 1, y, 0, n);
    return;
  }
  const aStrides = broadcastStrides(aBatch, batch).map((s) => s * m * k);
  const bStrides = broadcastStrides(bBatch, batch).map((s) => s * k * n);
  const rank = batch.length;
  const index = new Int32Array(rank);
  let aOffset = 0;
  let bOffset = 0;
  for (let i = 0; i < batchCount; i++) {
    sgemm(m, n, k, a.data, aOffset, k, 1, b.data, bOffset, n, 1, y, i * m * n, n);
    for (let d = rank - 1; d >= 0; d--) {
      aOffset += aStrides[d]!;
      bOffset += bStrides[d]!;
      if (++index[d]! < batch[d]!) break;
      aOffset -= aStrides[d]! * batch[d]!;
      bOffset -= bStrides[d]! * batch[d]!;
      index[d] = 0;
    }
  }
}

/** Gemm's attributes: Y = alpha·A'·B' + beta·C, A' and B' optionally transposed. */
export interface GemmAttributes {
  /** Default 1. */
  alpha?: number;
  /** Default 1. */
  beta?: number;
  /** 0 or 1, default 0. */
  transA?: number;
  /** 0 or 1, default 0. */
  transB?: number;
}

/** Output shape of Gemm: [M, N]; checks that C (if any) broadcasts to it. */
export function gemmShape(
  aShape: readonly number[],
  bShape: readonly number[],
  cShape: readonly number[] | undefined,
  attrs: GemmAttributes,
): number[] {
  if (aShape.length !== 2 || bShape.length !== 2) {
    throw new ShapeError(`Gemm: A and B must be 2-D, found ${formatShape(aShape)} and ${formatShape(bShape)}`);
  }
  const transA = (attrs.transA ?? 0) !== 0;
  const transB = (attrs.transB ?? 0) !== 0;
  const [m, k] = transA ? [aShape[1]!, aShape[0]!] : [aShape[0]!, aShape[1]!];
  const [kb, n] = transB ? [bShape[1]!, bShape[0]!] : [bShape[0]!, bShape[1]!];
  if (k !== kb) {
    throw new ShapeError(
      `Gemm: inner dimensions differ: A ${formatShape(aShape)}${transA ? "ᵀ" : ""} · B ${formatShape(bShape)}${transB ? "ᵀ" : ""} (${k} vs ${kb})`,
    );
  }
  if (cShape !== undefined) {
    let fits = cShape.length <= 2;
    const c = [1, 1, ...cShape].slice(-2);
    if (fits) fits = (c[0] === 1 || c[0] === m) && (c[1] === 1 || c[1] === n);
    if (!fits) throw new ShapeError(`Gemm: C of shape ${formatShape(cShape)} does not broadcast to [${m}, ${n}]`);
  }
  return [m, n];
}

/**
 * Gemm: output [M, N] = alpha · A' · B' + beta · C. `bColumns`, optional: columnRows of B'
 * (B' = Bᵀ when transB), used when A is not transposed and M ≤ COLUMN_ROWS_MAX_A_ROWS (the
 * same bits either way).
 */
export function gemm(output: Tensor, a: Tensor, b: Tensor, c: Tensor | undefined, attrs: GemmAttributes, bColumns: number[] | null = null): void {
  const expected = gemmShape(a.shape, b.shape, c?.shape, attrs);
  if (!shapesEqual(output.shape, expected)) {
    throw new ShapeError(`Gemm: output shape ${formatShape(output.shape)} should be ${formatShape(expected)}`);
  }
  const [m, n] = expected as [number, number];
  const transA = (attrs.transA ?? 0) !== 0;
  const transB = (attrs.transB ?? 0) !== 0;
  const alpha = attrs.alpha ?? 1;
  const beta = attrs.beta ?? 1;
  const k = transA ? a.shape[0]! : a.shape[1]!;
  const y = output.data;
  if (m === 0 || n === 0) return;
  // Element (i, p) of A' sits at i·rowStride + p·colStride of A's buffer; likewise B'.
  const [aRow, aCol] = transA ? [1, m] : [k, 1];
  const [bRow, bCol] = transB ? [1, k] : [n, 1];
  if (k === 0) y.fill(0);
  else if (bColumns !== null && !transA && m <= COLUMN_ROWS_MAX_A_ROWS) productsOnColumnRows(y, a.data, 0, m, k, n, bColumns);
  else if (!transA && !transB && useTiles(m, k)) tiledProduct(y, a.data, b.data, m, k, n);
  else sgemm(m, n, k, a.data, 0, aRow, aCol, b.data, 0, bRow, bCol, y, 0, n);
  if (alpha !== 1) for (let i = 0; i < y.length; i++) y[i] = alpha * y[i]!;
  if (c !== undefined && beta !== 0) {
    const cs = broadcastStrides(c.shape, [m, n]);
    const cRow = cs[0]!;
    const cCol = cs[1]!;
    const cd = c.data;
    for (let i = 0; i < m; i++) {
      for (let j = 0, o = i * n, ci = i * cRow; j < n; j++, o++, ci += cCol) y[o] = y[o]! + beta * cd[ci]!;
    }
  }
}

