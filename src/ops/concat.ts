/**
 * Concat: joins tensors along `axis` (negative counts from the end). All inputs have the
 * same rank and agree on every other dimension; float and integer tensors alike.
 *
 *   inputs [d0, …, a_i, …, d_{r−1}] → output [d0, …, Σ a_i, …, d_{r−1}]
 *
 * Seen as 2-D, input i is [outer, a_i·inner] with outer = d0·…·d_{axis−1} and
 * inner = d_{axis+1}·…; output row `o` is the concatenation of the inputs' rows `o`.
 * GhostModule's concat(primary, cheap) on channels is N rows of C_i·H·W floats each.
 */
import { ShapeError } from "../errors.js";
import { formatShape, shapesEqual } from "../tensor/tensor.js";
import type { NumericTensor } from "./strided.js";

/** Normalises an axis in [−rank, rank) to [0, rank); throws otherwise. */
export function normalizeAxis(axis: number, rank: number, opName: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(`${opName}: axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Concat's output shape: the inputs' shapes, equal except along `axis`, whose sizes add up. */
export function concatShape(inputShapes: readonly (readonly number[])[], axis: number): number[] {
  if (inputShapes.length === 0) throw new ShapeError("Concat: needs at least one input");
  const first = inputShapes[0]!;
  const rank = first.length;
  const a = normalizeAxis(axis, rank, "Concat");
  const out = first.slice();
  out[a] = 0;
  for (const shape of inputShapes) {
    let fits = shape.length === rank;
    for (let k = 0; k < rank && fits; k++) if (k !== a && shape[k] !== first[k]) fits = false;
    if (!fits) {
      throw new ShapeError(
        `Concat: input shapes ${inputShapes.map(formatShape).join(", ")} differ outside axis ${axis}`,
      );
    }
    out[a]! += shape[a]!;
  }
  return out;
}

/** Concat: the inputs joined along `axis`, in order. */
export function concat(output: NumericTensor, inputs: readonly NumericTensor[], axis: number): void {
  const expected = concatShape(
    inputs.map((t) => t.shape),
    axis,
  );
  if (!shapesEqual(output.shape, expected)) {
    throw new ShapeError(`Concat: output shape ${formatShape(output.shape)} should be ${formatShape(expected)}`);
  }
  const a = normalizeAxis(axis, expected.length, "Concat");
  let outer = 1;
  for (let k = 0; k < a; k++) outer *= expected[k]!;
  const outRow = output.data.length / Math.max(outer, 1);
  const out = output.data;
  let column = 0; // where input i's block starts within an output row
  for (const input of inputs) {
    const x = input.data;
    const row = outer === 0 ? 0 : x.length / outer;
    if (row === 0) continue;
    for (let o = 0; o < outer; o++) {
      const src = o * row;
      const dst = o * outRow + column;
      if (row > 32) {
        out.set(x.subarray(src, src + row), dst);
      } else {
        for (let i = 0; i < row; i++) out[dst + i] = x[src + i]!;
      }
    }
    column += row;
  }
}

/**
 * Split (Concat's inverse): cuts `axis` into pieces of the given sizes. Without sizes
 * (attribute before opset 13, input from 13), into `numOutputs` pieces of
 * ceil(d / numOutputs), the last one smaller when d does not divide (opset 18's rule;
 * before 18 d always divides).
 */
export function splitShapes(
  inputShape: readonly number[],
  axis: number,
  sizes: readonly number[] | undefined,
  numOutputs: number,
): number[][] {
  const a = normalizeAxis(axis, inputShape.length, "Split");
  const d = inputShape[a]!;
  let pieces: number[];
  if (sizes !== undefined && sizes.length > 0) {
    let total = 0;
    for (const s of sizes) total += s;
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || total !== d) {
      throw new ShapeError(`Split: sizes [${sizes.join(", ")}] do not add up to ${d}, axis ${axis} of ${formatShape(inputShape)}`);
    }
    pieces = sizes.slice();
  } else {
    if (!Number.isInteger(numOutputs) || numOutputs < 1) throw new ShapeError(`Split: cannot split into ${numOutputs} outputs`);
    const chunk = Math.ceil(d / numOutputs);
    pieces = [];
    for (let i = 0, left = d; i < numOutputs; i++, left -= chunk) pieces.push(Math.max(0, Math.min(chunk, left)));
  }
  return pieces.map((p) => {
    const shape = inputShape.slice();
    shape[a] = p;
    return shape;
  });
}

/** Split: output i takes the slab of `axis` after those of outputs 0 … i−1. */
export function split(outputs: readonly NumericTensor[], input: NumericTensor, axis: number): void {
  const rank = input.shape.length;
  const a = normalizeAxis(axis, rank, "Split");
  let total = 0;
  for (const out of outputs) {
    const fits = out.shape.length === rank && out.shape.every((d, k) => k === a || d === input.shape[k]);
    if (!fits) throw new ShapeError(`Split: output shape ${formatShape(out.shape)} does not fit input ${formatShape(input.shape)} split on axis ${axis}`);
    total += out.shape[a]!;
  }
  if (total !== input.shape[a]) throw new ShapeError(`Split: outputs cover ${total} of ${input.shape[a]} along axis ${axis}`);
  let outer = 1;
  for (let k = 0; k < a; k++) outer *= input.shape[k]!;
  const inRow = outer === 0 ? 0 : input.data.length / outer;
  const x = input.data;
  let column = 0;
  for (const out of outputs) {
    const y = out.data;
    const row = outer === 0 ? 0 : y.length / outer;
    for (let o = 0; o < outer; o++) {
      const src = o * inRow + column;
      for (let i = 0; i < row; i++) y[o * row + i] = x[src + i]!;
    }
    column += row;
  }
}
