/**
 * The depthwise convolution on NCHW as a WebAssembly SIMD kernel, emitted per shape.
 *
 *   y[c, oh, ow] = act( b[c] + Σ_{kh, kw} w[c, kh, kw] · x[c, oh·sH − padTop + kh, ow·sW − padLeft + kw] )
 *
 * (x is 0 outside the image; one image per call; dilation 1.) The JavaScript twin is
 * src/ops/depthwise.ts.
 *
 * Two steps per channel plane.
 *
 * 1. The padded copy. The input rows the call's output rows need are copied into a
 *    zero-bordered scratch plane, so the sum loop has no bounds checks: padded row pr holds
 *    input row ih = pr − padTop (zeros when outside the image), padded column pc input
 *    column pc − padLeft. Each padded row is split into `strideW` phases: phase φ holds
 *    the columns pc ≡ φ (mod sW) in order,
 *
 *      padded row (sW = 2):  [ pc 0 2 4 6 … | pc 1 3 5 7 … ]    each phase `phaseLen` floats
 *
 *    so the window column kw of output column ow is phase kw mod sW, index ow + ⌊kw/sW⌋:
 *    four neighbouring outputs read four neighbouring floats, at stride 2 as at stride 1.
 *    A phase is long enough for whole vectors (outW rounded up to 4, plus the window's
 *    reach), a multiple of 4 floats. The copy moves v128s (stride 2: two loads and two
 *    shuffles deinterleave 8 inputs into 4 even and 4 odd columns), zeros only the
 *    borders, and never reads x outside the image (row tails by scalar loads). Copy and
 *    sums alternate in bands of output rows whose padded rows fill 16 KiB, so the sums
 *    read the copy from L1 cache.
 *
 * 2. The sums, 4 output pixels to a f32x4 and several vectors in flight:
 *
 *      acc[r][v] = splat(b[c])                           r < R rows, v < V vectors
 *      for kh < kH, kw < kW:                             (the tap order, fixed)
 *        w = splat(w[c, kh, kw])                         v128.load32_splat (3×3: 9 registers per channel)
 *        acc[r][v] += w · v128.load(row r, column 4v + tap offset)
 *      y[c, oh + r, ow + 4v ..] = act(acc[r][v])        v128.store, or lanes at a row's end
 *
 *    A tile is R rows × V vectors: 3×3 one vector (its 9 weight splats stay in registers
 *    for the whole channel), larger kernels R·V = 4 accumulators (4 vectors along a row
 *    for wide planes, 2 rows × 2 vectors for 5–8 wide ones, 4 rows × 1 vector for ≤ 4),
 *    their kernel rows as a loop (`tileChains` says why). Tap offsets (kh rows, phase,
 *    column) and the tile's row and vector offsets are baked into memarg offsets.
 *    A row's last vector stores only its valid lanes (store64_lane / store32_lane), so a
 *    call writes exactly the outputs of its channels × rows: threads may split a layer by
 *    channels or rows and write neighbouring planes at the same time.
 *
 * Every output is the same f32 operations in the same order in every tile — acc = bias,
 * then acc = acc + w·x for (kh, kw) ascending, each rounded to f32 — so any split gives
 * the same bits. The JavaScript twin sums in float64 and rounds once; the two differ in the
 * last bits (well inside DESIGN §6's 1e-5 for these short sums). The padded copy adds the
 * border terms as w · 0, so with a non-finite weight a border pixel is NaN where the twin
 * (which skips those terms) is not; inputs' NaN and ±∞ behave alike in both, except that
 * hardSwish(−∞) is NaN here (−∞ · 0, as in onnxruntime) and 0 in the twin.
 *
 * Weights are packed once per layer (`packDepthwiseWeights`): per channel, the bias then
 * the kH·kW taps row by row, 1 + kH·kW floats.
 *
 * Measured against the JavaScript twin (`depthwiseConv2dRange`) on GhostNet x1.0's
 * depthwise shapes, one image, one thread, interleaved in one process after a 300 ms
 * warm-up each, medians of 21 rounds of 5 calls (2026-12-06 16:00 UTC, shared 2-core AMD
 * EPYC; the twin's times swing up to 1.8× between runs on this machine, the kernel's less):
 *
 *   C × H², kernel, stride, act     JS ms   wasm ms   GFLOP/s   per-round speed-up
 *   24 × 112², 3×3 s1, relu         3.541    0.457     11.9       4.5
 *   8 × 112², 3×3 s1, none          0.361    0.069     26.3       5.1
 *   48 × 112², 3×3 s2, none         2.728    0.160     16.9      12.1
 *   36 × 56², 3×3 s1, relu          0.813    0.111     18.4       6.8
 *   72 × 56², 5×5 s2, none          3.515    0.173     16.3      19.3
 *   60 × 28², 3×3 s1, relu          0.195    0.046     18.5       4.3
 *   240 × 28², 3×3 s2, none         0.750    0.060     14.2       9.8
 *   100 × 14², 3×3 s1, relu         0.085    0.023     15.4       3.7
 *   672 × 14², 5×5 s2, none         2.318    0.117     14.1      10.9
 *   480 × 7², 3×3 s1, relu          0.137    0.032     13.4       4.4
 *   480 × 7², 5×5 s1, none          1.226    0.066     17.8      17.9
 *   all eleven                     15.67     1.31              12.0
 *
 * (24 × 112²'s planes, 2.4 MB in and out, no longer fit this core's L2.) Tried and
 * measured, A/B in one process: stride 2 through a plain padded copy, each tap two loads
 * and a shuffle ([0, 2, 4, 6]) instead of the deinterleaved copy (the four stride-2
 * layers 1.42–1.63× slower), 3×3 tiles of 2 output rows that load each padded row's
 * vectors once for both (stride 1: 0.97–1.02×, no gain; stride 2: slower), 6 or 8
 * accumulator chains (1.3–1.8× slower: spills), 2 (no better), 5×5 sums per kernel row
 * added to the accumulator (slower), no bands (the 112² planes 1.05–1.16× slower), copy
 * loops instead of straight-line copies of rows up to 64 v128s (1.01–1.11× slower). The padded copy is 13–20% of a stride-1 layer's time
 * and about 40% of a stride-2 3×3 layer's (it moves 4 inputs per output).
 *
 * The function: depthwise(weights, x, y, scratch, channelStart, channelEnd, rowStart,
 * rowEnd), byte addresses and index ranges: plane c of the image's input at x + c·H·W·4,
 * of its output at y + c·outH·outW·4; `scratch` holds `depthwiseScratchFloats(shape)`
 * floats (one per thread).
 */
import type { Conv2dGeometry } from "../../ops/conv2d.js";
import type { FusedActivation } from "../../ops/fused-activation.js";
import { type FunctionBuilder, I32, type Local, type MemoryImport, ModuleBuilder, V128 } from "../assembler.js";
import { type ActivationConstants, activationConstants, activationKey, emitActivation } from "./activation.js";
import { type PlaneWindow, planeWindowOf, windowKey } from "./window.js";

/** The shape a depthwise kernel is specialised for (one image; pads as ONNX's). */
export interface DepthwiseShape extends PlaneWindow {
  activation: FusedActivation;
}

/**
 * Whether the wasm kernel computes this conv: depthwise (group = C = M) without dilation.
 * Dilated depthwise convs (and sigmoid, see activation.ts) stay on the JavaScript kernel.
 */
export function depthwiseSupported(g: Conv2dGeometry): boolean {
  return g.group === g.inChannels && g.group === g.outChannels && g.dilationH === 1 && g.dilationW === 1;
}

/** The kernel shape of a depthwise conv geometry. */
export function depthwiseShapeOf(g: Conv2dGeometry, activation: FusedActivation): DepthwiseShape {
  return { ...planeWindowOf(g), activation };
}

/** The cache key of a depthwise kernel. */
export function depthwiseKey(s: DepthwiseShape): string {
  return `depthwise ${windowKey(s)} ${activationKey(s.activation)}`;
}

/** Floats of one channel's packed weights: the bias, then the kH·kW taps. */
function channelFloats(s: DepthwiseShape): number {
  return 1 + s.kH * s.kW;
}

/** Floats `packDepthwiseWeights` writes for C channels. */
export function depthwiseWeightFloats(C: number, s: DepthwiseShape): number {
  return C * channelFloats(s);
}

/**
 * Packs w [C, 1, kH, kW] and b [C] (or zeros) into `out` from float `offset` on: channel c
 * at offset + c·(1 + kH·kW), its bias first, then w[c, 0, kh, kw] for (kh, kw) row by row.
 */
export function packDepthwiseWeights(w: Float32Array, bias: Float32Array | null, C: number, s: DepthwiseShape, out: Float32Array, offset: number): void {
  const taps = s.kH * s.kW;
  const stride = channelFloats(s);
  for (let c = 0; c < C; c++) {
    out[offset + c * stride] = bias === null ? 0 : bias[c]!;
    for (let t = 0; t < taps; t++) out[offset + c * stride + 1 + t] = w[c * taps + t]!;
  }
}

/** The padded scratch plane's layout (floats). */
interface PaddedLayout {
  /** Output vectors per row: ⌈outW / 4⌉. */
  vectors: number;
  /** Floats per phase: whole vectors plus the window's reach, a multiple of 4. */
  phaseLen: number;
  /** Floats per padded row: strideW phases. */
  rowLen: number;
}

function paddedLayout(s: DepthwiseShape): PaddedLayout {
  const vectors = Math.ceil(s.outW / 4);
  const phaseLen = 4 * Math.ceil((4 * vectors + Math.floor((s.kW - 1) / s.strideW)) / 4);
  return { vectors, phaseLen, rowLen: s.strideW * phaseLen };
}

/** Floats of padded plane a band aims to fill: 16 KiB, so the band stays in L1 cache. */
const BAND_FLOATS = 4096;

/**
 * Output rows per band: the copy and the sums run band by band, so the padded rows stay
 * in L1 between the two (a whole 112² plane's copy is 53 KiB).
 */
function bandRows(s: DepthwiseShape): number {
  const rows = Math.floor(BAND_FLOATS / paddedLayout(s).rowLen);
  return Math.max(1, Math.min(s.outH, Math.floor((rows - s.kH) / s.strideH) + 1));
}

/**
 * Floats of per-call scratch: the padded rows of one band, plus 4 floats of slack (the last
 * row's border stores may pass its end by up to 3 floats).
 */
export function depthwiseScratchFloats(s: DepthwiseShape): number {
  return ((bandRows(s) - 1) * s.strideH + s.kH) * paddedLayout(s).rowLen + 4;
}

/** Where one phase's input columns land in a padded row. */
interface PhaseSpan {
  /** The first input column of this phase. */
  firstColumn: number;
  /** Index of that column inside the phase. */
  start: number;
  /** Input columns in this phase (every strideW-th from firstColumn). */
  count: number;
}

function phaseSpans(s: DepthwiseShape, layout: PaddedLayout): PhaseSpan[] {
  const spans: PhaseSpan[] = [];
  for (let phase = 0; phase < s.strideW; phase++) {
    const firstColumn = (((phase - s.padLeft) % s.strideW) + s.strideW) % s.strideW;
    const start = (s.padLeft + firstColumn - phase) / s.strideW;
    const available = firstColumn < s.W ? Math.ceil((s.W - firstColumn) / s.strideW) : 0;
    spans.push({ firstColumn, start, count: Math.max(0, Math.min(available, layout.phaseLen - start)) });
  }
  return spans;
}

/**
 * Kernels with at most this many taps (3×3) keep every weight's splat in a register for
 * the whole channel (0.93–0.99× the time of a splat per tap and tile on 3×3 stride 1);
 * 5×5 splats each tap once per tile.
 */
const WEIGHT_REGISTERS = 9;

/**
 * Accumulator chains (output vectors) per tile. Each chain is kH·kW dependent adds, so
 * more chains overlap more of them; but V8's code generator issues a straight run of loads
 * first, and the values it cannot keep in registers go to the stack and back. 3×3 (whose
 * 9 weights already fill registers) runs best with one vector per tile (against 4:
 * 0.70–0.92× the time); 5×5 with 4 (or 2: the same) once its kernel rows are a loop, which
 * bounds the loads in flight (against 25 unrolled taps: 0.64–0.83×).
 */
function tileChains(s: DepthwiseShape): number {
  return s.kH * s.kW <= WEIGHT_REGISTERS ? 1 : 4;
}

interface Emitter {
  f: FunctionBuilder;
  s: DepthwiseShape;
  layout: PaddedLayout;
  act: ActivationConstants;
  zero: Local;
  actScratch: Local;
  /** Pointers for the copy's loops. */
  cursor: Local;
  cursorEnd: Local;
  out0: Local;
  out1: Local;
  a: Local;
  b: Local;
  /** The image row being copied and the padded row it goes to. */
  src: Local;
  dst: Local;
  /** The channel's packed weights, its bias splat, a weight splat. */
  wc: Local;
  bias: Local;
  wv: Local;
  acc: Local[];
  /** Up to 9 taps: every weight's splat, loaded once per channel (empty: splat per tile). */
  weightRegisters: Local[];
  /** The kernel-row loop (5×5 and up): padded row, its end, the row's packed taps. */
  kernelRow: Local;
  kernelRowEnd: Local;
  rowWeights: Local;
}

/**
 * Stores zero vectors at dst + 4·(from + 4i) bytes until float `to` is covered (the last
 * store may pass `to` by up to 3 floats); unrolled when short.
 */
function zeroSpan(e: Emitter, from: number, to: number): void {
  const { f } = e;
  const stores = Math.ceil((to - from) / 4);
  if (stores <= 0) return;
  if (stores <= 6) {
    for (let i = 0; i < stores; i++) f.get(e.dst).get(e.zero).v128Store(4 * (from + 4 * i));
    return;
  }
  f.get(e.dst).i32Const(4 * from).i32Add().tee(e.cursor).i32Const(16 * stores).i32Add().set(e.cursorEnd);
  f.loop();
  f.get(e.cursor).get(e.zero).v128Store(0);
  f.increment(e.cursor, 16);
  f.get(e.cursor).get(e.cursorEnd).i32LtU().brIf(0);
  f.end();
}

/** Image rows of up to this many v128s are copied by straight-line code (no loop). */
const UNROLLED_COPY = 64;

/** One input column: padded-row float `to` (at dst) ← image column `column` (at src). */
function copyScalar(e: Emitter, column: number, to: number): void {
  e.f.get(e.dst).get(e.src).f32Load(4 * column).f32Store(4 * to);
}

/** The image row at `src` into the padded row at `dst`: borders zeroed, then the data. */
function emitCopyRow(e: Emitter, spans: readonly PhaseSpan[]): void {
  const { f, s, layout } = e;
  const { phaseLen } = layout;
  // Zeros first: a border's last store may spill into the next phase's first floats,
  // which are written after it (zeros) or hold data (copied after every zero).
  spans.forEach((span, phase) => {
    const base = phase * phaseLen;
    zeroSpan(e, base, base + Math.min(span.start, phaseLen));
    zeroSpan(e, base + Math.min(span.start + span.count, phaseLen), base + phaseLen);
  });
  if (s.strideW === 1) {
    // A straight copy: v128s, then the row's last columns one by one.
    const { start, count } = spans[0]!;
    const vectors = Math.floor(count / 4);
    if (vectors > 0 && vectors <= UNROLLED_COPY) {
      for (let j = 0; j < vectors; j++) f.get(e.dst).get(e.src).v128Load(16 * j).v128Store(4 * start + 16 * j);
    } else if (vectors > 0) {
      f.get(e.src).tee(e.cursor).i32Const(16 * vectors).i32Add().set(e.cursorEnd);
      f.get(e.dst).i32Const(4 * start).i32Add().set(e.out0);
      f.loop();
      f.get(e.out0).get(e.cursor).v128Load(0).v128Store(0);
      f.increment(e.cursor, 16).increment(e.out0, 16);
      f.get(e.cursor).get(e.cursorEnd).i32LtU().brIf(0);
      f.end();
    }
    for (let j = 4 * vectors; j < count; j++) copyScalar(e, j, start + j);
    return;
  }
  if (s.strideW === 2) {
    // Deinterleave: 8 image columns (two v128s) → 4 even ones and 4 odd ones.
    const evenPhase = spans.findIndex((span) => span.firstColumn === 0);
    const oddPhase = 1 - evenPhase;
    const even = spans[evenPhase]!, odd = spans[oddPhase]!;
    const blocks = Math.min(Math.floor(even.count / 4), Math.floor(odd.count / 4));
    const evenAt = 4 * (evenPhase * phaseLen + even.start), oddAt = 4 * (oddPhase * phaseLen + odd.start);
    if (blocks > 0 && 2 * blocks <= UNROLLED_COPY) {
      for (let j = 0; j < blocks; j++) {
        f.get(e.src).v128Load(32 * j).set(e.a);
        f.get(e.src).v128Load(32 * j + 16).set(e.b);
        f.get(e.dst).get(e.a).get(e.b).shuffleF32([0, 2, 4, 6]).v128Store(evenAt + 16 * j);
        f.get(e.dst).get(e.a).get(e.b).shuffleF32([1, 3, 5, 7]).v128Store(oddAt + 16 * j);
      }
    } else if (blocks > 0) {
      f.get(e.src).tee(e.cursor).i32Const(32 * blocks).i32Add().set(e.cursorEnd);
      f.get(e.dst).i32Const(evenAt).i32Add().set(e.out0);
      f.get(e.dst).i32Const(oddAt).i32Add().set(e.out1);
      f.loop();
      f.get(e.cursor).v128Load(0).set(e.a);
      f.get(e.cursor).v128Load(16).set(e.b);
      f.get(e.out0).get(e.a).get(e.b).shuffleF32([0, 2, 4, 6]).v128Store(0);
      f.get(e.out1).get(e.a).get(e.b).shuffleF32([1, 3, 5, 7]).v128Store(0);
      f.increment(e.cursor, 32).increment(e.out0, 16).increment(e.out1, 16);
      f.get(e.cursor).get(e.cursorEnd).i32LtU().brIf(0);
      f.end();
    }
    for (let j = 4 * blocks; j < even.count; j++) copyScalar(e, 2 * j, evenPhase * phaseLen + even.start + j);
    for (let j = 4 * blocks; j < odd.count; j++) copyScalar(e, 2 * j + 1, oddPhase * phaseLen + odd.start + j);
    return;
  }
  // Wider strides (rare): every column on its own.
  spans.forEach((span, phase) => {
    for (let j = 0; j < span.count; j++) copyScalar(e, span.firstColumn + j * s.strideW, phase * phaseLen + span.start + j);
  });
}

/**
 * One tile: `rows` output rows × vectors with `lanes[v]` valid pixels each (4, or fewer
 * for a row's last vector). Reads the padded rows at `p` (output row r at r·sH padded
 * rows further), writes the output rows at `q`. With weight registers (3×3) the taps are
 * unrolled; otherwise (5×5 and up) a loop runs over the kernel rows, splatting each tap's
 * weight once per tile row, with the row's kW taps unrolled (same tap order).
 */
function emitTile(e: Emitter, rows: number, lanes: readonly number[], p: Local, q: Local): void {
  const { f, s, layout } = e;
  const V = lanes.length;
  const acc = (r: number, v: number): Local => e.acc[r * V + v]!;
  /** acc[r][v] += w · v128 at (tile row r, vector v) + tapOffset from `base`. */
  const accumulate = (w: Local, base: Local, tapOffset: number): void => {
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < V; v++) {
        const offset = 4 * r * s.strideH * layout.rowLen + 16 * v + tapOffset;
        f.get(acc(r, v)).get(w).get(base).v128Load(offset).f32x4Mul().f32x4Add().set(acc(r, v));
      }
    }
  };
  /** Bytes from a kernel row's first tap to tap kw (phase kw mod sW, index ⌊kw/sW⌋). */
  const columnOffset = (kw: number): number => 4 * ((kw % s.strideW) * layout.phaseLen + Math.floor(kw / s.strideW));
  for (let r = 0; r < rows; r++) for (let v = 0; v < V; v++) f.get(e.bias).set(acc(r, v));
  if (e.weightRegisters.length > 0) {
    for (let kh = 0; kh < s.kH; kh++) {
      for (let kw = 0; kw < s.kW; kw++) accumulate(e.weightRegisters[kh * s.kW + kw]!, p, 4 * kh * layout.rowLen + columnOffset(kw));
    }
  } else {
    // kernelRow walks the padded rows, rowWeights the packed taps, kH rows.
    f.get(p).tee(e.kernelRow).i32Const(4 * s.kH * layout.rowLen).i32Add().set(e.kernelRowEnd);
    f.get(e.wc).set(e.rowWeights);
    f.loop();
    for (let kw = 0; kw < s.kW; kw++) {
      f.get(e.rowWeights).load32Splat(4 * (1 + kw)).set(e.wv);
      accumulate(e.wv, e.kernelRow, columnOffset(kw));
    }
    f.increment(e.kernelRow, 4 * layout.rowLen).increment(e.rowWeights, 4 * s.kW);
    f.get(e.kernelRow).get(e.kernelRowEnd).i32LtU().brIf(0);
    f.end();
  }
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < V; v++) {
      const offset = 4 * r * s.outW + 16 * v;
      const n = lanes[v]!;
      if (n === 4) {
        f.get(q).get(acc(r, v));
        emitActivation(f, e.act, e.actScratch);
        f.v128Store(offset);
        continue;
      }
      f.get(acc(r, v));
      emitActivation(f, e.act, e.actScratch);
      f.set(acc(r, v));
      if (n >= 2) f.get(q).get(acc(r, v)).store64Lane(0, offset);
      if (n === 3) f.get(q).get(acc(r, v)).store32Lane(2, offset + 8);
      if (n === 1) f.get(q).get(acc(r, v)).store32Lane(0, offset);
    }
  }
}

/** Emits the depthwise function into `m` under `name`. */
export function emitDepthwise(m: ModuleBuilder, name: string, shape: DepthwiseShape): void {
  const s = shape;
  const positive = [s.H, s.W, s.outH, s.outW, s.kH, s.kW, s.strideH, s.strideW];
  const pads = [s.padTop, s.padLeft, s.padBottom, s.padRight];
  if (!positive.every((v) => Number.isInteger(v) && v >= 1) || !pads.every((v) => Number.isInteger(v) && v >= 0) ||
    s.outH !== Math.floor((s.H + s.padTop + s.padBottom - s.kH) / s.strideH) + 1 ||
    s.outW !== Math.floor((s.W + s.padLeft + s.padRight - s.kW) / s.strideW) + 1) {
    throw new Error(`depthwise kernel: inconsistent shape ${depthwiseKey(s)}`);
  }
  const layout = paddedLayout(s);
  const spans = phaseSpans(s, layout);
  const chains = tileChains(s);
  const f = m.func(name, [I32, I32, I32, I32, I32, I32, I32, I32]);
  const [weights, x, y, scratch, channelStart, channelEnd, rowStart, rowEnd] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => f.param(i)) as Local[];
  const act = activationConstants(f, s.activation);
  const zero = f.local(V128);
  f.f32x4Const(0).set(zero);
  const e: Emitter = {
    f, s, layout, act, zero,
    actScratch: f.local(V128),
    cursor: f.local(I32), cursorEnd: f.local(I32), out0: f.local(I32), out1: f.local(I32),
    a: f.local(V128), b: f.local(V128),
    src: f.local(I32), dst: f.local(I32),
    wc: f.local(I32), bias: f.local(V128), wv: f.local(V128),
    acc: Array.from({ length: chains }, () => f.local(V128)),
    weightRegisters: [],
    kernelRow: f.local(I32), kernelRowEnd: f.local(I32), rowWeights: f.local(I32),
  };
  if (s.kH * s.kW <= WEIGHT_REGISTERS) e.weightRegisters = Array.from({ length: s.kH * s.kW }, () => f.local(V128));
  const c = f.local(I32), rows = f.local(I32), rr = f.local(I32), ih = f.local(I32);
  const xPlane = f.local(I32), oh = f.local(I32), p = f.local(I32), q = f.local(I32);
  const pc = f.local(I32), qc = f.local(I32), chunkEnd = f.local(I32);

  // Tiles: 4 vectors along a row when a row has ≥ 4, else several rows of the whole row.
  const full = Math.floor(s.outW / 4);
  const tileRows = layout.vectors >= chains ? 1 : Math.max(1, Math.floor(chains / layout.vectors));
  const chunks = Math.floor(full / chains);
  const lastLanes: number[] = [];
  for (let v = chunks * chains; v < layout.vectors; v++) lastLanes.push(Math.min(4, s.outW - 4 * v));
  const rowBytes = 4 * s.strideH * layout.rowLen;
  const rowTile = (R: number): void => {
    f.get(p).set(pc);
    f.get(q).set(qc);
    if (chunks > 0) {
      f.get(q).i32Const(16 * chains * chunks).i32Add().set(chunkEnd);
      f.loop();
      emitTile(e, R, new Array<number>(chains).fill(4), pc, qc);
      f.increment(pc, 16 * chains).increment(qc, 16 * chains);
      f.get(qc).get(chunkEnd).i32LtU().brIf(0);
      f.end();
    }
    if (lastLanes.length > 0) emitTile(e, R, lastLanes, pc, qc);
    f.increment(p, R * rowBytes).increment(q, R * 4 * s.outW);
  };

  const band = bandRows(s);
  const bandStart = f.local(I32), bandEnd = f.local(I32);
  f.get(channelStart!).set(c);
  f.forLoop(c, channelEnd!, 1, () => {
    f.get(weights!).get(c).i32Const(4 * channelFloats(s)).i32Mul().i32Add().tee(e.wc).load32Splat(0).set(e.bias);
    e.weightRegisters.forEach((w, tap) => f.get(e.wc).load32Splat(4 * (1 + tap)).set(w));
    f.get(x!).get(c).i32Const(4 * s.H * s.W).i32Mul().i32Add().set(xPlane);
    f.get(y!).get(c).i32Const(4 * s.outH * s.outW).i32Mul().i32Add().get(rowStart!).i32Const(4 * s.outW).i32Mul().i32Add().set(q);
    // Bands of `band` output rows: [bandStart, bandEnd).
    f.get(rowStart!).set(bandStart);
    f.block().loop();
    f.get(bandStart).get(rowEnd!).i32GeS().brIf(1);
    f.get(bandStart).i32Const(band).i32Add().tee(bandEnd).get(rowEnd!).get(bandEnd).get(rowEnd!).i32LtS().selectI32().set(bandEnd);
    // 1. The padded copy: padded rows bandStart·sH + rr for rr < (bandEnd − bandStart − 1)·sH + kH.
    f.get(bandEnd).get(bandStart).i32Sub().i32Const(1).i32Sub().i32Const(s.strideH).i32Mul().i32Const(s.kH).i32Add().set(rows);
    f.get(scratch!).set(e.dst);
    f.get(bandStart).i32Const(s.strideH).i32Mul().i32Const(s.padTop).i32Sub().set(ih);
    f.i32Const(0).set(rr);
    f.forLoop(rr, rows, 1, () => {
      f.get(ih).i32Const(s.H).i32LtU().if(); // 0 ≤ ih < H
      f.get(xPlane).get(ih).i32Const(4 * s.W).i32Mul().i32Add().set(e.src);
      emitCopyRow(e, spans);
      f.else();
      zeroSpan(e, 0, layout.rowLen);
      f.end();
      f.increment(ih, 1).increment(e.dst, 4 * layout.rowLen);
    });
    // 2. The sums, tileRows output rows at a time, then one at a time (q runs on).
    f.get(scratch!).set(p);
    f.get(bandStart).set(oh);
    if (tileRows > 1) {
      f.block().loop();
      f.get(oh).i32Const(tileRows).i32Add().get(bandEnd).i32GtS().brIf(1);
      rowTile(tileRows);
      f.increment(oh, tileRows).br(0);
      f.end().end();
    }
    f.forLoop(oh, bandEnd, 1, () => rowTile(1));
    f.get(bandEnd).set(bandStart);
    f.br(0);
    f.end().end();
  });
}

/** A module holding one depthwise kernel, exported as "depthwise". */
export function depthwiseModule(shape: DepthwiseShape, memory: MemoryImport): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder(memory);
  emitDepthwise(m, "depthwise", shape);
  return m.encode();
}
