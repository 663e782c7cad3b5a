/**
 * The typed weight map GhostNet is built from: PaddleClas parameter names → tensors.
 *
 * A ConvBNLayer `{name}` has `{name}_weights` [out, in/groups, k, k] and either its
 * BatchNorm `{name}_bn_scale`, `{name}_bn_offset`, `{name}_bn_mean`, `{name}_bn_variance`
 * (each [out]), or, when the BatchNorm was already folded into the conv (onnxsim-style
 * files), `{name}_bias` [out]. A Linear `{name}` has `{name}_weights` [in, out] (Paddle's
 * layout: y = x·W + b) and `{name}_offset` [out].
 */
import { ShapeError } from "../errors.js";
import { formatShape, shapesEqual } from "../tensor/tensor.js";

/** One weight: its shape and float32 values. */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** GhostNet's weights by PaddleClas parameter name (`conv1_weights`, `fc_1_offset`, …). */
export type GhostNetWeights = ReadonlyMap<string, WeightTensor>;

/** The BatchNorm parameters of one ConvBN, each [channels]. */
export interface BatchNormWeights {
  scale: Float32Array;
  offset: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
}

/** `{name}_weights` etc. as PaddleClas's ParamAttr names them. */
export const paramNames = {
  /** A conv or linear weight: `{layer}_weights`. */
  weights: (layer: string): string => `${layer}_weights`,
  /** BatchNorm scale γ: `{layer}_bn_scale`. */
  bnScale: (layer: string): string => `${layer}_bn_scale`,
  /** BatchNorm offset β: `{layer}_bn_offset`. */
  bnOffset: (layer: string): string => `${layer}_bn_offset`,
  /** BatchNorm running mean μ: `{layer}_bn_mean`. */
  bnMean: (layer: string): string => `${layer}_bn_mean`,
  /** BatchNorm running variance σ²: `{layer}_bn_variance`. */
  bnVariance: (layer: string): string => `${layer}_bn_variance`,
  /** Not PaddleClas: the conv bias of a ConvBN whose BatchNorm is already folded. */
  foldedBias: (layer: string): string => `${layer}_bias`,
  /** A linear layer's bias: `{layer}_offset`. */
  offset: (layer: string): string => `${layer}_offset`,
};

/**
 * The data of weight `name`, checked against `expected`; throws ShapeError naming the
 * layer, the parameter and both shapes (or saying it is missing).
 */
export function requireWeight(weights: GhostNetWeights, layer: string, name: string, expected: readonly number[]): Float32Array {
  const tensor = weights.get(name);
  if (tensor === undefined) {
    throw new ShapeError(`GhostNet layer ${layer}: weight ${name} ${formatShape(expected)} is missing`);
  }
  if (!shapesEqual(tensor.shape, expected) || tensor.data.length !== tensor.shape.reduce((a, b) => a * b, 1)) {
    throw new ShapeError(
      `GhostNet layer ${layer}: weight ${name} has shape ${formatShape(tensor.shape)}, expected ${formatShape(expected)}`,
    );
  }
  return tensor.data;
}

/** A ConvBN's BatchNorm parameters, or undefined when the map holds a folded `_bias` instead. */
export function batchNormWeights(weights: GhostNetWeights, layer: string, channels: number): BatchNormWeights | undefined {
  if (!weights.has(paramNames.bnScale(layer)) && weights.has(paramNames.foldedBias(layer))) return undefined;
  const shape = [channels];
  return {
    scale: requireWeight(weights, layer, paramNames.bnScale(layer), shape),
    offset: requireWeight(weights, layer, paramNames.bnOffset(layer), shape),
    mean: requireWeight(weights, layer, paramNames.bnMean(layer), shape),
    variance: requireWeight(weights, layer, paramNames.bnVariance(layer), shape),
  };
}
