/**
 * Pooling over NCHW (and NCW, seen as NC1W): GlobalAveragePool, GlobalMaxPool,
 * AveragePool, MaxPool.
 *
 * A window of kernel kH×kW, dilated by (dH, dW), slides with strides (sH, sW) over the
 * input padded by pads = [top, left, bottom, right]. Output size per spatial axis:
 *
 *   span = (k − 1)·d + 1
 *   out  = floor((in + padBegin + padEnd − span) / s) + 1          (ceil_mode 0)
 *   out  = ceil ((in + padBegin + padEnd − span) / s) + 1          (ceil_mode 1),
 *          minus one when the last window would start in the end padding.
 *
 * MaxPool takes the maximum over the window's in-bounds elements (padding never wins).
 * AveragePool divides the sum of in-bounds elements by their count (count_include_pad 0)
 * or by the count of window positions inside the padded input (count_include_pad 1).
 */
import { ShapeError, UnsupportedOperatorError } from "../errors.js";
import { formatShape, shapesEqual, type Tensor } from "../tensor/tensor.js";

/** MaxPool / AveragePool attributes with ONNX's names in camelCase. */
export interface PoolAttributes {
  kernelShape: readonly number[];
  /** Default: 1 per spatial axis. */
  strides?: readonly number[];
  /** [begin…, end…], default zeros. Ignored unless autoPad is "NOTSET". */
  pads?: readonly number[];
  /** Default: 1 per spatial axis (MaxPool; AveragePool from opset 19). */
  dilations?: readonly number[];
  /** 0 or 1 (ONNX default 0). */
  ceilMode?: number;
  /** AveragePool only: 0 or 1 (ONNX default 0). */
  countIncludePad?: number;
  /** "NOTSET" (default), "VALID", "SAME_UPPER", "SAME_LOWER". */
  autoPad?: string;
}

/** Pool geometry with every attribute resolved to two spatial axes (H, W). */
interface PoolGeometry {
  n: number;
  c: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  dH: number;
  dW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

function outputSize(inSize: number, kernel: number, stride: number, dilation: number, padBegin: number, padEnd: number, ceilMode: boolean): number {
  const span = (kernel - 1) * dilation + 1;
  const room = inSize + padBegin + padEnd - span;
  if (room < 0) return 0;
  let out = (ceilMode ? Math.ceil(room / stride) : Math.floor(room / stride)) + 1;
  // A window that would start inside the end padding only is dropped (ceil_mode only).
  if (ceilMode && (out - 1) * stride >= inSize + padBegin) out--;
  return out;
}

function poolGeometry(opName: string, inputShape: readonly number[], attrs: PoolAttributes): PoolGeometry {
  const rank = inputShape.length;
  const spatial = rank - 2;
  if (spatial !== 1 && spatial !== 2) {
    throw new UnsupportedOperatorError(`${opName}: only 1-D and 2-D pooling is supported, input has shape ${formatShape(inputShape)}`);
  }
  const check = (name: string, values: readonly number[] | undefined, length: number, fallback: number): number[] => {
    if (values === undefined) return new Array<number>(length).fill(fallback);
    if (values.length !== length || values.some((v) => !Number.isInteger(v))) {
      throw new ShapeError(`${opName}: ${name} [${values.join(", ")}] should hold ${length} integers for input ${formatShape(inputShape)}`);
    }
    return values.slice();
  };
  const kernel = check("kernel_shape", attrs.kernelShape, spatial, 1);
  const strides = check("strides", attrs.strides, spatial, 1);
  const dilations = check("dilations", attrs.dilations, spatial, 1);
  let pads = check("pads", attrs.pads, 2 * spatial, 0);
  if ([...kernel, ...strides, ...dilations].some((v) => v < 1) || pads.some((p) => p < 0)) {
    throw new ShapeError(`${opName}: kernel_shape, strides and dilations must be positive and pads non-negative`);
  }
  const ceilMode = (attrs.ceilMode ?? 0) !== 0;
  const inSizes = inputShape.slice(2);
  const autoPad = attrs.autoPad ?? "NOTSET";
  if (autoPad === "VALID") pads = new Array<number>(2 * spatial).fill(0);
  else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    // Output = ceil(in / stride); the padding needed is split, the odd one at the end (UPPER) or begin (LOWER).
    for (let i = 0; i < spatial; i++) {
      const out = Math.ceil(inSizes[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - inSizes[i]!);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === "SAME_UPPER" ? small : total - small;
      pads[i + spatial] = total - pads[i]!;
    }
  } else if (autoPad !== "NOTSET") {
    throw new ShapeError(`${opName}: unknown auto_pad "${autoPad}"`);
  }
  const outSizes = inSizes.map((size, i) =>
    outputSize(size, kernel[i]!, strides[i]!, dilations[i]!, pads[i]!, pads[i + spatial]!, ceilMode),
  );
  if (spatial === 1) {
    // NCW as NC1W.
    return {
      n: inputShape[0]!, c: inputShape[1]!, inH: 1, inW: inSizes[0]!, outH: 1, outW: outSizes[0]!,
      kH: 1, kW: kernel[0]!, sH: 1, sW: strides[0]!, dH: 1, dW: dilations[0]!,
      padTop: 0, padLeft: pads[0]!, padBottom: 0, padRight: pads[1]!,
    };
  }
  return {
    n: inputShape[0]!, c: inputShape[1]!, inH: inSizes[0]!, inW: inSizes[1]!, outH: outSizes[0]!, outW: outSizes[1]!,
    kH: kernel[0]!, kW: kernel[1]!, sH: strides[0]!, sW: strides[1]!, dH: dilations[0]!, dW: dilations[1]!,
    padTop: pads[0]!, padLeft: pads[1]!, padBottom: pads[2]!, padRight: pads[3]!,
  };
}

/** Output shape of AveragePool / MaxPool: [N, C, outH, outW] (or [N, C, outW] for 1-D). */
export function poolShape(inputShape: readonly number[], attrs: PoolAttributes, opName = "Pool"): number[] {
  const g = poolGeometry(opName, inputShape, attrs);
  return inputShape.length === 3 ? [g.n, g.c, g.outW] : [g.n, g.c, g.outH, g.outW];
}

function checkOutput(opName: string, output: Tensor, expected: readonly number[]): void {
  if (!shapesEqual(output.shape, expected)) {
    throw new ShapeError(`${opName}: output shape ${formatShape(output.shape)} should be ${formatShape(expected)}`);
  }
}

/**
 * MaxPool: y[n,c,oh,ow] = max over kh<kH, kw<kW of x[n,c, oh·sH − padTop + kh·dH, ow·sW − padLeft + kw·dW],
 * in-bounds positions only. NaN as in onnxruntime (probed on 4×4 planes, kernels 2 and 3,
 * strides 1 and 2): the output is NaN exactly when the window's last element is NaN.
 */
export function maxPool(output: Tensor, input: Tensor, attrs: PoolAttributes): void {
  const g = poolGeometry("MaxPool", input.shape, attrs);
  checkOutput("MaxPool", output, poolShape(input.shape, attrs, "MaxPool"));
  const x = input.data;
  const y = output.data;
  const planeIn = g.inH * g.inW;
  let o = 0;
  for (let plane = 0; plane < g.n * g.c; plane++) {
    const base = plane * planeIn;
    for (let oh = 0; oh < g.outH; oh++) {
      const h0 = oh * g.sH - g.padTop;
      for (let ow = 0; ow < g.outW; ow++) {
        const w0 = ow * g.sW - g.padLeft;
        let best = -Infinity;
        for (let kh = 0; kh < g.kH; kh++) {
          const h = h0 + kh * g.dH;
          if (h < 0 || h >= g.inH) continue;
          const row = base + h * g.inW;
          for (let kw = 0; kw < g.kW; kw++) {
            const w = w0 + kw * g.dW;
            if (w < 0 || w >= g.inW) continue;
            // onnxruntime's order (SIMD max(best, v): the second operand unless the first is
            // larger): a NaN wins only as the window's last in-bounds element, and is lost
            // after it; `v > best` would never keep one.
            const v = x[row + w]!;
            best = best > v ? best : v;
          }
        }
        y[o++] = best;
      }
    }
  }
}

/**
 * AveragePool: y[n,c,oh,ow] = (Σ in-bounds x in the window) / count, where count is the number
 * of in-bounds window positions (count_include_pad 0) or of positions inside the padded
 * input (count_include_pad 1).
 */
export function averagePool(output: Tensor, input: Tensor, attrs: PoolAttributes): void {
  const g = poolGeometry("AveragePool", input.shape, attrs);
  checkOutput("AveragePool", output, poolShape(input.shape, attrs, "AveragePool"));
  const includePad = (attrs.countIncludePad ?? 0) !== 0;
  const x = input.data;
  const y = output.data;
  const planeIn = g.inH * g.inW;
  const padEndH = g.inH + g.padBottom;
  const padEndW = g.inW + g.padRight;
  let o = 0;
  for (let plane = 0; plane < g.n * g.c; plane++) {
    const base = plane * planeIn;
    for (let oh = 0; oh < g.outH; oh++) {
      const h0 = oh * g.sH - g.padTop;
      for (let ow = 0; ow < g.outW; ow++) {
        const w0 = ow * g.sW - g.padLeft;
        let sum = 0;
        let inside = 0; // in-bounds positions
        let rowsPadded = 0; // window rows inside the padded input
        let colsPadded = 0;
        for (let kh = 0; kh < g.kH; kh++) {
          const h = h0 + kh * g.dH;
          if (h < padEndH) rowsPadded++;
          if (h < 0 || h >= g.inH) continue;
          const row = base + h * g.inW;
          for (let kw = 0; kw < g.kW; kw++) {
            const w = w0 + kw * g.dW;
            if (w < 0 || w >= g.inW) continue;
            sum += x[row + w]!;
            inside++;
          }
        }
        if (includePad) {
          for (let kw = 0; kw < g.kW; kw++) if (w0 + kw * g.dW < padEndW) colsPadded++;
        }
        const count = includePad ? rowsPadded * colsPadded : inside;
        y[o++] = count > 0 ? sum / count : 0;
      }
    }
  }
}

/** Output shape of GlobalAveragePool / GlobalMaxPool: [N, C, 1, 1, …]. */
export function globalPoolShape(inputShape: readonly number[]): number[] {
  if (inputShape.length < 3) {
    throw new ShapeError(`GlobalPool: input must be [N, C, spatial…], found ${formatShape(inputShape)}`);
  }
  return inputShape.map((d, i) => (i < 2 ? d : 1));
}

/** GlobalAveragePool: y[n,c] = mean over all spatial positions of x[n,c,…]. */
export function globalAveragePool(output: Tensor, input: Tensor): void {
  checkOutput("GlobalAveragePool", output, globalPoolShape(input.shape));
  const planes = input.shape[0]! * input.shape[1]!;
  const size = planes === 0 ? 0 : input.data.length / planes;
  planeMeans(output.data, 0, input.data, 0, size, planes);
}

/**
 * The raw-buffer kernel of GlobalAveragePool (and of the SE block's squeeze):
 *   means[m0 + p] = (Σ_{i<plane} x[base + p·plane + i]) / plane   for p < planes,
 * each sum in float64 as four running sums over i ≡ 0, 1, 2, 3 (mod 4), ascending, added
 * as (s0 + s1) + (s2 + s3), then the left-over elements. One running sum waits for each
 * add to finish (4 cycles), four overlap: 1.5–1.7× at GhostNet's SE shapes. Planes are
 * independent, so any split of [0, planes) across threads gives the same bits.
 */
export function planeMeans(means: Float32Array, m0: number, x: Float32Array, base: number, plane: number, planes: number): void {
  for (let p = 0, o = base | 0; p < planes; p++, o = (o + plane) | 0) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const end = (o + plane) | 0;
    let i = o;
    for (; ((i + 4) | 0) <= end; i = (i + 4) | 0) {
      s0 += x[i]!; s1 += x[(i + 1) | 0]!; s2 += x[(i + 2) | 0]!; s3 += x[(i + 3) | 0]!;
    }
    let sum = (s0 + s1) + (s2 + s3);
    for (; i < end; i = (i + 1) | 0) sum += x[i]!;
    means[m0 + p] = sum / plane;
  }
}

/** GlobalMaxPool: y[n,c] = max over all spatial positions of x[n,c,…]. */
export function globalMaxPool(output: Tensor, input: Tensor): void {
  checkOutput("GlobalMaxPool", output, globalPoolShape(input.shape));
  const planes = input.shape[0]! * input.shape[1]!;
  const size = planes === 0 ? 0 : input.data.length / planes;
  const x = input.data;
  const y = output.data;
  for (let p = 0, base = 0; p < planes; p++, base += size) {
    let best = -Infinity;
    for (let i = 0; i < size; i++) if (x[base + i]! > best) best = x[base + i]!;
    y[p] = best;
  }
}
