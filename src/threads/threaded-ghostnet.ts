/**
 * GhostNet's forward pass with every convolution split across a thread pool.
 *
 * It walks the typed network (src/ghostnet) layer by layer in the same order as
 * `GhostNet.forward`, with the layers' own (BatchNorm-folded) weights copied once into
 * shared memory and one shared activation buffer per layer (grown to the largest input seen). Convs run
 * as pool jobs split by output channels or output rows, and so do fc_1 (by output column),
 * the residual adds (by chunk) and the SE blocks' channel means and scaling (by channel);
 * the small steps between them (the SE blocks' two small layers, pooling, softmax) run on
 * the calling thread with the code the typed network uses. Every output element is
 * computed by the same kernel in the same order as on one thread, so the result is
 * bitwise identical to `GhostNet.forward` for any thread count.
 *
 * This is the bridge until the typed GhostNet takes a pool itself: the hook it needs is
 * that ConvBN.convolve call `parallelConv2d(pool, …)` (parallel-conv.ts) instead of the
 * kernels, with its weights and the network's planned activations made by `pool.allocate`.
 */
import { conv2dGeometry, fullConvRange, type Conv2dGeometry, type ConvWorkRange } from "../ops/conv2d.js";
import { scalePlanes } from "../ops/elementwise.js";
import { globalAveragePool, planeMeans } from "../ops/pooling.js";
import { softmax } from "../ops/softmax.js";
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import type { GhostBottleneck, GhostModule, SEBlock } from "../ghostnet/layers.js";
import type { GhostNet } from "../ghostnet/ghostnet.js";
import { ConvBN, checkInput } from "../ghostnet/layers.js";
import type { SharedFloats, ThreadPool } from "./pool.js";
import { parallelConv2d } from "./parallel-conv.js";

/** SE blocks whose activation has fewer floats than this run on the calling thread (a job costs a few µs). */
const MIN_PARALLEL_SE_FLOATS = 16_384;

/** An activation in shared memory: `shape` at `offset` floats into `buffer`. */
interface SharedTensor {
  buffer: SharedFloats;
  offset: number;
  shape: readonly number[];
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A plain Tensor over a shared activation (for the ops that run on the calling thread). */
function tensorOf(t: SharedTensor): Tensor {
  return new Tensor(t.shape, t.buffer.data.subarray(t.offset, t.offset + sizeOf(t.shape)));
}

export class ThreadedGhostNet {
  private readonly weights = new Map<ConvBN, { w: SharedFloats; b: SharedFloats }>();
  /** Shared activation buffers by layer name, each as large as the largest input so far needed. */
  private readonly activations = new Map<string, SharedFloats>();
  private readonly fc1Weight: SharedFloats;
  private readonly fc1Bias: SharedFloats;

  constructor(
    readonly net: GhostNet,
    readonly pool: ThreadPool,
  ) {
    for (const conv of convLayers(net)) {
      const w = pool.allocate(conv.weight.size);
      w.data.set(conv.weight.data);
      const b = pool.allocate(conv.bias.size);
      b.data.set(conv.bias.data);
      this.weights.set(conv, { w, b });
    }
    // fc_1's weight transposed, Wt [out, in], so each output is a contiguous dot product.
    const { in: k, out: m } = net.fc1.spec;
    this.fc1Weight = pool.allocate(k * m);
    const w = net.fc1.weight.data;
    for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) this.fc1Weight.data[j * k + i] = w[i * m + j]!;
    this.fc1Bias = pool.allocate(m);
    this.fc1Bias.data.set(net.fc1.bias.data);
  }

  /**
   * A shared activation named `name` of `shape`. One buffer per name serves every input
   * shape (a larger shape replaces it with a larger one), so runs that alternate between
   * sizes reuse their buffers: the pool cannot free a buffer once the workers hold it.
   */
  private activation(name: string, shape: readonly number[]): SharedTensor {
    const size = sizeOf(shape);
    let buffer = this.activations.get(name);
    if (buffer === undefined || buffer.data.length < size) {
      buffer = this.pool.allocate(size);
      this.activations.set(name, buffer);
    }
    return { buffer, offset: 0, shape };
  }

  /** ConvBN `conv` from `x` into `y` (whole output), split across the pool when it is big enough. */
  runConv(conv: ConvBN, x: SharedTensor, y: SharedTensor): void {
    const g = conv2dGeometry(x.shape, conv.weight.shape, conv.attributes);
    this.runConvRange(conv, x.buffer, x.offset, y.buffer, y.offset, g, fullConvRange(g));
  }

  /**
   * The work `range` of a conv laid out as `g` says (x at `xOffset` floats into `x`, y at
   * `yOffset` into `y`): on the calling thread when small, else as a pool job.
   */
  runConvRange(conv: ConvBN, x: SharedFloats, xOffset: number, y: SharedFloats, yOffset: number, g: Conv2dGeometry, range: ConvWorkRange): void {
    const { w, b } = this.weights.get(conv)!;
    const yData = y.data.subarray(yOffset, yOffset + g.batch * g.outChannels * g.outH * g.outW);
    const xData = x.data.subarray(xOffset, xOffset + g.batch * g.inChannels * g.inH * g.inW);
    parallelConv2d(this.pool, yData, xData, w.data, b.data, g, conv.activation, range);
  }

  /**
   * GhostModule: the primary 1×1 conv writes channels [0, init) of the output and the cheap
   * depthwise conv reads them and writes channels [init, 2·init), both over the whole batch:
   * the output's image stride is 2·init channels, so the geometries say "2·init channels"
   * and the work ranges select the half each conv writes (no concat copy).
   */
  private ghostModule(module: GhostModule, x: SharedTensor, y: SharedTensor): void {
    const p = conv2dGeometry(x.shape, module.primaryConv.weight.shape, module.primaryConv.attributes);
    const init = p.outChannels;
    const both = 2 * init;
    const primary: Conv2dGeometry = { ...p, outChannels: both, outPerGroup: both };
    const c = conv2dGeometry([p.batch, init, p.outH, p.outW], module.cheapOperation.weight.shape, module.cheapOperation.attributes);
    const cheap: Conv2dGeometry = { ...c, inChannels: both, outChannels: both, group: both };
    const range: ConvWorkRange = { channelStart: 0, channelEnd: init, rowStart: 0, rowEnd: p.outH };
    this.runConvRange(module.primaryConv, x.buffer, x.offset, y.buffer, y.offset, primary, range);
    this.runConvRange(module.cheapOperation, y.buffer, y.offset, y.buffer, y.offset + init * p.outH * p.outW, cheap, range);
  }

  private bottleneck(block: GhostBottleneck, index: number, input: SharedTensor): SharedTensor {
    const shapes = block.scratchShapes(input.shape);
    let x = this.activation(`b${index}.ghost1`, shapes.ghost1!);
    this.ghostModule(block.ghostModule1, input, x);
    if (block.depthwiseConv) {
      const d = this.activation(`b${index}.depthwise`, shapes.depthwise!);
      this.runConv(block.depthwiseConv, x, d);
      x = d;
    }
    if (block.seBlock) this.seBlock(block.seBlock, index, x);
    const output = this.activation(`b${index}.out`, block.outputShape(input.shape));
    this.ghostModule(block.ghostModule2, x, output);
    let shortcut = input;
    if (block.shortcutDepthwise) {
      const d = this.activation(`b${index}.shortcutDepthwise`, shapes.shortcutDepthwise!);
      this.runConv(block.shortcutDepthwise, input, d);
      shortcut = this.activation(`b${index}.shortcut`, shapes.shortcut!);
      this.runConv(block.shortcutConv!, d, shortcut);
    }
    this.addInPlace(output, shortcut);
    return output;
  }

  /**
   * SEBlock in place, as GhostBottleneck does, per image: the channel means and the scaling
   * split by channels across the pool (when the planes are big enough to be worth two
   * barriers), the two small layers on the calling thread (SEBlock.excite). The same
   * kernels in the same order as SEBlock.forward, so the same bits.
   */
  private seBlock(se: SEBlock, index: number, x: SharedTensor): void {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const plane = h * w;
    const pooled = this.activation(`b${index}.se.pooled`, [c]);
    const scale = this.activation(`b${index}.se.scale`, [c]);
    const parallel = this.pool.size > 1 && c * plane >= MIN_PARALLEL_SE_FLOATS;
    for (let i = 0; i < n; i++) {
      const image = x.offset + i * c * plane;
      if (parallel) this.pool.parallelFor("planeMeans", c, [pooled.buffer.id, pooled.offset, x.buffer.id, image, plane]);
      else planeMeans(pooled.buffer.data, pooled.offset, x.buffer.data, image, plane, c);
      se.excite(pooled.buffer.data, scale.buffer.data, pooled.offset, scale.offset);
      if (parallel) this.pool.parallelFor("scalePlanes", c, [x.buffer.id, x.buffer.id, image, plane, scale.buffer.id, scale.offset]);
      else scalePlanes(x.buffer.data, x.buffer.data, image, plane, c, scale.buffer.data, scale.offset);
    }
  }

  /** y += x (same length), in chunks across the pool. */
  private addInPlace(y: SharedTensor, x: SharedTensor): void {
    const length = sizeOf(y.shape);
    const chunk = 4096;
    const items = Math.ceil(length / chunk);
    if (this.pool.size === 1 || items < 2 * this.pool.size) {
      const yd = y.buffer.data;
      const xd = x.buffer.data;
      for (let i = 0; i < length; i++) yd[y.offset + i] = yd[y.offset + i]! + xd[x.offset + i]!;
      return;
    }
    this.pool.parallelFor("add", items, [y.buffer.id, y.offset, x.buffer.id, x.offset, chunk, length]);
  }

  /** fc_1: logits [N, classes] = x [N, fc0] · W + b, split by output columns. */
  private fc1(x: SharedTensor, logits: SharedTensor): void {
    const fc1 = this.net.fc1;
    const [rows, k] = x.shape as [number, number];
    const m = fc1.spec.out;
    const args = [logits.buffer.id, logits.offset, x.buffer.id, x.offset, this.fc1Weight.id, 0, this.fc1Bias.id, 0, rows, k, m];
    this.pool.parallelFor("linear", m, args);
  }

  /** Runs the network on `input` [N, 3, H, W]; fresh logits and probabilities [N, classes]. */
  forward(input: TensorLike): { logits: Tensor; probabilities: Tensor } {
    const net = this.net;
    checkInput("GhostNet input", input, net.config.inputChannels);
    const x = this.activation("input", input.shape);
    x.buffer.data.set(input.data);
    let h = this.activation("conv1", net.conv1.outputShape(input.shape));
    this.runConv(net.conv1, x, h);
    net.ghostBottlenecks.forEach((block, i) => {
      h = this.bottleneck(block, i, h);
    });
    const last = this.activation("conv_last", net.convLast.outputShape(h.shape));
    this.runConv(net.convLast, h, last);
    const n = input.shape[0]!;
    const pooled = this.activation("pool2d_gap", [n, net.config.lastConv, 1, 1]);
    globalAveragePool(tensorOf(pooled), tensorOf(last));
    const fc0 = this.activation("fc_0", net.fc0.outputShape(pooled.shape));
    this.runConv(net.fc0, pooled, fc0);
    const logitsShared = this.activation("fc_1", [n, net.config.classCount]);
    this.fc1({ buffer: fc0.buffer, offset: fc0.offset, shape: [n, net.config.fc0] }, logitsShared);
    const logits = new Tensor(logitsShared.shape, tensorOf(logitsShared).data.slice());
    const probabilities = new Tensor(logits.shape);
    softmax(probabilities, logits, { axis: -1 });
    return { logits, probabilities };
  }
}

/** Every ConvBN of the network, in execution order (GhostNet.weightedLayers without the Linears). */
export function convLayers(net: GhostNet): ConvBN[] {
  return [...net.weightedLayers()].filter((layer): layer is ConvBN => layer instanceof ConvBN);
}
