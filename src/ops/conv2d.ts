/**
 * Conv (ONNX) for 2-D images, NCHW (1-D signals [N, C, W] run as H = 1):
 *
 *   input  x [N, C, H, W]
 *   weight w [M, C/group, kH, kW]
 *   bias   b [M] (optional)
 *   output y [N, M, outH, outW]
 *
 *   y[n, m, oh, ow] = act( b[m] + Σ_{c, kh, kw} w[m, c, kh, kw] · x[n, g·C/group + c, ih, iw] ),
 *   ih = oh·sH − padTop + kh·dH,  iw = ow·sW − padLeft + kw·dW   (x is 0 outside the image),
 *   g = ⌊m / (M/group)⌋ the group of output channel m,
 *   outH = ⌊(H + padTop + padBottom − ((kH − 1)·dH + 1)) / sH⌋ + 1, likewise outW.
 *
 * pads are ONNX's [x1_begin, x2_begin, x1_end, x2_end] = [top, left, bottom, right].
 * auto_pad SAME_UPPER / SAME_LOWER pick pads so outH = ⌈H / sH⌉ (the odd pixel at the
 * end for UPPER, at the beginning for LOWER); VALID means no padding.
 *
 * `conv2d` dispatches to a fast path:
 *   - pointwise (1×1, stride 1, no padding, group 1): a GEMM per image (pointwise.ts),
 *   - depthwise (group = C = M): specialised 3×3 / 5×5 kernels (depthwise.ts),
 *   - anything else: im2col of a band of output rows into a reusable workspace, then a
 *     GEMM per group (this file) on pointwise.ts's tile kernel, bias and activation in
 *     its store (maps under 4 pixels: sgemm). Against sgemm + a separate epilogue pass,
 *     measured 2026-11-29 (conv + bias + relu, medians of 21 interleaved calls, ms):
 *       3→16 224² 3×3 s2 (GhostNet's stem)  10.60 → 9.51   1.11×
 *       3→24 224² 3×3 s2                    14.81 → 13.05  1.14×
 *       16→32 56² 3×3 s1                    22.73 → 19.41  1.17×
 *       64→64 28² 3×3 s1                    40.08 → 34.82  1.15×
 *     (the rest of the stem's time is the im2col copy itself).
 * Each fast path equals `conv2dReference` (the loops of the formula above) within float32
 * rounding, and tests hold them equal.
 *
 * Splitting work: `conv2dRange` computes output channels [channelStart, channelEnd) ×
 * output rows [rowStart, rowEnd) of every image. Every output element is summed in the
 * same order whatever range it is computed in, so any split across workers gives
 * bitwise-identical results.
 */
import { ShapeError, UnsupportedOperatorError } from "../errors.js";
import { formatShape, shapesEqual, type Tensor } from "../tensor/tensor.js";
import { depthwiseConv2dRange } from "./depthwise.js";
import { activate, type FusedActivation, NO_ACTIVATION } from "./fused-activation.js";
import { sgemmEpilogue, type GemmEpilogue } from "./gemm.js";
import { pointwiseConv2dRange, tiledMatmulRows } from "./pointwise.js";

/** ONNX's auto_pad: explicit pads (NOTSET), pads that keep ⌈size/stride⌉ (SAME_*), or none (VALID). */
export type AutoPad = "NOTSET" | "SAME_UPPER" | "SAME_LOWER" | "VALID";

/** Conv attributes with ONNX's names in camelCase; omitted ones take ONNX's defaults. */
export interface Conv2dAttributes {
  /** [kH, kW]; default: the weight's spatial dims (checked against them when given). */
  kernelShape?: readonly number[];
  /** [sH, sW], default [1, 1]. */
  strides?: readonly number[];
  /** [top, left, bottom, right], default zeros; ignored unless autoPad is NOTSET. */
  pads?: readonly number[];
  /** [dH, dW], default [1, 1]. */
  dilations?: readonly number[];
  /** Default 1. */
  group?: number;
  /** Default "NOTSET". */
  autoPad?: AutoPad | string;
}

/** Everything a conv kernel needs, resolved from the shapes and attributes. */
export interface Conv2dGeometry {
  batch: number;
  inChannels: number;
  inH: number;
  inW: number;
  outChannels: number;
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  group: number;
  /** C / group: input channels each output channel reads. */
  inPerGroup: number;
  /** M / group: output channels per group. */
  outPerGroup: number;
}

/** Output work of one call: channels [channelStart, channelEnd) × rows [rowStart, rowEnd). */
export interface ConvWorkRange {
  channelStart: number;
  channelEnd: number;
  rowStart: number;
  rowEnd: number;
}

function pairAttribute(name: string, values: readonly number[] | undefined, fallback: number, min: number): [number, number] {
  if (values === undefined) return [fallback, fallback];
  if (values.length !== 2 || values.some((v) => !Number.isInteger(v) || v < min)) {
    throw new ShapeError(`Conv: ${name} [${values.join(", ")}] should be 2 integers ≥ ${min}`);
  }
  return [values[0]!, values[1]!];
}

/**
 * Pads [begin, end] of one axis for auto_pad SAME_*: output ⌈in / stride⌉, total padding
 * max(0, (out − 1)·stride + span − in), split with the odd pixel at the end (UPPER) or
 * the beginning (LOWER).
 */
export function samePadding(inSize: number, stride: number, span: number, upper: boolean): [number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max(0, (out - 1) * stride + span - inSize);
  const small = Math.floor(total / 2);
  return upper ? [small, total - small] : [total - small, small];
}

/** Resolves shapes and attributes; throws ShapeError naming what does not fit. */
export function conv2dGeometry(inputShape: readonly number[], weightShape: readonly number[], attrs: Conv2dAttributes): Conv2dGeometry {
  if (inputShape.length === 3) return conv1dGeometry(inputShape, weightShape, attrs);
  if (inputShape.length !== 4) {
    throw new UnsupportedOperatorError(`Conv: only 1-D and 2-D convolution (input [N, C, W] or [N, C, H, W]) is supported, input has shape ${formatShape(inputShape)}`);
  }
  if (weightShape.length !== 4) {
    throw new ShapeError(`Conv: weight should be [M, C/group, kH, kW], found ${formatShape(weightShape)}`);
  }
  const [batch, inChannels, inH, inW] = inputShape as [number, number, number, number];
  const [outChannels, inPerGroup, kH, kW] = weightShape as [number, number, number, number];
  const group = attrs.group ?? 1;
  if (!Number.isInteger(group) || group < 1) throw new ShapeError(`Conv: group ${group} should be a positive integer`);
  if (inPerGroup * group !== inChannels || outChannels % group !== 0) {
    throw new ShapeError(
      `Conv: weight ${formatShape(weightShape)} with group ${group} does not fit input ${formatShape(inputShape)} (needs weight[1]·group = C and group dividing M)`,
    );
  }
  if (attrs.kernelShape !== undefined) {
    const k = attrs.kernelShape;
    if (k.length !== 2 || k[0] !== kH || k[1] !== kW) {
      throw new ShapeError(`Conv: kernel_shape [${k.join(", ")}] does not match weight ${formatShape(weightShape)}`);
    }
  }
  if (kH < 1 || kW < 1) throw new ShapeError(`Conv: empty kernel in weight ${formatShape(weightShape)}`);
  const [strideH, strideW] = pairAttribute("strides", attrs.strides, 1, 1);
  const [dilationH, dilationW] = pairAttribute("dilations", attrs.dilations, 1, 1);
  const spanH = (kH - 1) * dilationH + 1;
  const spanW = (kW - 1) * dilationW + 1;
  const autoPad = attrs.autoPad ?? "NOTSET";
  let padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  if (autoPad === "NOTSET") {
    const pads = attrs.pads ?? [0, 0, 0, 0];
    if (pads.length !== 4 || pads.some((p) => !Number.isInteger(p) || p < 0)) {
      throw new ShapeError(`Conv: pads [${pads.join(", ")}] should be 4 non-negative integers [top, left, bottom, right]`);
    }
    [padTop, padLeft, padBottom, padRight] = pads as [number, number, number, number];
  } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    [padTop, padBottom] = samePadding(inH, strideH, spanH, autoPad === "SAME_UPPER");
    [padLeft, padRight] = samePadding(inW, strideW, spanW, autoPad === "SAME_UPPER");
  } else if (autoPad !== "VALID") {
    throw new ShapeError(`Conv: unknown auto_pad "${autoPad}"`);
  }
  const roomH = inH + padTop + padBottom - spanH;
  const roomW = inW + padLeft + padRight - spanW;
  if (roomH < 0 || roomW < 0) {
    throw new ShapeError(
      `Conv: kernel ${kH}×${kW} (dilations ${dilationH}, ${dilationW}) is larger than the padded input ${formatShape(inputShape)} with pads [${padTop}, ${padLeft}, ${padBottom}, ${padRight}]`,
    );
  }
  return {
    batch, inChannels, inH, inW, outChannels,
    outH: Math.floor(roomH / strideH) + 1,
    outW: Math.floor(roomW / strideW) + 1,
    kH, kW, strideH, strideW, dilationH, dilationW,
    padTop, padLeft, padBottom, padRight,
    group, inPerGroup, outPerGroup: outChannels / group,
  };
}

/**
 * 1-D Conv (x [N, C, W], w [M, C/group, k]) as a 2-D conv over [N, C, 1, W] with a 1×k
 * kernel: attributes with one value per axis gain a leading 1 (pads [b, e] → [0, b, 0, e]).
 */
function conv1dGeometry(inputShape: readonly number[], weightShape: readonly number[], attrs: Conv2dAttributes): Conv2dGeometry {
  if (weightShape.length !== 3) {
    throw new ShapeError(`Conv: 1-D weight should be [M, C/group, k], found ${formatShape(weightShape)} for input ${formatShape(inputShape)}`);
  }
  const one = (name: string, v: readonly number[] | undefined, length = 1): void => {
    if (v !== undefined && v.length !== length) throw new ShapeError(`Conv: 1-D ${name} [${v.join(", ")}] should hold ${length} value(s)`);
  };
  one("kernel_shape", attrs.kernelShape);
  one("strides", attrs.strides);
  one("dilations", attrs.dilations);
  one("pads", attrs.pads, 2);
  return conv2dGeometry([inputShape[0]!, inputShape[1]!, 1, inputShape[2]!], [weightShape[0]!, weightShape[1]!, 1, weightShape[2]!], {
    kernelShape: attrs.kernelShape && [1, attrs.kernelShape[0]!],
    strides: attrs.strides && [1, attrs.strides[0]!],
    dilations: attrs.dilations && [1, attrs.dilations[0]!],
    pads: attrs.pads && [0, attrs.pads[0]!, 0, attrs.pads[1]!],
    group: attrs.group,
    autoPad: attrs.autoPad,
  });
}

/** Output shape of Conv: [N, M, outH, outW] (1-D: [N, M, outW]). */
export function conv2dShape(inputShape: readonly number[], weightShape: readonly number[], attrs: Conv2dAttributes): number[] {
  const g = conv2dGeometry(inputShape, weightShape, attrs);
  return inputShape.length === 3 ? [g.batch, g.outChannels, g.outW] : [g.batch, g.outChannels, g.outH, g.outW];
}

/** Which kernel computes a conv of this geometry. */
export type Conv2dPath = "pointwise" | "depthwise" | "general";

/** The kernel a conv of geometry `g` runs on: pointwise (1×1 GEMM), depthwise, or general (im2col + GEMM). */
export function conv2dPath(g: Conv2dGeometry): Conv2dPath {
  if (
    g.kH === 1 && g.kW === 1 && g.strideH === 1 && g.strideW === 1 && g.group === 1 &&
    g.padTop === 0 && g.padLeft === 0 && g.padBottom === 0 && g.padRight === 0
  ) {
    return "pointwise";
  }
  if (g.group === g.inChannels && g.group === g.outChannels) return "depthwise";
  return "general";
}

function checkConvTensors(g: Conv2dGeometry, output: Tensor, input: Tensor, bias: Tensor | null | undefined): void {
  const expected = input.shape.length === 3 ? [g.batch, g.outChannels, g.outW] : [g.batch, g.outChannels, g.outH, g.outW];
  if (!shapesEqual(output.shape, expected)) {
    throw new ShapeError(`Conv: output shape ${formatShape(output.shape)} should be ${formatShape(expected)} for input ${formatShape(input.shape)}`);
  }
  if (bias && bias.data.length !== g.outChannels) {
    throw new ShapeError(`Conv: bias ${formatShape(bias.shape)} should hold ${g.outChannels} values (one per output channel)`);
  }
}

/** The whole output as a work range. */
export function fullConvRange(g: Conv2dGeometry): ConvWorkRange {
  return { channelStart: 0, channelEnd: g.outChannels, rowStart: 0, rowEnd: g.outH };
}

function checkRange(g: Conv2dGeometry, r: ConvWorkRange): void {
  const ok =
    Number.isInteger(r.channelStart) && Number.isInteger(r.channelEnd) && Number.isInteger(r.rowStart) && Number.isInteger(r.rowEnd) &&
    0 <= r.channelStart && r.channelStart <= r.channelEnd && r.channelEnd <= g.outChannels &&
    0 <= r.rowStart && r.rowStart <= r.rowEnd && r.rowEnd <= g.outH;
  if (!ok) {
    throw new RangeError(
      `Conv: work range channels [${r.channelStart}, ${r.channelEnd}) rows [${r.rowStart}, ${r.rowEnd}) outside [0, ${g.outChannels}) × [0, ${g.outH})`,
    );
  }
}

/**
 * Conv: writes all of `output` (shape from conv2dShape). `activation` is applied in the
 * epilogue (default none). Weight is [M, C/group, kH, kW]; bias [M] or null. `packedW`,
 * optional, for a pointwise conv: packPointwiseWeights(weight) made by a caller that keeps
 * it with a constant weight (the same bits with or without it; see pointwise.ts).
 */
export function conv2d(
  output: Tensor,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  attrs: Conv2dAttributes,
  activation: FusedActivation = NO_ACTIVATION,
  packedW: number[] | null = null,
): void {
  const g = conv2dGeometry(input.shape, weight.shape, attrs);
  checkConvTensors(g, output, input, bias);
  conv2dGeometryRange(output.data, input.data, weight.data, bias ? bias.data : null, g, activation, fullConvRange(g), packedW);
}

/**
 * Conv on a sub-range of the output (channels × rows, every image): the part of `output`
 * outside the range is left untouched. For splitting one layer across workers.
 */
export function conv2dRange(
  output: Tensor,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  attrs: Conv2dAttributes,
  activation: FusedActivation,
  range: ConvWorkRange,
): void {
  const g = conv2dGeometry(input.shape, weight.shape, attrs);
  checkConvTensors(g, output, input, bias);
  conv2dGeometryRange(output.data, input.data, weight.data, bias ? bias.data : null, g, activation, range);
}

/** The dispatcher on raw buffers (shapes already checked against `g`); `packedW` as in conv2d. */
export function conv2dGeometryRange(
  y: Float32Array,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  activation: FusedActivation,
  range: ConvWorkRange,
  packedW: number[] | null = null,
): void {
  checkRange(g, range);
  if (range.channelStart === range.channelEnd || range.rowStart === range.rowEnd || g.batch === 0) return;
  switch (conv2dPath(g)) {
    case "pointwise":
      pointwiseConv2dRange(y, x, w, bias, g, activation, range, packedW);
      return;
    case "depthwise":
      depthwiseConv2dRange(y, x, w, bias, g, activation, range);
      return;
    case "general":
      im2colConv2dRange(y, x, w, bias, g, activation, range);
      return;
  }
}

// ---------------------------------------------------------------------------------------
// General path: im2col + GEMM.

/** Largest im2col workspace (floats) one band of output rows may use before splitting rows. */
const IM2COL_BAND_FLOATS = 1 << 18;
let im2colWorkspace = new Float32Array(0);

/**
 * im2col of one group for output rows [oh0, oh1):
 *   col[(c·kH + kh)·kW + kw, (oh − oh0)·outW + ow] = x[c0 + c, ih, iw]   (0 outside the image)
 * with ih, iw as in the file comment; c < C/group. col rows have length (oh1 − oh0)·outW.
 */
function im2colBand(col: Float32Array, x: Float32Array, imageBase: number, c0: number, g: Conv2dGeometry, oh0: number, oh1: number): void {
  const { inH, inW, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = g;
  const bandCols = (oh1 - oh0) * outW;
  let d = 0;
  for (let c = 0; c < g.inPerGroup; c++) {
    const plane = imageBase + (c0 + c) * inH * inW;
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        const colOffset = kw * dilationW - padLeft;
        // Columns ow with 0 ≤ ow·sW + colOffset < inW.
        const owLo = Math.min(outW, Math.max(0, Math.ceil(-colOffset / strideW)));
        const owHi = Math.max(owLo, Math.min(outW, Math.floor((inW - 1 - colOffset) / strideW) + 1));
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = oh * strideH - padTop + kh * dilationH;
          if (ih < 0 || ih >= inH) {
            col.fill(0, d, d + outW);
            d += outW;
            continue;
          }
          const row = plane + ih * inW + colOffset;
          let ow = 0;
          for (; ow < owLo; ow++) col[d++] = 0;
          // The copy, four per iteration with `| 0`'d indices (no int32 overflow checks).
          let xi = (row + ow * strideW) | 0;
          const step = strideW | 0, step2 = (2 * step) | 0, step3 = (3 * step) | 0, step4 = (4 * step) | 0;
          for (; ow + 4 <= owHi; ow += 4, d = (d + 4) | 0, xi = (xi + step4) | 0) {
            const v0 = x[xi]!, v1 = x[(xi + step) | 0]!, v2 = x[(xi + step2) | 0]!, v3 = x[(xi + step3) | 0]!;
            col[d] = v0; col[(d + 1) | 0] = v1; col[(d + 2) | 0] = v2; col[(d + 3) | 0] = v3;
          }
          for (; ow < owHi; ow++, xi = (xi + step) | 0) col[d++] = x[xi]!;
          for (; ow < outW; ow++) col[d++] = 0;
        }
      }
    }
  }
  if (d !== g.inPerGroup * kH * kW * bandCols) throw new Error("im2col: internal size mismatch");
}

/**
 * General conv: for each image, band of output rows and group,
 *   Y_g[m, band] = W_g[m, (c, kh, kw)] · col[(c, kh, kw), band]
 * with the bias and activation applied by the GEMM epilogue.
 */
function im2colConv2dRange(
  y: Float32Array,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  activation: FusedActivation,
  range: ConvWorkRange,
): void {
  const depth = g.inPerGroup * g.kH * g.kW; // GEMM K
  const outPlane = g.outH * g.outW;
  const rowsPerBand = Math.max(1, Math.floor(IM2COL_BAND_FLOATS / (depth * g.outW)));
  const bandRows = Math.min(rowsPerBand, range.rowEnd - range.rowStart);
  const needed = depth * bandRows * g.outW;
  if (im2colWorkspace.length < needed) im2colWorkspace = new Float32Array(needed);
  const col = im2colWorkspace;
  const epilogue: GemmEpilogue = { bias, biasOffset: 0, activation };
  // The pointwise tile kernel (bias and activation in its store) unless the output map has
  // fewer than 4 pixels, where sgemm's dot products win; decided by the geometry, never the
  // range, so every band and thread of one conv sums alike.
  const tiles = outPlane >= 4;
  const firstGroup = Math.floor(range.channelStart / g.outPerGroup);
  const lastGroup = Math.floor((range.channelEnd - 1) / g.outPerGroup);
  for (let n = 0; n < g.batch; n++) {
    const imageBase = n * g.inChannels * g.inH * g.inW;
    for (let oh0 = range.rowStart; oh0 < range.rowEnd; oh0 += bandRows) {
      const oh1 = Math.min(range.rowEnd, oh0 + bandRows);
      const bandCols = (oh1 - oh0) * g.outW;
      for (let gi = firstGroup; gi <= lastGroup; gi++) {
        const m0 = Math.max(range.channelStart, gi * g.outPerGroup);
        const m1 = Math.min(range.channelEnd, (gi + 1) * g.outPerGroup);
        im2colBand(col, x, imageBase, gi * g.inPerGroup, g, oh0, oh1);
        if (tiles) {
          tiledMatmulRows(y, n * g.outChannels * outPlane + oh0 * g.outW, outPlane, col, 0, bandCols, depth, w, bias, m0, m1, bandCols, activation);
          continue;
        }
        epilogue.biasOffset = m0;
        sgemmEpilogue(
          m1 - m0, bandCols, depth,
          w, m0 * depth, depth, 1,
          col, 0, bandCols, 1,
          y, (n * g.outChannels + m0) * outPlane + oh0 * g.outW, outPlane,
          epilogue,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Reference.

/**
 * The formula in the file comment as plain loops (float64 sums over c, kh, kw ascending,
 * bias added last). Every fast path is tested against it.
 */
export function conv2dReference(
  output: Tensor,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  attrs: Conv2dAttributes,
  activation: FusedActivation = NO_ACTIVATION,
): void {
  const g = conv2dGeometry(input.shape, weight.shape, attrs);
  checkConvTensors(g, output, input, bias);
  const x = input.data;
  const w = weight.data;
  const y = output.data;
  for (let n = 0; n < g.batch; n++) {
    for (let m = 0; m < g.outChannels; m++) {
      const c0 = Math.floor(m / g.outPerGroup) * g.inPerGroup;
      for (let oh = 0; oh < g.outH; oh++) {
        for (let ow = 0; ow < g.outW; ow++) {
          let sum = 0;
          for (let c = 0; c < g.inPerGroup; c++) {
            for (let kh = 0; kh < g.kH; kh++) {
              const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
              if (ih < 0 || ih >= g.inH) continue;
              for (let kw = 0; kw < g.kW; kw++) {
                const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
                if (iw < 0 || iw >= g.inW) continue;
                sum += w[((m * g.inPerGroup + c) * g.kH + kh) * g.kW + kw]! * x[((n * g.inChannels + c0 + c) * g.inH + ih) * g.inW + iw]!;
              }
            }
          }
          if (bias) sum += bias.data[m]!;
          y[((n * g.outChannels + m) * g.outH + oh) * g.outW + ow] = activate(sum, activation);
        }
      }
    }
  }
}
