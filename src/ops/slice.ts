/**
 * Slice: along each listed axis, take elements start, start+step, … up to (not including)
 * end. Before opset 10 starts/ends/axes are attributes (step 1); from 10 on they are int64
 * inputs with optional steps. The caller passes numbers either way.
 *
 * Per axis of size d (ONNX's rules):
 *   start, end < 0 → add d;  then clamp
 *   step > 0: start, end to [0, d]         step < 0: start to [0, d−1], end to [−1, d−1]
 *   count = max(0, ceil((end − start) / step))
 * (Unlike Python, a backward slice whose start lies before the axis starts at index 0 and
 * keeps one element; onnxruntime does the same.)
 * INT64_MAX / INT64_MIN sentinels ("to the end") arrive as ±9.22e18 and simply clamp.
 *
 * The kernel is a strided copy: output axis k starts at start_k with stride step_k·stride_k.
 */
import { ShapeError } from "../errors.js";
import { formatShape, shapesEqual, stridesOf } from "../tensor/tensor.js";
import { copyStrided, type NumericTensor } from "./strided.js";

/** Slice's starts, ends, axes and steps, with ONNX's clamping rules. */
export interface SliceAttributes {
  starts: readonly number[];
  ends: readonly number[];
  /** Default: 0, 1, …, len(starts) − 1. Negative counts from the end. */
  axes?: readonly number[];
  /** Default: all 1. Never 0. */
  steps?: readonly number[];
}

/** Per input axis: the first index, the step and the count of the slice. */
export function resolveSlice(
  inputShape: readonly number[],
  attrs: SliceAttributes,
): { starts: number[]; steps: number[]; shape: number[] } {
  const rank = inputShape.length;
  const { starts, ends } = attrs;
  const fail = (why: string): never => {
    throw new ShapeError(`Slice: ${why} (input ${formatShape(inputShape)}, starts [${starts.join(", ")}], ends [${ends.join(", ")}])`);
  };
  const axes = attrs.axes ?? starts.map((_, i) => i);
  const steps = attrs.steps ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    fail("starts, ends, axes and steps must have the same length");
  }
  const outStarts = new Array<number>(rank).fill(0);
  const outSteps = new Array<number>(rank).fill(1);
  const shape = inputShape.slice();
  const seen = new Array<boolean>(rank).fill(false);
  for (let i = 0; i < starts.length; i++) {
    const axis = axes[i]!;
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) fail(`axis ${axis} is out of range`);
    const a = axis < 0 ? axis + rank : axis;
    if (seen[a]) fail(`axis ${axis} is repeated`);
    seen[a] = true;
    const d = inputShape[a]!;
    const step = steps[i]!;
    if (step === 0 || !Number.isFinite(step)) fail(`step ${step} on axis ${axis}`);
    let start = starts[i]!;
    let end = ends[i]!;
    if (start < 0) start += d;
    if (end < 0) end += d;
    if (step > 0) {
      start = Math.min(Math.max(start, 0), d);
      end = Math.min(Math.max(end, 0), d);
    } else {
      start = Math.min(Math.max(start, 0), d - 1);
      end = Math.min(Math.max(end, -1), d - 1);
    }
    const count = Math.max(0, Math.ceil((end - start) / step));
    outStarts[a] = count > 0 ? start : 0;
    outSteps[a] = step;
    shape[a] = count;
  }
  return { starts: outStarts, steps: outSteps, shape };
}

/** Slice's output shape. */
export function sliceShape(inputShape: readonly number[], attrs: SliceAttributes): number[] {
  return resolveSlice(inputShape, attrs).shape;
}

/** Slice: output[i…] = input[start_k + i_k·step_k …]. */
export function slice(output: NumericTensor, input: NumericTensor, attrs: SliceAttributes): void {
  const { starts, steps, shape } = resolveSlice(input.shape, attrs);
  if (!shapesEqual(output.shape, shape)) {
    throw new ShapeError(`Slice: output shape ${formatShape(output.shape)} should be ${formatShape(shape)}`);
  }
  if (output.data.length === 0) return;
  const strides = stridesOf(input.shape);
  let offset = 0;
  for (let k = 0; k < strides.length; k++) offset += starts[k]! * strides[k]!;
  copyStrided(output.data, 0, input.data, offset, shape, strides.map((s, k) => s * steps[k]!));
}
