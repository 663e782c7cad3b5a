/**
 * im2col for a general conv (GhostNet's stem: 3×3 stride 2, 3 → 16 channels on 224²) as a
 * WebAssembly SIMD function, emitted per shape, so the conv runs as the pointwise GEMM
 * kernel on its output: Y [M, rows·outW] = W [M, K] · col [K, rows·outW], K = C·kH·kW.
 *
 *   col[(c·kH + kh)·kW + kw, (oh − rowStart)·outW + ow] = x[c, oh·sH − padTop + kh, ow·sW − padLeft + kw]
 *
 * (0 outside the image; dilation 1) for output rows [rowStart, rowEnd), one image. The
 * JavaScript twin is `im2colBand` in src/ops/conv2d.ts. Each col row has (rowEnd −
 * rowStart)·outW floats, so the rows are as long as the call's row range.
 *
 * The loop nest: channels c at run time; (kh, kw) unrolled, each with its column split
 * baked in: output columns [0, owLo) read left of the image (zeros), [owLo, owHi) inside it,
 * [owHi, outW) right of it (zeros). Then output rows oh at run time: a row whose input row
 * ih is outside the image is all zeros; otherwise the zeros, the inside span, the zeros.
 * The inside span moves v128s: at stride 1 a straight copy, at stride 2 two loads and two
 * shuffles ([0, 2, 4, 6] of 8 neighbours) give 4 outputs; wider strides and the last few
 * columns go one float at a time. It never reads x outside the image (a v128 is loaded
 * only when all its floats are in the row) and writes exactly col's floats (lane stores
 * at the ends), so threads may fill neighbouring row ranges of a shared col.
 *
 * Measured on the stem (3 × 224² → col 27 × 112², 1.35 MB), medians of 21 interleaved
 * rounds of 10 calls after a 500 ms warm-up (2026-12-06, shared 2-core AMD EPYC): 0.066 ms
 * against 1.66 ms for the JavaScript `im2colImage` (src/wasm/conv.ts), per-round 25×.
 *
 * The function: im2col(x, col, rowStart, rowEnd), byte addresses of the image (plane c at
 * x + c·H·W·4) and of col (row r at col + r·(rowEnd − rowStart)·outW·4).
 */
import type { Conv2dGeometry } from "../../ops/conv2d.js";
import { type FunctionBuilder, I32, type Local, type MemoryImport, ModuleBuilder, V128 } from "../assembler.js";
import { type PlaneWindow, planeWindowOf, windowKey } from "./window.js";

/** The shape an im2col function is specialised for (pads as ONNX's). */
export interface Im2colShape extends PlaneWindow {
  /** Input channels to unfold (C/group of one group: pass x at the group's first plane). */
  C: number;
}

/** Whether the wasm im2col handles this conv: no dilation (the caller falls back to JS otherwise). */
export function im2colSupported(g: Conv2dGeometry): boolean {
  return g.dilationH === 1 && g.dilationW === 1;
}

/** The im2col shape of one group of a conv geometry. */
export function im2colShapeOf(g: Conv2dGeometry): Im2colShape {
  return { C: g.inPerGroup, ...planeWindowOf(g) };
}

/** The cache key of an im2col function. */
export function im2colKey(s: Im2colShape): string {
  return `im2col C${s.C} ${windowKey(s)}`;
}

/** Floats of col for `rows` output rows: K = C·kH·kW rows of rows·outW. */
export function im2colFloats(s: Im2colShape, rows: number): number {
  return s.C * s.kH * s.kW * rows * s.outW;
}

interface Emitter {
  f: FunctionBuilder;
  zero: Local;
  /** The current output row in col, and the image row it reads. */
  d: Local;
  src: Local;
  cursor: Local;
  cursorEnd: Local;
  out: Local;
}

/** Zeros floats [from, to) of the output row at d exactly: v128s, then lanes. */
function zeroFloats(e: Emitter, from: number, to: number): void {
  const { f } = e;
  const vectors = Math.floor((to - from) / 4);
  if (vectors > 8) {
    f.get(e.d).i32Const(4 * from).i32Add().tee(e.cursor).i32Const(16 * vectors).i32Add().set(e.cursorEnd);
    f.loop();
    f.get(e.cursor).get(e.zero).v128Store(0);
    f.increment(e.cursor, 16);
    f.get(e.cursor).get(e.cursorEnd).i32LtU().brIf(0);
    f.end();
  } else {
    for (let i = 0; i < vectors; i++) f.get(e.d).get(e.zero).v128Store(4 * (from + 4 * i));
  }
  let at = from + 4 * vectors;
  if (to - at >= 2) {
    f.get(e.d).get(e.zero).store64Lane(0, 4 * at);
    at += 2;
  }
  if (to - at === 1) f.get(e.d).get(e.zero).store32Lane(0, 4 * at);
}

/**
 * Output columns [lo, hi) of the row at d ← image columns lo·sW + first, stepping sW, of
 * the image row at src.
 */
function copyInside(e: Emitter, s: Im2colShape, lo: number, hi: number, first: number): void {
  const { f } = e;
  const n = hi - lo;
  const step = s.strideW;
  // Whole v128s while all the floats they load lie in the row (first + step·lo ≥ 0 here).
  let vectors = 0;
  if (step === 1 || step === 2) {
    const reach = (j: number): number => first + step * lo + 4 * step * (j + 1) - 1; // last float read by vector j
    while (4 * (vectors + 1) <= n && reach(vectors) <= s.W - 1) vectors++;
  }
  if (vectors > 0) {
    f.get(e.src).i32Const(4 * (first + step * lo)).i32Add().tee(e.cursor).i32Const(16 * step * vectors).i32Add().set(e.cursorEnd);
    f.get(e.d).i32Const(4 * lo).i32Add().set(e.out);
    f.loop();
    if (step === 1) {
      f.get(e.out).get(e.cursor).v128Load(0).v128Store(0);
    } else {
      f.get(e.out).get(e.cursor).v128Load(0).get(e.cursor).v128Load(16).shuffleF32([0, 2, 4, 6]).v128Store(0);
    }
    f.increment(e.cursor, 16 * step).increment(e.out, 16);
    f.get(e.cursor).get(e.cursorEnd).i32LtU().brIf(0);
    f.end();
  }
  for (let ow = lo + 4 * vectors; ow < hi; ow++) f.get(e.d).get(e.src).f32Load(4 * (first + step * ow)).f32Store(4 * ow);
}

/** Emits the im2col function into `m` under `name`. */
export function emitIm2col(m: ModuleBuilder, name: string, shape: Im2colShape): void {
  const s = shape;
  const positive = [s.C, s.H, s.W, s.outH, s.outW, s.kH, s.kW, s.strideH, s.strideW];
  const pads = [s.padTop, s.padLeft, s.padBottom, s.padRight];
  if (!positive.every((v) => Number.isInteger(v) && v >= 1) || !pads.every((v) => Number.isInteger(v) && v >= 0) ||
    s.outH !== Math.floor((s.H + s.padTop + s.padBottom - s.kH) / s.strideH) + 1 ||
    s.outW !== Math.floor((s.W + s.padLeft + s.padRight - s.kW) / s.strideW) + 1) {
    throw new Error(`im2col kernel: inconsistent shape ${im2colKey(s)}`);
  }
  const f = m.func(name, [I32, I32, I32, I32]);
  const [x, col, rowStart, rowEnd] = [0, 1, 2, 3].map((i) => f.param(i)) as Local[];
  const zero = f.local(V128);
  f.f32x4Const(0).set(zero);
  const e: Emitter = {
    f, zero, d: f.local(I32), src: f.local(I32), cursor: f.local(I32), cursorEnd: f.local(I32), out: f.local(I32),
  };
  const c = f.local(I32), xPlane = f.local(I32), dst = f.local(I32), colRow = f.local(I32), oh = f.local(I32), ih = f.local(I32);
  f.block();
  f.get(rowStart!).get(rowEnd!).i32GeS().brIf(0);
  f.get(rowEnd!).get(rowStart!).i32Sub().i32Const(4 * s.outW).i32Mul().set(colRow);
  f.get(col!).set(dst);
  f.forLoop(c, s.C, 1, () => {
    f.get(x!).get(c).i32Const(4 * s.H * s.W).i32Mul().i32Add().set(xPlane);
    for (let kh = 0; kh < s.kH; kh++) {
      for (let kw = 0; kw < s.kW; kw++) {
        // Image column of output column ow: ow·sW + first; inside for ow ∈ [lo, hi).
        const first = kw - s.padLeft;
        const lo = Math.min(s.outW, Math.max(0, Math.ceil(-first / s.strideW)));
        const hi = Math.max(lo, Math.min(s.outW, Math.floor((s.W - 1 - first) / s.strideW) + 1));
        f.get(dst).set(e.d);
        f.get(rowStart!).set(oh);
        f.get(rowStart!).i32Const(s.strideH).i32Mul().i32Const(kh - s.padTop).i32Add().set(ih);
        f.forLoop(oh, rowEnd!, 1, () => {
          f.get(ih).i32Const(s.H).i32LtU().if(); // 0 ≤ ih < H
          f.get(xPlane).get(ih).i32Const(4 * s.W).i32Mul().i32Add().set(e.src);
          zeroFloats(e, 0, lo);
          copyInside(e, s, lo, hi, first);
          zeroFloats(e, hi, s.outW);
          f.else();
          zeroFloats(e, 0, s.outW);
          f.end();
          f.increment(e.d, 4 * s.outW).increment(ih, s.strideH);
        });
        f.get(dst).get(colRow).i32Add().set(dst);
      }
    }
  });
  f.end();
}

/** A module holding one im2col function, exported as "im2col". */
export function im2colModule(shape: Im2colShape, memory: MemoryImport): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder(memory);
  emitIm2col(m, "im2col", shape);
  return m.encode();
}
