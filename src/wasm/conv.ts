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

type PointwiseFunction = (panels: number, x: number, y: number, panelStart: number, panelEnd: number, colStart: number, colEnd: number) => void;
type DepthwiseFunction = (weights: number, x: number, y: number, scratch: number, channelStart: number, channelEnd: number, rowStart: number, rowEnd: number) => void;
type Im2colFunction = (x: number, col: number, rowStart: number, rowEnd: number) => void;

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
  private readonly weight: Float32Array;
  private readonly weightShape: readonly number[];
  private readonly bias: Float32Array | null;
  /** The activation the kernels fuse (sigmoid: none, then applied in JS). */
  private readonly kernelActivation: FusedActivation;
  private readonly jsActivation: FusedActivation | null;
  private panels = -1;
  /** Depthwise weights (bias first per channel), when the conv is depthwise. */
  private depthwiseWeights = -1;

  /** Packs `weight` [M, C/group, kH, kW] (and `bias` [M] or null) into the backend's weight region. */
  constructor(backend: WasmBackend, weight: Float32Array, weightShape: readonly number[], bias: Float32Array | null, group: number, activation: FusedActivation) {
    this.backend = backend;
    this.weight = weight;
    this.weightShape = weightShape;
    this.bias = bias;
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
    if (isPointwise(g)) return 0;
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
    if (!backend.holds(y) || !backend.holds(x)) return false;
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
    const kernel = pointwiseKernel(this.backend, { K, M, P, activation: this.kernelActivation });
    const xImage = K * P * 4;
    const yImage = g.outChannels * P * 4;
    for (let n = 0; n < g.batch; n++) {
      kernel(panels, x.byteOffset + n * xImage, y.byteOffset + n * yImage, panelsRange[0], panelsRange[1], range.rowStart * g.outW, range.rowEnd * g.outW);
    }
    return true;
  }

  /**
   * General conv, group 1: col [C·kH·kW, rows·outW] = im2col(x) for the range's rows, then
   * Y[:, rows] = W [M, C·kH·kW] · col through the GEMM kernel with P = the rows' pixels.
   * The kernel writes Y rows with stride P, so each band is computed into scratch after
   * the columns and copied to the output planes (the band is the whole image for the stem).
   */
  private runIm2col(y: Float32Array, x: Float32Array, g: Conv2dGeometry, range: ConvWorkRange, scratch: number): boolean {
    const M = this.weightShape[0]!;
    const K = g.inChannels * g.kH * g.kW;
    const panelsRange = this.panelRange(range.channelStart, range.channelEnd, M);
    if (panelsRange === null || scratch < 0 || this.panels < 0) return false;
    const wholeImage = range.rowStart === 0 && range.rowEnd === g.outH;
    if (!wholeImage) return false;
    const P = g.outH * g.outW;
    const panels = this.panels;
    const kernel = pointwiseKernel(this.backend, { K, M, P, activation: this.kernelActivation });
    const shape = im2colShapeOf(g);
    const im2col = im2colSupported(g) ? (this.backend.kernel(im2colKey(shape), (memory) => im2colModule(shape, memory)).im2col as Im2colFunction) : null;
    const floats = this.backend.floats;
    const xImage = g.inChannels * g.inH * g.inW;
    for (let n = 0; n < g.batch; n++) {
      if (im2col !== null) im2col(x.byteOffset + n * xImage * 4, scratch, 0, g.outH);
      else im2colImage(floats, scratch / 4, floats, x.byteOffset / 4 + n * xImage, g);
      kernel(panels, scratch, y.byteOffset + n * g.outChannels * P * 4, panelsRange[0], panelsRange[1], 0, P);
    }
    return true;
  }

  /** Depthwise: the kernel per image over the range's channels and rows, with the plan's scratch for its padded rows. */
  private runDepthwise(y: Float32Array, x: Float32Array, g: Conv2dGeometry, range: ConvWorkRange, scratch: number): boolean {
    if (this.depthwiseWeights < 0 || scratch < 0 || !depthwiseSupported(g) || g.outChannels < range.channelEnd) return false;
    const shape = depthwiseShapeOf(g, this.kernelActivation);
    const kernel = this.backend.kernel(depthwiseKey(shape), (memory) => depthwiseModule(shape, memory)).depthwise as DepthwiseFunction;
    const xImage = g.inChannels * g.inH * g.inW * 4;
    const yImage = g.outChannels * g.outH * g.outW * 4;
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
 * col[(c·kH + kh)·kW + kw, oh·outW + ow] = x[c, oh·sH + kh·dH − padTop, ow·sW + kw·dW − padLeft]
 * (0 outside the image), for one image at float `xBase`, into `out` from float `colBase`.
 */
export function im2colImage(out: Float32Array, colBase: number, x: Float32Array, xBase: number, g: Conv2dGeometry): void {
  const { inH, inW, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = g;
  const P = outH * outW;
  let row = colBase;
  for (let c = 0; c < g.inChannels; c++) {
    const plane = xBase + c * inH * inW;
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        let d = row;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * strideH + kh * dilationH - padTop;
          if (ih < 0 || ih >= inH) {
            out.fill(0, d, d + outW);
            d += outW;
            continue;
          }
          const rowBase = plane + ih * inW;
          let iw = kw * dilationW - padLeft;
          for (let ow = 0; ow < outW; ow++, iw += strideW) out[d++] = iw >= 0 && iw < inW ? x[rowBase + iw]! : 0;
        }
        row += P;
      }
    }
  }
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
    this.kernel = pointwiseKernel(backend, { K: inFeatures, M: outFeatures, P: 1, activation });
  }

  /** Floats of scratch the one-GEMM path needs for `rows` rows (0 below 8 rows). */
  scratchFloats(rows: number): number {
    return rows < 8 ? 0 : rows * (this.inFeatures + this.outFeatures) + 8;
  }

  /** y[yOffset + r·out + j] = act(Σ_i x[xOffset + r·in + i]·W[i, j] + b[j]); false when x or y is not in the backend's memory. */
  apply(rows: number, x: Float32Array, xOffset: number, y: Float32Array, yOffset: number): boolean {
    const backend = this.backend;
    if (!backend.holds(x) || !backend.holds(y)) return false;
    const K = this.inFeatures;
    const N = this.outFeatures;
    const panels = panelCount(N);
    if (rows >= 8 && backend.scratchFloats >= this.scratchFloats(rows)) {
      const floats = backend.floats;
      const xt = backend.scratch / 4;
      const yt = xt + Math.ceil((rows * K) / 4) * 4;
      for (let r = 0; r < rows; r++) for (let i = 0; i < K; i++) floats[xt + i * rows + r] = x[xOffset + r * K + i]!;
      const kernel = pointwiseKernel(backend, { K, M: N, P: rows, activation: this.activation });
      kernel(this.panels, xt * 4, yt * 4, 0, panels, 0, rows);
      for (let r = 0; r < rows; r++) for (let j = 0; j < N; j++) y[yOffset + r * N + j] = floats[yt + j * rows + r]!;
      return true;
    }
    for (let r = 0; r < rows; r++) {
      this.kernel(this.panels, x.byteOffset + (xOffset + r * K) * 4, y.byteOffset + (yOffset + r * N) * 4, 0, panels, 0, 1);
    }
    return true;
  }
}
