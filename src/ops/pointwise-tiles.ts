/**
 * The direct pointwise (1×1 convolution) tile kernel: Y = act(W·X + b) for one image, with
 * W [M, K] (row-major weights) read in place and X [K, P] (P = H·W pixels, row-major, one
 * row per input channel) read in place or from a small column pack.
 *
 *   Y[i, j] = act( Σ_{k<K} W[i, k]·X[k, j]  +  b[i] )
 *
 * Summation order: one float64 sum over k ascending per output element, then + b[i] in
 * float64, the activation in float64, one rounding to float32 at the store. Nothing
 * depends on which rows or columns a caller asks for (a tile only decides which sums run
 * side by side), so work ranges split across threads give bitwise-identical results.
 *
 * Two kernels: the default, pointwiseStripPacked (at the end), runs 2×4 tiles on float64
 * packs (X packed per call, W per call or once by the caller); pointwiseStrip runs 4×4 tiles on float32 operands (the in-place and float32-pack
 * tunings). Layouts of the float32 ones:
 *   W: the tile's 4 rows are 4 sequential streams w[wi + d_r + k] (no packing, so nothing
 *     to cache or invalidate).
 *   X operand of a tile: row k of the tile's 4 columns starts at x[xi + k·xStep]; in place
 *     xStep = P (the plane), packed xStep = 4 (columns past the edge are zero).
 */

/** Activation codes for the tile store (a number, so the kernel's call sites stay monomorphic). */
export const ACT_NONE = 0;
export const ACT_RELU = 1;
export const ACT_CLIP = 2;
export const ACT_HARD_SIGMOID = 3;
export const ACT_HARD_SWISH = 4;
export const ACT_SIGMOID = 5;

/** ONNX's HardSwish, v · max(0, min(1, v/6 + 1/2)): `act`'s and the whole-tile store's (a const: see depthwise.ts `finish`). */
const hardSwish = (v: number): number => {
  const t = v / 6 + 0.5;
  return t <= 0 ? 0 : t >= 1 ? v : v * t;
};

/** The activation of fused-activation.ts by code; p0/p1 are (min, max) or (alpha, beta). */
function act(v: number, code: number, p0: number, p1: number): number {
  switch (code) {
    case ACT_NONE:
      return v;
    case ACT_RELU:
      return v < 0 ? 0 : v; // NaN stays NaN
    case ACT_CLIP:
      return v < p0 ? p0 : v > p1 ? p1 : v;
    case ACT_HARD_SIGMOID: {
      const t = p0 * v + p1;
      return t < 0 ? 0 : t > 1 ? 1 : t;
    }
    case ACT_HARD_SWISH:
      return hardSwish(v);
    default:
      return 1 / (1 + Math.exp(-v));
  }
}

/**
 * relu(v) without a branch, for the whole-tile stores: (v + |v|)/2 is v for v ≥ 0 and +0
 * for v < 0 (exact: 2v cannot overflow a double), NaN for NaN, and NaN for −∞ where ONNX's
 * relu gives 0. So those stores sum a tile's values first: a NaN sum (some input or weight
 * not finite) sends the tile through storeTile, whose relu is exact. (Signs are random,
 * so a `v < 0 ? 0 : v` per element would mispredict constantly.)
 */
const halfRelu = (v: number): number => (v + Math.abs(v)) * 0.5; // a const: see depthwise.ts `finish`


/** Bias, activation and the rows/columns of a tile that are stored. */
export interface TileStore {
  /** Row stride of y: y[yi + r·ldy + c] receives tile element (r, c). */
  ldy: number;
  code: number;
  p0: number;
  p1: number;
}

/**
 * `tiles` tiles of 4 output channels × 4 pixels side by side along a row strip. Each tile
 * sums over k < K of W[row r, k] · X[k, column c] in 16 float64 accumulators, then stores
 * rows [0, rows) with bias b0..b3 per row. Row r of W starts at w[wi0 + d_r] (d0 = 0,
 * d1..d3: multiples of K; a strip of fewer than 4 rows passes the last row's offset again,
 * computed but never stored). Row k of tile t's 4 columns of X starts at
 * x[xi0 + t·xTileStep + k·xStep] (in place: xStep = P, xTileStep = 4; from a column pack:
 * 4 and 4K); tile t stores at yi + 4t. The last tile stores `lastCols` (1–4) columns, and
 * x must still hold 4 readable columns for it (callers pass a zero-padded pack).
 */
export function pointwiseStrip(
  K: number, w: Float32Array, wi0: number, d1: number, d2: number, d3: number, x: Float32Array, xi0: number, xStep: number, xTileStep: number,
  y: Float32Array, yi: number, rows: number, tiles: number, lastCols: number,
  b0: number, b1: number, b2: number, b3: number, s: TileStore,
): void {
  const ldy = s.ldy, code = s.code;
  for (let t = 0; t < tiles; t++, xi0 += xTileStep, yi += 4) {
    let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
    let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
    let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
    let wi = wi0, xi = xi0;
    const wEnd = wi + K;
    for (; wi < wEnd; wi++) {
      const x0 = x[xi]!, x1 = x[xi + 1]!, x2 = x[xi + 2]!, x3 = x[xi + 3]!;
      const a0 = w[wi]!, a1 = w[wi + d1]!, a2 = w[wi + d2]!, a3 = w[wi + d3]!;
      c00 += a0 * x0; c01 += a0 * x1; c02 += a0 * x2; c03 += a0 * x3;
      c10 += a1 * x0; c11 += a1 * x1; c12 += a1 * x2; c13 += a1 * x3;
      c20 += a2 * x0; c21 += a2 * x1; c22 += a2 * x2; c23 += a2 * x3;
      c30 += a3 * x0; c31 += a3 * x1; c32 += a3 * x2; c33 += a3 * x3;
      xi += xStep;
    }
    const cols = t === tiles - 1 ? lastCols : 4;
    if (rows === 4 && cols === 4 && code <= ACT_RELU) {
      // The common whole tile with no activation or relu, spelled out (a per-element switch
      // here costs ~30% at small K).
      const r1 = yi + ldy, r2 = r1 + ldy, r3 = r2 + ldy;
      if (code === ACT_NONE) {
        y[yi] = c00 + b0; y[yi + 1] = c01 + b0; y[yi + 2] = c02 + b0; y[yi + 3] = c03 + b0;
        y[r1] = c10 + b1; y[r1 + 1] = c11 + b1; y[r1 + 2] = c12 + b1; y[r1 + 3] = c13 + b1;
        y[r2] = c20 + b2; y[r2 + 1] = c21 + b2; y[r2 + 2] = c22 + b2; y[r2 + 3] = c23 + b2;
        y[r3] = c30 + b3; y[r3 + 1] = c31 + b3; y[r3 + 2] = c32 + b3; y[r3 + 3] = c33 + b3;
        continue;
      }
      const h00 = halfRelu(c00 + b0), h01 = halfRelu(c01 + b0), h02 = halfRelu(c02 + b0), h03 = halfRelu(c03 + b0);
      const h10 = halfRelu(c10 + b1), h11 = halfRelu(c11 + b1), h12 = halfRelu(c12 + b1), h13 = halfRelu(c13 + b1);
      const h20 = halfRelu(c20 + b2), h21 = halfRelu(c21 + b2), h22 = halfRelu(c22 + b2), h23 = halfRelu(c23 + b2);
      const h30 = halfRelu(c30 + b3), h31 = halfRelu(c31 + b3), h32 = halfRelu(c32 + b3), h33 = halfRelu(c33 + b3);
      const probe = h00 + h01 + h02 + h03 + h10 + h11 + h12 + h13 + h20 + h21 + h22 + h23 + h30 + h31 + h32 + h33;
      if (probe === probe) {
        y[yi] = h00; y[yi + 1] = h01; y[yi + 2] = h02; y[yi + 3] = h03;
        y[r1] = h10; y[r1 + 1] = h11; y[r1 + 2] = h12; y[r1 + 3] = h13;
        y[r2] = h20; y[r2 + 1] = h21; y[r2 + 2] = h22; y[r2 + 3] = h23;
        y[r3] = h30; y[r3 + 1] = h31; y[r3 + 2] = h32; y[r3 + 3] = h33;
        continue;
      }
    }
    // Edge tiles, the other activations and relu tiles holding a NaN: through a scratch
    // tile (rare; keeps this function small enough for V8 to compile the hot loop well).
    const sums = tileSums;
    sums[0] = c00; sums[1] = c01; sums[2] = c02; sums[3] = c03;
    sums[4] = c10; sums[5] = c11; sums[6] = c12; sums[7] = c13;
    sums[8] = c20; sums[9] = c21; sums[10] = c22; sums[11] = c23;
    sums[12] = c30; sums[13] = c31; sums[14] = c32; sums[15] = c33;
    storeTile(y, yi, rows, cols, b0, b1, b2, b3, s);
  }
}

/**
 * The packed strip: 2 output channels × 4 pixels per tile, on float64 operands, so the inner
 * loop converts nothing: W as a panel [k][2] at pack[wi0..] (the 2 rows side by side) and X
 * as packed tiles [k][4] at pack[xi0 + t·xTileStep], both in one array. Rows r < `rows`
 * (1 or 2) are stored; the last tile stores `lastCols` (1–4) columns (its pack is zero
 * padded).
 *
 * Why 2×4 here when the in-place kernels above are 4×4: 8 accumulators and 6 operands nearly
 * fit V8's 15 usable XMM registers (its optimised code spills two accumulators, as it issues
 * the eight multiplies before the adds), while 4×4 spilled 37 stack loads/stores per step.
 * The packs are plain arrays of doubles, not Float64Arrays: V8 keeps them unboxed
 * (PACKED_DOUBLE_ELEMENTS) and loads an element with fewer instructions than a typed
 * array's. One array for both operands because V8 re-checks an array's map and reloads its
 * elements and length on every loop step (the loop's stack check may run other code): one
 * array pays that once per step instead of twice (1.07×). Indices add with `| 0` (int32,
 * no overflow check). Measured: see pointwise.ts.
 */
export function pointwiseStripPacked(
  K: number, pack: number[], wi0: number, xi0: number, xTileStep: number,
  y: Float32Array, yi: number, rows: number, tiles: number, lastCols: number,
  b0: number, b1: number, s: TileStore,
): void {
  const ldy = s.ldy, code = s.code;
  for (let t = 0; t < tiles; t++, xi0 += xTileStep, yi += 4) {
    if (lastCols === 1 && t === tiles - 1) {
      // One column left (7×7 maps: 49 = 12·4 + 1): its own loop instead of a whole tile.
      narrowTile(K, pack, wi0, xi0, y, yi, rows, b0, b1, s);
      continue;
    }
    let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
    let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    let wi = wi0 | 0, xi = xi0 | 0;
    const wEnd = (wi + 2 * K) | 0;
    for (; wi < wEnd; wi = (wi + 2) | 0) {
      const x0 = pack[xi]!, x1 = pack[(xi + 1) | 0]!, x2 = pack[(xi + 2) | 0]!, x3 = pack[(xi + 3) | 0]!;
      const a0 = pack[wi]!, a1 = pack[(wi + 1) | 0]!;
      c00 += a0 * x0; c01 += a0 * x1; c02 += a0 * x2; c03 += a0 * x3;
      c10 += a1 * x0; c11 += a1 * x1; c12 += a1 * x2; c13 += a1 * x3;
      xi = (xi + 4) | 0;
    }
    const cols = t === tiles - 1 ? lastCols : 4;
    if (rows === 2 && cols === 4 && code <= ACT_RELU) {
      const r1 = yi + ldy;
      if (code === ACT_NONE) {
        y[yi] = c00 + b0; y[yi + 1] = c01 + b0; y[yi + 2] = c02 + b0; y[yi + 3] = c03 + b0;
        y[r1] = c10 + b1; y[r1 + 1] = c11 + b1; y[r1 + 2] = c12 + b1; y[r1 + 3] = c13 + b1;
        continue;
      }
      const h00 = halfRelu(c00 + b0), h01 = halfRelu(c01 + b0), h02 = halfRelu(c02 + b0), h03 = halfRelu(c03 + b0);
      const h10 = halfRelu(c10 + b1), h11 = halfRelu(c11 + b1), h12 = halfRelu(c12 + b1), h13 = halfRelu(c13 + b1);
      const probe = h00 + h01 + h02 + h03 + h10 + h11 + h12 + h13;
      if (probe === probe) {
        y[yi] = h00; y[yi + 1] = h01; y[yi + 2] = h02; y[yi + 3] = h03;
        y[r1] = h10; y[r1 + 1] = h11; y[r1 + 2] = h12; y[r1 + 3] = h13;
        continue;
      }
      // A NaN or −∞ sum in the tile: the exact store below.
    } else if (rows === 2 && cols === 4 && code === ACT_HARD_SWISH) {
      // PP-LCNet's (PaddleOCR's) convs: spelled out like relu's below (through storeTile
      // it cost 7–17 % of a 128–480-deep conv, 60 % at depth 24).
      const r1 = yi + ldy;
      y[yi] = hardSwish(c00 + b0); y[yi + 1] = hardSwish(c01 + b0); y[yi + 2] = hardSwish(c02 + b0); y[yi + 3] = hardSwish(c03 + b0);
      y[r1] = hardSwish(c10 + b1); y[r1 + 1] = hardSwish(c11 + b1); y[r1 + 2] = hardSwish(c12 + b1); y[r1 + 3] = hardSwish(c13 + b1);
      continue;
    }
    const sums = tileSums;
    sums[0] = c00; sums[1] = c01; sums[2] = c02; sums[3] = c03;
    sums[4] = c10; sums[5] = c11; sums[6] = c12; sums[7] = c13;
    storeTile(y, yi, rows, cols, b0, b1, 0, 0, s);
  }
}

const tileSums = new Float64Array(16);

/**
 * The last tile of a strip when it has one column: the 2 × 1 sums of pointwiseStripPacked's
 * tile (same order, k ascending), reading column 0 of the zero-padded X tile, stored through
 * storeTile. Three loads per step for 2 multiply-adds instead of six for 8 of which 6 were
 * thrown away: GhostNet's 7×7 pointwise convs 1.04–1.07× (2026-11-29), same bits.
 */
function narrowTile(
  K: number, pack: number[], wi0: number, xi0: number, y: Float32Array, yi: number, rows: number,
  b0: number, b1: number, s: TileStore,
): void {
  let c0 = 0, c1 = 0;
  let xi = xi0 | 0;
  for (let wi = wi0 | 0, wEnd = (wi0 + 2 * K) | 0; wi < wEnd; wi = (wi + 2) | 0, xi = (xi + 4) | 0) {
    const x0 = pack[xi]!;
    c0 += pack[wi]! * x0;
    c1 += pack[(wi + 1) | 0]! * x0;
  }
  tileSums[0] = c0;
  tileSums[4] = c1;
  storeTile(y, yi, rows, 1, b0, b1, 0, 0, s);
}

/** Stores rows [0, rows) × columns [0, cols) of tileSums with bias and activation. */
function storeTile(
  y: Float32Array, yi: number, rows: number, cols: number,
  b0: number, b1: number, b2: number, b3: number, s: TileStore,
): void {
  const t = tileSums;
  const code = s.code, p0 = s.p0, p1 = s.p1;
  for (let r = 0; r < rows; r++) {
    const b = r === 0 ? b0 : r === 1 ? b1 : r === 2 ? b2 : b3;
    const o = yi + r * s.ldy;
    for (let c = 0; c < cols; c++) y[o + c] = act(t[4 * r + c]! + b, code, p0, p1);
  }
}
