/**
 * Activations, softmax, batch_norm, layer_norm and dropout at inference.
 *
 *   relu, sigmoid, tanh        → Relu, Sigmoid, Tanh
 *   relu6(threshold = 6)       → Clip(0, threshold)
 *   leaky_relu(alpha = 0.02)   → LeakyRelu
 *   hard_swish(threshold = 6, scale = 6, offset = 3)
 *                              y = x · min(max(x + offset, 0), threshold) / scale: HardSwish
 *                              for the defaults, else Add → Clip → Mul → Div
 *   hard_sigmoid(slope = 0.2, offset = 0.5)
 *                              y = min(max(slope·x + offset, 0), 1): HardSigmoid(alpha, beta)
 *   swish(beta = 1)            y = x · sigmoid(beta·x); silu: beta 1
 *   gelu(approximate = false)  y = 0.5·x·(1 + erf(x/√2)), or the tanh approximation
 *   prelu(mode)                y = x ≥ 0 ? x : alpha·x (alpha shared, per channel or per element)
 *   exp, sqrt, abs, log, floor, reciprocal → the ONNX op of that name
 *   layer_norm(epsilon, begin_norm_axis) over the trailing dims, then Scale and Bias
 *   softmax(axis = −1)         → Softmax (opset 13: along one axis)
 *   batch_norm(epsilon)        → BatchNormalization(X, Scale, Bias, Mean, Variance)
 *   dropout(dropout_prob, dropout_implementation)
 *                              "downgrade_in_infer" (the default): y = x · (1 − p) at inference;
 *                              "upscale_in_train": y = x
 */
import type { OpView } from "../op-view.js";
import { requireNchw } from "./conv.js";

/** An op y = f(x) with no attributes. */
export function unary(onnxOp: string): (o: OpView) => void {
  return (o) => o.g.node(onnxOp, [o.input("X")], [o.output("Out")]);
}

/** relu6: Clip(0, threshold). */
export function relu6(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  o.g.node("Clip", [x, o.g.scalar(`${out}@min`, 0), o.g.scalar(`${out}@max`, o.float("threshold", 6))], [out]);
}

/** leaky_relu: LeakyRelu(alpha). */
export function leakyRelu(o: OpView): void {
  o.g.node("LeakyRelu", [o.input("X")], [o.output("Out")], { alpha: o.float("alpha", 0.02) });
}

/** hard_swish: HardSwish for the default threshold/scale/offset, else spelled out. */
export function hardSwish(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  const threshold = o.float("threshold", 6);
  const scale = o.float("scale", 6);
  const offset = o.float("offset", 3);
  const g = o.g;
  if (threshold === 6 && scale === 6 && offset === 3) {
    g.node("HardSwish", [x], [out]);
    return;
  }
  const shifted = g.temp("Add", [x, g.scalar(`${out}@offset`, offset)], `${out}@shifted`);
  const clipped = g.temp("Clip", [shifted, g.scalar(`${out}@zero`, 0), g.scalar(`${out}@threshold`, threshold)], `${out}@clipped`);
  const product = g.temp("Mul", [x, clipped], `${out}@product`);
  g.node("Div", [product, g.scalar(`${out}@scale`, scale)], [out]);
}

/** hard_sigmoid: HardSigmoid(alpha = slope, beta = offset). */
export function hardSigmoid(o: OpView): void {
  o.g.node("HardSigmoid", [o.input("X")], [o.output("Out")], { alpha: o.float("slope", 0.2), beta: o.float("offset", 0.5) });
}

/** swish: x · sigmoid(beta·x). */
export function swish(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  const beta = o.float("beta", 1);
  const g = o.g;
  const scaled = beta === 1 ? x : g.temp("Mul", [x, g.scalar(`${out}@beta`, beta)], `${out}@scaled`);
  const gate = g.temp("Sigmoid", [scaled], `${out}@gate`);
  g.node("Mul", [x, gate], [out]);
}

/** softmax: Softmax along `axis` (opset 13+ semantics). */
export function softmax(o: OpView): void {
  o.g.node("Softmax", [o.input("X")], [o.output("Out")], { axis: o.int("axis", -1) });
}

/** batch_norm at inference: BatchNormalization(X, Scale, Bias, Mean, Variance). */
export function batchNorm(o: OpView): void {
  requireNchw(o, "data_layout");
  requireNchw(o, "data_format");
  const inputs = [o.input("X"), o.input("Scale"), o.input("Bias"), o.input("Mean"), o.input("Variance")];
  o.g.node("BatchNormalization", inputs, [o.output("Y")], { epsilon: o.float("epsilon", 1e-5) });
}

/** dropout at inference: × (1 − p) for downgrade_in_infer, identity for upscale_in_train. */
export function dropout(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  const mode = o.string("dropout_implementation", "downgrade_in_infer");
  if (mode === "upscale_in_train") {
    o.g.node("Identity", [x], [out]);
    return;
  }
  if (mode !== "downgrade_in_infer") o.fail(`dropout_implementation '${mode}' is not downgrade_in_infer or upscale_in_train`);
  const p = o.float("dropout_prob", 0.5);
  if (!(p >= 0 && p <= 1)) o.fail(`dropout_prob ${p} is not a probability`);
  o.g.node("Mul", [x, o.g.scalar(`${out}@keep`, 1 - p)], [out]);
}

/** silu: y = x · sigmoid(x). */
export function silu(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  o.g.node("Mul", [x, o.g.temp("Sigmoid", [x], `${out}@gate`)], [out]);
}

/**
 * gelu: y = 0.5·x·(1 + erf(x/√2)); with `approximate`,
 * y = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 */
export function gelu(o: OpView): void {
  const g = o.g;
  const x = o.input("X");
  const out = o.output("Out");
  let inner: string;
  if (o.bool("approximate", false)) {
    const cube = g.temp("Pow", [x, g.scalar(`${out}@three`, 3)], `${out}@cube`);
    const sum = g.temp("Add", [x, g.temp("Mul", [cube, g.scalar(`${out}@k`, 0.044715)], `${out}@term`)], `${out}@sum`);
    inner = g.temp("Tanh", [g.temp("Mul", [sum, g.scalar(`${out}@c`, Math.sqrt(2 / Math.PI))], `${out}@arg`)], `${out}@tanh`);
  } else {
    inner = g.temp("Erf", [g.temp("Div", [x, g.scalar(`${out}@sqrt2`, Math.SQRT2)], `${out}@arg`)], `${out}@erf`);
  }
  const onePlus = g.temp("Add", [inner, g.scalar(`${out}@one`, 1)], `${out}@oneplus`);
  const half = g.temp("Mul", [x, g.scalar(`${out}@half`, 0.5)], `${out}@halfx`);
  g.node("Mul", [half, onePlus], [out]);
}

/**
 * prelu: y = x where x ≥ 0, alpha·x elsewhere. mode "all": one alpha; "channel": one per
 * channel (alpha [C] broadcast over NCHW); "element": one per element of x's dims after N.
 */
export function prelu(o: OpView): void {
  requireNchw(o, "data_format");
  const g = o.g;
  const x = o.input("X");
  let alpha = o.input("Alpha");
  const out = o.output("Out");
  const mode = o.string("mode", "all");
  if (mode === "channel") {
    const rank = o.rank(x, "X");
    const trailing = Array.from({ length: Math.max(0, rank - 2) }, (_, k) => k + 1);
    if (trailing.length > 0) alpha = g.temp("Unsqueeze", [alpha, g.int64s(`${out}@axes`, trailing)], `${out}@alpha`);
  } else if (mode !== "all" && mode !== "element") {
    o.fail(`mode '${mode}' is not all, channel or element`);
  }
  const negative = g.temp("Less", [x, g.scalar(`${out}@zero`, 0)], `${out}@negative`);
  g.node("Where", [negative, g.temp("Mul", [x, alpha], `${out}@scaled`), x], [out]);
}

/**
 * layer_norm: over dims begin_norm_axis … rank−1, y = (x − mean) / sqrt(var + epsilon)
 * (biased variance), then · Scale + Bias, which Paddle stores flattened to one dim.
 */
export function layerNorm(o: OpView): void {
  const g = o.g;
  const x = o.input("X");
  const out = o.output("Y");
  const dims = o.dims(x) ?? o.fail("the input's dims must be declared in the program");
  const rank = dims.length;
  const begin = o.int("begin_norm_axis", 1);
  if (begin < 1 || begin >= rank) o.fail(`begin_norm_axis ${begin} is out of range for rank ${rank}`);
  const axes = Array.from({ length: rank - begin }, (_, k) => begin + k);
  const normalizedShape = dims.slice(begin);
  const mean = g.temp("ReduceMean", [x], `${out}@mean`, { axes, keepdims: 1 });
  const centred = g.temp("Sub", [x, mean], `${out}@centred`);
  const variance = g.temp("ReduceMean", [g.temp("Mul", [centred, centred], `${out}@squared`)], `${out}@variance`, { axes, keepdims: 1 });
  const deviation = g.temp("Sqrt", [g.temp("Add", [variance, g.scalar(`${out}@epsilon`, o.float("epsilon", 1e-5))], `${out}@shifted`)], `${out}@deviation`);
  let y = g.temp("Div", [centred, deviation], `${out}@normalized`);
  const affine = (slot: string, op: "Mul" | "Add"): void => {
    const p = o.optionalInput(slot);
    if (p === undefined) return;
    let shaped = p;
    if (normalizedShape.length > 1) {
      if (normalizedShape.some((d) => d < 0)) o.fail("the normalized dims must be declared in the program");
      shaped = g.temp("Reshape", [p, g.int64s(`${out}@${slot}shape`, normalizedShape)], `${p}@shaped`);
    }
    y = g.temp(op, [y, shaped], `${out}@${slot}`);
  };
  affine("Scale", "Mul");
  affine("Bias", "Add");
  g.node("Identity", [y], [out]);
}
