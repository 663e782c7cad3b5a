/**
 * The wasm depthwise kernel against its JavaScript twin (src/ops/depthwise.ts) and
 * onnxruntime: 3×3 and 5×5, strides 1 and 2, square, odd and tiny planes, asymmetric
 * pads, channel counts not divisible by 4, every fused activation, NaN inputs; partial
 * channel × row ranges write exactly their outputs (the rest of y keeps a sentinel), and
 * every split gives the same bits.
 */
import { describe, expect, it } from "vitest";
import { attr } from "../../src/loader/writer.js";
import { type Conv2dAttributes, type Conv2dGeometry, conv2dGeometry } from "../../src/ops/conv2d.js";
import { depthwiseConv2dRange } from "../../src/ops/depthwise.js";
import type { FusedActivation } from "../../src/ops/fused-activation.js";
import {
  type DepthwiseShape, depthwiseKey, depthwiseModule, depthwiseScratchFloats, depthwiseShapeOf, depthwiseSupported,
  depthwiseWeightFloats, packDepthwiseWeights,
} from "../../src/wasm/kernels/depthwise.js";
import { maxAbs, seededRandom } from "../helpers/compare.js";
import { asInput, randomTensor, runOrtOp } from "../ops/harness.js";

/** A depthwise kernel instantiated on its own memory: weights, x, y, scratch regions. */
class Kernel {
  readonly memory: WebAssembly.Memory;
  readonly shape: DepthwiseShape;
  private readonly run: (...args: number[]) => void;
  private readonly w0: number;
  private readonly x0: number;
  private readonly y0: number;
  private readonly s0: number;

  constructor(readonly g: Conv2dGeometry, activation: FusedActivation, w: Float32Array, b: Float32Array | null) {
    this.shape = depthwiseShapeOf(g, activation);
    const C = g.inChannels;
    const align = (n: number): number => Math.ceil(n / 4) * 4; // floats, 16-byte aligned
    const wFloats = align(depthwiseWeightFloats(C, this.shape));
    const xFloats = align(C * g.inH * g.inW);
    const yFloats = align(C * g.outH * g.outW);
    const sFloats = align(depthwiseScratchFloats(this.shape));
    const bytes = 4 * (wFloats + xFloats + yFloats + sFloats);
    this.w0 = 0;
    this.x0 = 4 * wFloats;
    this.y0 = this.x0 + 4 * xFloats;
    this.s0 = this.y0 + 4 * yFloats;
    const pages = Math.ceil(bytes / 65536) + 1;
    this.memory = new WebAssembly.Memory({ initial: pages });
    const module = new WebAssembly.Module(depthwiseModule(this.shape, { minPages: pages }));
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.run = instance.exports.depthwise as (...args: number[]) => void;
    packDepthwiseWeights(w, b, C, this.shape, this.floats(), 0);
  }

  floats(): Float32Array {
    return new Float32Array(this.memory.buffer);
  }

  /** Puts one image in and fills y with `sentinel`. */
  load(x: Float32Array, sentinel = NaN): void {
    const f = this.floats();
    f.set(x, this.x0 / 4);
    f.fill(sentinel, this.y0 / 4, this.y0 / 4 + this.outputSize());
  }

  outputSize(): number {
    return this.g.outChannels * this.g.outH * this.g.outW;
  }

  call(channelStart: number, channelEnd: number, rowStart: number, rowEnd: number): void {
    this.run(this.w0, this.x0, this.y0, this.s0, channelStart, channelEnd, rowStart, rowEnd);
  }

  output(): Float32Array {
    return this.floats().slice(this.y0 / 4, this.y0 / 4 + this.outputSize());
  }
}

interface Case {
  c: number;
  h: number;
  w: number;
  k: number;
  /** The kernel's width when it differs from its height `k`. */
  kw?: number;
  strides: [number, number];
  pads: [number, number, number, number];
}

function geometryOf(d: Case): Conv2dGeometry {
  return conv2dGeometry([1, d.c, d.h, d.w], [d.c, 1, d.k, d.kw ?? d.k], attrsOf(d));
}

function attrsOf(d: Case): Conv2dAttributes {
  return { strides: d.strides, pads: d.pads, dilations: [1, 1], group: d.c };
}

function name(d: Case): string {
  return `C ${d.c} ${d.h}×${d.w} k ${d.k}×${d.kw ?? d.k} s ${d.strides.join("×")} pads [${d.pads.join(", ")}]`;
}

/** The JavaScript twin on the whole image. */
function twin(d: Case, x: Float32Array, w: Float32Array, b: Float32Array | null, act: FusedActivation): Float32Array {
  const g = geometryOf(d);
  const y = new Float32Array(d.c * g.outH * g.outW);
  depthwiseConv2dRange(y, x, w, b, g, act, { channelStart: 0, channelEnd: d.c, rowStart: 0, rowEnd: g.outH });
  return y;
}

const same = (k: number): [number, number, number, number] => {
  const p = (k - 1) >> 1;
  return [p, p, p, p];
};

/**
 * DESIGN §6's tolerance for these short sums, max|a − b| ≤ 1e-5·max(1, max|ref|), with NaN
 * only where the reference has NaN.
 */
function expectNear(actual: Float32Array, reference: Float32Array, label = "output"): void {
  expect(actual.length, `${label} length`).toBe(reference.length);
  const allowed = 1e-5 * Math.max(1, maxAbs(reference.filter((v) => !Number.isNaN(v))));
  for (let i = 0; i < reference.length; i++) {
    const a = actual[i]!, r = reference[i]!;
    if (a === r) continue; // ±∞ included
    if (Number.isNaN(r) || Number.isNaN(a)) {
      expect(Number.isNaN(a), `${label}[${i}]: ${a} vs ${r}`).toBe(Number.isNaN(r));
      continue;
    }
    if (!(Math.abs(a - r) <= allowed)) expect(Math.abs(a - r), `${label}[${i}]: ${a} vs ${r}`).toBeLessThanOrEqual(allowed);
  }
}

const cases: Case[] = [];
for (const k of [3, 5]) {
  for (const s of [1, 2]) {
    for (const [h, w] of [[7, 7], [14, 14], [13, 11], [1, 1], [2, 3], [6, 9], [12, 48]] as const) {
      cases.push({ c: 5, h, w, k, strides: [s, s], pads: same(k) });
    }
    cases.push({ c: 3, h: 11, w: 12, k, strides: [s, s], pads: [0, 2, 1, 0] });
    cases.push({ c: 2, h: 9, w: 10, k, strides: [s, s], pads: [0, 0, 0, 0] });
    cases.push({ c: 2, h: 8, w: 19, k, strides: [s, s], pads: [3, 1, 0, 4] });
  }
}
// Recognizer-style strides (2, 1) and (1, 2), and a wide stride.
cases.push({ c: 3, h: 12, w: 20, k: 5, strides: [2, 1], pads: same(5) });
cases.push({ c: 3, h: 9, w: 17, k: 3, strides: [2, 1], pads: same(3) });
cases.push({ c: 3, h: 9, w: 17, k: 3, strides: [1, 2], pads: same(3) });
cases.push({ c: 2, h: 10, w: 23, k: 3, strides: [3, 3], pads: [1, 2, 1, 0] });
// Other kernels: 1×1, 3×5, 1×7 (≤ 9 taps: weights in registers) and 7×7, 5×3 (kernel-row loop).
cases.push({ c: 3, h: 6, w: 9, k: 1, strides: [1, 1], pads: [0, 1, 1, 0] });
cases.push({ c: 3, h: 9, w: 14, k: 3, kw: 5, strides: [1, 2], pads: [1, 2, 1, 2] });
cases.push({ c: 2, h: 5, w: 21, k: 1, kw: 7, strides: [1, 1], pads: [0, 3, 0, 3] });
cases.push({ c: 3, h: 15, w: 15, k: 7, strides: [1, 1], pads: same(7) });
cases.push({ c: 3, h: 16, w: 13, k: 7, strides: [2, 2], pads: same(7) });
cases.push({ c: 3, h: 12, w: 11, k: 5, kw: 3, strides: [2, 1], pads: [2, 1, 2, 1] });

const ACTIVATIONS: FusedActivation[] = [
  { kind: "none" },
  { kind: "relu" },
  { kind: "clip", min: -0.25, max: 0.5 },
  { kind: "hardSigmoid", alpha: 0.2, beta: 0.5 },
  { kind: "hardSwish" },
];

describe("wasm depthwise vs the JavaScript twin", () => {
  cases.forEach((d, i) => {
    const act = ACTIVATIONS[i % ACTIVATIONS.length]!;
    it(`${name(d)} ${act.kind}`, () => {
      const g = geometryOf(d);
      expect(depthwiseSupported(g)).toBe(true);
      const x = randomTensor([1, d.c, d.h, d.w], 100 + i, -2, 2).data;
      const w = randomTensor([d.c, 1, d.k, d.kw ?? d.k], 200 + i).data;
      const b = randomTensor([d.c], 300 + i).data;
      const kernel = new Kernel(g, act, w, b);
      kernel.load(x);
      kernel.call(0, d.c, 0, g.outH);
      expectNear(kernel.output(), twin(d, x, w, b, act));
    });
  });
});

describe("wasm depthwise on GhostNet's and PaddleOCR's plane sizes", () => {
  const shapes: Case[] = [
    { c: 3, h: 56, w: 56, k: 3, strides: [1, 1], pads: same(3) },
    { c: 2, h: 112, w: 112, k: 3, strides: [2, 2], pads: same(3) },
    { c: 3, h: 56, w: 56, k: 5, strides: [2, 2], pads: same(5) },
    { c: 5, h: 28, w: 28, k: 5, strides: [1, 1], pads: same(5) },
    { c: 6, h: 14, w: 14, k: 5, strides: [2, 2], pads: same(5) },
    { c: 3, h: 48, w: 192, k: 3, strides: [1, 1], pads: same(3) },
    { c: 3, h: 24, w: 97, k: 5, strides: [2, 2], pads: same(5) },
    { c: 9, h: 7, w: 7, k: 5, strides: [1, 1], pads: same(5) },
    // Rows of more than 64 v128s: the copy loops instead of straight-line code.
    { c: 2, h: 5, w: 301, k: 3, strides: [1, 1], pads: same(3) },
    { c: 2, h: 6, w: 275, k: 5, strides: [2, 2], pads: same(5) },
  ];
  shapes.forEach((d, i) => {
    const act = ACTIVATIONS[(i + 1) % ACTIVATIONS.length]!;
    it(`${name(d)} ${act.kind}`, () => {
      const g = geometryOf(d);
      const x = randomTensor([1, d.c, d.h, d.w], 400 + i, -2, 2).data;
      const w = randomTensor([d.c, 1, d.k, d.kw ?? d.k], 500 + i).data;
      const b = randomTensor([d.c], 600 + i).data;
      const kernel = new Kernel(g, act, w, b);
      kernel.load(x);
      kernel.call(0, d.c, 0, g.outH);
      expectNear(kernel.output(), twin(d, x, w, b, act));
    });
  });
});

describe("wasm depthwise: ranges", () => {
  const SENTINEL = 12345.5;
  const rangeCases: Case[] = [
    { c: 7, h: 14, w: 14, k: 3, strides: [1, 1], pads: same(3) },
    { c: 6, h: 7, w: 7, k: 5, strides: [1, 1], pads: same(5) },
    { c: 5, h: 15, w: 13, k: 3, strides: [2, 2], pads: same(3) },
    { c: 5, h: 9, w: 11, k: 5, strides: [2, 1], pads: [1, 2, 2, 0] },
    { c: 3, h: 20, w: 33, k: 3, strides: [1, 1], pads: same(3) },
    // Planes copied in several bands of rows (16 KiB of padded rows each).
    { c: 3, h: 61, w: 150, k: 3, strides: [1, 1], pads: same(3) },
    { c: 2, h: 57, w: 151, k: 5, strides: [2, 2], pads: [2, 1, 2, 2] },
  ];
  for (const d of rangeCases) {
    it(`${name(d)}: a partial range writes exactly its outputs, every split gives the same bits`, () => {
      const g = geometryOf(d);
      const plane = g.outH * g.outW;
      const x = randomTensor([1, d.c, d.h, d.w], 7).data;
      const w = randomTensor([d.c, 1, d.k, d.kw ?? d.k], 8).data;
      const b = randomTensor([d.c], 9).data;
      const kernel = new Kernel(g, { kind: "hardSwish" }, w, b);
      kernel.load(x, SENTINEL);
      kernel.call(0, d.c, 0, g.outH);
      const whole = kernel.output();
      expectNear(whole, twin(d, x, w, b, { kind: "hardSwish" }));
      // First and last channels × first and last rows, and a middle block.
      const ranges: [number, number, number, number][] = [
        [0, 1, 0, 1], [d.c - 1, d.c, g.outH - 1, g.outH], [1, d.c - 1, 1, g.outH - 1], [0, d.c, g.outH - 2, g.outH], [2, 3, 0, g.outH],
      ];
      for (const [c0, c1, r0, r1] of ranges) {
        kernel.load(x, SENTINEL);
        kernel.call(c0, c1, r0, r1);
        const y = kernel.output();
        for (let i = 0; i < y.length; i++) {
          const c = Math.floor(i / plane), r = Math.floor((i % plane) / g.outW);
          const inside = c >= c0 && c < c1 && r >= r0 && r < r1;
          if (inside ? !Object.is(y[i], whole[i]) : y[i] !== SENTINEL) {
            expect(y[i], `range [${c0}, ${c1}) × [${r0}, ${r1}): channel ${c}, row ${r}, column ${i % g.outW}`).toBe(inside ? whole[i] : SENTINEL);
          }
        }
      }
      // Splits by rows (one at a time) and by channels (one at a time): the same bits.
      kernel.load(x, SENTINEL);
      for (let r = 0; r < g.outH; r++) kernel.call(0, d.c, r, r + 1);
      expect(kernel.output()).toEqual(whole);
      kernel.load(x, SENTINEL);
      for (let c = d.c - 1; c >= 0; c--) kernel.call(c, c + 1, 0, g.outH);
      expect(kernel.output()).toEqual(whole);
      // Empty ranges write nothing.
      kernel.load(x, SENTINEL);
      kernel.call(0, d.c, 2, 2);
      kernel.call(3, 3, 0, g.outH);
      expect(kernel.output().every((v) => v === SENTINEL)).toBe(true);
    });
  }
});

describe("wasm depthwise: non-finite inputs", () => {
  for (const act of ACTIVATIONS) {
    it(`NaN, +∞ and −∞ inputs give the twin's outputs (${act.kind})`, () => {
      const d: Case = { c: 3, h: 9, w: 10, k: 3, strides: [1, 1], pads: same(3) };
      const g = geometryOf(d);
      const x = randomTensor([1, d.c, d.h, d.w], 21).data;
      x[2 * 10 + 3] = NaN; // channel 0: inside
      x[90 + 0] = Infinity; // channel 1: a corner
      x[180 + 8 * 10 + 9] = -Infinity; // channel 2: the other corner
      x[180 + 4 * 10 + 4] = NaN;
      const w = randomTensor([d.c, 1, 3, 3], 22, 0.1, 1).data; // positive: a lone ∞ stays ∞
      const b = randomTensor([d.c], 23).data;
      const kernel = new Kernel(g, act, w, b);
      kernel.load(x);
      kernel.call(0, d.c, 0, g.outH);
      const ours = kernel.output();
      const ref = twin(d, x, w, b, act);
      if (act.kind === "hardSwish") {
        // hardSwish(−∞) = −∞ · 0: NaN in onnxruntime and in the f32x4 formula, 0 in the
        // JavaScript twin's pass; onnxruntime's answer is the reference there.
        const sums = twin(d, x, w, b, { kind: "none" });
        sums.forEach((v, i) => { if (v === -Infinity) ref[i] = NaN; });
      }
      expect(ours.filter((v) => Number.isNaN(v)).length).toBeGreaterThan(0);
      expectNear(ours, ref);
      for (let i = 0; i < ref.length; i++) if (!Number.isFinite(ref[i]!) && !Number.isNaN(ref[i]!)) expect(ours[i]).toBe(ref[i]);
    });
  }
});

describe("wasm depthwise vs onnxruntime", () => {
  const ortCases: Case[] = [
    { c: 5, h: 14, w: 14, k: 3, strides: [1, 1], pads: same(3) },
    { c: 6, h: 7, w: 7, k: 5, strides: [1, 1], pads: same(5) },
    { c: 5, h: 15, w: 13, k: 3, strides: [2, 2], pads: same(3) },
    { c: 3, h: 28, w: 27, k: 5, strides: [2, 2], pads: same(5) },
    { c: 3, h: 12, w: 48, k: 5, strides: [2, 1], pads: same(5) },
    { c: 2, h: 8, w: 19, k: 3, strides: [2, 2], pads: [3, 1, 0, 4] },
  ];
  for (const d of ortCases) {
    it(name(d), async () => {
      const g = geometryOf(d);
      const x = randomTensor([1, d.c, d.h, d.w], 31);
      const w = randomTensor([d.c, 1, d.k, d.kw ?? d.k], 32);
      const b = randomTensor([d.c], 33);
      const [ref] = await runOrtOp("Conv", {
        opset: 11,
        inputs: [asInput(x), asInput(w), asInput(b)],
        attributes: { strides: attr.ints(d.strides), pads: attr.ints(d.pads), dilations: attr.ints([1, 1]), group: attr.int(d.c) },
      });
      expect(ref!.shape).toEqual([1, d.c, g.outH, g.outW]);
      const kernel = new Kernel(g, { kind: "none" }, w.data, b.data);
      kernel.load(x.data);
      kernel.call(0, d.c, 0, g.outH);
      expectNear(kernel.output(), Float32Array.from(ref!.data));
    });
  }
});

describe("wasm depthwise: shapes", () => {
  it("supports undilated depthwise only; keys differ by every baked field", () => {
    const g = geometryOf({ c: 4, h: 9, w: 9, k: 3, strides: [1, 1], pads: same(3) });
    expect(depthwiseSupported(g)).toBe(true);
    expect(depthwiseSupported({ ...g, dilationW: 2 })).toBe(false);
    expect(depthwiseSupported({ ...g, group: 1 })).toBe(false);
    const s = depthwiseShapeOf(g, { kind: "relu" });
    const keys = new Set([
      depthwiseKey(s), depthwiseKey({ ...s, activation: { kind: "none" } }), depthwiseKey({ ...s, padRight: 2, outW: 10 }),
      depthwiseKey({ ...s, strideW: 2, outW: 5 }), depthwiseKey({ ...s, H: 10, outH: 10 }),
    ]);
    expect(keys.size).toBe(5);
  });

  it("refuses an inconsistent shape", () => {
    const g = geometryOf({ c: 4, h: 9, w: 9, k: 3, strides: [1, 1], pads: same(3) });
    expect(() => depthwiseModule({ ...depthwiseShapeOf(g, { kind: "none" }), outW: 8 }, { minPages: 1 })).toThrow(/inconsistent shape/);
  });
});

describe("wasm depthwise: memory bounds", () => {
  it("reads nothing past the image: an image that ends where the memory ends does not trap", () => {
    for (const d of [
      { c: 3, h: 7, w: 7, k: 3, strides: [2, 2], pads: same(3) },
      { c: 2, h: 9, w: 13, k: 5, strides: [1, 1], pads: same(5) },
      { c: 2, h: 6, w: 11, k: 3, strides: [2, 2], pads: [0, 0, 2, 2] },
      { c: 2, h: 5, w: 301, k: 3, strides: [1, 1], pads: same(3) },
    ] satisfies Case[]) {
      const g = geometryOf(d);
      const shape = depthwiseShapeOf(g, { kind: "none" });
      const x = randomTensor([1, d.c, d.h, d.w], 41).data;
      const w = randomTensor([d.c, 1, d.k, d.k], 42).data;
      const memory = new WebAssembly.Memory({ initial: 1 });
      const f = new Float32Array(memory.buffer);
      // Weights, y and scratch from float 0 on; the image's last float is the memory's last.
      const W0 = 0, Y0 = 1024, S0 = 4096, X0 = f.length - x.length;
      expect(S0 + depthwiseScratchFloats(shape)).toBeLessThanOrEqual(X0);
      packDepthwiseWeights(w, null, d.c, shape, f, W0);
      f.set(x, X0);
      const run = new WebAssembly.Instance(new WebAssembly.Module(depthwiseModule(shape, { minPages: 1 })), { env: { memory } })
        .exports.depthwise as (...a: number[]) => void;
      run(4 * W0, 4 * X0, 4 * Y0, 4 * S0, 0, d.c, 0, g.outH);
      const y = f.slice(Y0, Y0 + d.c * g.outH * g.outW);
      expectNear(y, twin(d, x, w, null, { kind: "none" }), name(d));
    }
  });
});

describe("wasm depthwise: random shapes", () => {
  it("80 seeded random shapes, activations and row/channel ranges agree with the twin", () => {
    const rand = seededRandom(2026);
    const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
    for (let i = 0; i < 80; i++) {
      const k = int(1, 6), kw = int(1, 6);
      const d: Case = {
        c: int(1, 6), h: int(1, 17), w: int(1, 23), k, kw, strides: [int(1, 3), int(1, 3)],
        pads: [int(0, 3), int(0, 3), int(0, 3), int(0, 3)],
      };
      // Keep only shapes with an output.
      if (d.h + d.pads[0] + d.pads[2] < k || d.w + d.pads[1] + d.pads[3] < kw) continue;
      const g = geometryOf(d);
      const act = ACTIVATIONS[i % ACTIVATIONS.length]!;
      const x = randomTensor([1, d.c, d.h, d.w], 700 + i, -2, 2).data;
      const w = randomTensor([d.c, 1, k, kw], 800 + i).data;
      const b = randomTensor([d.c], 900 + i).data;
      const kernel = new Kernel(g, act, w, b);
      kernel.load(x, 0.125);
      const c0 = int(0, d.c - 1), c1 = int(c0 + 1, d.c), r0 = int(0, g.outH - 1), r1 = int(r0 + 1, g.outH);
      kernel.call(c0, c1, r0, r1);
      const ours = kernel.output();
      const ref = twin(d, x, w, b, act);
      const plane = g.outH * g.outW;
      for (let j = 0; j < ref.length; j++) {
        const c = Math.floor(j / plane), r = Math.floor((j % plane) / g.outW);
        if (!(c >= c0 && c < c1 && r >= r0 && r < r1)) ref[j] = 0.125; // outside the range: untouched
      }
      expectNear(ours, ref, `${name(d)} ${act.kind} channels [${c0}, ${c1}) rows [${r0}, ${r1})`);
    }
  });
});
