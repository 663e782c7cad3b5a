/**
 * Activations, softmax, batch_norm and dropout at inference.
 *
 *   relu, sigmoid, tanh        → Relu, Sigmoid, Tanh
 *   relu6(threshold = 6)       → Clip(0, threshold)
 *   leaky_relu(alpha = 0.02)   → LeakyRelu
 *   hard_swish(threshold = 6, scale = 6, offset = 3)
 *                              y = x · min(max(x + offset, 0), threshold) / scale: HardSwish
 *                              for the defaults, else Add → Clip → Mul → Div
 *   hard_sigmoid(slope = 0.2, offset = 0.5)
 *                              y = min(max(slope·x + offset, 0), 1): HardSigmoid(alpha, beta)
 *   swish(beta = 1)            y = x · sigmoid(beta·x)
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

export function relu6(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  o.g.node("Clip", [x, o.g.scalar(`${out}@min`, 0), o.g.scalar(`${out}@max`, o.float("threshold", 6))], [out]);
}

export function leakyRelu(o: OpView): void {
  o.g.node("LeakyRelu", [o.input("X")], [o.output("Out")], { alpha: o.float("alpha", 0.02) });
}

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

export function hardSigmoid(o: OpView): void {
  o.g.node("HardSigmoid", [o.input("X")], [o.output("Out")], { alpha: o.float("slope", 0.2), beta: o.float("offset", 0.5) });
}

export function swish(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  const beta = o.float("beta", 1);
  const g = o.g;
  const scaled = beta === 1 ? x : g.temp("Mul", [x, g.scalar(`${out}@beta`, beta)], `${out}@scaled`);
  const gate = g.temp("Sigmoid", [scaled], `${out}@gate`);
  g.node("Mul", [x, gate], [out]);
}

export function softmax(o: OpView): void {
  o.g.node("Softmax", [o.input("X")], [o.output("Out")], { axis: o.int("axis", -1) });
}

export function batchNorm(o: OpView): void {
  requireNchw(o, "data_layout");
  requireNchw(o, "data_format");
  const inputs = [o.input("X"), o.input("Scale"), o.input("Bias"), o.input("Mean"), o.input("Variance")];
  o.g.node("BatchNormalization", inputs, [o.output("Y")], { epsilon: o.float("epsilon", 1e-5) });
}

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
