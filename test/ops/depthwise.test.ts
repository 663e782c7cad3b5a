/**
 * Depthwise convolution (group = C = M): the specialised 3×3 / 5×5 kernels and the
 * any-kernel interior/border kernel against the generic bounds-checked loop, the plain
 * conv reference and onnxruntime, over strides 1 and 2, odd and tiny sizes (all border),
 * asymmetric pads, dilation and batch > 1.
 */
import { describe, expect, it } from "vitest";
import { attr } from "../../src/loader/writer.js";
import { type Conv2dAttributes, conv2d, conv2dGeometry, conv2dPath, conv2dReference, conv2dShape } from "../../src/ops/conv2d.js";
import { depthwiseConv2dGeneric, depthwiseConv2dPaddedRange, depthwiseConv2dRange } from "../../src/ops/depthwise.js";
import type { FusedActivation } from "../../src/ops/fused-activation.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { asInput, randomTensor, runOrtOp } from "./harness.js";

interface DepthwiseCase {
  c: number;
  h: number;
  w: number;
  k: [number, number];
  stride: number;
  pads: [number, number, number, number];
  dilation?: number;
  batch?: number;
  /** [strideH, strideW] when they differ (`stride` is then ignored). */
  strides?: [number, number];
}

const cases: DepthwiseCase[] = [];
for (const k of [3, 5]) {
  for (const stride of [1, 2]) {
    for (const [h, w] of [[7, 7], [10, 9], [13, 6], [2, 3]] as const) {
      const p = (k - 1) >> 1;
      cases.push({ c: 3, h, w, k: [k, k], stride, pads: [p, p, p, p] });
    }
    cases.push({ c: 2, h: 11, w: 12, k: [k, k], stride, pads: [0, 2, 1, 0], batch: 2 });
    cases.push({ c: 2, h: 9, w: 9, k: [k, k], stride, pads: [0, 0, 0, 0] });
  }
}
// 3×3 stride 1 padding 1 ("same", planeSame3x3): two-column planes, batch 2; one row (generic).
cases.push({ c: 3, h: 3, w: 2, k: [3, 3], stride: 1, pads: [1, 1, 1, 1], batch: 2 });
cases.push({ c: 2, h: 1, w: 5, k: [3, 3], stride: 1, pads: [1, 1, 1, 1] });
cases.push({ c: 3, h: 12, w: 11, k: [3, 3], stride: 1, pads: [2, 2, 2, 2], dilation: 2 });
cases.push({ c: 2, h: 15, w: 14, k: [5, 5], stride: 2, pads: [4, 3, 4, 3], dilation: 2 });
cases.push({ c: 4, h: 9, w: 10, k: [7, 7], stride: 1, pads: [3, 3, 3, 3] });
cases.push({ c: 3, h: 8, w: 11, k: [3, 5], stride: 2, pads: [1, 2, 1, 2] });
cases.push({ c: 2, h: 6, w: 6, k: [1, 1], stride: 1, pads: [1, 1, 1, 1] });
// PaddleOCR's recognizer (PP-LCNetV3): 5×5 with strides (2, 1), 3×3 too.
cases.push({ c: 3, h: 12, w: 20, k: [5, 5], stride: 1, strides: [2, 1], pads: [2, 2, 2, 2] });
cases.push({ c: 2, h: 9, w: 17, k: [3, 3], stride: 1, strides: [2, 1], pads: [1, 1, 1, 1] });

function describeCase(d: DepthwiseCase): string {
  return `C ${d.c} ${d.h}×${d.w} k ${d.k.join("×")} s ${d.strides ? d.strides.join("×") : d.stride} pads [${d.pads.join(", ")}]` +
    (d.dilation ? ` dilation ${d.dilation}` : "") + (d.batch ? ` batch ${d.batch}` : "");
}

function attrsOf(d: DepthwiseCase): Conv2dAttributes {
  const dil = d.dilation ?? 1;
  return { strides: d.strides ?? [d.stride, d.stride], pads: d.pads, dilations: [dil, dil], group: d.c };
}

describe("depthwise kernels vs the generic loop and the conv reference", () => {
  for (const d of cases) {
    it(describeCase(d), () => {
      const attrs = attrsOf(d);
      const x = randomTensor([d.batch ?? 1, d.c, d.h, d.w], d.h * 31 + d.w);
      const w = randomTensor([d.c, 1, ...d.k], d.k[0] + 7);
      const b = randomTensor([d.c], 5);
      const act: FusedActivation = { kind: "clip", min: -0.5, max: 1 };
      const g = conv2dGeometry(x.shape, w.shape, attrs);
      expect(conv2dPath(g)).toBe("depthwise");
      const shape = conv2dShape(x.shape, w.shape, attrs);
      const fast = new Tensor(shape);
      conv2d(fast, x, w, b, attrs, act);
      const generic = new Tensor(shape);
      depthwiseConv2dGeneric(generic.data, x.data, w.data, b.data, g, act, 0, d.c);
      // Same window order in every kernel: bitwise equal to the generic loop.
      expect(fast.data).toEqual(generic.data);
      const plain = new Tensor(shape);
      conv2dReference(plain, x, w, b, attrs, act);
      expectClose(fast, plain, 1e-5, "vs conv2dReference");
    });
  }
});

describe("the padded-copy layout (used for stride 1) on every 3×3 / 5×5 case", () => {
  for (const d of cases.filter((c) => (c.k[0] === 3 || c.k[0] === 5) && c.k[0] === c.k[1] && !c.dilation)) {
    it(describeCase(d), () => {
      const attrs = attrsOf(d);
      const x = randomTensor([d.batch ?? 1, d.c, d.h, d.w], d.h * 13 + d.w);
      const w = randomTensor([d.c, 1, ...d.k], 3);
      const b = randomTensor([d.c], 4);
      const g = conv2dGeometry(x.shape, w.shape, attrs);
      const padded = new Float32Array(g.batch * d.c * g.outH * g.outW);
      const generic = padded.slice();
      const act: FusedActivation = { kind: "hardSwish" };
      // In two row ranges, to exercise the partial copy.
      const cut = g.outH >> 1;
      depthwiseConv2dPaddedRange(padded, x.data, w.data, b.data, g, act, { channelStart: 0, channelEnd: d.c, rowStart: 0, rowEnd: cut });
      depthwiseConv2dPaddedRange(padded, x.data, w.data, b.data, g, act, { channelStart: 0, channelEnd: d.c, rowStart: cut, rowEnd: g.outH });
      depthwiseConv2dGeneric(generic, x.data, w.data, b.data, g, act, 0, d.c);
      expect(padded).toEqual(generic);
    });
  }
});

describe("depthwise vs onnxruntime", () => {
  // A sample of the cases above, through the ORT Conv op.
  for (const d of cases.filter((_, i) => i % 3 === 0)) {
    it(describeCase(d), async () => {
      const attrs = attrsOf(d);
      const x = randomTensor([d.batch ?? 1, d.c, d.h, d.w], d.h * 17 + d.w);
      const w = randomTensor([d.c, 1, ...d.k], d.k[1] + 3);
      const b = randomTensor([d.c], 9);
      const [ref] = await runOrtOp("Conv", {
        opset: 11,
        inputs: [asInput(x), asInput(w), asInput(b)],
        attributes: {
          strides: attr.ints(attrs.strides!),
          pads: attr.ints(attrs.pads!),
          dilations: attr.ints(attrs.dilations!),
          group: attr.int(d.c),
        },
      });
      const ours = new Tensor(conv2dShape(x.shape, w.shape, attrs));
      conv2d(ours, x, w, b, attrs);
      expectClose(ours, ref!, 1e-4);
    });
  }
});

describe("fused relu (branch-free store)", () => {
  // Hand reference: relu(v) = v < 0 ? 0 : v applied to the plain conv's output (bias included).
  function reluReference(d: DepthwiseCase, x: Tensor, w: Tensor, b: Tensor): Tensor {
    const attrs = attrsOf(d);
    const plain = new Tensor(conv2dShape(x.shape, w.shape, attrs));
    conv2dReference(plain, x, w, b, attrs);
    for (let i = 0; i < plain.data.length; i++) plain.data[i] = plain.data[i]! < 0 ? 0 : plain.data[i]!;
    return plain;
  }

  for (const d of cases.filter((_, i) => i % 2 === 0)) {
    it(`${describeCase(d)}: any channel × row split is bitwise equal, and close to conv + relu`, () => {
      const attrs = attrsOf(d);
      const x = randomTensor([d.batch ?? 1, d.c, d.h, d.w], d.h * 7 + d.w);
      const w = randomTensor([d.c, 1, ...d.k], 11);
      const b = randomTensor([d.c], 12);
      const g = conv2dGeometry(x.shape, w.shape, attrs);
      const relu: FusedActivation = { kind: "relu" };
      const whole = new Float32Array(g.batch * d.c * g.outH * g.outW);
      depthwiseConv2dRange(whole, x.data, w.data, b.data, g, relu, { channelStart: 0, channelEnd: d.c, rowStart: 0, rowEnd: g.outH });
      const split = new Float32Array(whole.length);
      const cutC = d.c >> 1;
      const cutH = g.outH >> 1;
      for (const [c0, c1] of [[0, cutC], [cutC, d.c]]) {
        for (const [r0, r1] of [[0, cutH], [cutH, g.outH]]) {
          depthwiseConv2dRange(split, x.data, w.data, b.data, g, relu, { channelStart: c0!, channelEnd: c1!, rowStart: r0!, rowEnd: r1! });
        }
      }
      expect(split).toEqual(whole);
      expectClose(new Tensor([g.batch, d.c, g.outH, g.outW], whole), reluReference(d, x, w, b), 1e-5, "vs conv2dReference + relu");
    });
  }

  it("propagates NaN, clamps −∞ and negatives to +0, keeps +∞", () => {
    // 1 channel, 1×4 image, 1×1 kernel of weight 1, no bias: the output is relu of the input.
    const attrs: Conv2dAttributes = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 };
    const x = new Tensor([1, 1, 1, 4], Float32Array.from([NaN, -Infinity, -2, Infinity]));
    const w = new Tensor([1, 1, 1, 1], Float32Array.from([1]));
    const g = conv2dGeometry(x.shape, w.shape, attrs);
    const y = new Float32Array(4);
    depthwiseConv2dRange(y, x.data, w.data, null, g, { kind: "relu" }, { channelStart: 0, channelEnd: 1, rowStart: 0, rowEnd: 1 });
    expect(Number.isNaN(y[0]!)).toBe(true);
    expect(Object.is(y[1], 0)).toBe(true);
    expect(Object.is(y[2], 0)).toBe(true);
    expect(y[3]).toBe(Infinity);
  });

  it("3×3 stride 1: a NaN input makes exactly its 3×3 neighbourhood NaN", () => {
    const attrs: Conv2dAttributes = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 };
    const xData = new Float32Array(36).fill(-1);
    xData[2 * 6 + 3] = NaN; // row 2, column 3 of a 6×6 plane
    const x = new Tensor([1, 1, 6, 6], xData);
    const w = new Tensor([1, 1, 3, 3], new Float32Array(9).fill(1));
    const g = conv2dGeometry(x.shape, w.shape, attrs);
    const y = new Float32Array(36);
    depthwiseConv2dRange(y, x.data, w.data, null, g, { kind: "relu" }, { channelStart: 0, channelEnd: 1, rowStart: 0, rowEnd: 6 });
    for (let r = 0; r < 6; r++) {
      for (let c = 0; c < 6; c++) {
        const near = Math.abs(r - 2) <= 1 && Math.abs(c - 3) <= 1;
        if (near) expect(Number.isNaN(y[r * 6 + c]!), `(${r}, ${c})`).toBe(true);
        else expect(Object.is(y[r * 6 + c], 0), `(${r}, ${c})`).toBe(true); // all-negative window sums
      }
    }
  });
});

describe("relu of non-finite sums (the fused store's repair)", () => {
  // The fused store computes relu as (v + |v|)/2, which is NaN for v = −∞; ONNX's relu gives
  // 0 there. Every kernel family must hand back ONNX's answer: −∞ windows → +0, windows
  // holding both +∞ and −∞ → NaN, everything else as the plain conv + relu.
  const families: [string, [number, number], number, [number, number, number, number]][] = [
    ["3×3 stride 1, padding 1 (planeSame3x3, summed probe)", [3, 3], 1, [1, 1, 1, 1]],
    ["3×3 stride 1, no padding (slide3x3)", [3, 3], 1, [0, 0, 0, 0]],
    ["3×3 stride 2 (plane3x3)", [3, 3], 2, [1, 1, 1, 1]],
    ["5×5 stride 1 (padded copy)", [5, 5], 1, [2, 2, 2, 2]],
    ["5×5 stride 2 (padded copy)", [5, 5], 2, [2, 2, 2, 2]],
    ["3×5 (any-kernel loop)", [3, 5], 1, [1, 2, 1, 2]],
  ];
  for (const [name, k, stride, pads] of families) {
    it(name, () => {
      const [c, h, wd] = [2, 9, 10];
      const x = new Tensor([1, c, h, wd]);
      for (let i = 0; i < x.size; i++) x.data[i] = 0.25 + ((i * 37) % 11) / 10; // positive, finite
      x.data[4 * wd + 4] = -Infinity; // channel 0: one −∞
      x.data[h * wd + 4 * wd + 4] = -Infinity; // channel 1: −∞ and, next to it, +∞
      x.data[h * wd + 4 * wd + 5] = Infinity;
      const w = new Tensor([c, 1, ...k]);
      for (let i = 0; i < w.size; i++) w.data[i] = 0.5 + (i % 3) / 4; // positive
      const b = new Tensor([c], Float32Array.from([-0.5, 0.25]));
      const attrs: Conv2dAttributes = { strides: [stride, stride], pads, dilations: [1, 1], group: c };
      const g = conv2dGeometry(x.shape, w.shape, attrs);
      const y = new Float32Array(c * g.outH * g.outW);
      depthwiseConv2dRange(y, x.data, w.data, b.data, g, { kind: "relu" }, { channelStart: 0, channelEnd: c, rowStart: 0, rowEnd: g.outH });
      const ref = new Tensor(conv2dShape(x.shape, w.shape, attrs));
      conv2dReference(ref, x, w, b, attrs, { kind: "relu" });
      let zeros = 0, nans = 0;
      for (let i = 0; i < y.length; i++) {
        const e = ref.data[i]!;
        if (Number.isNaN(e)) {
          nans++;
          expect(y[i], `[${i}]`).toBeNaN();
        } else if (e === 0) {
          zeros++;
          expect(Object.is(y[i], 0), `[${i}] = ${y[i]}, expected +0`).toBe(true);
        } else if (e === Infinity) {
          expect(y[i], `[${i}]`).toBe(Infinity);
        } else {
          expect(Math.abs(y[i]! - e), `[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(e)));
        }
      }
      // The setup must reach both special cases (−∞ windows and ∞ − ∞ windows).
      expect(zeros).toBeGreaterThan(0);
      expect(nans).toBeGreaterThan(0);
    });
  }
});
