/**
 * ConvTranspose (ONNX) for 2-D images, NCHW — the gradient of Conv with respect to its
 * input, used for learned upsampling (PP-OCR's detection head uses it with group 1):
 *
 *   input  x [N, C, H, W]
 *   weight w [C, M/group, kH, kW]        (note: input channels first)
 *   bias   b [M] (optional)
 *   output y [N, M, outH, outW]
 *
 *   Each input pixel scatters its kernel into the output:
 *   y[n, g·M/group + o, ih·sH − padTop + kh·dH, iw·sW − padLeft + kw·dW]
 *       += Σ_{c in group g} x[n, c, ih, iw] · w[c, o, kh, kw],       then + b.
 *
 *   outH = sH·(H − 1) + outputPaddingH + (kH − 1)·dH + 1 − padTop − padBottom, likewise outW.
 *
 * With `outputShape` the pads follow from it: total = sH·(H − 1) + outputPaddingH +
 * (kH − 1)·dH + 1 − outH, split with the odd pixel at the end for SAME_UPPER and at the
 * beginning otherwise (the ONNX spec's rule). A requested size up to a stride beyond what
 * the input covers (total < 0) is filled at the end with the bias, as onnxruntime does.
 * auto_pad SAME_* without an output shape asks for outH = H·sH.
 *
 * Kernel: per image and group, one GEMM forms every kernel contribution
 *   col[(o, kh, kw), (ih, iw)] = Σ_c w[c, o, kh, kw] · x[n, c, ih, iw]     (Wᵀ · X)
 * and col2im adds them into y (initialised with the bias).
 */
import { ShapeError, UnsupportedOperatorError } from "../errors.js";
import { formatShape, shapesEqual, type Tensor } from "../tensor/tensor.js";
import { activate, applyActivation, type FusedActivation, NO_ACTIVATION } from "./fused-activation.js";
import { sgemm } from "./gemm.js";

/** ConvTranspose attributes with ONNX's names in camelCase; omitted ones take ONNX's defaults. */
export interface ConvTranspose2dAttributes {
  /** [kH, kW]; default the weight's spatial dims. */
  kernelShape?: readonly number[];
  /** Default [1, 1]. */
  strides?: readonly number[];
  /** [top, left, bottom, right], default zeros; ignored when outputShape or autoPad decide. */
  pads?: readonly number[];
  /** Default [1, 1]. */
  dilations?: readonly number[];
  /** Default 1. */
  group?: number;
  /** Default [0, 0]. */
  outputPadding?: readonly number[];
  /** Spatial output size [outH, outW] (a full [N, M, outH, outW] is accepted too). */
  outputShape?: readonly number[];
  /** Default "NOTSET". */
  autoPad?: string;
}

/** Every size a transposed conv needs, resolved once from the shapes and attributes. */
export interface ConvTranspose2dGeometry {
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
  group: number;
  inPerGroup: number;
  outPerGroup: number;
}

function pair(name: string, values: readonly number[] | undefined, fallback: number, min: number): [number, number] {
  if (values === undefined) return [fallback, fallback];
  if (values.length !== 2 || values.some((v) => !Number.isInteger(v) || v < min)) {
    throw new ShapeError(`ConvTranspose: ${name} [${values.join(", ")}] should be 2 integers ≥ ${min}`);
  }
  return [values[0]!, values[1]!];
}

/** [padBegin, padEnd] of one axis from the total padding (ONNX's split rule). */
function splitPadding(total: number, upper: boolean): [number, number] {
  const half = Math.floor(total / 2);
  return upper ? [half, total - half] : [total - half, half];
}

/** The geometry of a transposed conv (output size, pads, strides), checked; throws ShapeError on shapes that do not fit. */
export function convTranspose2dGeometry(
  inputShape: readonly number[],
  weightShape: readonly number[],
  attrs: ConvTranspose2dAttributes,
): ConvTranspose2dGeometry {
  if (inputShape.length !== 4) {
    throw new UnsupportedOperatorError(`ConvTranspose: only 2-D (input [N, C, H, W]) is supported, input has shape ${formatShape(inputShape)}`);
  }
  if (weightShape.length !== 4) {
    throw new ShapeError(`ConvTranspose: weight should be [C, M/group, kH, kW], found ${formatShape(weightShape)}`);
  }
  const [batch, inChannels, inH, inW] = inputShape as [number, number, number, number];
  const [wIn, outPerGroup, kH, kW] = weightShape as [number, number, number, number];
  const group = attrs.group ?? 1;
  if (!Number.isInteger(group) || group < 1 || wIn !== inChannels || inChannels % group !== 0) {
    throw new ShapeError(
      `ConvTranspose: weight ${formatShape(weightShape)} with group ${group} does not fit input ${formatShape(inputShape)} (needs weight[0] = C, group dividing C)`,
    );
  }
  if (attrs.kernelShape !== undefined && (attrs.kernelShape.length !== 2 || attrs.kernelShape[0] !== kH || attrs.kernelShape[1] !== kW)) {
    throw new ShapeError(`ConvTranspose: kernel_shape [${attrs.kernelShape.join(", ")}] does not match weight ${formatShape(weightShape)}`);
  }
  const [strideH, strideW] = pair("strides", attrs.strides, 1, 1);
  const [dilationH, dilationW] = pair("dilations", attrs.dilations, 1, 1);
  const [opH, opW] = pair("output_padding", attrs.outputPadding, 0, 0);
  const spanH = (kH - 1) * dilationH + 1;
  const spanW = (kW - 1) * dilationW + 1;
  const fullH = strideH * (inH - 1) + opH + spanH; // output size before padding is cut
  const fullW = strideW * (inW - 1) + opW + spanW;
  const autoPad = attrs.autoPad ?? "NOTSET";
  if (!["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"].includes(autoPad)) throw new ShapeError(`ConvTranspose: unknown auto_pad "${autoPad}"`);
  let padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  let wanted: [number, number] | undefined;
  if (attrs.outputShape !== undefined) {
    const s = attrs.outputShape;
    if ((s.length !== 2 && s.length !== 4) || s.some((v) => !Number.isInteger(v) || v < 1)) {
      throw new ShapeError(`ConvTranspose: output_shape [${s.join(", ")}] should be 2 positive integers [outH, outW]`);
    }
    wanted = [s[s.length - 2]!, s[s.length - 1]!];
  } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    wanted = [inH * strideH, inW * strideW];
  }
  if (wanted !== undefined) {
    // An output up to stride − 1 larger than the input covers (total < 0) is filled at the
    // end with the bias, as onnxruntime does; larger would need a bigger input.
    if (wanted[0] - fullH >= strideH || wanted[1] - fullW >= strideW) {
      throw new ShapeError(
        `ConvTranspose: output_shape [${wanted.join(", ")}] is inconsistent with input ${formatShape(inputShape)}: at most ${fullH + strideH - 1}×${fullW + strideW - 1} fits`,
      );
    }
    const totalH = Math.max(0, fullH - wanted[0]);
    const totalW = Math.max(0, fullW - wanted[1]);
    [padTop, padBottom] = splitPadding(totalH, autoPad === "SAME_UPPER");
    [padLeft, padRight] = splitPadding(totalW, autoPad === "SAME_UPPER");
  } else if (autoPad === "NOTSET") {
    const pads = attrs.pads ?? [0, 0, 0, 0];
    if (pads.length !== 4 || pads.some((p) => !Number.isInteger(p) || p < 0)) {
      throw new ShapeError(`ConvTranspose: pads [${pads.join(", ")}] should be 4 non-negative integers [top, left, bottom, right]`);
    }
    [padTop, padLeft, padBottom, padRight] = pads as [number, number, number, number];
  }
  const outH = wanted ? wanted[0] : fullH - padTop - padBottom;
  const outW = wanted ? wanted[1] : fullW - padLeft - padRight;
  if (outH < 1 || outW < 1) {
    throw new ShapeError(`ConvTranspose: pads [${padTop}, ${padLeft}, ${padBottom}, ${padRight}] leave no output for input ${formatShape(inputShape)}`);
  }
  return {
    batch, inChannels, inH, inW, outChannels: outPerGroup * group, outH, outW, kH, kW,
    strideH, strideW, dilationH, dilationW, padTop, padLeft,
    group, inPerGroup: inChannels / group, outPerGroup,
  };
}

/** Output shape of ConvTranspose: [N, M, outH, outW]. */
export function convTranspose2dShape(inputShape: readonly number[], weightShape: readonly number[], attrs: ConvTranspose2dAttributes): number[] {
  const g = convTranspose2dGeometry(inputShape, weightShape, attrs);
  return [g.batch, g.outChannels, g.outH, g.outW];
}

function checkTensors(g: ConvTranspose2dGeometry, output: Tensor, input: Tensor, bias: Tensor | null | undefined): void {
  const expected = [g.batch, g.outChannels, g.outH, g.outW];
  if (!shapesEqual(output.shape, expected)) {
    throw new ShapeError(`ConvTranspose: output shape ${formatShape(output.shape)} should be ${formatShape(expected)} for input ${formatShape(input.shape)}`);
  }
  if (bias && bias.data.length !== g.outChannels) {
    throw new ShapeError(`ConvTranspose: bias ${formatShape(bias.shape)} should hold ${g.outChannels} values`);
  }
}

let colWorkspace = new Float32Array(0);

/** ConvTranspose: writes all of `output`. */
export function convTranspose2d(
  output: Tensor,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  attrs: ConvTranspose2dAttributes,
  activation: FusedActivation = NO_ACTIVATION,
): void {
  const g = convTranspose2dGeometry(input.shape, weight.shape, attrs);
  checkTensors(g, output, input, bias);
  convTranspose2dRange(output, input, weight, bias, attrs, activation, 0, g.outChannels);
}

/**
 * ConvTranspose for output channels [channelStart, channelEnd) of every image (the rest of
 * `output` is untouched); each element is summed in the same order for any split.
 */
export function convTranspose2dRange(
  output: Tensor,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  attrs: ConvTranspose2dAttributes,
  activation: FusedActivation,
  channelStart: number,
  channelEnd: number,
): void {
  const g = convTranspose2dGeometry(input.shape, weight.shape, attrs);
  checkTensors(g, output, input, bias);
  if (!(Number.isInteger(channelStart) && Number.isInteger(channelEnd) && 0 <= channelStart && channelStart <= channelEnd && channelEnd <= g.outChannels)) {
    throw new RangeError(`ConvTranspose: channel range [${channelStart}, ${channelEnd}) outside [0, ${g.outChannels})`);
  }
  if (channelStart === channelEnd || g.batch === 0) return;
  const x = input.data;
  const w = weight.data;
  const y = output.data;
  const { inH, inW, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = g;
  const inPlane = inH * inW;
  const outPlane = outH * outW;
  const kernelSize = kH * kW;
  const wPerInput = g.outPerGroup * kernelSize; // w[c] row length
  const maxRows = Math.min(channelEnd - channelStart, g.outPerGroup) * kernelSize;
  if (colWorkspace.length < maxRows * inPlane) colWorkspace = new Float32Array(maxRows * inPlane);
  const col = colWorkspace;
  const firstGroup = Math.floor(channelStart / g.outPerGroup);
  const lastGroup = Math.floor((channelEnd - 1) / g.outPerGroup);
  for (let n = 0; n < g.batch; n++) {
    for (let gi = firstGroup; gi <= lastGroup; gi++) {
      const o0 = Math.max(channelStart, gi * g.outPerGroup); // absolute output channels [o0, o1)
      const o1 = Math.min(channelEnd, (gi + 1) * g.outPerGroup);
      const c0 = gi * g.inPerGroup;
      // col[(o − o0, kh, kw), (ih, iw)] = Σ_c w[c0 + c, o − gi·M/group, kh, kw] · x[n, c0 + c, ih, iw]
      sgemm(
        (o1 - o0) * kernelSize, inPlane, g.inPerGroup,
        w, c0 * wPerInput + (o0 - gi * g.outPerGroup) * kernelSize, 1, wPerInput,
        x, (n * g.inChannels + c0) * inPlane, inPlane, 1,
        col, 0, inPlane,
      );
      for (let o = o0; o < o1; o++) {
        const yPlane = (n * g.outChannels + o) * outPlane;
        y.fill(bias ? bias.data[o]! : 0, yPlane, yPlane + outPlane);
        for (let kh = 0; kh < kH; kh++) {
          for (let kw = 0; kw < kW; kw++) {
            let ci = ((o - o0) * kernelSize + kh * kW + kw) * inPlane;
            for (let ih = 0; ih < inH; ih++) {
              const oh = ih * strideH - padTop + kh * dilationH;
              if (oh < 0 || oh >= outH) {
                ci += inW;
                continue;
              }
              const yRow = yPlane + oh * outW;
              for (let iw = 0, ow = kw * dilationW - padLeft; iw < inW; iw++, ci++, ow += strideW) {
                if (ow >= 0 && ow < outW) y[yRow + ow] = y[yRow + ow]! + col[ci]!;
              }
            }
          }
        }
        applyActivation(y, yPlane, yPlane + outPlane, activation);
      }
    }
  }
}

/** The scatter formula as plain loops (float64 sums), for tests. */
export function convTranspose2dReference(
  output: Tensor,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  attrs: ConvTranspose2dAttributes,
  activation: FusedActivation = NO_ACTIVATION,
): void {
  const g = convTranspose2dGeometry(input.shape, weight.shape, attrs);
  checkTensors(g, output, input, bias);
  const sums = new Float64Array(output.data.length);
  const x = input.data;
  const w = weight.data;
  for (let n = 0; n < g.batch; n++) {
    for (let c = 0; c < g.inChannels; c++) {
      const gi = Math.floor(c / g.inPerGroup);
      for (let ih = 0; ih < g.inH; ih++) {
        for (let iw = 0; iw < g.inW; iw++) {
          const v = x[((n * g.inChannels + c) * g.inH + ih) * g.inW + iw]!;
          for (let o = 0; o < g.outPerGroup; o++) {
            const m = gi * g.outPerGroup + o;
            for (let kh = 0; kh < g.kH; kh++) {
              const oh = ih * g.strideH - g.padTop + kh * g.dilationH;
              if (oh < 0 || oh >= g.outH) continue;
              for (let kw = 0; kw < g.kW; kw++) {
                const ow = iw * g.strideW - g.padLeft + kw * g.dilationW;
                if (ow < 0 || ow >= g.outW) continue;
                sums[((n * g.outChannels + m) * g.outH + oh) * g.outW + ow]! += v * w[((c * g.outPerGroup + o) * g.kH + kh) * g.kW + kw]!;
              }
            }
          }
        }
      }
    }
  }
  const plane = g.outH * g.outW;
  for (let i = 0; i < sums.length; i++) {
    const m = Math.floor(i / plane) % g.outChannels;
    output.data[i] = activate(sums[i]! + (bias ? bias.data[m]! : 0), activation);
  }
}
