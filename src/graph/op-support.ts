/**
 * Small helpers the op table's entries share: checking an input is present and float,
 * reading an input whose value must be known before the run (Reshape's shape, Slice's
 * starts, Resize's scales), and building planners for the common shapes of op.
 */
import { ShapeError, UnsupportedOperatorError } from "../errors.js";
import { IntTensor, Tensor, type AnyTensor, type DataType } from "../tensor/tensor.js";
import type { OpPlan, OutputMeta, ValueMeta } from "./op-types.js";

/** Input i, which must be present. */
export function required(inputs: readonly (ValueMeta | undefined)[], i: number, what = `input ${i}`): ValueMeta {
  const meta = inputs[i];
  if (meta === undefined) throw new ShapeError(`${what} is missing`);
  return meta;
}

/** Input i, which must be present and float32. */
export function requiredFloat(inputs: readonly (ValueMeta | undefined)[], i: number, what = `input ${i}`): ValueMeta {
  const meta = required(inputs, i, what);
  if (meta.dtype !== "float32") throw new UnsupportedOperatorError(`${what} is ${meta.dtype}; only float32 is supported here`);
  return meta;
}

/**
 * The values of input i, which must be known before the run (a constant, or computed
 * from shapes). Returns undefined when the input is omitted.
 */
export function knownValues(inputs: readonly (ValueMeta | undefined)[], i: number, what: string): number[] | undefined {
  const meta = inputs[i];
  if (meta === undefined) return undefined;
  if (meta.value === undefined) {
    throw new UnsupportedOperatorError(`${what} (input ${i}) must be known before the run (a constant or computed from shapes); data-dependent shapes are not supported`);
  }
  return Array.from(meta.value.data);
}

export function outputLike(shape: readonly number[], dtype: DataType): OutputMeta {
  return { shape: shape.slice(), dtype };
}

/** A plan whose one output has `shape` and `dtype` and is written by `run`. */
export function single(shape: readonly number[], dtype: DataType, run: (inputs: readonly AnyTensor[], output: AnyTensor) => void): OpPlan {
  return { outputs: [outputLike(shape, dtype)], run: (inputs, outputs) => run(inputs, outputs[0]!) };
}

/** Normalises an axis in [−rank, rank) to [0, rank). */
export function axisIn(axis: number, rank: number, what: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new ShapeError(`${what}: axis ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** The float or integer tensor type a dtype becomes. */
export function isFloat(t: AnyTensor): t is Tensor {
  return t instanceof Tensor;
}

export function asInt(t: AnyTensor, what: string): IntTensor {
  if (!(t instanceof IntTensor)) throw new UnsupportedOperatorError(`${what} must be an integer tensor`);
  return t;
}
