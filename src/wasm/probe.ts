/**
 * Can this runtime run our wasm kernels? `WebAssembly.validate` is not enough to tell: a
 * page whose Content-Security-Policy lacks 'wasm-unsafe-eval' validates modules but
 * refuses to compile them, and Cloudflare Workers refuse all run-time compilation. So the
 * probe really compiles, instantiates and runs a small SIMD module over an imported memory
 * (the way every kernel runs) and checks the number it returns.
 *
 * The relaxed-SIMD probe does the same with `f32x4.relaxed_madd` (Chromium 114+, Node 22+,
 * Deno 2; Node 20 only behind --experimental-wasm-relaxed-simd).
 */
import { F32, I32, ModuleBuilder } from "./assembler.js";

/** Where wasm kernels can run: "simd", plus whether relaxed SIMD is there too. */
export interface WasmSupport {
  simd: boolean;
  relaxedSimd: boolean;
  /** Why not, when simd is false (the runtime's own message). */
  reason?: string;
}

let cached: WasmSupport | undefined;

/**
 * probe(p) with memory [1.5, 2.5, 3.5, 4.5] at p: f32x4 lanes ·2 + 1, lane 3 out: 10.
 * With relaxed: relaxed_madd(v, 2, 1) instead of mul then add — the same 10 (exact).
 */
function probeModule(relaxed: boolean): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder({ minPages: 1 });
  const f = m.func("probe", [I32], [F32]);
  f.get(f.param(0)).v128Load(0).f32x4Const(2);
  if (relaxed) f.f32x4Const(1).f32x4RelaxedMadd();
  else f.f32x4Mul().f32x4Const(1).f32x4Add();
  f.f32x4ExtractLane(3);
  return m.encode();
}

function runProbe(relaxed: boolean): true | string {
  try {
    if (typeof WebAssembly !== "object" || typeof WebAssembly.Module !== "function") return "this runtime has no WebAssembly";
    const memory = new WebAssembly.Memory({ initial: 1 });
    new Float32Array(memory.buffer, 16, 4).set([1.5, 2.5, 3.5, 4.5]);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(probeModule(relaxed)), { env: { memory } });
    const result = (instance.exports.probe as (p: number) => number)(16);
    return result === 10 ? true : `the probe module returned ${result}, not 10`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** What this runtime supports (probed once). */
export function wasmSupport(): WasmSupport {
  if (cached !== undefined) return cached;
  const simd = runProbe(false);
  cached = simd === true ? { simd: true, relaxedSimd: runProbe(true) === true } : { simd: false, relaxedSimd: false, reason: simd };
  return cached;
}

/** Forgets the probe's answer (tests that change the runtime's WebAssembly). */
export function resetWasmSupport(): void {
  cached = undefined;
}
