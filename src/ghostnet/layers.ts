/**
 * GhostNet's building blocks, in the order and with the names of PaddleClas's ghostnet.py:
 * ConvBN (ConvBNLayer), Linear, GhostModule, SEBlock, GhostBottleneck. Each is built from
 * a typed weight map (weights.ts), checks every weight's shape at construction, and has a
 * `forward(input, output, hooks?, clock?)` that writes `output` (allocated by its caller
 * with `outputShape`) using the kernels in src/ops. Intermediate buffers come from
 * GhostNet's memory plan (a bottleneck's scratch) or are kept by the layer (the SE block's
 * small vectors), so repeated runs at one shape allocate nothing.
 *
 * Two paths: a run without hooks calls the kernels on raw buffers with geometry resolved
 * once per input shape, BatchNorm folded, bias and activation in the conv epilogue, both
 * ghost halves written in place and the SE scale applied in place; a run with hooks (to
 * observe or calibrate) takes whole tensors step by step, the plain reading of the paper.
 *
 * Layout: activations are NCHW float32.
 */
import { ShapeError } from "../errors.js";
import {
  type Conv2dAttributes,
  type Conv2dGeometry,
  type ConvWorkRange,
  conv2d,
  conv2dGeometry,
  conv2dGeometryRange,
  conv2dShape,
  fullConvRange,
} from "../ops/conv2d.js";
import { depthwiseConv2dRange } from "../ops/depthwise.js";
import { packPointwiseWeights, pointwiseConv2dRange } from "../ops/pointwise.js";
import { foldBatchNormIntoConv } from "../ops/batchnorm.js";
import { concat } from "../ops/concat.js";
import { columnRows, gemm } from "../ops/matmul.js";
import { toDoubleArray } from "../ops/double-array.js";
import { sgemm } from "../ops/gemm.js";
import { matVecRows } from "../ops/matvec.js";
import { clip, relu } from "../ops/unary.js";
import { type FusedActivation, applyBiasActivation } from "../ops/fused-activation.js";
import { globalAveragePool, planeMeans } from "../ops/pooling.js";
import { addInPlace, scalePlanes } from "../ops/elementwise.js";
import { Tensor, formatShape } from "../tensor/tensor.js";
import type { WasmBackend } from "../wasm/backend.js";
import { WasmConv2d, WasmLinear } from "../wasm/conv.js";
import type { WasmElementwise } from "../wasm/elementwise.js";
import { type BottleneckConfig, type ConvBnSpec, type LinearSpec, BN_EPSILON, bottleneckSpecs, convWeightShape } from "./config.js";
import type { LayerKind, Stopwatch } from "./profile.js";
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

/** A conv's geometry and work range for one input shape, kept until the shape changes. */
interface PlannedConv {
  n: number;
  c: number;
  h: number;
  w: number;
  geometry: Conv2dGeometry;
  range: ConvWorkRange;
}

function sameShape(p: PlannedConv | undefined, s: readonly number[]): p is PlannedConv {
  return p !== undefined && p.n === s[0] && p.c === s[1] && p.h === s[2] && p.w === s[3] && s.length === 4;
}

function checkOutputShape(layer: string, output: Tensor, n: number, c: number, h: number, w: number): void {
  const s = output.shape;
  if (s.length !== 4 || s[0] !== n || s[1] !== c || s[2] !== h || s[3] !== w) {
    throw new ShapeError(`${layer}: output shape ${formatShape(s)} should be [${n}, ${c}, ${h}, ${w}]`);
  }
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
  /** The kernel that runs it: 1×1 GEMM, depthwise, or im2col + GEMM (the stem). */
  readonly path: "pointwise" | "depthwise" | "general";
  readonly profileKind: LayerKind;
  private planned: PlannedConv | undefined;
  /**
   * Whether the fast path keeps the weight in a float64 layout its kernel reads fastest:
   * panels for the pointwise tile kernel (packPointwiseWeights), rows for a 1×1 map (fc_0).
   * 8 bytes per weight; false reads the float32 weight, same results. See setWeightPacking.
   */
  packWeights = true;
  /** The weight [out, in] as float64 rows for 1×1 maps (fc_0), made on first use; cleared by a hooked run. */
  private weightRows: number[] | undefined;
  /** The weight packed for the pointwise tile kernel (packPointwiseWeights), made on first use; cleared by a hooked run. */
  private packedWeight: number[] | undefined;
  /** The folded weight and bias in the wasm backend's memory, when one is attached (attachBackend). */
  private wasm: WasmConv2d | undefined;

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
    const depthwise = spec.groups > 1 && spec.groups === spec.in && spec.groups === spec.out;
    this.path = spec.kernel === 1 && spec.stride === 1 && spec.groups === 1 ? "pointwise" : depthwise ? "depthwise" : "general";
    this.profileKind = spec.name === "fc_0" ? "fc" : this.path === "general" ? "stem" : this.path;
  }

  /** The output shape for an input shape [N, in, H, W]. */
  outputShape(inputShape: readonly number[]): number[] {
    return conv2dShape(inputShape, this.weight.shape, this.attributes);
  }

  /** Geometry and whole-output range for an input shape (resolved when the shape changes). */
  plan(inputShape: readonly number[]): PlannedConv {
    if (sameShape(this.planned, inputShape)) return this.planned;
    const geometry = conv2dGeometry(inputShape, this.weight.shape, this.attributes);
    const [n, c, h, w] = inputShape as [number, number, number, number];
    this.planned = { n, c, h, w, geometry, range: fullConvRange(geometry) };
    return this.planned;
  }

  /**
   * Runs this layer on the wasm backend from now on (its weights packed into the backend's
   * memory), or on the JS kernels again with null. Calls whose buffers are not in the
   * backend's memory, or that its kernels do not take, still run in JS.
   */
  attachBackend(backend: WasmBackend | null): void {
    this.wasm = backend === null ? undefined : new WasmConv2d(backend, this.weight.data, this.weight.shape, this.bias.data, this.spec.groups, this.activation);
  }

  /** Floats of backend scratch this layer needs for an input shape (0 without a backend). */
  scratchFloats(inputShape: readonly number[]): number {
    if (this.wasm === undefined) return 0;
    return WasmConv2d.scratchFloats(conv2dGeometry(inputShape, this.weight.shape, this.attributes));
  }

  /** y = act(conv(x) + b) on raw NCHW buffers laid out as `g` says, for the channels and rows of `range`. */
  convolve(y: Float32Array, x: Float32Array, g: Conv2dGeometry, range: ConvWorkRange): void {
    if (this.wasm !== undefined && this.wasm.run(y, x, g, range)) return;
    const w = this.weight.data;
    const b = this.bias.data;
    if (this.path === "pointwise" && this.packWeights && g.outH * g.outW === 1) this.matrixVector(y, x, g, range);
    else if (this.path === "pointwise") {
      if (this.packWeights) this.packedWeight ??= packPointwiseWeights(w, this.spec.out, this.spec.in);
      pointwiseConv2dRange(y, x, w, b, g, this.activation, range, this.packWeights ? this.packedWeight! : null);
    }
    else if (this.path === "depthwise") depthwiseConv2dRange(y, x, w, b, g, this.activation, range);
    else conv2dGeometryRange(y, x, w, b, g, this.activation, range);
  }

  /**
   * A 1×1 conv on a 1×1 map (fc_0 after global pooling) is a matrix-vector product per
   * image: matVecRows on the weight as float64 rows, then bias and activation. The same
   * bits as pointwiseConv2dRange's path for maps under 4 pixels (sgemm's dot products,
   * rounded, then applyBiasActivation), which the thread pool runs.
   */
  private matrixVector(y: Float32Array, x: Float32Array, g: Conv2dGeometry, range: ConvWorkRange): void {
    if (range.rowStart >= range.rowEnd) return;
    this.weightRows ??= toDoubleArray(this.weight.data);
    const K = g.inChannels;
    const { channelStart: m0, channelEnd: m1 } = range;
    const b = this.bias.data;
    for (let n = 0; n < g.batch; n++) {
      const yBase = n * g.outChannels;
      matVecRows(m1 - m0, K, this.weightRows, m0 * K, x, n * K, y, yBase + m0);
      for (let j = m0; j < m1; j++) applyBiasActivation(y, yBase + j, yBase + j + 1, b[j]!, this.activation);
    }
  }

  /** Drops the float64 copies of the weight (made again on the next fast run if packWeights). */
  dropPackedWeights(): void {
    this.weightRows = undefined;
    this.packedWeight = undefined;
  }

  /** Writes act(conv(input) + bias) into `output` (shaped by `outputShape`); with hooks, the plain path that calls them. */
  forward(input: Tensor, output: Tensor, hooks?: ForwardHooks, clock?: Stopwatch): void {
    if (hooks !== undefined) {
      this.dropPackedWeights(); // the hook may change the weight
      if (hooks.beforeConvBn !== undefined) this.wasm = undefined; // (the backend's copy would be stale)
      hooks.beforeConvBn?.(this, input);
      conv2d(output, input, this.weight, this.bias, this.attributes, this.activation);
      hooks.observe?.(this.name, output);
      return;
    }
    const { geometry: g, range } = this.plan(input.shape);
    checkOutputShape(this.name, output, g.batch, g.outChannels, g.outH, g.outW);
    this.convolve(output.data, input.data, g, range);
    clock?.lap(this.name, this.profileKind);
  }
}

/** What follows a Linear: nothing (fc_1), relu (SE squeeze) or clip (SE excitation). */
export type LinearActivation = { kind: "none" } | { kind: "relu" } | { kind: "clip"; min: number; max: number };

/**
 * Linear: y = act(x·W + b), x [N, in], W [in, out] (Paddle's layout), b [out] → y [N, out].
 * The SE block's two layers (relu, then clip(0, 1)) and fc_1 (no activation).
 *
 * The fast path reads W through a transposed copy Wᵀ [out, in] kept as float64 rows, so
 * each output is a dot product over contiguous memory (fc_1's W is 5 MB; reading it
 * column-wise streams it from memory many times) and the loads need no conversion
 * (matVecRows: 1.5–1.7× over sgemm on the float32 copy). Same products, same order as
 * sgemm on the float32 weights: the results are bitwise equal (the thread pool's fc_1 runs
 * sgemm on a shared float32 Wᵀ).
 */
export class Linear {
  readonly name: string;
  readonly spec: LinearSpec;
  activation: LinearActivation;
  weight: Tensor;
  bias: Tensor;
  /**
   * Whether the fast path reads W through Wᵀ as float64 rows (8 bytes per weight); false
   * runs sgemm on W as it is (no copy; slower, same results). See GhostNet.setWeightPacking.
   */
  packWeights = true;
  /** Wᵀ [out, in] as float64 rows, made on the first fast run (and again after a hooked run, which may change W). */
  private transposed: number[] | undefined;
  /** Wᵀ's panels in the wasm backend's memory, when one is attached. */
  private wasm: WasmLinear | undefined;

  constructor(spec: LinearSpec, weights: GhostNetWeights, activation: LinearActivation = { kind: "none" }) {
    this.name = spec.name;
    this.spec = spec;
    // Copies, so the network holds no view into a decoded file's bytes.
    this.weight = new Tensor([spec.in, spec.out], requireWeight(weights, spec.name, paramNames.weights(spec.name), [spec.in, spec.out]).slice());
    this.bias = new Tensor([spec.out], requireWeight(weights, spec.name, paramNames.offset(spec.name), [spec.out]).slice());
    this.activation = activation;
  }

  /** Drops Wᵀ (made again on the next fast run if packWeights). */
  dropPackedWeights(): void {
    this.transposed = undefined;
  }

  /** Runs this layer on the wasm backend (null: JS again); see ConvBN.attachBackend. */
  attachBackend(backend: WasmBackend | null): void {
    this.wasm = backend === null ? undefined : new WasmLinear(backend, this.weight.data, this.bias.data, this.spec.in, this.spec.out, this.activation);
  }

  private transposedWeight(): number[] {
    if (this.transposed !== undefined) return this.transposed;
    const { in: k, out: m } = this.spec;
    // W [in, out] row-major: its columns as float64 rows are Wᵀ.
    this.transposed = columnRows(this.weight.data, k, m, m, 1);
    return this.transposed;
  }

  /**
   * y[yOffset + r·out + j] = act(Σ_i x[xOffset + r·in + i]·W[i, j] + b[j]) for rows r < rows:
   * the fast path on raw buffers (the SE block calls it on one image's vectors).
   */
  apply(rows: number, x: Float32Array, xOffset: number, y: Float32Array, yOffset: number): void {
    if (this.wasm !== undefined && this.wasm.apply(rows, x, xOffset, y, yOffset)) return;
    const { in: k, out: m } = this.spec;
    if (this.packWeights) {
      const wt = this.transposedWeight();
      for (let r = 0; r < rows; r++) matVecRows(m, k, wt, 0, x, xOffset + r * k, y, yOffset + r * m);
    } else {
      // C [rows, m] = X [rows, k] · W [k, m] in place (its columns are strided).
      sgemm(rows, m, k, x, xOffset, k, 1, this.weight.data, 0, m, 1, y, yOffset, m);
    }
    const b = this.bias.data;
    const act = this.activation;
    for (let r = 0; r < rows; r++) {
      const row = yOffset + r * m;
      if (act.kind === "relu") {
        for (let j = 0; j < m; j++) {
          const v = Math.fround(y[row + j]! + b[j]!);
          y[row + j] = v < 0 ? 0 : v; // keeps NaN
        }
      } else if (act.kind === "clip") {
        const lo = act.min;
        const hi = act.max;
        for (let j = 0; j < m; j++) {
          const v = Math.fround(y[row + j]! + b[j]!);
          y[row + j] = v < lo ? lo : v > hi ? hi : v;
        }
      } else {
        for (let j = 0; j < m; j++) y[row + j] = y[row + j]! + b[j]!;
      }
    }
  }

  /** Writes act(input·W + b) into `output` [N, out] for `input` [N, in]; with hooks, the plain path that calls them. */
  forward(input: Tensor, output: Tensor, hooks?: ForwardHooks, clock?: Stopwatch): void {
    const [n, k] = input.shape as [number, number];
    if (input.shape.length !== 2 || k !== this.spec.in) {
      throw new ShapeError(`${this.name}: expected input [N, ${this.spec.in}], got ${formatShape(input.shape)}`);
    }
    if (output.shape.length !== 2 || output.shape[0] !== n || output.shape[1] !== this.spec.out) {
      throw new ShapeError(`${this.name}: output shape ${formatShape(output.shape)} should be [${n}, ${this.spec.out}]`);
    }
    if (hooks === undefined) {
      this.apply(n, input.data, 0, output.data, 0);
      clock?.lap(this.name, "fc");
      return;
    }
    if (hooks.beforeLinear !== undefined) this.wasm = undefined; // (the backend's copy would be stale)
    hooks.beforeLinear?.(this, input);
    this.dropPackedWeights(); // the hook may have changed W
    gemm(output, input, this.weight, this.bias, {});
    if (this.activation.kind === "relu") relu(output, output);
    else if (this.activation.kind === "clip") clip(output, output, this.activation);
    hooks.observe?.(this.name, output);
  }
}

/** The concat-in-place layout of a ghost module's output for one input shape. */
interface GhostLayout {
  planned: PlannedConv;
  output: Float32Array;
  /** The primary conv's geometry with the output's channel count (2·init) as its channel stride. */
  primary: Conv2dGeometry;
  /** The cheap op's geometry over the output buffer: 2·init channels, of which it reads [0, init). */
  cheap: Conv2dGeometry;
  /** Channels [0, init), all rows. */
  range: ConvWorkRange;
  /** The output from channel init of image 0 on: where the cheap op's channel c lands. */
  cheapOutput: Float32Array;
}

/**
 * GhostModule(in → out): primary = ConvBN 1×1 in→init, cheap = depthwise ConvBN 3×3
 * init→init; output = concat(primary, cheap) on channels, [N, 2·init, H, W].
 *
 * No concat copy: the output buffer is seen as a 2·init-channel tensor. The primary conv
 * writes its channels [0, init); the cheap op reads those and writes channel c to channel
 * init + c, which is channel c of the same buffer seen from offset init·H·W.
 */
export class GhostModule {
  readonly name: string;
  readonly primaryConv: ConvBN;
  readonly cheapOperation: ConvBN;
  private layout: GhostLayout | undefined;

  constructor(specs: readonly [ConvBnSpec, ConvBnSpec], name: string, weights: GhostNetWeights) {
    this.name = name;
    this.primaryConv = new ConvBN(specs[0], weights);
    this.cheapOperation = new ConvBN(specs[1], weights);
    const [primary, cheap] = specs;
    if (cheap.in !== primary.out || cheap.out !== primary.out || this.cheapOperation.path !== "depthwise") {
      throw new ShapeError(`${name}: the cheap operation should be depthwise ${primary.out} → ${primary.out}, found ${cheap.in} → ${cheap.out} (groups ${cheap.groups})`);
    }
  }

  /** The output shape for an input shape: [N, 2·init, H, W]. */
  outputShape(inputShape: readonly number[]): number[] {
    const [n, , h, w] = this.primaryConv.outputShape(inputShape) as [number, number, number, number];
    return [n, this.primaryConv.spec.out + this.cheapOperation.spec.out, h, w];
  }

  private layoutFor(input: Tensor, output: Float32Array): GhostLayout {
    const planned = this.primaryConv.plan(input.shape);
    const l = this.layout;
    if (l !== undefined && l.planned === planned && l.output === output) return l;
    const g = planned.geometry;
    const init = g.outChannels;
    const both = 2 * init;
    const cheap = conv2dGeometry([g.batch, init, g.outH, g.outW], this.cheapOperation.weight.shape, this.cheapOperation.attributes);
    this.layout = {
      planned,
      output,
      primary: { ...g, outChannels: both, outPerGroup: both },
      cheap: { ...cheap, inChannels: both, outChannels: both, group: both },
      range: { channelStart: 0, channelEnd: init, rowStart: 0, rowEnd: g.outH },
      cheapOutput: output.subarray(init * g.outH * g.outW),
    };
    return this.layout;
  }

  /** Writes concat(primary(input), cheap(primary(input))) into `output`: both halves in place, no copy (see the class comment). */
  forward(input: Tensor, output: Tensor, hooks?: ForwardHooks, clock?: Stopwatch): void {
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
    const l = this.layoutFor(input, output.data);
    const g = l.planned.geometry;
    checkOutputShape(this.name, output, g.batch, 2 * g.outChannels, g.outH, g.outW);
    this.primaryConv.convolve(output.data, input.data, l.primary, l.range);
    clock?.lap(this.primaryConv.name, "pointwise");
    this.cheapOperation.convolve(l.cheapOutput, output.data, l.cheap, l.range);
    clock?.lap(this.cheapOperation.name, "depthwise");
  }
}

/**
 * SEBlock(c): s = mean over H×W of x → [N, c]; s = relu(s·W1 + b1) [N, c/4];
 * s = clip(s·W2 + b2, 0, 1) [N, c]; output = x · s (per image and channel).
 * (PaddleClas's GhostNet uses clip(0, 1) here, not hard-sigmoid.)
 *
 * One image at a time: a pass over x for the means, the two small layers on vectors the
 * block keeps, and a pass scaling each channel plane (output may be input: in place).
 */
export class SEBlock {
  readonly name: string;
  readonly squeeze: Linear;
  readonly excitation: Linear;
  private pooled: Float32Array;
  private squeezed: Float32Array;
  private scale: Float32Array;
  private readonly ownVectors: readonly [Float32Array, Float32Array, Float32Array];
  /** The wasm plane means and scale, when the block runs on a backend (useElementwise). */
  private elementwise: WasmElementwise | undefined;

  constructor(name: string, squeeze: LinearSpec, excitation: LinearSpec, weights: GhostNetWeights) {
    this.name = name;
    this.squeeze = new Linear(squeeze, weights, { kind: "relu" });
    this.excitation = new Linear(excitation, weights, { kind: "clip", min: 0, max: 1 });
    this.pooled = new Float32Array(squeeze.in);
    this.squeezed = new Float32Array(squeeze.out);
    this.scale = new Float32Array(excitation.out);
    this.ownVectors = [this.pooled, this.squeezed, this.scale];
  }

  /** Runs the two small layers on the wasm backend (null: JS again), and its passes with `elementwise`. */
  attachBackend(backend: WasmBackend | null, elementwise?: WasmElementwise): void {
    this.squeeze.attachBackend(backend);
    this.excitation.attachBackend(backend);
    this.elementwise = backend === null ? undefined : elementwise;
    if (backend === null) this.useVectors(null);
  }

  /**
   * The block's three vectors (pooled means, squeezed, scale; at least c, c/4 and c floats)
   * in a plan's memory — the wasm backend's, so its kernels can take them — or its own (null).
   */
  useVectors(vectors: readonly [Float32Array, Float32Array, Float32Array] | null): void {
    [this.pooled, this.squeezed, this.scale] = vectors ?? this.ownVectors;
  }

  /**
   * The two small layers on one image's channel means: scale[s0 + ch] for ch < c from
   * pooled[p0 + ch] (both length c; scale may be shared memory another thread reads next).
   */
  excite(pooled: Float32Array, scale: Float32Array, p0 = 0, s0 = 0): void {
    this.squeeze.apply(1, pooled, p0, this.squeezed, 0);
    this.excitation.apply(1, this.squeezed, 0, scale, s0);
  }

  /** Writes input · gate into `output` (may be `input` itself: in place), the gate per image and channel. */
  forward(input: Tensor, output: Tensor, hooks?: ForwardHooks, clock?: Stopwatch): void {
    const [n, c, h, w] = input.shape as [number, number, number, number];
    if (input.shape.length !== 4 || c !== this.squeeze.spec.in) {
      throw new ShapeError(`${this.name}: expected input [N, ${this.squeeze.spec.in}, H, W], got ${formatShape(input.shape)}`);
    }
    checkOutputShape(this.name, output, n, c, h, w);
    if (hooks !== undefined) {
      // Observed or calibrated runs: the two layers see the whole batch [N, c].
      const pooled = new Tensor([n, c]);
      const squeezed = new Tensor([n, this.squeeze.spec.out]);
      const scale = new Tensor([n, c]);
      for (let i = 0; i < n; i++) planeMeans(pooled.data, i * c, input.data, i * c * h * w, h * w, c);
      this.squeeze.forward(pooled, squeezed, hooks);
      this.excitation.forward(squeezed, scale, hooks);
      for (let i = 0; i < n; i++) scalePlanes(output.data, input.data, i * c * h * w, h * w, c, scale.data, i * c);
      hooks.observe?.(this.name, output);
      return;
    }
    const wasm = this.elementwise;
    for (let i = 0; i < n; i++) {
      const image = i * c * h * w;
      if (!wasm?.planeMeans(this.pooled, 0, input.data, image, h * w, c)) planeMeans(this.pooled, 0, input.data, image, h * w, c);
      this.excite(this.pooled, this.scale);
      if (!wasm?.scalePlanes(output.data, input.data, image, h * w, c, this.scale, 0)) scalePlanes(output.data, input.data, image, h * w, c, this.scale, 0);
    }
    clock?.lap(this.name, "se");
  }
}

/**
 * A bottleneck's intermediate tensors for one input shape. GhostNet's memory plan lets
 * all 16 bottlenecks share them (one buffer per field, as large as the largest), since
 * only one bottleneck runs at a time. (The SE block scales its input in place.)
 */
export interface BottleneckScratch {
  ghost1: Tensor;
  depthwise?: Tensor;
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
  private readonly residualName: string;
  /** The wasm residual add, when the block runs on a backend (see GhostNet.attachBackend). */
  elementwise: WasmElementwise | undefined;

  constructor(config: BottleneckConfig, weights: GhostNetWeights) {
    this.name = config.name;
    this.config = config;
    this.residualName = `${config.name}_add`;
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

  /** The output shape for an input shape: [N, out, H/s, W/s]. */
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
      shortcutDepthwise: make(shapes.shortcutDepthwise),
      shortcut: make(shapes.shortcut),
    };
  }

  /** Writes the block's output into `output`, using `plan`'s scratch tensors for the intermediates. */
  forward(input: Tensor, output: Tensor, plan: BottleneckScratch, hooks?: ForwardHooks, clock?: Stopwatch): void {
    let x = plan.ghost1;
    this.ghostModule1.forward(input, x, hooks, clock);
    if (this.depthwiseConv) {
      this.depthwiseConv.forward(x, plan.depthwise!, hooks, clock);
      x = plan.depthwise!;
    }
    if (this.seBlock) this.seBlock.forward(x, x, hooks, clock);
    this.ghostModule2.forward(x, output, hooks, clock);
    let shortcut = input;
    if (this.shortcutDepthwise) {
      this.shortcutDepthwise.forward(input, plan.shortcutDepthwise!, hooks, clock);
      this.shortcutConv!.forward(plan.shortcutDepthwise!, plan.shortcut!, hooks, clock);
      shortcut = plan.shortcut!;
    }
    if (output.data.length !== shortcut.data.length) {
      throw new ShapeError(`${this.name}: shortcut ${formatShape(shortcut.shape)} does not match output ${formatShape(output.shape)}`);
    }
    if (!this.elementwise?.addInPlace(output.data, 0, shortcut.data, 0, output.data.length)) addInPlace(output.data, 0, shortcut.data, 0, output.data.length);
    clock?.lap(this.residualName, "residual");
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
