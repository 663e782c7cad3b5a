/**
 * Reductions over a set of axes: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd,
 * ReduceSumSquare, ReduceL1, ReduceL2, ReduceLogSumExp.
 *
 *   y[kept…] = reduce over reduced… of x[kept…, reduced…]
 *
 * `axes` (attribute before opset 18 — 13 for ReduceSum — and an input after) may be
 * negative; empty or absent means every axis, unless noopWithEmptyAxes is set, in which
 * case the input passes through. keepdims (default 1) keeps reduced axes as size 1.
 *
 * The loop walks the kept dimensions (folded) in output order and, for each output
 * element, the reduced dimensions (folded) of the input; reducing trailing axes, as
 * GlobalAveragePool-like means do, is one contiguous run per output element.
 * Sums accumulate in double precision.
 */
import { ShapeError } from "../errors.js";
import { formatShape, shapesEqual, stridesOf, type IntTensor } from "../tensor/tensor.js";
import { foldDimensions, type NumericTensor } from "./strided.js";

/** The reductions `reduce` computes. */
export type ReduceOp = "sum" | "mean" | "max" | "min" | "prod" | "sumSquare" | "l1" | "l2" | "logSumExp";

/** Reduce* attributes. */
export interface ReduceAttributes {
  /** Axes to reduce; undefined or [] means all axes (see noopWithEmptyAxes). */
  axes?: readonly number[];
  /** 1 (ONNX default) keeps reduced axes as size 1; 0 drops them. */
  keepdims?: number;
  /** 1: empty axes means "reduce nothing" (opset 18 / ReduceSum 13). Default 0. */
  noopWithEmptyAxes?: number;
}

/** Which axes of a rank-r input are reduced (a boolean per axis). */
function reducedAxes(shape: readonly number[], attrs: ReduceAttributes, opName: string): boolean[] {
  const rank = shape.length;
  const axes = attrs.axes ?? [];
  if (axes.length === 0) return new Array<boolean>(rank).fill((attrs.noopWithEmptyAxes ?? 0) === 0);
  const reduced = new Array<boolean>(rank).fill(false);
  for (const axis of axes) {
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      throw new ShapeError(`${opName}: axis ${axis} is out of range for input ${formatShape(shape)}`);
    }
    reduced[axis < 0 ? axis + rank : axis] = true;
  }
  return reduced;
}

/** A reduction's output shape: reduced axes dropped, or kept as 1 with keepdims. */
export function reduceShape(inputShape: readonly number[], attrs: ReduceAttributes, opName = "Reduce"): number[] {
  const reduced = reducedAxes(inputShape, attrs, opName);
  const keepdims = (attrs.keepdims ?? 1) !== 0;
  const out: number[] = [];
  inputShape.forEach((d, k) => {
    if (!reduced[k]) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** y = reduce(op) of x over attrs.axes. `output` has reduceShape(x.shape, attrs). */
export function reduce(op: ReduceOp, output: NumericTensor, input: NumericTensor, attrs: ReduceAttributes): void {
  const expected = reduceShape(input.shape, attrs, `Reduce ${op}`);
  if (!shapesEqual(output.shape, expected)) {
    throw new ShapeError(`Reduce ${op}: output shape ${formatShape(output.shape)} should be ${formatShape(expected)}`);
  }
  const reduced = reducedAxes(input.shape, attrs, `Reduce ${op}`);
  const strides = stridesOf(input.shape);
  const keptShape: number[] = [];
  const keptStrides: number[] = [];
  const redShape: number[] = [];
  const redStrides: number[] = [];
  input.shape.forEach((d, k) => {
    if (reduced[k]) {
      redShape.push(d);
      redStrides.push(strides[k]!);
    } else {
      keptShape.push(d);
      keptStrides.push(strides[k]!);
    }
  });
  const kept = foldDimensions(keptShape, [keptStrides]);
  const red = foldDimensions(redShape, [redStrides]);
  const kDims = kept.shape;
  const kStr = kept.strides[0]!;
  const rDims = red.shape;
  const rStr = red.strides[0]!;
  let count = 1;
  for (const d of redShape) count *= d;
  const rRank = rDims.length;
  // The reduced set as (outer odometer) × (innermost run of `run` elements, step `step`).
  const run = rRank === 0 ? (count === 0 ? 0 : 1) : rDims[rRank - 1]!;
  const step = rRank === 0 ? 0 : rStr[rRank - 1]!;
  const runs = run === 0 ? 0 : count / run;
  const kIndex = new Int32Array(kDims.length);
  const rIndex = new Int32Array(rRank);
  const x = input.data;
  const y = output.data;
  let base = 0;
  for (let o = 0; o < y.length; o++) {
    let acc = op === "max" ? -Infinity : op === "min" ? Infinity : op === "prod" ? 1 : 0;
    let maxForLse = -Infinity;
    if (op === "logSumExp") {
      // First pass: the maximum, so that exp never overflows.
      let src = base;
      rIndex.fill(0);
      for (let r = 0; r < runs; r++) {
        for (let i = 0, s = src; i < run; i++, s += step) if (x[s]! > maxForLse) maxForLse = x[s]!;
        src = advance(src, rIndex, rDims, rStr, rRank - 1);
      }
    }
    let src = base;
    rIndex.fill(0);
    for (let r = 0; r < runs; r++) {
      switch (op) {
        case "sum":
        case "mean":
          for (let i = 0, s = src; i < run; i++, s += step) acc += x[s]!;
          break;
        case "max":
          for (let i = 0, s = src; i < run; i++, s += step) if (x[s]! > acc || Number.isNaN(x[s]!)) acc = x[s]!;
          break;
        case "min":
          for (let i = 0, s = src; i < run; i++, s += step) if (x[s]! < acc || Number.isNaN(x[s]!)) acc = x[s]!;
          break;
        case "prod":
          for (let i = 0, s = src; i < run; i++, s += step) acc *= x[s]!;
          break;
        case "sumSquare":
        case "l2":
          for (let i = 0, s = src; i < run; i++, s += step) acc += x[s]! * x[s]!;
          break;
        case "l1":
          for (let i = 0, s = src; i < run; i++, s += step) acc += Math.abs(x[s]!);
          break;
        case "logSumExp":
          for (let i = 0, s = src; i < run; i++, s += step) acc += Math.exp(x[s]! - maxForLse);
          break;
      }
      src = advance(src, rIndex, rDims, rStr, rRank - 1);
    }
    if (op === "mean") acc /= count;
    else if (op === "l2") acc = Math.sqrt(acc);
    else if (op === "logSumExp") acc = count === 0 ? -Infinity : maxForLse + Math.log(acc);
    y[o] = acc;
    base = advance(base, kIndex, kDims, kStr, kDims.length);
  }
}

/**
 * One odometer step over dims[0 .. levels−1] (the last dimension fastest): returns the
 * offset of the next position. The reduced set walks all but its innermost dimension
 * (which is the run); the kept set walks all of its dimensions.
 */
function advance(offset: number, index: Int32Array, dims: readonly number[], strides: readonly number[], levels: number): number {
  for (let k = levels - 1; k >= 0; k--) {
    offset += strides[k]!;
    if (++index[k]! < dims[k]!) return offset;
    offset -= strides[k]! * dims[k]!;
    index[k] = 0;
  }
  return offset;
}

type ReduceKernel = (output: NumericTensor, input: NumericTensor, attrs: ReduceAttributes) => void;
/** ReduceSum: y = Σ x over axes. */
export const reduceSum: ReduceKernel = (output, input, attrs) => reduce("sum", output, input, attrs);
/** ReduceMean: y = (Σ x over axes) / count. */
export const reduceMean: ReduceKernel = (output, input, attrs) => reduce("mean", output, input, attrs);
/** ReduceMax: y = max x over axes. */
export const reduceMax: ReduceKernel = (output, input, attrs) => reduce("max", output, input, attrs);
/** ReduceMin: y = min x over axes. */
export const reduceMin: ReduceKernel = (output, input, attrs) => reduce("min", output, input, attrs);
/** ReduceProd: y = Π x over axes. */
export const reduceProd: ReduceKernel = (output, input, attrs) => reduce("prod", output, input, attrs);

/** ArgMax / ArgMin attributes. */
export interface ArgReduceAttributes {
  /** Default 0; negative counts from the end. */
  axis?: number;
  /** Default 1. */
  keepdims?: number;
  /** 1: the last index of the extreme value wins ties (opset 12). Default 0: the first. */
  selectLastIndex?: number;
}

/** ArgMax / ArgMin's output shape. */
export function argReduceShape(inputShape: readonly number[], attrs: ArgReduceAttributes, opName = "ArgMax"): number[] {
  return reduceShape(inputShape, { axes: [attrs.axis ?? 0], keepdims: attrs.keepdims ?? 1 }, opName);
}

/**
 * ArgMax / ArgMin: output (int64) = index along `axis` of the largest / smallest element,
 * viewing the input as [outer, D, inner].
 */
export function argReduce(op: "max" | "min", output: IntTensor, input: NumericTensor, attrs: ArgReduceAttributes): void {
  const opName = op === "max" ? "ArgMax" : "ArgMin";
  const expected = argReduceShape(input.shape, attrs, opName);
  if (!shapesEqual(output.shape, expected)) {
    throw new ShapeError(`${opName}: output shape ${formatShape(output.shape)} should be ${formatShape(expected)}`);
  }
  const rank = input.shape.length;
  const axis = attrs.axis ?? 0;
  const a = axis < 0 ? axis + rank : axis;
  const d = input.shape[a]!;
  if (d === 0) throw new ShapeError(`${opName}: axis ${axis} of input ${formatShape(input.shape)} is empty`);
  let outer = 1;
  for (let k = 0; k < a; k++) outer *= input.shape[k]!;
  let inner = 1;
  for (let k = a + 1; k < rank; k++) inner *= input.shape[k]!;
  const last = (attrs.selectLastIndex ?? 0) !== 0;
  const sign = op === "max" ? 1 : -1;
  const x = input.data;
  const y = output.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * d * inner + j;
      let best = 0;
      let bestValue = sign * x[base]!;
      for (let i = 1; i < d; i++) {
        const v = sign * x[base + i * inner]!;
        if (v > bestValue || (last && v === bestValue)) {
          best = i;
          bestValue = v;
        }
      }
      y[o * inner + j] = best;
    }
  }
}

/** ArgMax: index of the largest element along axis (ties: first, or last with selectLastIndex). */
export const argMax = (output: IntTensor, input: NumericTensor, attrs: ArgReduceAttributes): void => argReduce("max", output, input, attrs);
/** ArgMin: index of the smallest element along axis. */
export const argMin = (output: IntTensor, input: NumericTensor, attrs: ArgReduceAttributes): void => argReduce("min", output, input, attrs);
