/**
 * Convolutions and fully connected layers on the wasm backend (src/wasm/conv.ts and the
 * GEMM kernel it emits) against their JavaScript twins (src/ops) and onnxruntime, on the
 * shapes that break kernels: planes of 7×7, 14×14 and odd sizes, channel counts that are
 * not multiples of 4 or 8 (partial panels), K = 1, batch > 1, first and last tiles, work
 * ranges (the rest of the output untouched, and bitwise the same as the whole), every
 * fused activation, sigmoid through its JS pass, NaN through relu.
 */
import { describe, expect, it } from "vitest";
import { conv2d, conv2dGeometry, fullConvRange, type Conv2dAttributes, type ConvWorkRange } from "../../src/ops/conv2d.js";
import type { FusedActivation } from "../../src/ops/fused-activation.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { WasmBackend } from "../../src/wasm/backend.js";
import { WasmConv2d, WasmLinear } from "../../src/wasm/conv.js";
import { expectClose, randomFloats } from "../helpers/compare.js";
import { attr, runOrtOp } from "../ops/harness.js";

const activations: FusedActivation[] = [
  { kind: "none" },
  { kind: "relu" },
  { kind: "clip", min: -0.25, max: 0.5 },
  { kind: "hardSigmoid", alpha: 0.2, beta: 0.5 },
  { kind: "hardSwish" },
  { kind: "sigmoid" },
];

/** Float32Array views of `n` floats in the backend's plan region, filled with `fill`. */
function inMemory(backend: WasmBackend, data: Float32Array | number, n = typeof data === "number" ? 0 : data.length): Float32Array {
  const view = backend.view(backend.allocatePlan(n), n);
  if (typeof data === "number") view.fill(data);
  else view.set(data);
  return view;
}

interface Case {
  batch: number;
  c: number;
  m: number;
  h: number;
  w: number;
  k: number;
  stride: number;
  pad: number;
  activation: FusedActivation;
  bias?: boolean;
}

/** The conv on the wasm backend and in JS (src/ops conv2d) on the same inputs; returns both outputs. */
function runBoth(t: Case, range?: ConvWorkRange, seed = 1): { wasm: Float32Array; js: Float32Array; handled: boolean; sentinel: number } {
  const attrs: Conv2dAttributes = { kernelShape: [t.k, t.k], strides: [t.stride, t.stride], pads: [t.pad, t.pad, t.pad, t.pad], dilations: [1, 1], group: 1 };
  const xShape = [t.batch, t.c, t.h, t.w];
  const wShape = [t.m, t.c, t.k, t.k];
  const g = conv2dGeometry(xShape, wShape, attrs);
  const x = randomFloats(t.batch * t.c * t.h * t.w, seed);
  const w = randomFloats(t.m * t.c * t.k * t.k, seed + 1);
  const b = t.bias === false ? null : randomFloats(t.m, seed + 2);
  const yShape = [t.batch, t.m, g.outH, g.outW];
  const js = new Tensor(yShape);
  conv2d(js, new Tensor(xShape, x), new Tensor(wShape, w), b && new Tensor([t.m], b), attrs, t.activation);

  const backend = new WasmBackend();
  const conv = new WasmConv2d(backend, w, wShape, b, 1, t.activation);
  backend.beginPlan();
  backend.reserve(x.length + js.data.length + WasmConv2d.scratchFloats(g));
  // Scratch first: an allocation may grow the memory, which detaches the views made before.
  backend.allocateScratch(WasmConv2d.scratchFloats(g));
  const sentinel = 12345;
  const xs = inMemory(backend, x);
  const ys = inMemory(backend, sentinel, js.data.length);
  const handled = conv.run(ys, xs, g, range ?? fullConvRange(g));
  return { wasm: ys.slice(), js: js.data, handled, sentinel };
}

describe("pointwise conv on the wasm GEMM kernel", () => {
  const shapes: [number, number, number, number, number][] = [
    // batch, in channels, out channels, H, W
    [1, 16, 8, 7, 7],
    [1, 24, 13, 14, 14],
    [2, 3, 5, 3, 5],
    [1, 1, 4, 9, 9],
    [3, 7, 9, 1, 1],
    [1, 40, 1, 2, 3],
    [1, 160, 96, 7, 7],
  ];
  for (const [batch, c, m, h, w] of shapes) {
    it(`${batch}×${c}×${h}×${w} → ${m} channels matches the JS kernel, every activation`, () => {
      for (const activation of activations) {
        const r = runBoth({ batch, c, m, h, w, k: 1, stride: 1, pad: 0, activation });
        expect(r.handled).toBe(true);
        expectClose({ shape: [r.wasm.length], data: r.wasm }, { shape: [r.js.length], data: r.js }, 1e-5, `${activation.kind}`);
      }
    });
  }

  it("writes only its work range, bitwise as the whole run does", () => {
    const t: Case = { batch: 2, c: 12, m: 10, h: 7, w: 7, k: 1, stride: 1, pad: 0, activation: { kind: "relu" } };
    const whole = runBoth(t);
    for (const range of [
      { channelStart: 0, channelEnd: 4, rowStart: 0, rowEnd: 7 },
      { channelStart: 4, channelEnd: 10, rowStart: 2, rowEnd: 5 },
      { channelStart: 8, channelEnd: 10, rowStart: 6, rowEnd: 7 },
    ]) {
      const part = runBoth(t, range);
      expect(part.handled).toBe(true);
      for (let n = 0; n < 2; n++) {
        for (let ch = 0; ch < 10; ch++) {
          for (let p = 0; p < 49; p++) {
            const i = (n * 10 + ch) * 49 + p;
            const inside = ch >= range.channelStart && ch < range.channelEnd && p >= range.rowStart * 7 && p < range.rowEnd * 7;
            expect(part.wasm[i]).toBe(inside ? whole.wasm[i] : part.sentinel);
          }
        }
      }
    }
  });

  it("declines channel ranges that do not start on a panel of 4 (the caller runs JS)", () => {
    const r = runBoth({ batch: 1, c: 4, m: 10, h: 2, w: 2, k: 1, stride: 1, pad: 0, activation: { kind: "none" } }, { channelStart: 2, channelEnd: 6, rowStart: 0, rowEnd: 2 });
    expect(r.handled).toBe(false);
    expect(r.wasm.every((v) => v === r.sentinel)).toBe(true);
  });

  it("keeps NaN through relu and clip, as onnxruntime does", () => {
    const backend = new WasmBackend();
    const g = conv2dGeometry([1, 1, 1, 9], [4, 1, 1, 1], { group: 1 });
    for (const activation of [{ kind: "relu" }, { kind: "clip", min: 0, max: 6 }] as FusedActivation[]) {
      const conv = new WasmConv2d(backend, new Float32Array([1, -1, 2, 0.5]), [4, 1, 1, 1], null, 1, activation);
      backend.beginPlan();
      const x = inMemory(backend, new Float32Array([NaN, 1, -1, 2, NaN, 3, -3, 0, NaN]));
      const y = inMemory(backend, 0, 36);
      expect(conv.run(y, x, g, fullConvRange(g))).toBe(true);
      for (let ch = 0; ch < 4; ch++) for (const p of [0, 4, 8]) expect(Number.isNaN(y[ch * 9 + p]!)).toBe(true);
      expect(y[1]).toBe(1);
      expect(y[9 + 1]).toBe(0); // −1·1 → relu 0, clip 0
    }
  });

  it("matches onnxruntime's Conv on a 14×14 plane with 20 → 30 channels and bias", async () => {
    const t = { batch: 2, c: 20, m: 30, h: 14, w: 14 };
    const x = randomFloats(t.batch * t.c * t.h * t.w, 7);
    const w = randomFloats(t.m * t.c, 8);
    const b = randomFloats(t.m, 9);
    const [ref] = await runOrtOp("Conv", {
      opset: 13,
      inputs: [
        { shape: [t.batch, t.c, t.h, t.w], data: x },
        { shape: [t.m, t.c, 1, 1], data: w },
        { shape: [t.m], data: b },
      ],
      attributes: { kernel_shape: attr.ints([1, 1]) },
    });
    const backend = new WasmBackend();
    const conv = new WasmConv2d(backend, w, [t.m, t.c, 1, 1], b, 1, { kind: "none" });
    const g = conv2dGeometry([t.batch, t.c, t.h, t.w], [t.m, t.c, 1, 1], { group: 1 });
    backend.beginPlan();
    backend.reserve(x.length + ref!.data.length);
    const xs = inMemory(backend, x);
    const ys = inMemory(backend, 0, ref!.data.length);
    expect(conv.run(ys, xs, g, fullConvRange(g))).toBe(true);
    expectClose({ shape: ref!.shape, data: ys }, ref!, 1e-5);
  });
});

describe("general conv (im2col + GEMM) on the wasm backend", () => {
  const cases: Case[] = [
    { batch: 1, c: 3, m: 16, h: 15, w: 15, k: 3, stride: 2, pad: 1, activation: { kind: "relu" } }, // the stem, odd plane
    { batch: 2, c: 3, m: 8, h: 32, w: 32, k: 3, stride: 2, pad: 1, activation: { kind: "relu" } },
    { batch: 1, c: 5, m: 7, h: 9, w: 11, k: 3, stride: 1, pad: 1, activation: { kind: "hardSwish" } },
    { batch: 1, c: 2, m: 3, h: 8, w: 6, k: 5, stride: 2, pad: 2, activation: { kind: "none" }, bias: false },
  ];
  for (const t of cases) {
    it(`${t.k}×${t.k} stride ${t.stride} on ${t.batch}×${t.c}×${t.h}×${t.w} → ${t.m} matches the JS kernel`, () => {
      const r = runBoth(t);
      expect(r.handled).toBe(true);
      expectClose({ shape: [r.wasm.length], data: r.wasm }, { shape: [r.js.length], data: r.js }, 1e-5);
    });
  }

  it("matches onnxruntime on GhostNet's stem shape at 32×32", async () => {
    const x = randomFloats(3 * 32 * 32, 3);
    const w = randomFloats(16 * 27, 4);
    const b = randomFloats(16, 5);
    const [ref] = await runOrtOp("Conv", {
      opset: 13,
      inputs: [
        { shape: [1, 3, 32, 32], data: x },
        { shape: [16, 3, 3, 3], data: w },
        { shape: [16], data: b },
      ],
      attributes: { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) },
    });
    const backend = new WasmBackend();
    const attrs = { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 1 };
    const g = conv2dGeometry([1, 3, 32, 32], [16, 3, 3, 3], attrs);
    const conv = new WasmConv2d(backend, w, [16, 3, 3, 3], b, 1, { kind: "none" });
    backend.beginPlan();
    backend.reserve(x.length + ref!.data.length + WasmConv2d.scratchFloats(g));
    backend.allocateScratch(WasmConv2d.scratchFloats(g));
    const xs = inMemory(backend, x);
    const ys = inMemory(backend, 0, ref!.data.length);
    expect(conv.run(ys, xs, g, fullConvRange(g))).toBe(true);
    expectClose({ shape: ref!.shape, data: ys }, ref!, 1e-5);
  });

  it("declines without scratch (the caller runs JS)", () => {
    const backend = new WasmBackend();
    const g = conv2dGeometry([1, 3, 8, 8], [4, 3, 3, 3], { pads: [1, 1, 1, 1] });
    const conv = new WasmConv2d(backend, randomFloats(108, 1), [4, 3, 3, 3], null, 1, { kind: "none" });
    backend.beginPlan();
    const xs = inMemory(backend, randomFloats(192, 2));
    const ys = inMemory(backend, 0, 256);
    expect(conv.run(ys, xs, g, fullConvRange(g))).toBe(false);
  });
});

describe("fully connected layers on the wasm backend", () => {
  for (const [rows, inF, outF] of [[1, 1280, 1000], [3, 17, 10], [2, 960, 240], [1, 1, 1]] as const) {
    it(`x [${rows}, ${inF}] · W [${inF}, ${outF}] + b matches a float64 reference`, () => {
      const w = randomFloats(inF * outF, 11);
      const b = randomFloats(outF, 12);
      const x = randomFloats(rows * inF, 13);
      for (const activation of [{ kind: "none" }, { kind: "relu" }, { kind: "clip", min: 0, max: 1 }] as FusedActivation[]) {
        const backend = new WasmBackend();
        const linear = new WasmLinear(backend, w, b, inF, outF, activation);
        backend.beginPlan();
        backend.reserve(x.length + rows * outF);
        const xs = inMemory(backend, x);
        const ys = inMemory(backend, 0, rows * outF);
        expect(linear.apply(rows, xs, 0, ys, 0)).toBe(true);
        const ref = new Float64Array(rows * outF);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < outF; j++) {
            let s = b[j]!;
            for (let i = 0; i < inF; i++) s += x[r * inF + i]! * w[i * outF + j]!;
            ref[r * outF + j] = activation.kind === "relu" ? Math.max(0, s) : activation.kind === "clip" ? Math.min(1, Math.max(0, s)) : s;
          }
        }
        // Long sums in float32 (K up to 1280): DESIGN §6's 1e-4 relative.
        expectClose({ shape: [ys.length], data: ys }, { shape: [ref.length], data: ref }, 1e-4, activation.kind);
      }
    });
  }

  it("declines inputs outside the backend's memory", () => {
    const backend = new WasmBackend();
    const linear = new WasmLinear(backend, new Float32Array(6), null, 2, 3, { kind: "none" });
    expect(linear.apply(1, new Float32Array(2), 0, new Float32Array(3), 0)).toBe(false);
  });
});
