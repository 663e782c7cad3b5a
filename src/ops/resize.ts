/**
 * Resize (and opset 7–9's Upsample) of the two spatial axes of an NCHW tensor; every other
 * axis keeps its size. Modes "nearest" and "linear" (bilinear).
 *
 * Output size per axis: `sizes` when given, else floor(in · scale) (in float32, as
 * onnxruntime). Each output coordinate x is mapped back to the input by the
 * coordinate_transformation_mode (scale = the given scale, or out/in when sizes are given):
 *
 *   half_pixel                  (x + 0.5) / scale − 0.5
 *   pytorch_half_pixel          out > 1 ? (x + 0.5) / scale − 0.5 : 0
 *   align_corners               out = 1 ? 0 : x · (in − 1) / (out − 1)
 *   asymmetric                  x / scale
 *   tf_half_pixel_for_nn        (x + 0.5) / scale
 *   half_pixel_symmetric        c·(1 − out / (in·scale)) + (x + 0.5) / scale − 0.5,  c = in / 2  (opset 19)
 *
 * nearest: the source index is round(x_in) by nearest_mode — round_prefer_floor (halves
 *   down), round_prefer_ceil (halves up), floor, ceil; or "simple", opset 10's rule
 *   (ceil when downsampling, floor otherwise) — then clamped to [0, in − 1].
 * linear: x_in is clamped to [0, in − 1] and the output interpolates the two neighbours
 *   ⌊x_in⌋ and ⌊x_in⌋ + 1 (clamped) with weights 1 − frac and frac, separably in H and W.
 * cubic: Keys' cubic convolution (coefficient a = cubic_coeff_a, default −0.75) over the four
 *   neighbours ⌊x_in⌋ − 1 … ⌊x_in⌋ + 2, indices clamped to the edge; with exclude_outside
 *   the taps outside the input get weight 0 and the rest are renormalised.
 *
 * PP-OCR's detection neck upsamples ×2 with nearest/asymmetric/floor; Paddle2ONNX at opset 10
 * writes Resize with a scales input only (asymmetric, "simple").
 */
import { ShapeError, UnsupportedOperatorError } from "../errors.js";
import { formatShape, shapesEqual, type Tensor } from "../tensor/tensor.js";

/** Resize's interpolation modes. */
export type ResizeMode = "nearest" | "linear" | "cubic";
/** How Resize maps an output coordinate back to the input (ONNX's coordinate_transformation_mode). */
export type CoordinateTransformationMode =
  | "half_pixel"
  | "pytorch_half_pixel"
  | "align_corners"
  | "asymmetric"
  | "tf_half_pixel_for_nn"
  | "half_pixel_symmetric";
/** How nearest-neighbour Resize rounds a coordinate. */
export type NearestMode = "round_prefer_floor" | "round_prefer_ceil" | "floor" | "ceil" | "simple";

/** Resize / Upsample attributes with ONNX's names in camelCase. */
export interface ResizeAttributes {
  /** Default "nearest". ("bilinear" is accepted as Upsample's name for "linear".) */
  mode?: string;
  /** Default "half_pixel" (opset ≥ 11); pass "asymmetric" for opset 10 Resize and Upsample. */
  coordinateTransformationMode?: string;
  /** Default "round_prefer_floor" (opset ≥ 11); pass "simple" for opset 10 Resize and Upsample. */
  nearestMode?: string;
  /** One scale per input axis (the scales input, or Upsample's). Used when sizes is absent or empty. */
  scales?: readonly number[];
  /** One size per input axis (the sizes input). */
  sizes?: readonly number[];
  /** Cubic mode: Keys' coefficient (default −0.75). */
  cubicCoeffA?: number;
  /** Cubic mode: 1 drops taps outside the input and renormalises (default 0). */
  excludeOutside?: number;
}

const f32 = Math.fround;

const transforms = new Set([
  "half_pixel",
  "pytorch_half_pixel",
  "align_corners",
  "asymmetric",
  "tf_half_pixel_for_nn",
  "half_pixel_symmetric",
]);
const nearestModes = new Set(["round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple"]);
const modes = new Set(["nearest", "linear", "bilinear", "cubic"]);

/** Throws UnsupportedOperatorError for a mode this kernel does not implement (so plans fail early). */
function checkModes(attrs: ResizeAttributes): void {
  const mode = attrs.mode ?? "nearest";
  const transform = attrs.coordinateTransformationMode ?? "half_pixel";
  const nearest = attrs.nearestMode ?? "round_prefer_floor";
  if (!modes.has(mode)) throw new UnsupportedOperatorError(`Resize: mode "${mode}" is not supported (nearest, linear and cubic are)`);
  if (!transforms.has(transform)) {
    throw new UnsupportedOperatorError(`Resize: coordinate_transformation_mode "${transform}" is not supported`);
  }
  if (mode === "nearest" && !nearestModes.has(nearest)) throw new UnsupportedOperatorError(`Resize: nearest_mode "${nearest}" is not supported`);
}

/**
 * Output shape: sizes, or floor(in · scale) per axis. Only the last two axes may change.
 * Also rejects modes the kernel does not implement, so that a plan fails before the run.
 */
export function resizeShape(inputShape: readonly number[], attrs: ResizeAttributes): number[] {
  checkModes(attrs);
  const rank = inputShape.length;
  const { scales, sizes } = attrs;
  let out: number[];
  if (sizes !== undefined && sizes.length > 0) {
    if (sizes.length !== rank || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new ShapeError(`Resize: sizes [${sizes.join(", ")}] should hold ${rank} non-negative integers for input ${formatShape(inputShape)}`);
    }
    out = sizes.slice();
  } else if (scales !== undefined && scales.length > 0) {
    if (scales.length !== rank || scales.some((s) => !(s > 0) || !Number.isFinite(s))) {
      throw new ShapeError(`Resize: scales [${scales.join(", ")}] should hold ${rank} positive numbers for input ${formatShape(inputShape)}`);
    }
    out = inputShape.map((d, k) => Math.floor(f32(d * f32(scales[k]!))));
  } else {
    throw new ShapeError("Resize: needs either scales or sizes");
  }
  if (rank < 2 || out.some((d, k) => k < rank - 2 && d !== inputShape[k])) {
    throw new UnsupportedOperatorError(
      `Resize: only the last two axes can be resized; input ${formatShape(inputShape)} → ${formatShape(out)}`,
    );
  }
  return out;
}

/** Maps output coordinate x back to the input axis (float32 arithmetic, as onnxruntime). */
function originalCoordinate(mode: string, x: number, scale: number, outLength: number, inLength: number): number {
  switch (mode) {
    case "half_pixel":
      return f32(f32(f32(x + 0.5) / scale) - 0.5);
    case "pytorch_half_pixel":
      return outLength > 1 ? f32(f32(f32(x + 0.5) / scale) - 0.5) : 0;
    case "align_corners":
      return outLength === 1 ? 0 : f32(f32(x * (inLength - 1)) / (outLength - 1));
    case "asymmetric":
      return f32(x / scale);
    case "tf_half_pixel_for_nn":
      return f32(f32(x + 0.5) / scale);
    case "half_pixel_symmetric": {
      const adjustment = f32(outLength / f32(scale * inLength));
      const offset = f32(f32(inLength / 2) * f32(1 - adjustment));
      return f32(offset + f32(f32(f32(x + 0.5) / scale) - 0.5));
    }
    default:
      throw new UnsupportedOperatorError(`Resize: coordinate_transformation_mode "${mode}" is not supported`);
  }
}

function roundNearest(mode: string, v: number, downsampling: boolean): number {
  switch (mode) {
    case "round_prefer_floor":
      return v === Math.floor(v) + 0.5 ? Math.floor(v) : Math.round(v);
    case "round_prefer_ceil":
      return v === Math.floor(v) + 0.5 ? Math.ceil(v) : Math.round(v);
    case "floor":
      return Math.floor(v);
    case "ceil":
      return Math.ceil(v);
    case "simple":
      return downsampling ? Math.ceil(v) : Math.trunc(v);
    default:
      throw new UnsupportedOperatorError(`Resize: nearest_mode "${mode}" is not supported`);
  }
}

/** Source row/column index of every output index along one axis (nearest). */
function nearestTable(attrs: ResizeAttributes, scale: number, outLength: number, inLength: number): Int32Array {
  const table = new Int32Array(outLength);
  const transform = attrs.coordinateTransformationMode ?? "half_pixel";
  const mode = attrs.nearestMode ?? "round_prefer_floor";
  for (let x = 0; x < outLength; x++) {
    const original = originalCoordinate(transform, x, scale, outLength, inLength);
    const i = roundNearest(mode, original, scale < 1);
    table[x] = Math.min(Math.max(i, 0), inLength - 1);
  }
  return table;
}

/** Lower neighbour and its weight-complement along one axis (linear): x_in = low + frac. */
function linearTable(
  attrs: ResizeAttributes,
  scale: number,
  outLength: number,
  inLength: number,
): { low: Int32Array; high: Int32Array; frac: Float32Array } {
  const low = new Int32Array(outLength);
  const high = new Int32Array(outLength);
  const frac = new Float32Array(outLength);
  const transform = attrs.coordinateTransformationMode ?? "half_pixel";
  for (let x = 0; x < outLength; x++) {
    let original = originalCoordinate(transform, x, scale, outLength, inLength);
    original = Math.min(Math.max(original, 0), inLength - 1);
    const l = Math.min(Math.floor(original), inLength - 1);
    low[x] = l;
    high[x] = Math.min(l + 1, inLength - 1);
    frac[x] = original - l;
  }
  return { low, high, frac };
}

/** Four taps per output index along one axis (cubic): clamped indices and their weights. */
function cubicTable(
  attrs: ResizeAttributes,
  scale: number,
  outLength: number,
  inLength: number,
): { index: Int32Array; weight: Float32Array } {
  const index = new Int32Array(outLength * 4);
  const weight = new Float32Array(outLength * 4);
  const transform = attrs.coordinateTransformationMode ?? "half_pixel";
  const a = attrs.cubicCoeffA ?? -0.75;
  const exclude = (attrs.excludeOutside ?? 0) !== 0;
  for (let x = 0; x < outLength; x++) {
    const original = originalCoordinate(transform, x, scale, outLength, inLength);
    const base = Math.floor(original);
    const t = original - base;
    // Keys' kernel at distances 1 + t, t, 1 − t, 2 − t from the four taps.
    const s = 1 + t;
    const u = 2 - t;
    weight[x * 4] = ((a * s - 5 * a) * s + 8 * a) * s - 4 * a;
    weight[x * 4 + 1] = ((a + 2) * t - (a + 3)) * t * t + 1;
    weight[x * 4 + 2] = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1;
    weight[x * 4 + 3] = ((a * u - 5 * a) * u + 8 * a) * u - 4 * a;
    let sum = 0;
    for (let k = 0; k < 4; k++) {
      const i = base - 1 + k;
      if (exclude && (i < 0 || i >= inLength)) weight[x * 4 + k] = 0;
      sum += weight[x * 4 + k]!;
      index[x * 4 + k] = Math.min(Math.max(i, 0), inLength - 1);
    }
    if (exclude && sum !== 0) for (let k = 0; k < 4; k++) weight[x * 4 + k] = weight[x * 4 + k]! / sum;
  }
  return { index, weight };
}

/**
 * Resize: output [..., outH, outW] from input [..., inH, inW] (see the file comment).
 * Allocates only the per-axis index tables (outH + outW entries).
 */
export function resize(output: Tensor, input: Tensor, attrs: ResizeAttributes): void {
  const expected = resizeShape(input.shape, attrs);
  if (!shapesEqual(output.shape, expected)) {
    throw new ShapeError(`Resize: output shape ${formatShape(output.shape)} should be ${formatShape(expected)}`);
  }
  const rank = input.shape.length;
  const inH = input.shape[rank - 2]!;
  const inW = input.shape[rank - 1]!;
  const outH = expected[rank - 2]!;
  const outW = expected[rank - 1]!;
  if (output.data.length === 0) return;
  if (inH === 0 || inW === 0) throw new ShapeError(`Resize: cannot resize the empty input ${formatShape(input.shape)}`);
  const useSizes = attrs.sizes !== undefined && attrs.sizes.length > 0;
  const scaleH = useSizes ? f32(outH / inH) : f32(attrs.scales![rank - 2]!);
  const scaleW = useSizes ? f32(outW / inW) : f32(attrs.scales![rank - 1]!);
  const planes = output.data.length / (outH * outW);
  const x = input.data;
  const y = output.data;
  const mode = attrs.mode ?? "nearest";
  if (mode === "nearest") {
    const rows = nearestTable(attrs, scaleH, outH, inH);
    const cols = nearestTable(attrs, scaleW, outW, inW);
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const base = p * inH * inW;
      for (let oh = 0; oh < outH; oh++) {
        const row = base + rows[oh]! * inW;
        for (let ow = 0; ow < outW; ow++) y[o++] = x[row + cols[ow]!]!;
      }
    }
    return;
  }
  if (mode === "linear" || mode === "bilinear") {
    const rows = linearTable(attrs, scaleH, outH, inH);
    const cols = linearTable(attrs, scaleW, outW, inW);
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const base = p * inH * inW;
      for (let oh = 0; oh < outH; oh++) {
        const top = base + rows.low[oh]! * inW;
        const bottom = base + rows.high[oh]! * inW;
        const fy = rows.frac[oh]!;
        for (let ow = 0; ow < outW; ow++) {
          const l = cols.low[ow]!;
          const r = cols.high[ow]!;
          const fx = cols.frac[ow]!;
          const upper = x[top + l]! + fx * (x[top + r]! - x[top + l]!);
          const lower = x[bottom + l]! + fx * (x[bottom + r]! - x[bottom + l]!);
          y[o++] = upper + fy * (lower - upper);
        }
      }
    }
    return;
  }
  if (mode === "cubic") {
    const rows = cubicTable(attrs, scaleH, outH, inH);
    const cols = cubicTable(attrs, scaleW, outW, inW);
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const base = p * inH * inW;
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          let sum = 0;
          for (let i = 0; i < 4; i++) {
            const row = base + rows.index[oh * 4 + i]! * inW;
            let rowSum = 0;
            for (let j = 0; j < 4; j++) rowSum += cols.weight[ow * 4 + j]! * x[row + cols.index[ow * 4 + j]!]!;
            sum += rows.weight[oh * 4 + i]! * rowSum;
          }
          y[o++] = sum;
        }
      }
    }
    return;
  }
  throw new UnsupportedOperatorError(`Resize: mode "${mode}" is not supported (nearest, linear and cubic are)`);
}
