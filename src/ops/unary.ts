/**
 * Unary elementwise ops: activations and math. Every one maps x → f(x) element by element,
 * output shape = input shape (`unaryShape`). Output and input may be the same tensor
 * (in place).
 *
 * Activations: Relu, LeakyRelu, Clip, Sigmoid, HardSigmoid, HardSwish, Tanh, Elu, Selu,
 * Softplus, Mish, Gelu.
 * Math: Neg, Abs, Sqrt, Exp, Log, Erf, Reciprocal, Floor, Ceil, Round, Sign, Not, Identity.
 * Neg, Abs, Clip, Sign, Identity and Not also take integer tensors (shape arithmetic).
 */
import { ShapeError } from "../errors.js";
import { formatShape, shapesEqual, type Tensor } from "../tensor/tensor.js";
import type { NumericTensor } from "./strided.js";

/** A unary op's output shape: the input's. */
export function unaryShape(inputShape: readonly number[]): number[] {
  return inputShape.slice();
}

function checkSameShape(op: string, output: NumericTensor, input: NumericTensor): void {
  if (!shapesEqual(output.shape, input.shape)) {
    throw new ShapeError(`${op}: output shape ${formatShape(output.shape)} should equal input shape ${formatShape(input.shape)}`);
  }
}

/** Relu: y = max(0, x); NaN stays NaN, as in onnxruntime (hence `v < 0 ? 0 : v`). */
export function relu(output: Tensor, input: Tensor): void {
  checkSameShape("Relu", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v < 0 ? 0 : v;
  }
}

/** LeakyRelu: y = x for x ≥ 0, alpha·x otherwise (ONNX default alpha 0.01). */
export function leakyRelu(output: Tensor, input: Tensor, attrs: { alpha: number }): void {
  checkSameShape("LeakyRelu", output, input);
  const { alpha } = attrs;
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v >= 0 ? v : alpha * v;
  }
}

/**
 * Clip: y = min(max(x, min), max). The bounds are attributes before opset 11 and optional
 * scalar inputs from 11 on; the caller passes numbers (−Infinity / +Infinity when absent).
 */
export function clip(output: NumericTensor, input: NumericTensor, attrs: { min: number; max: number }): void {
  checkSameShape("Clip", output, input);
  const { min, max } = attrs;
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v < min ? min : v > max ? max : v;
  }
}

/** Sigmoid: y = 1 / (1 + e^(−x)). */
export function sigmoid(output: Tensor, input: Tensor): void {
  checkSameShape("Sigmoid", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = 1 / (1 + Math.exp(-x[i]!));
}

/** HardSigmoid: y = max(0, min(1, alpha·x + beta)) (ONNX defaults alpha 0.2, beta 0.5). */
export function hardSigmoid(output: Tensor, input: Tensor, attrs: { alpha: number; beta: number }): void {
  checkSameShape("HardSigmoid", output, input);
  const { alpha, beta } = attrs;
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) {
    const v = alpha * x[i]! + beta;
    y[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}

/** HardSwish: y = x · max(0, min(1, x/6 + 1/2)). */
export function hardSwish(output: Tensor, input: Tensor): void {
  checkSameShape("HardSwish", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const gate = v / 6 + 0.5;
    y[i] = gate <= 0 ? 0 : gate >= 1 ? v : v * gate;
  }
}

/** Tanh: y = tanh(x). */
export function tanh(output: Tensor, input: Tensor): void {
  checkSameShape("Tanh", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]!);
}

/** Elu: y = x for x > 0, alpha·(e^x − 1) otherwise (default alpha 1). */
export function elu(output: Tensor, input: Tensor, attrs: { alpha: number }): void {
  checkSameShape("Elu", output, input);
  const { alpha } = attrs;
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v > 0 ? v : alpha * Math.expm1(v);
  }
}

/** Softplus: y = ln(1 + e^x), computed without overflow as max(x, 0) + ln(1 + e^(−|x|)). */
export function softplus(output: Tensor, input: Tensor): void {
  checkSameShape("Softplus", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  }
}

/** Selu: y = gamma·x for x > 0, gamma·alpha·(e^x − 1) otherwise (ONNX defaults 1.67326…, 1.0507…). */
export function selu(output: Tensor, input: Tensor, attrs: { alpha: number; gamma: number }): void {
  checkSameShape("Selu", output, input);
  const { alpha, gamma } = attrs;
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v > 0 ? gamma * v : gamma * alpha * Math.expm1(v);
  }
}

/** Mish: y = x · tanh(softplus(x)). */
export function mish(output: Tensor, input: Tensor): void {
  checkSameShape("Mish", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v * Math.tanh(Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))));
  }
}

/**
 * Gelu (opset 20): y = x · Φ(x) = x/2 · (1 + erf(x/√2)) ("none"), or the tanh approximation
 * x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))) ("tanh").
 */
export function gelu(output: Tensor, input: Tensor, attrs: { approximate: string }): void {
  checkSameShape("Gelu", output, input);
  const x = input.data;
  const y = output.data;
  if (attrs.approximate === "tanh") {
    const c = Math.sqrt(2 / Math.PI);
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      y[i] = 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v)));
    }
  } else {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      y[i] = 0.5 * v * (1 + erfScalar(v * Math.SQRT1_2));
    }
  }
}

/** Neg: y = −x. */
export function neg(output: NumericTensor, input: NumericTensor): void {
  checkSameShape("Neg", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = -x[i]!;
}

/** Abs: y = |x|. */
export function abs(output: NumericTensor, input: NumericTensor): void {
  checkSameShape("Abs", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.abs(x[i]!);
}

/** Sign: y = −1, 0 or 1. */
export function sign(output: NumericTensor, input: NumericTensor): void {
  checkSameShape("Sign", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.sign(x[i]!);
}

/** Sqrt: y = √x (NaN for x < 0). */
export function sqrt(output: Tensor, input: Tensor): void {
  checkSameShape("Sqrt", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.sqrt(x[i]!);
}

/** Exp: y = e^x. */
export function exp(output: Tensor, input: Tensor): void {
  checkSameShape("Exp", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.exp(x[i]!);
}

/** Log: y = ln x. */
export function log(output: Tensor, input: Tensor): void {
  checkSameShape("Log", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.log(x[i]!);
}

/** Reciprocal: y = 1 / x. */
export function reciprocal(output: Tensor, input: Tensor): void {
  checkSameShape("Reciprocal", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = 1 / x[i]!;
}

/** Floor: y = ⌊x⌋. */
export function floor(output: Tensor, input: Tensor): void {
  checkSameShape("Floor", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.floor(x[i]!);
}

/** Ceil: y = ⌈x⌉. */
export function ceil(output: Tensor, input: Tensor): void {
  checkSameShape("Ceil", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = Math.ceil(x[i]!);
}

/** Round: nearest integer, halves to even (ONNX Round, like numpy.round). */
export function round(output: Tensor, input: Tensor): void {
  checkSameShape("Round", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const r = Math.round(v); // rounds halves up
    y[i] = r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }
}

/** Not: y = 1 if x is 0 (false), else 0 (bool tensors). */
export function not(output: NumericTensor, input: NumericTensor): void {
  checkSameShape("Not", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = x[i]! === 0 ? 1 : 0;
}

/** Identity (also Dropout at inference): y = x. */
export function identity(output: NumericTensor, input: NumericTensor): void {
  checkSameShape("Identity", output, input);
  if (output.data !== input.data) output.data.set(input.data);
}

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, from Abramowitz & Stegun 7.1.26
 * (|error| ≤ 1.5·10⁻⁷, a few float32 ulps near ±1).
 */
export function erfScalar(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

/** Erf: y = erf(x). */
export function erf(output: Tensor, input: Tensor): void {
  checkSameShape("Erf", output, input);
  const x = input.data;
  const y = output.data;
  for (let i = 0; i < x.length; i++) y[i] = erfScalar(x[i]!);
}
