/**
 * Softmax and LogSoftmax, numerically stable (the maximum is subtracted before exp):
 *
 *   softmax(x)_i    = e^(x_i − m) / Σ_j e^(x_j − m),     m = max_j x_j
 *   logSoftmax(x)_i = x_i − m − ln Σ_j e^(x_j − m)
 *
 * Which elements form one "j" set changed in opset 13:
 * - opset < 13: the input is flattened to 2-D [d0·…·d_{axis−1}, d_axis·…·d_{r−1}] and each
 *   row is normalised (axis default 1) — over the whole tail, not only along `axis`;
 * - opset ≥ 13: normalised along the one axis `axis` (default −1).
 * Both are the view [outer, D, inner] normalised along D: before 13, D is the whole
 * flattened tail and inner = 1.
 */
import { ShapeError } from "../errors.js";
import { formatShape, shapesEqual, type Tensor } from "../tensor/tensor.js";

/** Softmax / LogSoftmax attributes. */
export interface SoftmaxAttributes {
  /** The ONNX axis; default 1 before opset 13, −1 from 13 on. */
  axis?: number;
  /**
   * The opset of the node: selects the flatten-to-2-D rule (< 13) or the one-axis rule
   * (≥ 13, also when absent).
   */
  opset?: number;
}

/** Softmax's output shape: the input's. */
export function softmaxShape(inputShape: readonly number[]): number[] {
  return inputShape.slice();
}

/** [outer, D, inner] for the input shape under the opset's rule. */
function softmaxView(opName: string, shape: readonly number[], attrs: SoftmaxAttributes): [number, number, number] {
  const rank = shape.length;
  const legacy = (attrs.opset ?? 13) < 13;
  const axis = attrs.axis ?? (legacy ? 1 : -1);
  // Before 13 the axis may equal rank (outer covers everything, D = 1).
  const low = -rank;
  const high = legacy ? rank : rank - 1;
  if (!Number.isInteger(axis) || axis < low || axis > high || rank === 0) {
    throw new ShapeError(`${opName}: axis ${axis} is out of range for input ${formatShape(shape)}`);
  }
  const a = axis < 0 ? axis + rank : axis;
  let outer = 1;
  for (let k = 0; k < a; k++) outer *= shape[k]!;
  if (legacy) {
    let d = 1;
    for (let k = a; k < rank; k++) d *= shape[k]!;
    return [outer, d, 1];
  }
  let inner = 1;
  for (let k = a + 1; k < rank; k++) inner *= shape[k]!;
  return [outer, shape[a]!, inner];
}

function softmaxKernel(log: boolean, output: Tensor, input: Tensor, attrs: SoftmaxAttributes): void {
  const opName = log ? "LogSoftmax" : "Softmax";
  if (!shapesEqual(output.shape, input.shape)) {
    throw new ShapeError(`${opName}: output shape ${formatShape(output.shape)} should equal input shape ${formatShape(input.shape)}`);
  }
  const [outer, d, inner] = softmaxView(opName, input.shape, attrs);
  const x = input.data;
  const y = output.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const start = o * d * inner + j;
      const end = start + d * inner;
      let max = -Infinity;
      for (let i = start; i < end; i += inner) if (x[i]! > max) max = x[i]!;
      let sum = 0;
      if (log) {
        for (let i = start; i < end; i += inner) sum += Math.exp(x[i]! - max);
        const logSum = Math.log(sum);
        for (let i = start; i < end; i += inner) y[i] = x[i]! - max - logSum;
      } else {
        for (let i = start; i < end; i += inner) {
          const e = Math.exp(x[i]! - max);
          y[i] = e;
          sum += e;
        }
        const scale = 1 / sum;
        for (let i = start; i < end; i += inner) y[i] = y[i]! * scale;
      }
    }
  }
}

/** Softmax: y = e^(x − max) / Σ e^(x − max) over the opset's normalisation set. */
export function softmax(output: Tensor, input: Tensor, attrs: SoftmaxAttributes): void {
  softmaxKernel(false, output, input, attrs);
}

/** LogSoftmax: y = x − max − ln Σ e^(x − max) over the opset's normalisation set. */
export function logSoftmax(output: Tensor, input: Tensor, attrs: SoftmaxAttributes): void {
  softmaxKernel(true, output, input, attrs);
}
