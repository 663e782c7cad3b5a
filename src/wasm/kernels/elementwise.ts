/**
 * Elementwise passes of GhostNet as WebAssembly SIMD functions, sizes at run time (they are
 * memory-bound; nothing to gain from baking them). The JavaScript twins are
 * src/ops/elementwise.ts (`addInPlace`, `scalePlanes`) and src/ops/pooling.ts (`planeMeans`).
 *
 *   add(a, b, out, count)                          out[i] = a[i] + b[i]          (residual add)
 *   scalePlanes(x, scale, out, planeSize, channels) out[c·P + i] = x[c·P + i] · scale[c]  (SE)
 *   planeMeans(x, out, planeSize, channels)         out[c] = (Σ_i x[c·P + i]) / P        (pool)
 *
 * Byte addresses, element counts (i32). `out` may be `a` (or `b`, or `x`) exactly; other
 * overlaps are not supported. Loops run 8 floats (two v128s) per pass, then one v128, then
 * single floats, so odd counts and planes that do not start on 16 bytes are fine.
 *
 * add and scalePlanes compute each element alone, one f32 rounding: the same bits as the
 * JavaScript twins (a float64 sum or product of two float32 values rounds to float32 as the
 * float32 operation does). planeMeans sums in f32 in a fixed order that depends only on P:
 *
 *   acc[k] += x[16j + 4k .. 16j + 4k + 3]   k < 4 v128 accumulators, j over whole 16-float blocks
 *   acc[k] += x[..]                         the plane's next whole v128s, k = 0, 1, 2 in turn
 *   v = (acc[0] + acc[1]) + (acc[2] + acc[3]);  s = (v₀ + v₁) + (v₂ + v₃)   (lanes)
 *   s += x[i] for the last P mod 4 floats, ascending;  out[c] = s / P
 *
 * Planes are independent, so any split of the channels gives the same bits. The twin sums
 * in float64: results differ in the last bits (within DESIGN §6's 1e-4 for long
 * reductions).
 *
 * Measured against the twins at GhostNet x1.0's sizes, medians of 15 interleaved rounds
 * of 10 calls after a 200 ms warm-up (2026-12-06, shared 2-core AMD EPYC), ms:
 *
 *   add 16 × 112²         0.040 vs 0.569      scalePlanes 672 × 7²   0.0044 vs 0.026
 *   add 160 × 7²          0.0013 vs 0.0086    planeMeans 72 × 28²    0.0034 vs 0.028
 *   scalePlanes 72 × 28²  0.0051 vs 0.043     planeMeans 960 × 7²    0.0043 vs 0.028
 */
import { F32, type FunctionBuilder, I32, type Local, type MemoryImport, ModuleBuilder, V128 } from "../assembler.js";

/**
 * Emits a loop over `bytes` (a local) in steps of 32, 16 and 4 bytes of offset `o`:
 * `wide()` for 32-byte passes, `vector()` for one 16-byte pass, `scalar()` for each float.
 */
function strideLoops(f: FunctionBuilder, o: Local, bytes: Local, wide: () => void, vector: () => void, scalar: () => void): void {
  f.i32Const(0).set(o);
  f.block().loop();
  f.get(o).i32Const(32).i32Add().get(bytes).i32GtS().brIf(1);
  wide();
  f.increment(o, 32).br(0);
  f.end().end();
  f.get(o).i32Const(16).i32Add().get(bytes).i32LeS().if();
  vector();
  f.increment(o, 16);
  f.end();
  f.forLoop(o, bytes, 4, scalar);
}

/** Emits add(a, b, out, count): out[i] = a[i] + b[i]. */
export function emitAdd(m: ModuleBuilder, name: string): void {
  const f = m.func(name, [I32, I32, I32, I32]);
  const [a, b, out, count] = [0, 1, 2, 3].map((i) => f.param(i)) as Local[];
  const o = f.local(I32), bytes = f.local(I32);
  f.get(count!).i32Const(4).i32Mul().set(bytes);
  // out + o ← (a + o) + (b + o), at byte offset `offset` from o.
  const sum = (offset: number, scalar: boolean): void => {
    f.get(out!).get(o).i32Add();
    f.get(a!).get(o).i32Add();
    if (scalar) f.f32Load(offset);
    else f.v128Load(offset);
    f.get(b!).get(o).i32Add();
    if (scalar) f.f32Load(offset).f32Add().f32Store(offset);
    else f.v128Load(offset).f32x4Add().v128Store(offset);
  };
  strideLoops(f, o, bytes, () => {
    // Each v128 is read before it is written: out may be a or b.
    sum(0, false);
    sum(16, false);
  }, () => sum(0, false), () => sum(0, true));
}

/** Emits scalePlanes(x, scale, out, planeSize, channels): out[c·P + i] = x[c·P + i] · scale[c]. */
export function emitScalePlanes(m: ModuleBuilder, name: string): void {
  const f = m.func(name, [I32, I32, I32, I32, I32]);
  const [x, scale, out, planeSize, channels] = [0, 1, 2, 3, 4].map((i) => f.param(i)) as Local[];
  const c = f.local(I32), o = f.local(I32), bytes = f.local(I32), xp = f.local(I32), op = f.local(I32);
  const s = f.local(V128), s1 = f.local(F32);
  f.get(planeSize!).i32Const(4).i32Mul().set(bytes);
  const product = (offset: number): void => {
    f.get(op).get(o).i32Add();
    f.get(xp).get(o).i32Add().v128Load(offset).get(s).f32x4Mul();
    f.v128Store(offset);
  };
  f.forLoop(c, channels!, 1, () => {
    f.get(scale!).get(c).i32Const(4).i32Mul().i32Add().f32Load(0).tee(s1).f32x4Splat().set(s);
    f.get(c).get(bytes).i32Mul().tee(xp).get(out!).i32Add().set(op);
    f.get(xp).get(x!).i32Add().set(xp);
    strideLoops(f, o, bytes, () => {
      product(0);
      product(16);
    }, () => product(0), () => {
      f.get(op).get(o).i32Add();
      f.get(xp).get(o).i32Add().f32Load(0).get(s1).f32Mul();
      f.f32Store(0);
    });
  });
}

/** Emits planeMeans(x, out, planeSize, channels): out[c] = mean of plane c, in the order above. */
export function emitPlaneMeans(m: ModuleBuilder, name: string): void {
  const f = m.func(name, [I32, I32, I32, I32]);
  const [x, out, planeSize, channels] = [0, 1, 2, 3].map((i) => f.param(i)) as Local[];
  const c = f.local(I32), o = f.local(I32), bytes = f.local(I32), xp = f.local(I32);
  const acc = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const v = f.local(V128), sum = f.local(F32), size = f.local(F32);
  f.get(planeSize!).i32Const(4).i32Mul().set(bytes);
  f.get(planeSize!).f32ConvertI32S().set(size);
  const accumulate = (k: number, offset: number): void => {
    f.get(acc[k]!).get(xp).get(o).i32Add().v128Load(offset).f32x4Add().set(acc[k]!);
  };
  f.forLoop(c, channels!, 1, () => {
    f.get(x!).get(c).get(bytes).i32Mul().i32Add().set(xp);
    for (const a of acc) f.f32x4Const(0).set(a);
    f.i32Const(0).set(o);
    // Whole 16-float blocks.
    f.block().loop();
    f.get(o).i32Const(64).i32Add().get(bytes).i32GtS().brIf(1);
    for (let k = 0; k < 4; k++) accumulate(k, 16 * k);
    f.increment(o, 64).br(0);
    f.end().end();
    // Up to three more whole v128s, into acc[0], acc[1], acc[2].
    for (let k = 0; k < 3; k++) {
      f.get(o).i32Const(16).i32Add().get(bytes).i32LeS().if();
      accumulate(k, 0);
      f.increment(o, 16);
      f.end();
    }
    f.get(acc[0]!).get(acc[1]!).f32x4Add().get(acc[2]!).get(acc[3]!).f32x4Add().f32x4Add().set(v);
    f.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1).f32Add();
    f.get(v).f32x4ExtractLane(2).get(v).f32x4ExtractLane(3).f32Add().f32Add().set(sum);
    f.forLoop(o, bytes, 4, () => {
      f.get(sum).get(xp).get(o).i32Add().f32Load(0).f32Add().set(sum);
    });
    f.get(out!).get(c).i32Const(4).i32Mul().i32Add().get(sum).get(size).f32Div().f32Store(0);
  });
}

/** A module with the three functions, exported as "add", "scalePlanes", "planeMeans". */
export function elementwiseModule(memory: MemoryImport): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder(memory);
  emitAdd(m, "add");
  emitScalePlanes(m, "scalePlanes");
  emitPlaneMeans(m, "planeMeans");
  return m.encode();
}
