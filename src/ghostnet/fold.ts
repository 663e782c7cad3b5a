/**
 * BatchNorm folding, done once at build time so a ConvBN runs as one conv with a bias:
 *
 *   BN(conv(x, w) + b) = γ·(conv(x, w) + b − μ)/√(σ² + ε) + β = conv(x, w') + b',
 *   w'[m, …] = w[m, …]·s[m],  b'[m] = (b[m] − μ[m])·s[m] + β[m],  s[m] = γ[m]/√(σ²[m] + ε).
 *
 * Computed in float64 and rounded once to float32. (src/ops has no batchnorm.ts yet; when
 * it does, this should become a call to it.)
 */
import type { BatchNormWeights } from "./weights.js";

export function foldBatchNorm(
  weight: Float32Array,
  bias: Float32Array | undefined,
  bn: BatchNormWeights,
  epsilon: number,
): { weight: Float32Array; bias: Float32Array } {
  const channels = bn.scale.length;
  const perChannel = weight.length / channels;
  const folded = new Float32Array(weight.length);
  const foldedBias = new Float32Array(channels);
  for (let m = 0; m < channels; m++) {
    const s = bn.scale[m]! / Math.sqrt(bn.variance[m]! + epsilon);
    for (let k = m * perChannel; k < (m + 1) * perChannel; k++) folded[k] = weight[k]! * s;
    foldedBias[m] = ((bias?.[m] ?? 0) - bn.mean[m]!) * s + bn.offset[m]!;
  }
  return { weight: folded, bias: foldedBias };
}
