/**
 * Pad: grows (or, with negative pads, crops) each axis by pads[k] before and
 * pads[k + r] after.
 *
 *   output dim k = d_k + begin_k + end_k
 *   output[i…] = input[src(i…)], where per axis src = i_k − begin_k, and when that falls
 *   outside [0, d_k): constant → `value`; edge → clamp; reflect → mirror without repeating
 *   the edge (… 2 1 | 0 1 2 … ); wrap → modulo d_k.
 *
 * Pads are an attribute before opset 11 and an input after (with optional `axes` from 18);
 * the caller passes numbers, [begin…, end…] for the listed axes (all axes by default).
 * The kernel builds, per output axis, a table of source indices (−1 for constant fill) and
 * then walks the output row by row.
 */
import { ShapeError, UnsupportedOperatorError } from "../errors.js";
import { formatShape, shapesEqual, stridesOf } from "../tensor/tensor.js";
import type { NumericTensor } from "./strided.js";

/** Pad's attributes. */
export interface PadAttributes {
  /** [begin…, end…] for `axes` (default: every axis). */
  pads: readonly number[];
  /** "constant" (default), "reflect", "edge", "wrap". */
  mode?: string;
  /** Fill for constant mode (default 0). */
  value?: number;
  axes?: readonly number[];
}

/** Per-axis begin and end pads for every axis of the input. */
function resolvePads(inputShape: readonly number[], attrs: PadAttributes): { begin: number[]; end: number[] } {
  const rank = inputShape.length;
  const axes = attrs.axes ?? inputShape.map((_, k) => k);
  if (attrs.pads.length !== 2 * axes.length || attrs.pads.some((p) => !Number.isInteger(p))) {
    throw new ShapeError(`Pad: pads [${attrs.pads.join(", ")}] should hold ${2 * axes.length} integers for input ${formatShape(inputShape)}`);
  }
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((axis, i) => {
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      throw new ShapeError(`Pad: axis ${axis} is out of range for input ${formatShape(inputShape)}`);
    }
    const a = axis < 0 ? axis + rank : axis;
    begin[a] = attrs.pads[i]!;
    end[a] = attrs.pads[i + axes.length]!;
  });
  return { begin, end };
}

/** Pad's output shape: each padded axis grown by its begin and end pads (negative pads crop). */
export function padShape(inputShape: readonly number[], attrs: PadAttributes): number[] {
  const { begin, end } = resolvePads(inputShape, attrs);
  return inputShape.map((d, k) => {
    const size = d + begin[k]! + end[k]!;
    if (size < 0) throw new ShapeError(`Pad: pads [${attrs.pads.join(", ")}] crop axis ${k} of ${formatShape(inputShape)} below zero`);
    return size;
  });
}

/** Source index along one axis for output index i (−1: fill with the constant). */
function sourceIndex(mode: string, i: number, size: number): number {
  if (i >= 0 && i < size) return i;
  switch (mode) {
    case "constant":
      return -1;
    case "edge":
      return i < 0 ? 0 : size - 1;
    case "reflect": {
      if (size === 1) return 0;
      const period = 2 * (size - 1);
      let m = i % period;
      if (m < 0) m += period;
      return m < size ? m : period - m;
    }
    case "wrap": {
      const m = i % size;
      return m < 0 ? m + size : m;
    }
    default:
      throw new UnsupportedOperatorError(`Pad: mode "${mode}" is not supported`);
  }
}

/** Pad: the input with `attrs.pads` added around it (constant, reflect, edge or wrap mode). */
export function pad(output: NumericTensor, input: NumericTensor, attrs: PadAttributes): void {
  const shape = padShape(input.shape, attrs);
  if (!shapesEqual(output.shape, shape)) {
    throw new ShapeError(`Pad: output shape ${formatShape(output.shape)} should be ${formatShape(shape)}`);
  }
  const mode = attrs.mode ?? "constant";
  const value = attrs.value ?? 0;
  const { begin } = resolvePads(input.shape, attrs);
  const rank = shape.length;
  const y = output.data;
  const x = input.data;
  if (y.length === 0) return;
  if (x.length === 0) {
    if (mode !== "constant") throw new ShapeError(`Pad: cannot ${mode}-pad an empty input ${formatShape(input.shape)}`);
    y.fill(value);
    return;
  }
  if (rank === 0) {
    y[0] = x[0]!;
    return;
  }
  // tables[k][i] = element offset (source index · stride) of output index i along axis k, or −1.
  const strides = stridesOf(input.shape);
  const tables = shape.map((size, k) => {
    const table = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const s = sourceIndex(mode, i - begin[k]!, input.shape[k]!);
      table[i] = s < 0 ? -1 : s * strides[k]!;
    }
    return table;
  });
  const last = tables[rank - 1]!;
  const run = shape[rank - 1]!;
  const index = new Int32Array(rank);
  for (let dst = 0; dst < y.length; dst += run) {
    // Offset of this row in the input, or −1 if an outer axis is in the constant border.
    let rowOffset = 0;
    for (let k = 0; k < rank - 1; k++) {
      const t = tables[k]![index[k]!]!;
      if (t < 0) {
        rowOffset = -1;
        break;
      }
      rowOffset += t;
    }
    if (rowOffset < 0) y.fill(value, dst, dst + run);
    else for (let i = 0; i < run; i++) y[dst + i] = last[i]! < 0 ? value : x[rowOffset + last[i]!]!;
    for (let k = rank - 2; k >= 0; k--) {
      if (++index[k]! < shape[k]!) break;
      index[k] = 0;
    }
  }
}
