/**
 * GhostNet test fixtures: seeded weights with BatchNorm statistics calibrated on
 * image-like inputs, written as a Paddle2ONNX-style ONNX file (onnx-export.ts).
 *
 * Why calibrate: with He-initialised weights and identity BatchNorms, activations grow or
 * shrink layer by layer and the softmax saturates to one class, which hides errors. Here
 * one forward pass of the typed GhostNet on a batch of smooth random images sets, just
 * before each ConvBN runs, its BatchNorm mean and variance from the batch statistics of
 * its raw conv output (with a random scale near 1 and offset near 0), so every layer's
 * output is unit-scale; the SE linears are rescaled so the clip(0, 1) sees values around
 * 0.5, and fc_1 so that the logits have a standard deviation of about 1.5 on the
 * calibration images (top-1 probability around 0.1–0.4 on other typical inputs, far from
 * saturated).
 */
import { foldBatchNormIntoConv } from "../ops/batchnorm.js";
import { conv2d } from "../ops/conv2d.js";
import { Tensor } from "../tensor/tensor.js";
import { type GhostNetConfig, BN_EPSILON, convWeightShape, ghostNetConfig, parameterLayers } from "./config.js";
import { GhostNet } from "./ghostnet.js";
import type { ConvBN, Linear } from "./layers.js";
import { type ExportOptions, type FixtureStyle, exportGhostNetOnnx } from "./onnx-export.js";
import { type WeightTensor, paramNames } from "./weights.js";

export type { FixtureStyle } from "./onnx-export.js";

/** Options of `makeGhostNetFixture`: scale, export style, seed, and the export's other options. */
export interface GhostNetFixtureOptions extends Omit<ExportOptions, "style"> {
  scale: number;
  style: FixtureStyle;
  seed: number;
  classCount?: number;
  /** Images in the calibration batch (default 3) and their side (default 224). */
  calibrationBatch?: number;
  calibrationSize?: number;
}

/** Seeded uniform numbers in [0, 1) (mulberry32). */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded standard normal numbers (Box–Muller on mulberry32). */
function seededNormal(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/**
 * A batch of smooth random "photos" [n, 3, size, size], normalised as PaddleClas does:
 * each pixel in [0, 1] is a sum of a few low-frequency waves with per-channel tints and a
 * little noise, then (v − mean) / std per channel (DESIGN.md §4).
 */
export function imageLikeBatch(n: number, seed: number, size = 224): Tensor {
  const rand = seededUniform(seed);
  const out = new Tensor([n, 3, size, size]);
  const plane = size * size;
  for (let i = 0; i < n; i++) {
    const waves = Array.from({ length: 5 }, () => ({
      fx: (rand() - 0.5) * 12 * Math.PI,
      fy: (rand() - 0.5) * 12 * Math.PI,
      phase: rand() * 2 * Math.PI,
      tint: [rand(), rand(), rand()].map((t) => 0.08 + 0.12 * t),
    }));
    const base = [rand(), rand(), rand()].map((b) => 0.25 + 0.5 * b);
    for (let c = 0; c < 3; c++) {
      const offset = (i * 3 + c) * plane;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          let v = base[c]!;
          for (const w of waves) v += w.tint[c]! * Math.sin((w.fx * x) / size + (w.fy * y) / size + w.phase);
          v += (rand() - 0.5) * 0.04;
          v = Math.min(1, Math.max(0, v));
          out.data[offset + y * size + x] = (v - MEAN[c]!) / STD[c]!;
        }
      }
    }
  }
  return out;
}

/** Per-channel mean and variance of an NCHW tensor over N, H, W (float64 sums). */
function channelStatistics(t: Tensor): { mean: Float64Array; variance: Float64Array } {
  const [n, c, h, w] = t.shape as [number, number, number, number];
  const plane = h * w;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < n; i++) {
      const start = (i * c + ch) * plane;
      for (let j = start; j < start + plane; j++) {
        const v = t.data[j]!;
        sum += v;
        sumSquares += v * v;
      }
    }
    const count = n * plane;
    mean[ch] = sum / count;
    variance[ch] = Math.max(0, sumSquares / count - mean[ch]! * mean[ch]!);
  }
  return { mean, variance };
}

/** He-initialised weights with zero folded biases (BatchNorm still to be calibrated). */
function initialWeights(config: GhostNetConfig, seed: number): Map<string, WeightTensor> {
  const normal = seededNormal(seededUniform(seed));
  const weights = new Map<string, WeightTensor>();
  for (const spec of parameterLayers(config)) {
    if (spec.kind === "convbn") {
      const shape = convWeightShape(spec);
      const fanIn = shape[1]! * shape[2]! * shape[3]!;
      const std = Math.sqrt(2 / fanIn);
      weights.set(paramNames.weights(spec.name), { shape, data: Float32Array.from({ length: shape[0]! * fanIn }, () => std * normal()) });
      weights.set(paramNames.foldedBias(spec.name), { shape: [spec.out], data: new Float32Array(spec.out) });
    } else {
      const std = 1 / Math.sqrt(spec.in);
      weights.set(paramNames.weights(spec.name), { shape: [spec.in, spec.out], data: Float32Array.from({ length: spec.in * spec.out }, () => std * normal()) });
      weights.set(paramNames.offset(spec.name), { shape: [spec.out], data: Float32Array.from({ length: spec.out }, () => 0.1 * normal()) });
    }
  }
  return weights;
}

/**
 * Seeded GhostNet weights (PaddleClas names, BatchNorm statistics included) calibrated on
 * `batch` image-like inputs of side `size`.
 */
export function makeGhostNetWeights(config: GhostNetConfig, seed: number, batch = 3, size = 224): Map<string, WeightTensor> {
  const weights = initialWeights(config, seed);
  const uniform = seededUniform(seed ^ 0x5eed);
  const net = new GhostNet(config, weights);

  const calibrateConvBn = (layer: ConvBN, input: Tensor): void => {
    const raw = new Tensor(layer.outputShape(input.shape));
    conv2d(raw, input, layer.weight, layer.bias, layer.attributes, { kind: "none" });
    const { mean, variance } = channelStatistics(raw);
    const spatial = raw.shape[2]! * raw.shape[3]!;
    const average = variance.reduce((a, b) => a + b, 0) / variance.length;
    const secondMoment = mean.reduce((a, m, c) => a + m * m + variance[c]!, 0) / mean.length;
    const out = layer.spec.out;
    const bn = { scale: new Float32Array(out), offset: new Float32Array(out), mean: new Float32Array(out), variance: new Float32Array(out) };
    for (let c = 0; c < out; c++) {
      // On 1×1 maps (fc_0) the few samples (one per image) differ little, and dividing by
      // that spread would blow up other images' outputs: normalise by the second moment
      // (blended with the layer's) around half the mean instead.
      const secondMomentC = mean[c]! * mean[c]! + variance[c]!;
      const v = spatial === 1 ? 0.5 * secondMomentC + 0.5 * secondMoment : Math.max(variance[c]!, 0.05 * average);
      bn.variance[c] = (v + 1e-6) * (0.8 + 0.45 * uniform());
      bn.mean[c] = (spatial === 1 ? 0.5 * mean[c]! : mean[c]!) + 0.1 * Math.sqrt(v) * (uniform() - 0.5);
      bn.scale[c] = 0.75 + 0.5 * uniform();
      bn.offset[c] = layer.spec.relu ? 0.2 * (uniform() - 0.3) : 0.2 * (uniform() - 0.5);
    }
    const rawWeight = weights.get(paramNames.weights(layer.name))!;
    const folded = foldBatchNormIntoConv(new Tensor(rawWeight.shape, rawWeight.data), undefined, bn.scale, bn.offset, bn.mean, bn.variance, BN_EPSILON);
    layer.weight = folded.weight;
    layer.bias = folded.bias;
    weights.delete(paramNames.foldedBias(layer.name));
    weights.set(paramNames.bnScale(layer.name), { shape: [out], data: bn.scale });
    weights.set(paramNames.bnOffset(layer.name), { shape: [out], data: bn.offset });
    weights.set(paramNames.bnMean(layer.name), { shape: [out], data: bn.mean });
    weights.set(paramNames.bnVariance(layer.name), { shape: [out], data: bn.variance });
  };

  const calibrateLinear = (layer: Linear, input: Tensor): void => {
    // Measure y = x·W + b over the whole batch and all outputs, then rescale W and b so y
    // has the target mean and spread for what follows (relu, clip(0, 1), or softmax).
    const raw = new Tensor([input.shape[0]!, layer.spec.out]);
    const activation = layer.activation;
    layer.activation = { kind: "none" };
    layer.forward(input, raw);
    layer.activation = activation;
    let sum = 0;
    let sumSquares = 0;
    for (const v of raw.data) {
      sum += v;
      sumSquares += v * v;
    }
    const m = sum / raw.size;
    const s = Math.sqrt(Math.max(sumSquares / raw.size - m * m, 1e-12));
    const target = layer.name === "fc_1" ? { mean: 0, std: 1.5 } : layer.name.endsWith("_se_2") ? { mean: 0.5, std: 0.3 } : { mean: 0, std: 1 };
    const factor = target.std / s;
    for (let i = 0; i < layer.weight.size; i++) layer.weight.data[i]! *= factor;
    for (let j = 0; j < layer.bias.size; j++) layer.bias.data[j] = (layer.bias.data[j]! - m) * factor + target.mean;
    weights.set(paramNames.weights(layer.name), { shape: layer.weight.shape, data: layer.weight.data });
    weights.set(paramNames.offset(layer.name), { shape: layer.bias.shape, data: layer.bias.data });
  };

  net.forward(imageLikeBatch(batch, seed + 1, size), {
    hooks: { beforeConvBn: calibrateConvBn, beforeLinear: calibrateLinear },
  });
  return weights;
}

/** A Paddle2ONNX-style GhostNet ONNX file with calibrated seeded weights. */
export function makeGhostNetFixture(options: GhostNetFixtureOptions): Uint8Array {
  const config = ghostNetConfig(options.scale, options.classCount ?? 1000);
  const weights = makeGhostNetWeights(config, options.seed, options.calibrationBatch, options.calibrationSize);
  return exportGhostNetOnnx(config, weights, options).bytes;
}
