/**
 * BatchNormalization (inference) and its folding into a preceding convolution.
 *
 *   x [N, C, ...], scale γ [C], bias β [C], mean μ [C], variance σ² [C] → y [N, C, ...]
 *   y[n, c, …] = γ_c · (x[n, c, …] − μ_c) / √(σ²_c + ε) + β_c
 *
 * Folding into Conv(x, W, b): with s_o = γ_o / √(σ²_o + ε) per output channel o,
 *   W'[o, …] = W[o, …] · s_o,   b'[o] = (b[o] − μ_o) · s_o + β_o      (b = 0 when absent)
 * so BN(Conv(x, W, b)) = Conv(x, W', b'). Both are computed in float64 and rounded once
 * to float32.
 */
import { ShapeError } from "../errors.js";
import { formatShape, shapesEqual, Tensor } from "../tensor/tensor.js";

/** Per-channel values as a bare array or a tensor. */
export type ChannelValues = Float32Array | { readonly shape?: readonly number[]; readonly data: Float32Array };

/** The four BatchNormalization inputs after X, PaddleClas's names in brackets. */
export interface BatchNormParameters {
  /** γ (`_bn_scale`). */
  scale: ChannelValues;
  /** β (`_bn_offset`). */
  offset: ChannelValues;
  /** μ (`_bn_mean`). */
  mean: ChannelValues;
  /** σ² (`_bn_variance`). */
  variance: ChannelValues;
}

/** BatchNormalization's attributes. */
export interface BatchNormAttributes {
  /** ONNX default 1e-5. */
  epsilon?: number;
}

function values(v: ChannelValues): Float32Array {
  return v instanceof Float32Array ? v : v.data;
}

function checkChannels(op: string, channels: number, named: Record<string, ChannelValues>): void {
  for (const [name, v] of Object.entries(named)) {
    const n = values(v).length;
    if (n !== channels) throw new ShapeError(`${op}: ${name} should hold ${channels} values (one per channel), found ${n}`);
  }
}

/** Output shape of BatchNormalization: the input's; C = dim 1 must match the parameters. */
export function batchNormShape(inputShape: readonly number[], parameters: BatchNormParameters): number[] {
  if (inputShape.length < 2) {
    throw new ShapeError(`BatchNormalization: input should be [N, C, ...], found ${formatShape(inputShape)}`);
  }
  const { scale, offset, mean, variance } = parameters;
  checkChannels("BatchNormalization", inputShape[1]!, { scale, offset, mean, variance });
  return inputShape.slice();
}

/** BatchNormalization (inference): y = γ·(x − μ)/√(σ² + ε) + β per channel (dim 1). */
export function batchNormalization(output: Tensor, input: Tensor, parameters: BatchNormParameters, attrs: BatchNormAttributes = {}): void {
  const shape = batchNormShape(input.shape, parameters);
  if (!shapesEqual(output.shape, shape)) {
    throw new ShapeError(`BatchNormalization: output shape ${formatShape(output.shape)} should be ${formatShape(shape)}`);
  }
  const epsilon = attrs.epsilon ?? 1e-5;
  const [batch, channels] = shape as [number, number];
  const inner = channels === 0 ? 0 : input.data.length / (batch * channels);
  const scale = values(parameters.scale);
  const offset = values(parameters.offset);
  const mean = values(parameters.mean);
  const variance = values(parameters.variance);
  const x = input.data;
  const y = output.data;
  for (let c = 0; c < channels; c++) {
    const s = scale[c]! / Math.sqrt(variance[c]! + epsilon);
    const mu = mean[c]!;
    const beta = offset[c]!;
    for (let n = 0; n < batch; n++) {
      const start = (n * channels + c) * inner;
      for (let i = start, end = start + inner; i < end; i++) y[i] = (x[i]! - mu) * s + beta;
    }
  }
}

/**
 * Folds BatchNormalization into the convolution before it: returns W' and b' (new
 * tensors; the inputs are not modified). `weight` is [M, ...] (Conv's [M, C/g, kH, kW]),
 * `bias` [M] or absent, the BN parameters [M] each.
 *
 * Two call forms:
 *   foldBatchNormIntoConv(weight, bias, { scale, offset, mean, variance, epsilon? })
 *   foldBatchNormIntoConv(weight, bias, scale, offset, mean, variance, epsilon?)
 */
export function foldBatchNormIntoConv(
  weight: Tensor,
  bias: ChannelValues | null | undefined,
  parameters: BatchNormParameters & BatchNormAttributes,
): { weight: Tensor; bias: Tensor };
export function foldBatchNormIntoConv(
  weight: Tensor,
  bias: ChannelValues | null | undefined,
  scale: ChannelValues,
  offset: ChannelValues,
  mean: ChannelValues,
  variance: ChannelValues,
  epsilon?: number,
): { weight: Tensor; bias: Tensor };
export function foldBatchNormIntoConv(
  weight: Tensor,
  bias: ChannelValues | null | undefined,
  scaleOrParameters: ChannelValues | (BatchNormParameters & BatchNormAttributes),
  offsetArg?: ChannelValues,
  meanArg?: ChannelValues,
  varianceArg?: ChannelValues,
  epsilonArg?: number,
): { weight: Tensor; bias: Tensor } {
  let parameters: BatchNormParameters;
  let epsilon: number;
  if (offsetArg === undefined) {
    const p = scaleOrParameters as BatchNormParameters & BatchNormAttributes;
    parameters = p;
    epsilon = p.epsilon ?? 1e-5;
  } else {
    if (meanArg === undefined || varianceArg === undefined) {
      throw new ShapeError("foldBatchNormIntoConv: needs scale, offset, mean and variance");
    }
    parameters = { scale: scaleOrParameters as ChannelValues, offset: offsetArg, mean: meanArg, variance: varianceArg };
    epsilon = epsilonArg ?? 1e-5;
  }
  if (weight.shape.length < 1) throw new ShapeError(`foldBatchNormIntoConv: weight should be [M, ...], found ${formatShape(weight.shape)}`);
  const m = weight.shape[0]!;
  const { scale: s0, offset: o0, mean: m0, variance: v0 } = parameters;
  checkChannels("foldBatchNormIntoConv", m, { scale: s0, offset: o0, mean: m0, variance: v0, ...(bias ? { bias } : {}) });
  const perChannel = m === 0 ? 0 : weight.data.length / m;
  const scale = values(parameters.scale);
  const offset = values(parameters.offset);
  const mean = values(parameters.mean);
  const variance = values(parameters.variance);
  const b = bias ? values(bias) : null;
  const w = weight.data;
  const foldedWeight = new Float32Array(w.length);
  const foldedBias = new Float32Array(m);
  for (let o = 0; o < m; o++) {
    const s = scale[o]! / Math.sqrt(variance[o]! + epsilon);
    for (let i = o * perChannel, end = i + perChannel; i < end; i++) foldedWeight[i] = w[i]! * s;
    foldedBias[o] = ((b === null ? 0 : b[o]!) - mean[o]!) * s + offset[o]!;
  }
  return { weight: new Tensor(weight.shape, foldedWeight), bias: new Tensor([m], foldedBias) };
}
