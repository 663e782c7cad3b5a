/**
 * Convolutions and fully connected layers on the wasm backend, for any caller (the typed
 * GhostNet's ConvBN and Linear, the graph executor's Conv and Gemm): the weights are
 * packed once into the backend's memory, the kernel for a shape is emitted and compiled
 * on first use, and a run on views of that memory calls it per image.
 *
 *   pointwise 1×1 (stride 1, no padding, group 1)   the GEMM tile kernel (kernels/pointwise.ts)
 *   general conv, group 1 (the stem)                im2col into scratch, then the same GEMM
 *   depthwise                                       kernels/depthwise.ts
 *   anything else                                   not handled: the caller runs the JS kernel
 *
 * `run` returns false whenever it does not handle a call (a shape or range the kernels do
 * not take, views outside the backend's memory), and the caller falls back to JavaScript;
 * so correctness never depends on which calls the wasm kernels take.
 */
import type { Conv2dGeometry, ConvWorkRange } from "../ops/conv2d.js";
import { type FusedActivation, NO_ACTIVATION, applyBiasActivation } from "../ops/fused-activation.js";
import type { WasmBackend } from "./backend.js";
import { isVectorActivation } from "./kernels/activation.js";
import {
  type DepthwiseShape, depthwiseKey, depthwiseModule, depthwiseScratchFloats, depthwiseShapeOf, depthwiseSupported, depthwiseWeightFloats, packDepthwiseWeights,
} from "./kernels/depthwise.js";
import { im2colKey, im2colModule, im2colShapeOf, im2colSupported } from "./kernels/im2col.js";
import { PANEL_ROWS, packPointwisePanels, panelCount, panelFloats, pointwiseKey, pointwiseModule, type PointwiseShape } from "./kernels/pointwise.js";

/**
 * Multiply-adds below which a layer stays on the calling thread: handing a job to the pool's
 * spinning workers costs a few microseconds (src/threads/README.md), 64K multiply-adds take
 * about 5–10 µs on one thread.
 */
const PARALLEL_MIN_MACS = 65536;

/**
 * Most bytes one operand of a kernel may span (1 GiB): addresses and the offsets baked into
 * a kernel are signed 32-bit integers, so larger tensors stay on the JS kernels.
 */
export const MAX_OPERAND_BYTES = 2 ** 30;

/** Whether every operand of a conv with geometry `g` is small enough for the wasm kernels. */
function fitsKernels(g: Conv2dGeometry): boolean {
  const input = g.batch * g.inChannels * g.inH * g.inW * 4;
  const output = g.batch * g.outChannels * g.outH * g.outW * 4;
  const col = g.inPerGroup * g.kH * g.kW * g.outH * g.outW * 4;
  // Strides, pads and windows become memarg offsets and loop constants: keep them small too.
  const small = Math.max(g.strideH, g.strideW, g.padTop, g.padLeft, g.padBottom, g.padRight, g.kH, g.kW, g.inW) <= 65536;
  return small && input <= MAX_OPERAND_BYTES && output <= MAX_OPERAND_BYTES && col <= MAX_OPERAND_BYTES && g.outH * g.outW * 16 <= MAX_OPERAND_BYTES;
}

type PointwiseFunction = (panels: number, x: number, y: number, panelStart: number, panelEnd: number, colStart: number, colEnd: number) => void;
type DepthwiseFunction = (weights: number, x: number, y: number, scratch: number, channelStart: number, channelEnd: number, rowStart: number, rowEnd: number) => void;
type Im2colFunction = (x: number, col: number, rowStart: number, rowEnd: number) => void;
type KernelFunction = PointwiseFunction | DepthwiseFunction;

/** The GEMM kernel's shape on `backend` (fused multiply-add where the backend uses relaxed SIMD). */
function gemmShape(backend: WasmBackend, K: number, M: number, P: number, activation: FusedActivation): PointwiseShape {
  return { K, M, P, activation, fused: backend.fusedMultiplyAdd };
}

/** The pointwise GEMM kernel for `shape` on `backend`. */
export function pointwiseKernel(backend: WasmBackend, shape: PointwiseShape): PointwiseFunction {
  const key = pointwiseKey(shape);
  return backend.kernel(key, (memory) => pointwiseModule(shape, memory)).pointwise as PointwiseFunction;
}

/**
 * Weights [M, K] and bias packed as pointwise panels in the backend's weight region.
 * Returns the panels' byte address.
 */
export function packPanels(backend: WasmBackend, w: Float32Array, bias: Float32Array | null, M: number, K: number): number {
  const address = backend.allocateWeights(panelCount(M) * panelFloats(K));
  packPointwisePanels(w, bias, M, K, backend.floats, address / 4);
  return address;
}

/** A conv's weights on the wasm backend, and the kernels that run it. */
export class WasmConv2d {
  private readonly backend: WasmBackend;
  private readonly weightShape: readonly number[];
  /** The activation the kernels fuse (sigmoid: none, then applied in JS). */
  private readonly kernelActivation: FusedActivation;
  private readonly jsActivation: FusedActivation | null;
  private panels = -1;
  /** Depthwise weights (bias first per channel), when the conv is depthwise. */
  private depthwiseWeights = -1;
  /**
   * The kernel (and its cache key) for the last geometry object seen: layers keep one
   * geometry per input shape, so a run neither builds key strings nor looks kernels up.
   */
  private resolved: { g: Conv2dGeometry; key: string; kernel: KernelFunction; im2col?: Im2colFunction } | undefined;

  /** Packs `weight` [M, C/group, kH, kW] (and `bias` [M] or null) into the backend's weight region. */
  constructor(backend: WasmBackend, weight: Float32Array, weightShape: readonly number[], bias: Float32Array | null, group: number, activation: FusedActivation) {
    this.backend = backend;
    this.weightShape = weightShape;
    const vector = isVectorActivation(activation);
    this.kernelActivation = vector ? activation : NO_ACTIVATION;
    this.jsActivation = vector ? null : activation;
    // Packed now, before any plan: weights always sit below the activations.
    const [M, perGroup, kH, kW] = weightShape as [number, number, number, number];
    if (group === 1 && M > 0 && perGroup * kH * kW > 0) this.panels = packPanels(backend, weight, bias, M, perGroup * kH * kW);
    else if (group === M && perGroup === 1 && M > 0) {
      // (The packed layout depends on the window only.)
      const window = { kH, kW } as DepthwiseShape;
      this.depthwiseWeights = backend.allocateWeights(depthwiseWeightFloats(M, window));
      packDepthwiseWeights(weight, bias, M, window, backend.floats, this.depthwiseWeights / 4);
    }
  }

  /** Floats of scratch `run` needs for geometry `g` (im2col of the whole output, or a padded plane). */
  static scratchFloats(g: Conv2dGeometry): number {
    if (isPointwise(g) || !fitsKernels(g)) return 0;
    if (g.group === 1) return g.inChannels * g.kH * g.kW * g.outH * g.outW;
    if (depthwiseSupported(g)) return depthwiseScratchFloats(depthwiseShapeOf(g, NO_ACTIVATION));
    return 0;
  }

  /**
   * y = act(conv(x) + b) for `range`, on views into the backend's memory, with the plan's
   * scratch (backend.scratch). False when not handled (run the JS kernel).
   */
  run(y: Float32Array, x: Float32Array, g: Conv2dGeometry, range: ConvWorkRange): boolean {
    const backend = this.backend;
    if (!backend.holds(y) || !backend.holds(x) || !fitsKernels(g)) return false;
    // The plan's scratch, if it is large enough for this conv (else -1: not handled).
    const scratch = backend.scratchFloats >= WasmConv2d.scratchFloats(g) ? backend.scratch : -1;
    const { channelStart: c0, channelEnd: c1, rowStart: r0, rowEnd: r1 } = range;
    if (c0 >= c1 || r0 >= r1 || g.batch === 0) return true;
    let handled: boolean;
    if (isPointwise(g)) handled = this.runPointwise(y, x, g, range);
    else if (g.group === 1 && g.dilationH === 1 && g.dilationW === 1) handled = this.runIm2col(y, x, g, range, scratch);
    else handled = this.runDepthwise(y, x, g, range, scratch);
    if (handled && this.jsActivation !== null) {
      const plane = g.outH * g.outW;
      for (let n = 0; n < g.batch; n++) {
        for (let c = c0; c < c1; c++) {
          const base = (n * g.outChannels + c) * plane;
          applyBiasActivation(y, base + r0 * g.outW, base + r1 * g.outW, 0, this.jsActivation);
        }
      }
    }
    return handled;
  }


  /** The kernels for geometry `g`: made by `make` when `g` is not the geometry of the last call. */
  private kernelFor(g: Conv2dGeometry, make: () => { key: string; kernel: KernelFunction; im2col?: Im2colFunction }): { key: string; kernel: KernelFunction; im2col?: Im2colFunction } {
    if (this.resolved?.g !== g) this.resolved = { g, ...make() };
    return this.resolved;
  }

  /** Channel ranges must start on a panel and end on one or at M (the kernel guards rows ≥ M only). */
  private panelRange(c0: number, c1: number, M: number): [number, number] | null {
    if (c0 % PANEL_ROWS !== 0 || (c1 % PANEL_ROWS !== 0 && c1 !== M)) return null;
    return [c0 / PANEL_ROWS, Math.ceil(c1 / PANEL_ROWS)];
  }

  private runPointwise(y: Float32Array, x: Float32Array, g: Conv2dGeometry, range: ConvWorkRange): boolean {
    const M = this.weightShape[0]!;
    const K = g.inChannels;
    const panelsRange = this.panelRange(range.channelStart, range.channelEnd, M);
    if (panelsRange === null || this.panels < 0 || K !== this.weightShape[1]) return false;
    const P = g.outH * g.outW;
    const panels = this.panels;
    const { key, kernel } = this.kernelFor(g, () => {
      const shape = gemmShape(this.backend, K, M, P, this.kernelActivation);
      return { key: pointwiseKey(shape), kernel: pointwiseKernel(this.backend, shape) };
    }) as { key: string; kernel: PointwiseFunction };
    const xImage = K * P * 4;
    const yImage = g.outChannels * P * 4;
    const [p0, p1] = panelsRange;
    const c0 = range.rowStart * g.outW;
    const c1 = range.rowEnd * g.outW;
    if (this.backend.threads > 1 && (p1 - p0) * PANEL_ROWS * K * (c1 - c0) * g.batch >= PARALLEL_MIN_MACS) {
      // Threads take pixel columns, so that each reads and writes the same part of the image
      // as in the layers around it (its cache has them); panels of channels when a plane is
      // small (7×7, 14×14 at batch 1: fewer than 128 columns per thread).
      const byPanels = c1 - c0 < 128 * this.backend.threads && p1 - p0 >= 2 * this.backend.threads;
      this.backend.parallel(key, "pointwise", [panels, x.byteOffset, y.byteOffset, p0, p1, c0, c1], [0, xImage, yImage, 0, 0, 0, 0], g.batch, byPanels ? 3 : 5);
      return true;
    }
    for (let n = 0; n < g.batch; n++) kernel(panels, x.byteOffset + n * xImage, y.byteOffset + n * yImage, p0, p1, c0, c1);
    return true;
  }

  /**
   * General conv, group 1, whole images: col [C·kH·kW, outH·outW] = im2col(x) in the plan's
   * scratch, then Y = W [M, C·kH·kW] · col through the GEMM kernel with P = outH·outW
   * (its panels split across threads; the im2col stays on the calling thread).
   */
  private runIm2col(y: Float32Array, x: Float32Array, g: Conv2dGeometry, range: ConvWorkRange, scratch: number): boolean {
    const M = this.weightShape[0]!;
    const K = g.inChannels * g.kH * g.kW;
    const panelsRange = this.panelRange(range.channelStart, range.channelEnd, M);
    if (panelsRange === null || scratch < 0 || this.panels < 0 || !im2colSupported(g)) return false;
    const wholeImage = range.rowStart === 0 && range.rowEnd === g.outH;
    if (!wholeImage) return false;
    const P = g.outH * g.outW;
    const panels = this.panels;
    const { key, kernel, im2col } = this.kernelFor(g, () => {
      const gemm = gemmShape(this.backend, K, M, P, this.kernelActivation);
      const shape = im2colShapeOf(g);
      return {
        key: pointwiseKey(gemm),
        kernel: pointwiseKernel(this.backend, gemm),
        im2col: this.backend.kernel(im2colKey(shape), (memory) => im2colModule(shape, memory)).im2col as Im2colFunction,
      };
    }) as { key: string; kernel: PointwiseFunction; im2col: Im2colFunction };
    const parallel = this.backend.threads > 1 && panelsRange[1] - panelsRange[0] >= 2;
    const xImage = g.inChannels * g.inH * g.inW;
    for (let n = 0; n < g.batch; n++) {
      im2col(x.byteOffset + n * xImage * 4, scratch, 0, g.outH);
      const yImage = y.byteOffset + n * g.outChannels * P * 4;
      if (parallel) this.backend.parallel(key, "pointwise", [panels, scratch, yImage, panelsRange[0], panelsRange[1], 0, P], [0, 0, 0, 0, 0, 0, 0], 1, 3);
      else kernel(panels, scratch, yImage, panelsRange[0], panelsRange[1], 0, P);
    }
    return true;
  }

  /** Depthwise: the kernel per image over the range's channels and rows, with the plan's scratch for its padded rows. */
  private runDepthwise(y: Float32Array, x: Float32Array, g: Conv2dGeometry, range: ConvWorkRange, scratch: number): boolean {
    if (this.depthwiseWeights < 0 || scratch < 0 || !depthwiseSupported(g) || g.outChannels < range.channelEnd) return false;
    const { key, kernel } = this.kernelFor(g, () => {
      const shape = depthwiseShapeOf(g, this.kernelActivation);
      const key = depthwiseKey(shape);
      return { key, kernel: this.backend.kernel(key, (memory) => depthwiseModule(shape, memory)).depthwise as DepthwiseFunction };
    }) as { key: string; kernel: DepthwiseFunction };
    const xImage = g.inChannels * g.inH * g.inW * 4;
    const yImage = g.outChannels * g.outH * g.outW * 4;
    const { channelStart: c0, channelEnd: c1, rowStart: r0, rowEnd: r1 } = range;
    const threads = this.backend.threads;
    if (threads > 1 && (c1 - c0) * (r1 - r0) * g.outW * g.kH * g.kW * g.batch >= PARALLEL_MIN_MACS) {
      // Threads take output rows (the pixels the layers around them take: their cache has
      // them), or channels when a plane has few rows; each its own scratch.
      const byChannels = (r1 - r0) * g.outW < 128 * threads && c1 - c0 >= 2 * threads;
      const args = [this.depthwiseWeights, x.byteOffset, y.byteOffset, scratch, c0, c1, r0, r1];
      this.backend.parallel(key, "depthwise", args, [0, xImage, yImage, 0, 0, 0, 0, 0], g.batch, byChannels ? 4 : 6, 3);
      return true;
    }
    for (let n = 0; n < g.batch; n++) {
      kernel(this.depthwiseWeights, x.byteOffset + n * xImage, y.byteOffset + n * yImage, scratch, range.channelStart, range.channelEnd, range.rowStart, range.rowEnd);
    }
    return true;
  }

}

function isPointwise(g: Conv2dGeometry): boolean {
  return (
    g.kH === 1 && g.kW === 1 && g.strideH === 1 && g.strideW === 1 && g.group === 1 &&
    g.padTop === 0 && g.padLeft === 0 && g.padBottom === 0 && g.padRight === 0
  );
}


/**
 * A fully connected layer y = act(x·W + b), x [rows, in], W [in, out] (Paddle's layout,
 * MatMul's B) or, `transposed`, W given as [out, in] (Gemm's transB):
 *
 *   rows < 8   per row, the GEMM kernel with M = out, K = in, P = 1 on Wᵀ's panels: the
 *              4×1 tiles, a vector of 4 outputs' weights times the splat of one input
 *   rows ≥ 8   one GEMM with P = rows: Yᵀ [out, rows] = Wᵀ · xᵀ, through the backend's
 *              scratch (xᵀ in, Yᵀ out, both transposed in JS: rows·(in + out) moves
 *              against rows·in·out multiply-adds), when the scratch is large enough
 */
export class WasmLinear {
  private readonly backend: WasmBackend;
  private readonly inFeatures: number;
  private readonly outFeatures: number;
  private readonly activation: FusedActivation;
  private readonly panels: number;
  private readonly kernel: PointwiseFunction;
  private readonly key: string;

  constructor(backend: WasmBackend, weight: Float32Array, bias: Float32Array | null, inFeatures: number, outFeatures: number, activation: FusedActivation, transposed = false) {
    if (!isVectorActivation(activation)) throw new Error(`WasmLinear: activation ${activation.kind} is not fused in wasm`);
    this.backend = backend;
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.activation = activation;
    // Wᵀ [out, in]: row j holds W's column j.
    let rowsOfWt = weight;
    if (!transposed) {
      rowsOfWt = new Float32Array(inFeatures * outFeatures);
      for (let i = 0; i < inFeatures; i++) for (let j = 0; j < outFeatures; j++) rowsOfWt[j * inFeatures + i] = weight[i * outFeatures + j]!;
    }
    this.panels = packPanels(backend, rowsOfWt, bias, outFeatures, inFeatures);
    const shape = gemmShape(backend, inFeatures, outFeatures, 1, activation);
    this.key = pointwiseKey(shape);
    this.kernel = pointwiseKernel(backend, shape);
  }

  /** Floats of scratch the one-GEMM path needs for `rows` rows (0 below 8 rows). */
  scratchFloats(rows: number): number {
    return rows < 8 ? 0 : rows * (this.inFeatures + this.outFeatures) + 8;
  }

  /** y[yOffset + r·out + j] = act(Σ_i x[xOffset + r·in + i]·W[i, j] + b[j]); false when x or y is not in the backend's memory. */
  apply(rows: number, x: Float32Array, xOffset: number, y: Float32Array, yOffset: number): boolean {
    const backend = this.backend;
    if (!backend.holds(x) || !backend.holds(y) || rows * (this.inFeatures + this.outFeatures) * 4 > MAX_OPERAND_BYTES) return false;
    const K = this.inFeatures;
    const N = this.outFeatures;
    const panels = panelCount(N);
    if (rows >= 8 && backend.scratchFloats >= this.scratchFloats(rows)) {
      const floats = backend.floats;
      const xt = backend.scratch / 4;
      const yt = xt + Math.ceil((rows * K) / 4) * 4;
      for (let r = 0; r < rows; r++) for (let i = 0; i < K; i++) floats[xt + i * rows + r] = x[xOffset + r * K + i]!;
      const kernel = pointwiseKernel(backend, gemmShape(backend, K, N, rows, this.activation));
      kernel(this.panels, xt * 4, yt * 4, 0, panels, 0, rows);
      for (let r = 0; r < rows; r++) for (let j = 0; j < N; j++) y[yOffset + r * N + j] = floats[yt + j * rows + r]!;
      return true;
    }
    const xAt = x.byteOffset + xOffset * 4;
    const yAt = y.byteOffset + yOffset * 4;
    if (backend.threads > 1 && rows * K * N >= PARALLEL_MIN_MACS) {
      backend.parallel(this.key, "pointwise", [this.panels, xAt, yAt, 0, panels, 0, 1], [0, K * 4, N * 4, 0, 0, 0, 0], rows, 3);
      return true;
    }
    for (let r = 0; r < rows; r++) this.kernel(this.panels, xAt + r * K * 4, yAt + r * N * 4, 0, panels, 0, 1);
    return true;
  }
}
