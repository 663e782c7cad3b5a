/**
 * GhostNet's building blocks, in the order and with the names of PaddleClas's ghostnet.py:
 * ConvBN (ConvBNLayer), Linear, GhostModule, SEBlock, GhostBottleneck. Each is built from
 * a typed weight map (weights.ts), checks every weight's shape at construction, and has a
 * `forward(input, output, …, hooks?)` that writes `output` (allocated by its caller with
 * `outputShape`) using the kernels in src/ops. Intermediate buffers come from GhostNet's
 * memory plan (a bottleneck's scratch) or are kept per input shape (the SE block's small
 * vectors), so repeated runs at one shape allocate no buffers.
 *
 * Layout: activations are NCHW float32.
 */
import { ShapeError } from "../errors.js";
import { conv2d, conv2dShape, type Conv2dAttributes } from "../ops/conv2d.js";
import { foldBatchNormIntoConv } from "../ops/batchnorm.js";
import { concat } from "../ops/concat.js";
import { add, mul } from "../ops/elementwise.js";
import { gemm } from "../ops/matmul.js";
import { clip, relu } from "../ops/unary.js";
import type { FusedActivation } from "../ops/fused-activation.js";
import { globalAveragePool } from "../ops/pooling.js";
import { Tensor, formatShape } from "../tensor/tensor.js";
import { type BottleneckConfig, type ConvBnSpec, type LinearSpec, BN_EPSILON, bottleneckSpecs, convWeightShape } from "./config.js";
import { PlanCache } from "./plan-cache.js";
import { type GhostNetWeights, batchNormWeights, paramNames, requireWeight } from "./weights.js";

/** Optional callbacks a forward pass calls: to observe activations, or to calibrate a fixture. */
export interface ForwardHooks {
  /** Called with each named layer's output right after it is computed (do not keep the tensor). */
  observe?(layerName: string, output: Tensor): void;
  /** Called before a ConvBN runs, with its input (fixture calibration resets its BatchNorm here). */
  beforeConvBn?(layer: ConvBN, input: Tensor): void;
  /** Called before a Linear runs, with its input. */
  beforeLinear?(layer: Linear, input: Tensor): void;
}

/** A view of images [from, from+count) of an NCHW tensor's channels [c0, c0+channels). */
function channelView(t: Tensor, n: number, c0: number, channels: number): Tensor {
  const [, c, h, w] = t.shape as [number, number, number, number];
  const start = (n * c + c0) * h * w;
  return new Tensor([1, channels, h, w], t.data.subarray(start, start + channels * h * w));
}

/**
 * ConvBNLayer: Conv2D (no bias, padding (k−1)/2, groups) → BatchNorm(ε) → relu or none.
 * The BatchNorm is folded into the conv at build time:
 *   w' = w·γ/√(σ²+ε),  b' = β − μ·γ/√(σ²+ε),  y = act(conv(x, w') + b').
 * Input [N, in, H, W] → output [N, out, ⌊(H+2p−k)/s⌋+1, ⌊(W+2p−k)/s⌋+1].
 */
export class ConvBN {
  readonly name: string;
  readonly spec: ConvBnSpec;
  readonly attributes: Conv2dAttributes;
  readonly activation: FusedActivation;
  /** Folded conv weight [out, in/groups, k, k] and bias [out]. */
  weight: Tensor;
  bias: Tensor;

  constructor(spec: ConvBnSpec, weights: GhostNetWeights) {
    this.name = spec.name;
    this.spec = spec;
    const shape = convWeightShape(spec);
    const w = requireWeight(weights, spec.name, paramNames.weights(spec.name), shape);
    const bn = batchNormWeights(weights, spec.name, spec.out);
    if (bn === undefined) {
      this.weight = new Tensor(shape, w.slice());
      this.bias = new Tensor([spec.out], requireWeight(weights, spec.name, paramNames.foldedBias(spec.name), [spec.out]).slice());
    } else {
      const folded = foldBatchNormIntoConv(new Tensor(shape, w), undefined, bn.scale, bn.offset, bn.mean, bn.variance, BN_EPSILON);
      this.weight = folded.weight;
      this.bias = folded.bias;
    }
    const pad = (spec.kernel - 1) >> 1;
    this.attributes = {
      kernelShape: [spec.kernel, spec.kernel],
      strides: [spec.stride, spec.stride],
      pads: [pad, pad, pad, pad],
      dilations: [1, 1],
      group: spec.groups,
    };
    this.activation = spec.relu ? { kind: "relu" } : { kind: "none" };
  }

  outputShape(inputShape: readonly number[]): number[] {
    return conv2dShape(inputShape, this.weight.shape, this.attributes);
  }

  forward(input: Tensor, output: Tensor, hooks?: ForwardHooks): void {
    hooks?.beforeConvBn?.(this, input);
    conv2d(output, input, this.weight, this.bias, this.attributes, this.activation);
    hooks?.observe?.(this.name, output);
  }
}

/** What follows a Linear: nothing (fc_1), relu (SE squeeze) or clip (SE excitation). */
export type LinearActivation = { kind: "none" } | { kind: "relu" } | { kind: "clip"; min: number; max: number };

/**
 * Linear: y = act(x·W + b), x [N, in], W [in, out] (Paddle's layout), b [out] → y [N, out].
 * The SE block's two layers (relu, then clip(0, 1)) and fc_1 (no activation).
 */
export class Linear {
  readonly name: string;
  readonly spec: LinearSpec;
  activation: LinearActivation;
  weight: Tensor;
  bias: Tensor;

  constructor(spec: LinearSpec, weights: GhostNetWeights, activation: LinearActivation = { kind: "none" }) {
    this.name = spec.name;
    this.spec = spec;
    // Copies, so the network holds no view into a decoded file's bytes.
    this.weight = new Tensor([spec.in, spec.out], requireWeight(weights, spec.name, paramNames.weights(spec.name), [spec.in, spec.out]).slice());
    this.bias = new Tensor([spec.out], requireWeight(weights, spec.name, paramNames.offset(spec.name), [spec.out]).slice());
    this.activation = activation;
  }

  forward(input: Tensor, output: Tensor, hooks?: ForwardHooks): void {
    hooks?.beforeLinear?.(this, input);
    gemm(output, input, this.weight, this.bias, {});
    if (this.activation.kind === "relu") relu(output, output);
    else if (this.activation.kind === "clip") clip(output, output, this.activation);
    hooks?.observe?.(this.name, output);
  }
}

/**
 * GhostModule(in → out): primary = ConvBN 1×1 in→init, cheap = depthwise ConvBN 3×3
 * init→init; output = concat(primary, cheap) on channels, [N, 2·init, H, W]. Both halves
 * are written straight into their channel range of the output, so there is no concat copy.
 */
export class GhostModule {
  readonly name: string;
  readonly primaryConv: ConvBN;
  readonly cheapOperation: ConvBN;

  constructor(specs: readonly [ConvBnSpec, ConvBnSpec], name: string, weights: GhostNetWeights) {
    this.name = name;
    this.primaryConv = new ConvBN(specs[0], weights);
    this.cheapOperation = new ConvBN(specs[1], weights);
  }

  outputShape(inputShape: readonly number[]): number[] {
    const [n, , h, w] = this.primaryConv.outputShape(inputShape) as [number, number, number, number];
    return [n, this.primaryConv.spec.out + this.cheapOperation.spec.out, h, w];
  }

  forward(input: Tensor, output: Tensor, hooks?: ForwardHooks): void {
    if (hooks !== undefined) {
      // Observed or calibrated runs see whole-batch tensors: both convs, then the concat.
      const primary = new Tensor(this.primaryConv.outputShape(input.shape));
      const cheap = new Tensor(this.cheapOperation.outputShape(primary.shape));
      this.primaryConv.forward(input, primary, hooks);
      this.cheapOperation.forward(primary, cheap, hooks);
      concat(output, [primary, cheap], 1);
      hooks.observe?.(this.name, output);
      return;
    }
    // Each image's two halves are written in place in the output's channel ranges.
    const init = this.primaryConv.spec.out;
    for (let n = 0; n < input.shape[0]!; n++) {
      const primary = channelView(output, n, 0, init);
      this.primaryConv.forward(channelView(input, n, 0, input.shape[1]!), primary);
      this.cheapOperation.forward(primary, channelView(output, n, init, this.cheapOperation.spec.out));
    }
  }
}

/**
 * SEBlock(c): s = mean over H×W of x → [N, c]; s = relu(s·W1 + b1) [N, c/4];
 * s = clip(s·W2 + b2, 0, 1) [N, c]; output = x · s (per image and channel).
 * (PaddleClas's GhostNet uses clip(0, 1) here, not hard-sigmoid.)
 */
export class SEBlock {
  readonly name: string;
  readonly squeeze: Linear;
  readonly excitation: Linear;
  private readonly plans = new PlanCache<{ pooled: Tensor; squeezed: Tensor; scale: Tensor }>();

  constructor(name: string, squeeze: LinearSpec, excitation: LinearSpec, weights: GhostNetWeights) {
    this.name = name;
    this.squeeze = new Linear(squeeze, weights, { kind: "relu" });
    this.excitation = new Linear(excitation, weights, { kind: "clip", min: 0, max: 1 });
  }

  forward(input: Tensor, output: Tensor, hooks?: ForwardHooks): void {
    const [n, c] = input.shape as [number, number];
    const plan = this.plans.get(String(n), () => ({
      pooled: new Tensor([n, c, 1, 1]),
      squeezed: new Tensor([n, this.squeeze.spec.out]),
      scale: new Tensor([n, c]),
    }));
    globalAveragePool(plan.pooled, input);
    this.squeeze.forward(plan.pooled.reshape([n, c]), plan.squeezed, hooks);
    this.excitation.forward(plan.squeezed, plan.scale, hooks);
    mul(output, input, plan.scale.reshape([n, c, 1, 1]));
    hooks?.observe?.(this.name, output);
  }
}

/**
 * A bottleneck's intermediate tensors for one input shape. GhostNet's memory plan lets
 * all 16 bottlenecks share them (one buffer per field, as large as the largest), since
 * only one bottleneck runs at a time.
 */
export interface BottleneckScratch {
  ghost1: Tensor;
  depthwise?: Tensor;
  se?: Tensor;
  shortcutDepthwise?: Tensor;
  shortcut?: Tensor;
}

export type BottleneckScratchShapes = { [K in keyof BottleneckScratch]: number[] | undefined };

/**
 * GhostBottleneck(in, hidden, out, k, s, se):
 *   x = ghost_module_1(input)            [N, hidden, H, W], relu
 *   x = depthwise_conv(x)  if s = 2      [N, hidden, H/2, W/2], k×k stride 2, no act
 *   x = se_block(x)        if se
 *   x = ghost_module_2(x)                [N, out, H/s, W/s], no relu
 *   output = x + shortcut, where shortcut = input when s = 1 and in = out, else
 *   shortcut_conv(shortcut_depthwise(input)) (depthwise k×k stride s, then 1×1 in→out).
 */
export class GhostBottleneck {
  readonly name: string;
  readonly config: BottleneckConfig;
  readonly ghostModule1: GhostModule;
  readonly depthwiseConv?: ConvBN;
  readonly seBlock?: SEBlock;
  readonly ghostModule2: GhostModule;
  readonly shortcutDepthwise?: ConvBN;
  readonly shortcutConv?: ConvBN;
  constructor(config: BottleneckConfig, weights: GhostNetWeights) {
    this.name = config.name;
    this.config = config;
    const specs = new Map(bottleneckSpecs(config).map((s) => [s.name, s]));
    const conv = (suffix: string): ConvBnSpec => specs.get(`${config.name}_${suffix}`) as ConvBnSpec;
    const ghost = (m: string): [ConvBnSpec, ConvBnSpec] => [conv(`${m}_primary_conv`), conv(`${m}_cheap_operation`)];
    this.ghostModule1 = new GhostModule(ghost("ghost_module_1"), `${config.name}_ghost_module_1`, weights);
    if (config.stride === 2) this.depthwiseConv = new ConvBN(conv("depthwise_depthwise"), weights);
    if (config.se) {
      const linear = (suffix: string): LinearSpec => specs.get(`${config.name}_se_${suffix}`) as LinearSpec;
      this.seBlock = new SEBlock(`${config.name}_se`, linear("1"), linear("2"), weights);
    }
    this.ghostModule2 = new GhostModule(ghost("ghost_module_2"), `${config.name}_ghost_module_2`, weights);
    if (!config.identityShortcut) {
      this.shortcutDepthwise = new ConvBN(conv("shortcut_depthwise_depthwise"), weights);
      this.shortcutConv = new ConvBN(conv("shortcut_conv"), weights);
    }
  }

  outputShape(inputShape: readonly number[]): number[] {
    let shape = this.ghostModule1.outputShape(inputShape);
    if (this.depthwiseConv) shape = this.depthwiseConv.outputShape(shape);
    return this.ghostModule2.outputShape(shape);
  }

  /** Shapes of the intermediates for an input shape (undefined: this block has no such step). */
  scratchShapes(inputShape: readonly number[]): BottleneckScratchShapes {
    const ghost1 = this.ghostModule1.outputShape(inputShape);
    const depthwise = this.depthwiseConv?.outputShape(ghost1);
    const shortcutDepthwise = this.shortcutDepthwise?.outputShape(inputShape);
    return {
      ghost1,
      depthwise,
      se: this.seBlock ? (depthwise ?? ghost1) : undefined,
      shortcutDepthwise,
      shortcut: shortcutDepthwise && this.shortcutConv!.outputShape(shortcutDepthwise),
    };
  }

  /** Fresh scratch tensors, for running this block on its own. */
  allocateScratch(inputShape: readonly number[]): BottleneckScratch {
    const shapes = this.scratchShapes(inputShape);
    const make = (shape: number[] | undefined): Tensor | undefined => (shape ? new Tensor(shape) : undefined);
    return {
      ghost1: new Tensor(shapes.ghost1!),
      depthwise: make(shapes.depthwise),
      se: make(shapes.se),
      shortcutDepthwise: make(shapes.shortcutDepthwise),
      shortcut: make(shapes.shortcut),
    };
  }

  forward(input: Tensor, output: Tensor, plan: BottleneckScratch, hooks?: ForwardHooks): void {
    let x = plan.ghost1;
    this.ghostModule1.forward(input, x, hooks);
    if (this.depthwiseConv) {
      this.depthwiseConv.forward(x, plan.depthwise!, hooks);
      x = plan.depthwise!;
    }
    if (this.seBlock) {
      this.seBlock.forward(x, plan.se!, hooks);
      x = plan.se!;
    }
    this.ghostModule2.forward(x, output, hooks);
    let shortcut = input;
    if (this.shortcutDepthwise) {
      this.shortcutDepthwise.forward(input, plan.shortcutDepthwise!, hooks);
      this.shortcutConv!.forward(plan.shortcutDepthwise!, plan.shortcut!, hooks);
      shortcut = plan.shortcut!;
    }
    add(output, output, shortcut);
    hooks?.observe?.(this.name, output);
  }
}

/** Throws ShapeError unless `input` is [N, channels, H, W]. */
export function checkInput(layer: string, input: { shape: readonly number[] }, channels: number): void {
  const s = input.shape;
  if (s.length !== 4 || s[1] !== channels || !(s[0]! > 0 && s[2]! > 0 && s[3]! > 0)) {
    throw new ShapeError(`${layer}: expected input [N, ${channels}, H, W], got ${formatShape(s)}`);
  }
}
