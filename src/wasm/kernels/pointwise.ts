/**
 * The pointwise (1×1) convolution on NCHW as a WebAssembly SIMD GEMM, emitted per shape.
 *
 *   Y_n [M, P] = act( W [M, K] · X_n [K, P] + b )      P = H·W pixels, one image
 *
 * X_n and Y_n are the image's channel planes read and written in place (row k of X_n is
 * input plane k, row m of Y_n output plane m). W and b are packed once into panels of 4
 * output channels with the bias first (`packPointwisePanels`):
 *
 *   panel p (4 + 4K floats):  b[4p] b[4p+1] b[4p+2] b[4p+3] | W[4p..4p+3, 0] | W[4p..4p+3, 1] | …
 *
 * (rows past M are zeros), so a tile reads one sequential weight stream.
 *
 * Register tile: 4 output channels × 8 pixels, in 8 f32x4 accumulators.
 *
 *   acc[r][h] = splat(b[4p + r])                      r < 4 rows, h < 2 halves of 4 pixels
 *   for k < K:                                        (pa: W panel at k, pb: X row k at the tile)
 *     x0 = X[k, j..j+3], x1 = X[k, j+4..j+7]          2 × v128.load
 *     for r < 4: w = splat(W[4p + r, k])              v128.load32_splat
 *                acc[r][0] += w·x0, acc[r][1] += w·x1
 *   Y[4p + r, j + 4h ..] = act(acc[r][h])             v128.store, rows ≥ M skipped
 *
 * 8 accumulators + 2 pixel vectors + 1 weight splat = 11 of x86's 16 SIMD registers
 * (XNNPACK's x86 wasmsimd choice is the same 4×8). Per k: 6 loads, 8 mul, 8 add for 64
 * flops. The pixel strip's tails: a 4×4 tile for 4–7 pixels left, then 4×1 tiles that
 * turn the vector the other way (the 4 channels' weights at k are one v128 in the panel,
 * times the splat of X[k, j]) and store one lane per channel. Every output is the same
 * sequence of f32 operations in every tile — acc = bias, then acc = acc + w·x for k
 * ascending, each rounded — so splitting the work differently (threads, tails) never
 * changes a bit.
 *
 * The function: pointwise(panels, x, y, panelStart, panelEnd, colStart, colEnd), byte
 * addresses and index ranges; K, P, M and the activation are baked in as constants and
 * memarg offsets (row r of Y is at offset r·P·4 from the tile's row-0 address).
 */
import type { FusedActivation } from "../../ops/fused-activation.js";
import { type FunctionBuilder, I32, type Local, ModuleBuilder, V128 } from "../assembler.js";
import { type ActivationConstants, activationConstants, activationKey, emitActivation } from "./activation.js";

/** The shape a pointwise kernel is specialised for. */
export interface PointwiseShape {
  /** Input channels (rows of X). */
  K: number;
  /** Output channels (rows of W and Y). */
  M: number;
  /** Pixels per plane: the row length of X and Y. */
  P: number;
  activation: FusedActivation;
  /**
   * acc + w·x as relaxed SIMD's f32x4.relaxed_madd (where the runtime has it): one
   * instruction, and on hardware with FMA one rounding instead of two, so results move in
   * the last bits against the unfused kernel (still the same on every thread count).
   */
  fused?: boolean;
}

/** Output channels per panel (the tile's rows). */
export const PANEL_ROWS = 4;

/** Floats in one packed panel: the 4 biases, then 4 weights for each k. */
export function panelFloats(K: number): number {
  return PANEL_ROWS * (K + 1);
}

/** Panels for M output channels. */
export function panelCount(M: number): number {
  return Math.ceil(M / PANEL_ROWS);
}

/**
 * Packs W [M, K] (row-major) and b [M] (or zeros) into `out` from float `offset` on, in
 * the panel layout above; rows past M are zero. Writes panelCount(M) · panelFloats(K) floats.
 */
export function packPointwisePanels(w: Float32Array, bias: Float32Array | null, M: number, K: number, out: Float32Array, offset: number): void {
  const stride = panelFloats(K);
  for (let p = 0; p < panelCount(M); p++) {
    const base = offset + p * stride;
    for (let r = 0; r < PANEL_ROWS; r++) {
      const m = p * PANEL_ROWS + r;
      const inside = m < M;
      out[base + r] = inside && bias !== null ? bias[m]! : 0;
      for (let k = 0; k < K; k++) out[base + PANEL_ROWS * (k + 1) + r] = inside ? w[m * K + k]! : 0;
    }
  }
}

/** The cache key of a pointwise kernel. */
export function pointwiseKey(s: PointwiseShape): string {
  return `pointwise K${s.K} M${s.M} P${s.P} ${activationKey(s.activation)}${s.fused ? " fma" : ""}`;
}

interface TileContext {
  f: FunctionBuilder;
  shape: PointwiseShape;
  act: ActivationConstants;
  /** The panel's first byte (its biases). */
  panel: Local;
  /** Rows of this panel inside M (1–4), for guarded stores when M % 4 ≠ 0. */
  rows: Local;
  x: Local;
  y: Local;
  /** The tile's first column. */
  col: Local;
  pa: Local;
  pb: Local;
  kEnd: Local;
  scratch: Local;
  v: Local[];
}

/** acc = acc + a·b, with a and b pushed by `a()` and `b()`: f32x4 mul then add, or one relaxed_madd. */
function multiplyAdd(t: TileContext, acc: Local, a: () => void, b: () => void): void {
  const f = t.f;
  if (t.shape.fused) {
    a();
    b();
    f.get(acc).f32x4RelaxedMadd();
  } else {
    f.get(acc);
    a();
    b();
    f.f32x4Mul().f32x4Add();
  }
  f.set(acc);
}

/** Emits `store()` for row r, guarded by r < rows when the last panel can be partial. */
function storeRow(t: TileContext, r: number, store: () => void): void {
  const guarded = r > 0 && t.shape.M % PANEL_ROWS !== 0;
  if (guarded) t.f.get(t.rows).i32Const(r).i32GtS().if();
  store();
  if (guarded) t.f.end();
}

/** pb = x + col·4, pa = panel + 16 (the first weights), kEnd = pa + K·16. */
function startTile(t: TileContext): void {
  const { f } = t;
  f.get(t.x).get(t.col).i32Const(4).i32Mul().i32Add().set(t.pb);
  f.get(t.panel).i32Const(16).i32Add().tee(t.pa).i32Const(t.shape.K * 16).i32Add().set(t.kEnd);
}

/** The k loop's tail: pa += 16, pb += P·4, repeat while pa < kEnd. */
function endKStep(t: TileContext): void {
  const { f } = t;
  f.increment(t.pa, 16).increment(t.pb, t.shape.P * 4);
  f.get(t.pa).get(t.kEnd).i32LtS().brIf(0);
  f.end();
}

/** Address of the tile's row 0 in Y: y + col·4 (rows r at memarg offset r·P·4). */
function tileOutput(t: TileContext): void {
  t.f.get(t.y).get(t.col).i32Const(4).i32Mul().i32Add();
}

/** A 4 × (4·halves) tile: halves = 2 for 8 pixels, 1 for 4. */
function emitWideTile(t: TileContext, halves: 1 | 2): void {
  const { f, shape } = t;
  const acc = (r: number, h: number): Local => t.v[r * 2 + h]!;
  const xv = [t.v[8]!, t.v[9]!];
  startTile(t);
  for (let r = 0; r < PANEL_ROWS; r++) {
    for (let h = 0; h < halves; h++) f.get(t.panel).load32Splat(4 * r).set(acc(r, h));
  }
  f.loop();
  for (let h = 0; h < halves; h++) f.get(t.pb).v128Load(16 * h).set(xv[h]!);
  for (let r = 0; r < PANEL_ROWS; r++) {
    // One splat of W[4p + r, k], used by both halves: acc += w·x.
    f.get(t.pa).load32Splat(4 * r).set(t.v[10]!);
    for (let h = 0; h < halves; h++) multiplyAdd(t, acc(r, h), () => f.get(t.v[10]!), () => f.get(xv[h]!));
  }
  endKStep(t);
  for (let r = 0; r < PANEL_ROWS; r++) {
    storeRow(t, r, () => {
      for (let h = 0; h < halves; h++) {
        tileOutput(t);
        f.get(acc(r, h));
        emitActivation(f, t.act, t.scratch);
        f.v128Store(r * shape.P * 4 + 16 * h);
      }
    });
  }
}

/** A 4 × 1 tile: the panel's 4 weights at k as one vector times splat(X[k, col]). */
function emitColumnTile(t: TileContext): void {
  const { f, shape } = t;
  const acc = t.v[0]!;
  startTile(t);
  f.get(t.panel).v128Load(0).set(acc);
  f.loop();
  multiplyAdd(t, acc, () => f.get(t.pa).v128Load(0), () => f.get(t.pb).load32Splat(0));
  endKStep(t);
  f.get(acc);
  emitActivation(f, t.act, t.scratch);
  f.set(acc);
  for (let r = 0; r < PANEL_ROWS; r++) {
    storeRow(t, r, () => {
      tileOutput(t);
      f.get(acc).store32Lane(r, r * shape.P * 4);
    });
  }
}

/** Emits the pointwise function into `m` under `name`. */
export function emitPointwise(m: ModuleBuilder, name: string, shape: PointwiseShape): void {
  if (!(shape.K >= 1 && shape.M >= 1 && shape.P >= 1)) throw new Error(`pointwise kernel: bad shape K ${shape.K}, M ${shape.M}, P ${shape.P}`);
  const f = m.func(name, [I32, I32, I32, I32, I32, I32, I32]);
  const [panels, x, y, panelStart, panelEnd, colStart, colEnd] = [0, 1, 2, 3, 4, 5, 6].map((i) => f.param(i)) as Local[];
  const act = activationConstants(f, shape.activation);
  const t: TileContext = {
    f,
    shape,
    act,
    panel: f.local(I32),
    rows: f.local(I32),
    x: f.local(I32),
    y: f.local(I32),
    col: f.local(I32),
    pa: f.local(I32),
    pb: f.local(I32),
    kEnd: f.local(I32),
    scratch: f.local(V128),
    v: Array.from({ length: 11 }, () => f.local(V128)),
  };
  const p = f.local(I32);
  const panelBytes = panelFloats(shape.K) * 4;
  f.get(panelStart!).set(p);
  f.forLoop(p, panelEnd!, 1, () => {
    // This panel's weights, rows left inside M, and row 4p of Y.
    f.get(panels!).get(p).i32Const(panelBytes).i32Mul().i32Add().set(t.panel);
    f.i32Const(shape.M).get(p).i32Const(PANEL_ROWS).i32Mul().i32Sub().set(t.rows);
    f.get(y!).get(p).i32Const(PANEL_ROWS * shape.P * 4).i32Mul().i32Add().set(t.y);
    f.get(x!).set(t.x);
    f.get(colStart!).set(t.col);
    // 8-pixel tiles while 8 are left.
    f.block().loop();
    f.get(t.col).i32Const(8).i32Add().get(colEnd!).i32GtS().brIf(1);
    emitWideTile(t, 2);
    f.increment(t.col, 8).br(0);
    f.end().end();
    // One 4-pixel tile if 4 are left.
    f.get(t.col).i32Const(4).i32Add().get(colEnd!).i32LeS().if();
    emitWideTile(t, 1);
    f.increment(t.col, 4);
    f.end();
    // Single pixels.
    f.forLoop(t.col, colEnd!, 1, () => emitColumnTile(t));
  });
}

/** A module holding one pointwise kernel, exported as "pointwise". */
export function pointwiseModule(shape: PointwiseShape, memory: { minPages: number; maxPages?: number; shared?: boolean }): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder(memory);
  emitPointwise(m, "pointwise", shape);
  return m.encode();
}
