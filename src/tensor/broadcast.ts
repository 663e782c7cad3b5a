/**
 * NumPy broadcasting (https://numpy.org/doc/stable/user/basics.broadcasting.html),
 * which ONNX's elementwise ops follow: align shapes at the right; each pair of
 * dimensions must be equal or one of them 1; the result takes the larger.
 */
import { ShapeError } from "../errors.js";
import { formatShape, stridesOf } from "./tensor.js";

/** The shape NumPy-style (multidirectional) broadcasting gives `shapes`; throws ShapeError naming them when they do not broadcast. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const shape of shapes) {
    const offset = rank - shape.length;
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i]!;
      const o = out[offset + i]!;
      if (d === o || d === 1) continue;
      if (o === 1) out[offset + i] = d;
      else throw new ShapeError(`shapes ${shapes.map(formatShape).join(" and ")} cannot be broadcast together`);
    }
  }
  return out;
}

/**
 * Strides to read `shape` as if it had been broadcast to `outShape`: 0 along every
 * broadcast (size-1 or missing) dimension, so index·stride stays on the one element.
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = stridesOf(shape);
  const offset = outShape.length - shape.length;
  const out = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) {
    out[offset + i] = shape[i] === 1 ? 0 : strides[i]!;
  }
  return out;
}
