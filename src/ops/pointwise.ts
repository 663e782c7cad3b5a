/**
 * Pointwise (1×1, stride 1, no padding, group 1) convolution:
 *
 *   x [N, C, H, W], w [M, C, 1, 1], b [M] → y [N, M, H, W]
 *   Y_n [M, H·W] = act( W [M, C] · X_n [C, H·W] + b )
 *
 * NCHW makes X_n a row-major [C, H·W] matrix and Y_n a row-major [M, H·W] one, so no data
 * is rearranged. A work range selects rows of W (output channels) and a contiguous span of
 * columns (output rows × W).
 *
 * The default kernel ("tiles", pointwise-tiles.ts) runs 2×4 register tiles (2 output
 * channels × 4 pixels), one call per strip of tiles along a pair of rows. Per call, the row
 * block of W is packed into float64 panels [k][2] and each column block of X into float64
 * tiles [k][4], plain arrays of doubles, so the inner loop converts nothing and reads two
 * sequential streams. Packing W per call costs M·K against M·K·P multiply-adds; nothing is
 * cached here, so weights rewritten in place are always used, but a caller that runs the
 * same weights many times may pack them once (packPointwiseWeights) and pass the panels.
 * Bias and activation are applied in the tile's store, so Y is written once.
 * Blocking: row blocks of W of at most `rowBlockFloats` (stay in L2 while the columns pass)
 * and column blocks whose K × cols slice of X is at most `columnBlockFloats` (stays in L1
 * while every row tile of the block passes over it).
 * Tunings for comparison: 4×4 tiles on float32 operands read in place (C ≤ inPlaceMaxK) or
 * from a float32 column pack (f64 false).
 *
 * How the default came to be, measured 2026-11-29 on this 2-core machine (medians of
 * interleaved rounds; the same bits in every case):
 *   1. 4×4 tiles, packs as Float64Arrays → arrays of doubles (bench/kernels-conv.ts
 *      pointwise, GFLOP/s, 09:05 UTC, load 0.7):
 *        M × K, pixels      Float64Array  array
 *        36 × 24, 3136         3.32        3.58
 *        60 × 40, 784          3.14        3.86
 *        40 × 240, 196         2.84        3.84
 *        240 × 112, 196        3.76        4.05
 *        960 × 160, 49         3.57        3.71
 *      In the network (GhostNet x1.0 224², profiled forward, 26 rounds alternating):
 *      pointwise layers 80.9 → 64.8 ms, the whole forward 114.5 → 97.6 ms.
 *   2. Packing C ≤ 16 too (it was read in place): pointwise layers 1.02–1.06× (x1.0, two
 *      runs), 1.02× (x0.5).
 *   3. 4×4 → 2×4 tiles on the packs (09:09 UTC, load 0.8): 240 × 112 at 196 pixels
 *      4.11 → 4.97 GFLOP/s, 960 × 160 at 49 3.70 → 4.49, 100 × 80 at 196 3.45 → 4.25,
 *      24 × 16 at 12544 3.46 → 3.98, 60 × 40 at 784 3.48 → 3.38, 8 × 16 at 12544
 *      2.81 → 2.67. In the network: pointwise layers 61.3 → 52.4 ms (x1.0) and
 *      17.6 → 14.6 ms (x0.5), the whole forward 1.09–1.10× faster.
 *
 * Maps of fewer than 4 pixels (fully connected layers as 1×1 convs) and the "gemm" kernel
 * (kept for comparison in benchmarks) go through sgemmEpilogue. The two paths agree on the
 * sums (float64, k ascending, K ≤ 1024) but round differently around the bias: sgemm rounds
 * the sum to float32 before adding it, the tiles round once after the activation.
 */
import type { Conv2dGeometry, ConvWorkRange } from "./conv2d.js";
import type { FusedActivation } from "./fused-activation.js";
import { doubleArray } from "./double-array.js";
import { sgemmEpilogue, type GemmEpilogue } from "./gemm.js";
import {
  ACT_CLIP, ACT_HARD_SIGMOID, ACT_HARD_SWISH, ACT_NONE, ACT_RELU, ACT_SIGMOID, pointwiseStrip, pointwiseStripPacked, type TileStore,
} from "./pointwise-tiles.js";

export type PointwiseKernel = "tiles" | "gemm";

/** Tuning knobs (benchmarks and tests; the tile knobs never change a bit of the result,
 * kernel "gemm" rounds differently around the bias). */
const tuning = {
  kernel: "tiles" as PointwiseKernel,
  /** Read W and X in place when C ≤ this; otherwise pack them (packing wins at every C measured). */
  inPlaceMaxK: 0,
  /** One call per row strip of whole tiles (pointwiseStrip) instead of one per tile. */
  strips: true,
  /** Packed path: W panels and X tiles as float64 (no conversions in the inner loop). */
  f64: true,
  /** Float32 elements of W per row block (256 KB). */
  rowBlockFloats: 65536,
  /** Float32 elements of X per column block (32 KB). */
  columnBlockFloats: 8192,
};

export function setPointwiseTuning(t: Partial<typeof tuning>): void {
  Object.assign(tuning, t);
}

export function getPointwiseTuning(): typeof tuning {
  return { ...tuning };
}

// Column pack of X: [tile][k][4] float32, zero padded past the last column; grown on demand.
let columnPack = new Float32Array(0);
// The packed path's scratch: W panels [panel][k][PANEL_ROWS] of one row block, then the X
// tiles [tile][k][4] of one column block, in ONE plain array of doubles (see
// pointwiseStripPacked), grown on demand.
let pack64: number[] = [];

/** Writes columns [0, cols) of X (from base) into dst from dstOffset as float64 tiles [tile][k][4], the last one zero padded. */
function packColumns64(dst: number[], dstOffset: number, x: Float32Array, base: number, plane: number, K: number, cols: number): void {
  const tiles = Math.ceil(cols / 4);
  let d = dstOffset | 0;
  for (let t = 0; t < tiles; t++) {
    const n = Math.min(4, cols - 4 * t);
    if (n === 4) {
      // `| 0`'d indices: no int32 overflow checks in V8 (1.00–1.03× per layer at GhostNet's shapes).
      const step = plane | 0;
      for (let p = 0, o = (base + 4 * t) | 0; p < K; p++, o = (o + step) | 0, d = (d + 4) | 0) {
        dst[d] = x[o]!; dst[(d + 1) | 0] = x[(o + 1) | 0]!; dst[(d + 2) | 0] = x[(o + 2) | 0]!; dst[(d + 3) | 0] = x[(o + 3) | 0]!;
      }
    } else {
      for (let p = 0, o = base + 4 * t; p < K; p++, o += plane, d += 4) {
        for (let c = 0; c < 4; c++) dst[d + c] = c < n ? x[o + c]! : 0;
      }
    }
  }
}

/** Output channels per W panel of the packed path: pointwiseStripPacked's tiles are 2×4. */
const PANEL_ROWS = 2;

/** Writes rows [i0, i1) of W [*, K] into dst as float64 panels [panel][k][PANEL_ROWS], rows past i1 zero. */
function packPanels(dst: number[], w: Float32Array, i0: number, i1: number, K: number): void {
  const R = PANEL_ROWS;
  const panels = Math.ceil((i1 - i0) / R);
  for (let p = 0; p < panels; p++) {
    for (let r = 0; r < R; r++) {
      const i = i0 + R * p + r;
      let d = p * R * K + r;
      if (i < i1) for (let k = 0, o = i * K; k < K; k++, d += R) dst[d] = w[o + k]!;
      else for (let k = 0; k < K; k++, d += R) dst[d] = 0;
    }
  }
}

/** Rows per row block of W and columns per column block of X at depth K (multiples of 4). */
function rowBlockOf(K: number): number {
  return Math.max(4, Math.floor(tuning.rowBlockFloats / K / 4) * 4);
}
function columnBlockOf(K: number): number {
  return Math.max(4, Math.floor(tuning.columnBlockFloats / K / 4) * 4);
}

/** Doubles that the panels of `rows` rows of W take at depth K. */
function panelsLength(rows: number, K: number): number {
  return Math.ceil(rows / PANEL_ROWS) * PANEL_ROWS * K;
}

/**
 * W [M, K] packed once, for a caller that runs the same weights many times
 * (pointwiseConv2dRange's `packedW`): the panels every call would otherwise build, for all
 * M rows, followed by room for one column block of X tiles, which each call packs there so
 * that the kernel reads a single array. Costs 8 bytes per weight (and ≤ 64 KB of room);
 * saves the per-call pack of W, 1.04× on GhostNet x1.0's pointwise convs (most on 7×7 maps,
 * where W is large against the pixels). Not to be shared by calls running at once.
 */
export function packPointwiseWeights(w: Float32Array, M: number, K: number): number[] {
  if (w.length < M * K) throw new RangeError(`packPointwiseWeights: w has ${w.length} values, [${M}, ${K}] needs ${M * K}`);
  const packed = doubleArray(panelsLength(M, K) + columnBlockOf(K) * K);
  packPanels(packed, w, 0, M, K);
  return packed;
}

function storeFor(activation: FusedActivation, ldy: number): TileStore {
  switch (activation.kind) {
    case "none": return { ldy, code: ACT_NONE, p0: 0, p1: 0 };
    case "relu": return { ldy, code: ACT_RELU, p0: 0, p1: 0 };
    case "clip": return { ldy, code: ACT_CLIP, p0: activation.min, p1: activation.max };
    case "hardSigmoid": return { ldy, code: ACT_HARD_SIGMOID, p0: activation.alpha, p1: activation.beta };
    case "hardSwish": return { ldy, code: ACT_HARD_SWISH, p0: 0, p1: 0 };
    case "sigmoid": return { ldy, code: ACT_SIGMOID, p0: 0, p1: 0 };
  }
}

/** Packs columns [col, col + cols) of X (rows k < K, row stride `plane`) as [tile][k][4]. */
function packColumns(x: Float32Array, base: number, plane: number, K: number, cols: number): void {
  const tiles = Math.ceil(cols / 4);
  if (columnPack.length < tiles * 4 * K) columnPack = new Float32Array(tiles * 4 * K);
  const dst = columnPack;
  let d = 0;
  for (let t = 0; t < tiles; t++) {
    const c0 = base + 4 * t;
    const n = Math.min(4, cols - 4 * t);
    if (n === 4) {
      for (let p = 0, o = c0; p < K; p++, o += plane, d += 4) {
        dst[d] = x[o]!; dst[d + 1] = x[o + 1]!; dst[d + 2] = x[o + 2]!; dst[d + 3] = x[o + 3]!;
      }
    } else {
      for (let p = 0, o = c0; p < K; p++, o += plane, d += 4) {
        for (let c = 0; c < 4; c++) dst[d + c] = c < n ? x[o + c]! : 0;
      }
    }
  }
}

function checkPointwise(y: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, g: Conv2dGeometry, r: ConvWorkRange): void {
  const plane = g.outH * g.outW;
  const ok =
    g.kH === 1 && g.kW === 1 && g.inH === g.outH && g.inW === g.outW &&
    Number.isInteger(r.channelStart) && Number.isInteger(r.channelEnd) && Number.isInteger(r.rowStart) && Number.isInteger(r.rowEnd) &&
    0 <= r.channelStart && r.channelStart <= r.channelEnd && r.channelEnd <= g.outChannels && 0 <= r.rowStart && r.rowStart <= r.rowEnd && r.rowEnd <= g.outH;
  if (!ok) throw new RangeError(`pointwise conv: geometry or work range channels [${r.channelStart}, ${r.channelEnd}) rows [${r.rowStart}, ${r.rowEnd}) invalid`);
  if (x.length < g.batch * g.inChannels * plane || y.length < g.batch * g.outChannels * plane || w.length < r.channelEnd * g.inChannels || (bias !== null && bias.length < r.channelEnd)) {
    throw new RangeError(`pointwise conv: x (${x.length}), y (${y.length}), w (${w.length}) or bias too short for [${g.batch}, ${g.inChannels}→${g.outChannels}, ${g.outH}, ${g.outW}]`);
  }
}

/**
 * Y rows [m0, m1) × columns [c0, c1) of one image in register tiles: W row-major [*, K] from
 * row 0, X at xBase with row stride `xStride`, Y row i at yBase + i·store.ldy.
 */
function tilesImage(
  y: Float32Array, yBase: number, x: Float32Array, xBase: number, xStride: number, K: number,
  w: Float32Array, bias: Float32Array | null, m0: number, m1: number, c0: number, c1: number, store: TileStore,
  packedW: number[] | null,
): void {
  const inPlace = K <= tuning.inPlaceMaxK;
  const f64 = !inPlace && tuning.f64;
  const rowBlock = rowBlockOf(K);
  const colBlock = columnBlockOf(K);
  const fullEnd = c1 - ((c1 - c0) & 3); // columns [c0, fullEnd) form whole tiles
  // The packed path reads W panels and X tiles from one array (one map check and one
  // bounds base per step instead of two: 1.07× on the 2×4 kernel): the caller's panels,
  // packed once, with their room for X at the end (any range starting on a panel boundary
  // of a W they cover), or the scratch: one row block's panels, then the X tiles.
  const xRoom = colBlock * K;
  const prepacked = f64 && packedW !== null && m0 % PANEL_ROWS === 0 && packedW.length - xRoom >= panelsLength(m1, K);
  let pack = pack64;
  let xAt = 0;
  if (prepacked) {
    pack = packedW;
    xAt = packedW.length - xRoom;
  } else if (f64) {
    xAt = panelsLength(Math.min(rowBlock, m1 - m0), K);
    if (pack64.length < xAt + xRoom) pack64 = doubleArray(xAt + xRoom);
    pack = pack64;
  }
  for (let ib = m0; ib < m1; ib += rowBlock) {
    const ibEnd = Math.min(m1, ib + rowBlock);
    if (f64 && !prepacked) packPanels(pack, w, ib, ibEnd, K);
    // Rows i, i + 1 of W start at pack[i·K − panelBase].
    const panelBase = prepacked ? 0 : ib * K;
    for (let jb = c0; jb < c1; jb += colBlock) {
      const jbEnd = Math.min(c1, jb + colBlock);
      if (f64) packColumns64(pack, xAt, x, xBase + jb, xStride, K, jbEnd - jb);
      else if (!inPlace) packColumns(x, xBase + jb, xStride, K, jbEnd - jb);
      if (f64) {
        // The default: 2×4 tiles on the float64 packs, one strip call per pair of rows.
        const tiles = (jbEnd - jb + 3) >> 2;
        const lastCols = jbEnd - jb - 4 * (tiles - 1);
        for (let i = ib; i < ibEnd; i += PANEL_ROWS) {
          const rows = Math.min(PANEL_ROWS, m1 - i);
          const b0 = bias === null ? 0 : bias[i]!;
          const b1 = bias === null || rows < 2 ? 0 : bias[i + 1]!;
          pointwiseStripPacked(K, pack, i * K - panelBase, xAt, 4 * K, y, yBase + i * store.ldy + jb, rows, tiles, lastCols, b0, b1, store);
        }
        continue;
      }
      // Tunings: 4×4 tiles on float32 operands, in place or from a float32 column pack.
      for (let i = ib; i < ibEnd; i += 4) {
        const rows = Math.min(4, m1 - i);
        // Rows past m1 re-read the last row (computed, never stored).
        const d1 = Math.min(1, rows - 1) * K, d2 = Math.min(2, rows - 1) * K, d3 = Math.min(3, rows - 1) * K;
        const b0 = bias === null ? 0 : bias[i]!;
        const b1 = bias === null || rows < 2 ? 0 : bias[i + 1]!;
        const b2 = bias === null || rows < 3 ? 0 : bias[i + 2]!;
        const b3 = bias === null || rows < 4 ? 0 : bias[i + 3]!;
        const wi = i * K;
        const yRow = yBase + i * store.ldy;
        if (inPlace) {
          let j = jb;
          const wholeEnd = Math.min(jbEnd, fullEnd);
          if (tuning.strips) {
            const tiles = Math.max(0, (wholeEnd - j) >> 2);
            pointwiseStrip(K, w, wi, d1, d2, d3, x, xBase + j, xStride, 4, y, yRow + j, rows, tiles, 4, b0, b1, b2, b3, store);
            j += 4 * tiles;
          }
          for (; j < wholeEnd; j += 4) pointwiseStrip(K, w, wi, d1, d2, d3, x, xBase + j, xStride, 4, y, yRow + j, rows, 1, 4, b0, b1, b2, b3, store);
          if (j < jbEnd) {
            // Ragged last columns: pack them (zero padded) so the tile reads 4 columns.
            packColumns(x, xBase + j, xStride, K, jbEnd - j);
            pointwiseStrip(K, w, wi, d1, d2, d3, columnPack, 0, 4, 4 * K, y, yRow + j, rows, 1, jbEnd - j, b0, b1, b2, b3, store);
          }
        } else {
          let j = jb, t = 0;
          if (tuning.strips) {
            const tiles = (jbEnd - jb) >> 2;
            pointwiseStrip(K, w, wi, d1, d2, d3, columnPack, 0, 4, 4 * K, y, yRow + j, rows, tiles, 4, b0, b1, b2, b3, store);
            j += 4 * tiles;
            t += 4 * K * tiles;
          }
          for (; j < jbEnd; j += 4, t += 4 * K) {
            pointwiseStrip(K, w, wi, d1, d2, d3, columnPack, t, 4, 4 * K, y, yRow + j, rows, 1, Math.min(4, jbEnd - j), b0, b1, b2, b3, store);
          }
        }
      }
    }
  }
}

/**
 * Pointwise conv on channels [channelStart, channelEnd) × rows [rowStart, rowEnd) of every
 * image. `packedW`, optional: packPointwiseWeights(w, outChannels, inChannels), made by a
 * caller that keeps it current with w; the results are the same bits with or without it.
 */
export function pointwiseConv2dRange(
  y: Float32Array,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  activation: FusedActivation,
  range: ConvWorkRange,
  packedW: number[] | null = null,
): void {
  const inChannels = g.inChannels;
  const plane = g.outH * g.outW; // = H·W (1×1, stride 1, no padding)
  const m0 = range.channelStart;
  const m1 = range.channelEnd;
  const col0 = range.rowStart * g.outW;
  const col1 = range.rowEnd * g.outW;
  if (m1 <= m0 || col1 <= col0) return;
  // Fewer than 4 pixels (a 1×1 map: a fully connected layer): W would be streamed once per
  // pixel, so sgemm's dot products over W in place win (4× at 1280×960×1). Decided by the
  // plane, never the range, so every range of one conv takes the same path.
  if (tuning.kernel === "gemm" || plane < 4) {
    const epilogue: GemmEpilogue = { bias, biasOffset: m0, activation };
    for (let n = 0; n < g.batch; n++) {
      sgemmEpilogue(
        m1 - m0, col1 - col0, inChannels,
        w, m0 * inChannels, inChannels, 1,
        x, n * inChannels * plane + col0, plane, 1,
        y, (n * g.outChannels + m0) * plane + col0, plane,
        epilogue,
      );
    }
    return;
  }
  checkPointwise(y, x, w, bias, g, range);
  if (packedW !== null && packedW.length < panelsLength(m1, inChannels)) {
    throw new RangeError(`pointwise conv: packedW has ${packedW.length} values, too few for rows [0, ${m1}) × ${inChannels} (see packPointwiseWeights)`);
  }
  const store = storeFor(activation, plane);
  for (let n = 0; n < g.batch; n++) {
    tilesImage(y, n * g.outChannels * plane, x, n * inChannels * plane, plane, inChannels, w, bias, m0, m1, col0, col1, store, packedW);
  }
}

/**
 * The tile kernel on any row-major X (an im2col band, say):
 *   y[yBase + i·ldy + c] = act( Σ_{k<K} w[i·K + k] · x[xBase + k·ldx + c] + bias[i] )
 * for output rows i ∈ [m0, m1) and columns c ∈ [0, cols), with the pointwise conv's
 * summation order (float64, k ascending, one rounding after the activation).
 */
export function tiledMatmulRows(
  y: Float32Array, yBase: number, ldy: number,
  x: Float32Array, xBase: number, ldx: number, K: number,
  w: Float32Array, bias: Float32Array | null, m0: number, m1: number, cols: number,
  activation: FusedActivation,
): void {
  if (m1 <= m0 || cols <= 0) return;
  tilesImage(y, yBase, x, xBase, ldx, K, w, bias, m0, m1, 0, cols, storeFor(activation, ldy), null);
}
