/**
 * Small helpers the op table's entries share: checking an input is present and float,
 * reading an input whose value must be known before the run (Reshape's shape, Slice's
 * starts, Resize's scales), and the plan of a one-output op.
 */
import { ShapeError, UnsupportedOperatorError } from "../errors.js";
import type { AnyTensor, DataType } from "../tensor/tensor.js";
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

/** A plan whose one output has `shape` and `dtype` and is written by `run`. */
export function single(shape: readonly number[], dtype: DataType, run: (inputs: readonly AnyTensor[], output: AnyTensor) => void): OpPlan {
  const output: OutputMeta = { shape: shape.slice(), dtype };
  return { outputs: [output], run: (inputs, outputs) => run(inputs, outputs[0]!) };
}

