/**
 * The same GhostNet built from TensorFlow.js ops, for its two backends: tfjs-backend-cpu
 * (pure JavaScript, the peer closest to us) and tfjs-backend-wasm (XNNPACK; its .wasm files
 * are read from node_modules/@tensorflow/tfjs-backend-wasm/dist/, so nothing is fetched).
 *
 * The weights are the typed GhostNet's own (BatchNorm folded into each conv, as onnxruntime
 * folds it at load), bound from the same ONNX file, so all engines compute one function.
 * TensorFlow.js's convs want NHWC: the NCHW input is transposed inside the timed run and
 * the filters once, at build time ([M, C/g, k, k] → [k, k, C, M], depthwise [k, k, C, 1]).
 *
 *   conv      conv2d / depthwiseConv2d (symmetric pad (k−1)/2) + bias, relu where PaddleClas has it
 *   ghost     concat(primary, cheap) on channels
 *   SE        mean over H, W → matMul + bias, relu → matMul + bias, clipByValue(0, 1) → mul
 *   head      conv_last → mean → fc_0 (1×1 conv, relu) → matMul fc_1 + bias → softmax
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as TF from "@tensorflow/tfjs-core";
import type { ConvBN, GhostBottleneck, GhostModule, Linear, SEBlock } from "../../src/ghostnet/layers.js";
import type { GhostNet } from "../../src/ghostnet/ghostnet.js";
import type { BenchEngine } from "./engine.js";

export type TfBackend = "cpu" | "wasm";

let tfModule: Promise<typeof TF> | undefined;

async function tensorflow(): Promise<typeof TF> {
  if (tfModule === undefined) {
    tfModule = (async () => {
      const tf = await import("@tensorflow/tfjs-core");
      await import("@tensorflow/tfjs-backend-cpu");
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      const dist = join(dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm")), "/");
      wasm.setWasmPaths(dist);
      return tf;
    })();
  }
  return tfModule;
}

interface TfConv {
  filter: TF.Tensor4D;
  bias: TF.Tensor1D;
  depthwise: boolean;
  stride: number;
  pad: number;
  relu: boolean;
}

interface TfLinear {
  weight: TF.Tensor2D;
  bias: TF.Tensor1D;
}

class TfGhostNet {
  private readonly convs = new Map<ConvBN, TfConv>();
  private readonly linears = new Map<Linear, TfLinear>();

  constructor(
    private readonly tf: typeof TF,
    private readonly net: GhostNet,
  ) {}

  private conv(layer: ConvBN): TfConv {
    let c = this.convs.get(layer);
    if (c === undefined) {
      const tf = this.tf;
      const [m, cg, k] = layer.weight.shape as [number, number, number, number];
      const depthwise = layer.spec.groups > 1;
      const w = tf.tensor4d(layer.weight.data, [m, cg, k, k]);
      const filter = depthwise ? tf.transpose(w, [2, 3, 0, 1]) : tf.transpose(w, [2, 3, 1, 0]);
      w.dispose();
      c = { filter, bias: tf.tensor1d(layer.bias.data), depthwise, stride: layer.spec.stride, pad: (k - 1) >> 1, relu: layer.spec.relu };
      this.convs.set(layer, c);
    }
    return c;
  }

  private linear(layer: Linear): TfLinear {
    let l = this.linears.get(layer);
    if (l === undefined) {
      l = { weight: this.tf.tensor2d(layer.weight.data, layer.weight.shape as [number, number]), bias: this.tf.tensor1d(layer.bias.data) };
      this.linears.set(layer, l);
    }
    return l;
  }

  /** Makes every weight tensor now (on the active backend), so load time covers it. */
  build(): void {
    const n = this.net;
    const convs: ConvBN[] = [n.conv1, n.convLast, n.fc0];
    for (const b of n.ghostBottlenecks) {
      convs.push(b.ghostModule1.primaryConv, b.ghostModule1.cheapOperation, b.ghostModule2.primaryConv, b.ghostModule2.cheapOperation);
      if (b.depthwiseConv) convs.push(b.depthwiseConv);
      if (b.shortcutDepthwise) convs.push(b.shortcutDepthwise, b.shortcutConv!);
      if (b.seBlock) this.linear(b.seBlock.squeeze), this.linear(b.seBlock.excitation);
    }
    convs.forEach((c) => this.conv(c));
    this.linear(n.fc1);
  }

  private convBn(layer: ConvBN, x: TF.Tensor4D): TF.Tensor4D {
    const tf = this.tf;
    const c = this.conv(layer);
    const y = c.depthwise
      ? tf.depthwiseConv2d(x, c.filter, c.stride, c.pad)
      : tf.conv2d(x, c.filter, c.stride, c.pad);
    const biased = tf.add(y, c.bias) as TF.Tensor4D;
    return c.relu ? tf.relu(biased) : biased;
  }

  private ghostModule(m: GhostModule, x: TF.Tensor4D): TF.Tensor4D {
    const primary = this.convBn(m.primaryConv, x);
    const cheap = this.convBn(m.cheapOperation, primary);
    return this.tf.concat([primary, cheap], 3);
  }

  private se(se: SEBlock, x: TF.Tensor4D): TF.Tensor4D {
    const tf = this.tf;
    const [n, , , c] = x.shape;
    const s1 = this.linear(se.squeeze);
    const s2 = this.linear(se.excitation);
    const pooled = tf.mean(x, [1, 2]) as TF.Tensor2D;
    const squeezed = tf.relu(tf.add(tf.matMul(pooled, s1.weight), s1.bias));
    const scale = tf.clipByValue(tf.add(tf.matMul(squeezed as TF.Tensor2D, s2.weight), s2.bias), 0, 1);
    return tf.mul(x, tf.reshape(scale, [n, 1, 1, c])) as TF.Tensor4D;
  }

  private bottleneck(b: GhostBottleneck, input: TF.Tensor4D): TF.Tensor4D {
    let x = this.ghostModule(b.ghostModule1, input);
    if (b.depthwiseConv) x = this.convBn(b.depthwiseConv, x);
    if (b.seBlock) x = this.se(b.seBlock, x);
    x = this.ghostModule(b.ghostModule2, x);
    const shortcut = b.shortcutDepthwise ? this.convBn(b.shortcutConv!, this.convBn(b.shortcutDepthwise, input)) : input;
    return this.tf.add(x, shortcut);
  }

  /** x [N, 3, H, W] (NCHW data) → softmax [N, classes]. */
  forward(x: TF.Tensor4D): TF.Tensor2D {
    const tf = this.tf;
    const n = this.net;
    return tf.tidy(() => {
      let h = this.convBn(n.conv1, tf.transpose(x, [0, 2, 3, 1]));
      for (const b of n.ghostBottlenecks) h = this.bottleneck(b, h);
      h = this.convBn(n.convLast, h);
      h = this.convBn(n.fc0, tf.mean(h, [1, 2], true) as TF.Tensor4D);
      const fc1 = this.linear(n.fc1);
      const logits = tf.add(tf.matMul(tf.reshape(h, [x.shape[0], n.config.fc0]), fc1.weight), fc1.bias);
      return tf.softmax(logits) as TF.Tensor2D;
    });
  }
}

export async function createTfjs(net: GhostNet, backend: TfBackend): Promise<BenchEngine> {
  const tf = await tensorflow();
  await tf.setBackend(backend);
  await tf.ready();
  const t0 = performance.now();
  const model = new TfGhostNet(tf, net);
  model.build();
  const loadMs = performance.now() - t0;
  let input: TF.Tensor4D | undefined;
  let last: Float32Array = new Float32Array(0);
  return {
    name: `tfjs-${backend}`,
    label: backend === "cpu" ? "TensorFlow.js tfjs-backend-cpu (pure JS)" : "TensorFlow.js tfjs-backend-wasm (XNNPACK)",
    threads: 1,
    loadMs,
    async setInput(shape, data) {
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
      input?.dispose();
      input = tf.tensor4d(data, shape as [number, number, number, number]);
    },
    async run() {
      // Tensors live on the backend they were made on: switch before each (interleaved) run.
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
      const t = performance.now();
      const y = model.forward(input!);
      last = (await y.data()) as Float32Array;
      const ms = performance.now() - t;
      y.dispose();
      return ms;
    },
    async output() {
      return last;
    },
    async dispose() {
      input?.dispose();
    },
  };
}
