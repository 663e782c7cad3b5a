/**
 * The fused activations (src/ops/fused-activation.ts) on f32x4 registers, emitted into a
 * kernel's store. Each takes the value on the stack and leaves act(value):
 *
 *   none         v
 *   relu         max(v, 0)                         (f32x4.max: NaN stays NaN)
 *   clip         min(max(v, lo), hi)
 *   hardSigmoid  min(max(α·v + β, 0), 1)
 *   hardSwish    v · min(max(v/6 + ½, 0), 1)
 *
 * Lane-wise f32 arithmetic rounds after each step, where the JavaScript kernels evaluate
 * the formula in float64 and round once: results may differ in the last bit (hardSigmoid,
 * hardSwish). Sigmoid needs exp, which WebAssembly lacks: kernels report it unsupported
 * (`vectorActivation` returns false) and their callers apply it in a JavaScript pass.
 */
import type { FusedActivation } from "../../ops/fused-activation.js";
import { type FunctionBuilder, type Local, V128 } from "../assembler.js";

/** Registers an activation needs, made once per function before its loops. */
export interface ActivationConstants {
  readonly activation: FusedActivation;
  readonly zero?: Local;
  readonly one?: Local;
  readonly low?: Local;
  readonly high?: Local;
  readonly alpha?: Local;
  readonly beta?: Local;
}

/** Whether `activation` can be fused into a wasm kernel's store (all but sigmoid). */
export function isVectorActivation(activation: FusedActivation): boolean {
  return activation.kind !== "sigmoid";
}

/** A stable key for caching kernels by activation. */
export function activationKey(a: FusedActivation): string {
  switch (a.kind) {
    case "clip":
      return `clip(${a.min},${a.max})`;
    case "hardSigmoid":
      return `hardSigmoid(${a.alpha},${a.beta})`;
    default:
      return a.kind;
  }
}

/** Declares and fills the constant registers `activation` uses (emit before the loops). */
export function activationConstants(f: FunctionBuilder, activation: FusedActivation): ActivationConstants {
  const constant = (value: number): Local => {
    const local = f.local(V128);
    f.f32x4Const(value).set(local);
    return local;
  };
  switch (activation.kind) {
    case "relu":
      return { activation, zero: constant(0) };
    case "clip":
      return { activation, low: constant(activation.min), high: constant(activation.max) };
    case "hardSigmoid":
      return { activation, zero: constant(0), one: constant(1), alpha: constant(activation.alpha), beta: constant(activation.beta) };
    case "hardSwish":
      return { activation, zero: constant(0), one: constant(1), alpha: constant(1 / 6), beta: constant(0.5) };
    case "none":
      return { activation };
    case "sigmoid":
      throw new Error("sigmoid is not a vector activation (apply it in JavaScript)");
  }
}

/**
 * Emits act(v) for the v128 on the stack. hardSwish needs v twice, so it takes `scratch`
 * (a v128 local) to hold it.
 */
export function emitActivation(f: FunctionBuilder, c: ActivationConstants, scratch: Local): void {
  switch (c.activation.kind) {
    case "none":
      return;
    case "relu":
      f.get(c.zero!).f32x4Max();
      return;
    case "clip":
      f.get(c.low!).f32x4Max().get(c.high!).f32x4Min();
      return;
    case "hardSigmoid":
      f.get(c.alpha!).f32x4Mul().get(c.beta!).f32x4Add().get(c.zero!).f32x4Max().get(c.one!).f32x4Min();
      return;
    case "hardSwish":
      f.tee(scratch).get(c.alpha!).f32x4Mul().get(c.beta!).f32x4Add().get(c.zero!).f32x4Max().get(c.one!).f32x4Min();
      f.get(scratch).f32x4Mul();
      return;
    case "sigmoid":
      throw new Error("sigmoid is not a vector activation");
  }
}
