/**
 * Activations a producer (Conv, Gemm, MatMul) applies in its epilogue, while the output it
 * just wrote is still in cache, instead of a second pass over memory:
 *
 *   none         y = x
 *   relu         y = max(0, x)
 *   clip         y = min(max, max(min, x))
 *   hardSigmoid  y = max(0, min(1, alpha·x + beta))
 *   hardSwish    y = x · max(0, min(1, x/6 + 1/2))          (ONNX HardSwish)
 *   sigmoid      y = 1 / (1 + e^(−x))
 *
 * The formulas are ONNX's; they are evaluated in float64 and rounded once to float32.
 * Every activation maps NaN to NaN, as onnxruntime does (comparisons are written so that
 * a NaN falls through to the value itself: `v < 0 ? 0 : v`, never `v > 0 ? v : 0`).
 */

export type FusedActivation =
  | { kind: "none" }
  | { kind: "relu" }
  | { kind: "clip"; min: number; max: number }
  | { kind: "hardSigmoid"; alpha: number; beta: number }
  | { kind: "hardSwish" }
  | { kind: "sigmoid" };

/** The identity activation (nothing after the conv or GEMM). */
export const NO_ACTIVATION: FusedActivation = Object.freeze({ kind: "none" });

/**
 * data[start..end) = act(data[start..end) + bias). One pass: the bias add and the
 * activation share the load and the store.
 */
export function applyBiasActivation(
  data: Float32Array,
  start: number,
  end: number,
  bias: number,
  activation: FusedActivation,
): void {
  switch (activation.kind) {
    case "none":
      if (bias !== 0) for (let i = start; i < end; i++) data[i] = data[i]! + bias;
      return;
    case "relu":
      for (let i = start; i < end; i++) {
        const v = data[i]! + bias;
        data[i] = v < 0 ? 0 : v; // NaN stays NaN, as in onnxruntime
      }
      return;
    case "clip": {
      const lo = activation.min;
      const hi = activation.max;
      for (let i = start; i < end; i++) {
        const v = data[i]! + bias;
        data[i] = v < lo ? lo : v > hi ? hi : v;
      }
      return;
    }
    case "hardSigmoid": {
      const alpha = activation.alpha;
      const beta = activation.beta;
      for (let i = start; i < end; i++) {
        const t = alpha * (data[i]! + bias) + beta;
        data[i] = t < 0 ? 0 : t > 1 ? 1 : t;
      }
      return;
    }
    case "hardSwish":
      for (let i = start; i < end; i++) {
        const v = data[i]! + bias;
        const t = v / 6 + 0.5;
        data[i] = t <= 0 ? 0 : t >= 1 ? v : v * t;
      }
      return;
    case "sigmoid":
      for (let i = start; i < end; i++) data[i] = 1 / (1 + Math.exp(-(data[i]! + bias)));
      return;
  }
}

/** data[start..end) = act(data[start..end)). */
export function applyActivation(data: Float32Array, start: number, end: number, activation: FusedActivation): void {
  if (activation.kind !== "none") applyBiasActivation(data, start, end, 0, activation);
}

/** act(x) for one value (reference kernels and tests). */
export function activate(x: number, activation: FusedActivation): number {
  switch (activation.kind) {
    case "none":
      return x;
    case "relu":
      return x < 0 ? 0 : x;
    case "clip":
      return Math.min(activation.max, Math.max(activation.min, x));
    case "hardSigmoid":
      return Math.max(0, Math.min(1, activation.alpha * x + activation.beta));
    case "hardSwish":
      return x * Math.max(0, Math.min(1, x / 6 + 0.5));
    case "sigmoid":
      return 1 / (1 + Math.exp(-x));
  }
}
