/**
 * Conv (2-D) against onnxruntime on single-op graphs over the edge cases (odd sizes with
 * stride 2, asymmetric pads, rectangular kernels, dilation, groups neither 1 nor C,
 * auto_pad, batch > 1, with and without bias), each fast path against the plain
 * reference, fused activations against Conv → activation graphs, work-range splits
 * bitwise equal to the whole, hand-computed cases, and bad shapes.
 */
import { describe, expect, it } from "vitest";
import { ShapeError, UnsupportedOperatorError } from "../../src/errors.js";
import { encodeModel, type WriterAttribute, type WriterNode } from "../../src/loader/writer.js";
import {
  type Conv2dAttributes,
  conv2d,
  conv2dGeometry,
  conv2dPath,
  conv2dRange,
  conv2dReference,
  conv2dShape,
} from "../../src/ops/conv2d.js";
import type { FusedActivation } from "../../src/ops/fused-activation.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose, seededRandom } from "../helpers/compare.js";
import { runOrt } from "../helpers/ort.js";
import { asInput, attr, randomTensor, runOrtOp } from "./harness.js";

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  attrs: Conv2dAttributes;
  bias?: boolean;
  path: "pointwise" | "depthwise" | "general";
}

function onnxAttributes(a: Conv2dAttributes): Record<string, WriterAttribute> {
  const out: Record<string, WriterAttribute> = {};
  if (a.kernelShape) out.kernel_shape = attr.ints(a.kernelShape);
  if (a.strides) out.strides = attr.ints(a.strides);
  if (a.pads) out.pads = attr.ints(a.pads);
  if (a.dilations) out.dilations = attr.ints(a.dilations);
  if (a.group !== undefined) out.group = attr.int(a.group);
  if (a.autoPad !== undefined) out.auto_pad = attr.string(a.autoPad);
  return out;
}

const cases: ConvCase[] = [
  { name: "3×3 pad 1, batch 2, bias", x: [2, 3, 8, 7], w: [5, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, path: "general" },
  { name: "3×3 stride 2 on odd sizes", x: [1, 4, 11, 9], w: [6, 4, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true, path: "general" },
  { name: "asymmetric pads [0, 1, 2, 1]", x: [1, 3, 7, 8], w: [4, 3, 3, 3], attrs: { pads: [0, 1, 2, 1] }, path: "general" },
  { name: "rectangular 1×5 kernel", x: [1, 4, 9, 10], w: [3, 4, 1, 5], attrs: { kernelShape: [1, 5], pads: [0, 2, 0, 2] }, bias: true, path: "general" },
  { name: "rectangular 4×2 kernel, strides [2, 3]", x: [2, 2, 13, 11], w: [3, 2, 4, 2], attrs: { strides: [2, 3], pads: [1, 0, 2, 1] }, path: "general" },
  { name: "dilations [2, 3]", x: [1, 2, 12, 13], w: [4, 2, 3, 3], attrs: { dilations: [2, 3], pads: [2, 3, 2, 3] }, bias: true, path: "general" },
  { name: "group 2 (neither 1 nor C)", x: [2, 6, 9, 9], w: [8, 3, 3, 3], attrs: { group: 2, pads: [1, 1, 1, 1] }, bias: true, path: "general" },
  { name: "group 3, stride 2", x: [1, 6, 7, 7], w: [6, 2, 3, 3], attrs: { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] }, path: "general" },
  { name: "depthwise with multiplier 2", x: [1, 4, 9, 9], w: [8, 1, 3, 3], attrs: { group: 4, pads: [1, 1, 1, 1] }, bias: true, path: "general" },
  { name: "auto_pad SAME_UPPER stride 2", x: [1, 3, 9, 10], w: [4, 3, 3, 3], attrs: { autoPad: "SAME_UPPER", strides: [2, 2] }, bias: true, path: "general" },
  { name: "auto_pad SAME_LOWER even kernel", x: [1, 3, 9, 10], w: [4, 3, 4, 2], attrs: { autoPad: "SAME_LOWER", strides: [2, 1] }, path: "general" },
  { name: "auto_pad SAME_UPPER even kernel", x: [1, 3, 9, 10], w: [4, 3, 4, 2], attrs: { autoPad: "SAME_UPPER" }, path: "general" },
  { name: "auto_pad VALID", x: [1, 3, 9, 10], w: [4, 3, 3, 3], attrs: { autoPad: "VALID", strides: [2, 2] }, path: "general" },
  { name: "1×1 stride 2 (not pointwise)", x: [1, 5, 9, 8], w: [7, 5, 1, 1], attrs: { strides: [2, 2] }, bias: true, path: "general" },
  { name: "1×1 with padding (not pointwise)", x: [1, 5, 4, 3], w: [2, 5, 1, 1], attrs: { pads: [1, 0, 0, 1] }, path: "general" },
  { name: "long reduction K = 1170 > one depth block", x: [1, 130, 6, 6], w: [5, 130, 3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, path: "general" },
  { name: "conv1 of GhostNet at 32²", x: [1, 3, 32, 32], w: [16, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true, path: "general" },
  { name: "pointwise, batch 3, bias", x: [3, 16, 7, 5], w: [12, 16, 1, 1], attrs: {}, bias: true, path: "pointwise" },
  { name: "pointwise, no bias", x: [1, 9, 5, 5], w: [3, 9, 1, 1], attrs: { kernelShape: [1, 1], pads: [0, 0, 0, 0] }, path: "pointwise" },
  { name: "pointwise across GEMM blocks (M 70, N 720)", x: [1, 20, 24, 30], w: [70, 20, 1, 1], attrs: {}, bias: true, path: "pointwise" },
  { name: "pointwise on 1×1 maps (N = 1)", x: [2, 24, 1, 1], w: [40, 24, 1, 1], attrs: {}, bias: true, path: "pointwise" },
  { name: "depthwise 3×3 stride 1", x: [2, 5, 9, 11], w: [5, 1, 3, 3], attrs: { group: 5, pads: [1, 1, 1, 1] }, bias: true, path: "depthwise" },
  { name: "depthwise 3×3 stride 2 odd", x: [1, 4, 11, 9], w: [4, 1, 3, 3], attrs: { group: 4, strides: [2, 2], pads: [1, 1, 1, 1] }, path: "depthwise" },
  { name: "depthwise 5×5 stride 2 asymmetric", x: [1, 3, 12, 13], w: [3, 1, 5, 5], attrs: { group: 3, strides: [2, 2], pads: [2, 1, 1, 2] }, bias: true, path: "depthwise" },
];

describe("conv2d vs onnxruntime", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const seed = c.name.length * 7919;
      const x = randomTensor(c.x, seed);
      const w = randomTensor(c.w, seed + 1, -0.5, 0.5);
      const b = c.bias ? randomTensor([c.w[0]!], seed + 2) : null;
      const g = conv2dGeometry(x.shape, w.shape, c.attrs);
      expect(conv2dPath(g)).toBe(c.path);
      const [ref] = await runOrtOp("Conv", {
        opset: 11,
        inputs: b ? [asInput(x), asInput(w), asInput(b)] : [asInput(x), asInput(w)],
        attributes: onnxAttributes(c.attrs),
      });
      const shape = conv2dShape(x.shape, w.shape, c.attrs);
      expect(shape).toEqual(ref!.shape);
      const fast = new Tensor(shape);
      conv2d(fast, x, w, b, c.attrs);
      const plain = new Tensor(shape);
      conv2dReference(plain, x, w, b, c.attrs);
      expectClose(fast, ref!, 1e-4, "fast path vs onnxruntime");
      expectClose(plain, ref!, 1e-4, "reference vs onnxruntime");
      expectClose(fast, plain, 1e-5, "fast path vs reference");
    });
  }
});

describe("1-D conv (input [N, C, W]) vs onnxruntime", () => {
  const cases1d: { name: string; x: number[]; w: number[]; attrs: Conv2dAttributes }[] = [
    { name: "k 3, stride 2, asymmetric pads, group 2", x: [2, 4, 11], w: [6, 2, 3], attrs: { strides: [2], pads: [1, 2], group: 2 } },
    { name: "k 5, dilation 2", x: [1, 3, 12], w: [2, 3, 5], attrs: { dilations: [2], pads: [3, 1] } },
    { name: "k 4, stride 2, SAME_UPPER", x: [1, 3, 9], w: [2, 3, 4], attrs: { strides: [2], autoPad: "SAME_UPPER" } },
    { name: "depthwise k 3", x: [1, 5, 8], w: [5, 1, 3], attrs: { group: 5, pads: [1, 1] } },
  ];
  for (const c of cases1d) {
    it(c.name, async () => {
      const x = randomTensor(c.x, 41);
      const w = randomTensor(c.w, 42);
      const b = randomTensor([c.w[0]!], 43);
      const [ref] = await runOrtOp("Conv", { opset: 11, inputs: [asInput(x), asInput(w), asInput(b)], attributes: onnxAttributes(c.attrs) });
      const ours = new Tensor(conv2dShape(x.shape, w.shape, c.attrs));
      expect(ours.shape).toEqual(ref!.shape);
      conv2d(ours, x, w, b, c.attrs);
      expectClose(ours, ref!, 1e-4);
    });
  }
});

describe("conv2d fused activations vs Conv → activation in onnxruntime", () => {
  const activations: { act: FusedActivation; node: (input: string, output: string) => WriterNode; opset: number }[] = [
    { act: { kind: "relu" }, opset: 11, node: (i, o) => ({ opType: "Relu", inputs: [i], outputs: [o] }) },
    { act: { kind: "clip", min: 0, max: 6 }, opset: 10, node: (i, o) => ({ opType: "Clip", inputs: [i], outputs: [o], attributes: { min: attr.float(0), max: attr.float(6) } }) },
    { act: { kind: "hardSigmoid", alpha: 0.2, beta: 0.5 }, opset: 11, node: (i, o) => ({ opType: "HardSigmoid", inputs: [i], outputs: [o], attributes: { alpha: attr.float(0.2), beta: attr.float(0.5) } }) },
    { act: { kind: "hardSwish" }, opset: 14, node: (i, o) => ({ opType: "HardSwish", inputs: [i], outputs: [o] }) },
    { act: { kind: "sigmoid" }, opset: 11, node: (i, o) => ({ opType: "Sigmoid", inputs: [i], outputs: [o] }) },
  ];
  const shapes: { name: string; x: number[]; w: number[]; attrs: Conv2dAttributes }[] = [
    { name: "pointwise", x: [1, 6, 5, 7], w: [8, 6, 1, 1], attrs: {} },
    { name: "depthwise", x: [1, 6, 7, 7], w: [6, 1, 3, 3], attrs: { group: 6, pads: [1, 1, 1, 1] } },
    { name: "general", x: [1, 3, 7, 7], w: [4, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
  ];
  for (const { act, node, opset } of activations) {
    for (const s of shapes) {
      it(`${act.kind} after ${s.name}`, async () => {
        const x = randomTensor(s.x, 11, -3, 3);
        const w = randomTensor(s.w, 12);
        const b = randomTensor([s.w[0]!], 13);
        const bytes = encodeModel({
          opset,
          inputs: [{ name: "x", shape: s.x }, { name: "w", shape: s.w }, { name: "b", shape: [s.w[0]!] }],
          outputs: [{ name: "y" }],
          nodes: [{ opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: onnxAttributes(s.attrs) }, node("c", "y")],
        });
        const ref = (await runOrt(bytes, { x, w, b })).y!;
        const ours = new Tensor(conv2dShape(x.shape, w.shape, s.attrs));
        conv2d(ours, x, w, b, s.attrs, act);
        expectClose(ours, { shape: ref.shape, data: ref.data as Float32Array }, 1e-4, act.kind);
        const plain = new Tensor(ours.shape);
        conv2dReference(plain, x, w, b, s.attrs, act);
        expectClose(ours, plain, 1e-5, `${act.kind} reference`);
      });
    }
  }
});

describe("conv2dRange", () => {
  const splits: { name: string; x: number[]; w: number[]; attrs: Conv2dAttributes }[] = [
    { name: "pointwise", x: [2, 12, 9, 7], w: [18, 12, 1, 1], attrs: {} },
    { name: "depthwise", x: [2, 7, 13, 11], w: [7, 1, 5, 5], attrs: { group: 7, strides: [2, 2], pads: [2, 2, 2, 2] } },
    { name: "depthwise 5×5 stride 1 (padded copy)", x: [1, 5, 9, 10], w: [5, 1, 5, 5], attrs: { group: 5, pads: [2, 1, 2, 3] } },
    { name: "general with groups", x: [2, 6, 9, 10], w: [9, 2, 3, 3], attrs: { group: 3, pads: [1, 0, 1, 2] } },
  ];
  for (const s of splits) {
    it(`${s.name}: any split of channels × rows is bitwise equal to the whole`, () => {
      const x = randomTensor(s.x, 21);
      const w = randomTensor(s.w, 22);
      const b = randomTensor([s.w[0]!], 23);
      const act: FusedActivation = { kind: "relu" };
      const shape = conv2dShape(x.shape, w.shape, s.attrs);
      const whole = new Tensor(shape);
      conv2d(whole, x, w, b, s.attrs, act);
      const rand = seededRandom(24);
      for (let trial = 0; trial < 4; trial++) {
        const pieces = new Tensor(shape, new Float32Array(whole.data.length).fill(NaN));
        const [, m, outH] = shape as [number, number, number, number];
        const cCut = 1 + Math.floor(rand() * (m - 1));
        const rCut = Math.floor(rand() * (outH + 1));
        for (const [c0, c1] of [[0, cCut], [cCut, m]] as const) {
          for (const [r0, r1] of [[0, rCut], [rCut, outH]] as const) {
            conv2dRange(pieces, x, w, b, s.attrs, act, { channelStart: c0, channelEnd: c1, rowStart: r0, rowEnd: r1 });
          }
        }
        expect(pieces.data).toEqual(whole.data);
      }
    });
  }

  it("leaves the output outside the range untouched", () => {
    const x = randomTensor([1, 4, 5, 5], 31);
    const w = randomTensor([6, 4, 1, 1], 32);
    const out = new Tensor([1, 6, 5, 5], new Float32Array(150).fill(7));
    conv2dRange(out, x, w, null, {}, { kind: "none" }, { channelStart: 2, channelEnd: 4, rowStart: 1, rowEnd: 3 });
    for (let c = 0; c < 6; c++) {
      for (let h = 0; h < 5; h++) {
        const inside = c >= 2 && c < 4 && h >= 1 && h < 3;
        for (let ww = 0; ww < 5; ww++) {
          expect(out.data[(c * 5 + h) * 5 + ww] === 7, `c ${c} h ${h}`).toBe(!inside);
        }
      }
    }
  });

  it("rejects a range outside the output", () => {
    const x = randomTensor([1, 2, 4, 4], 1);
    const w = randomTensor([3, 2, 1, 1], 2);
    const out = new Tensor([1, 3, 4, 4]);
    expect(() => conv2dRange(out, x, w, null, {}, { kind: "none" }, { channelStart: 0, channelEnd: 4, rowStart: 0, rowEnd: 4 })).toThrow(RangeError);
  });
});

describe("conv2d by hand", () => {
  it("3×3 input, 2×2 kernel, no padding: each output is a 2×2 window dotted with the kernel", () => {
    // x = 1 2 3    w = 1 2    y[0,0] = 1·1 + 2·2 + 4·3 + 5·4 = 37    y[0,1] = 2·1 + 3·2 + 5·3 + 6·4 = 47
    //     4 5 6        3 4    y[1,0] = 4·1 + 5·2 + 7·3 + 8·4 = 67    y[1,1] = 5·1 + 6·2 + 8·3 + 9·4 = 77
    //     7 8 9               plus bias 0.5 everywhere.
    const x = new Tensor([1, 1, 3, 3], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const w = new Tensor([1, 1, 2, 2], Float32Array.from([1, 2, 3, 4]));
    const b = new Tensor([1], Float32Array.of(0.5));
    const y = new Tensor(conv2dShape(x.shape, w.shape, {}));
    conv2d(y, x, w, b, {});
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(y.data)).toEqual([37.5, 47.5, 67.5, 77.5]);
  });

  it("3×3 input, 2×2 kernel, stride 2, pads [1, 1, 0, 0]: windows start above-left of the image", () => {
    // Padded x (0 outside):  0 0 0 0    windows at (−1,−1), (−1,1), (1,−1), (1,1):
    //                        0 1 2 3    y[0,0] = 4·1 = 4            y[0,1] = 3·2 + 4·3 = 18
    //                        0 4 5 6    y[1,0] = 2·4 + 4·7 = 36     y[1,1] = 1·5 + 2·6 + 3·8 + 4·9 = 77
    //                        0 7 8 9
    const x = new Tensor([1, 1, 3, 3], Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const w = new Tensor([1, 1, 2, 2], Float32Array.from([1, 2, 3, 4]));
    const attrs = { strides: [2, 2], pads: [1, 1, 0, 0] };
    const y = new Tensor(conv2dShape(x.shape, w.shape, attrs));
    conv2d(y, x, w, null, attrs);
    expect(Array.from(y.data)).toEqual([4, 18, 36, 77]);
  });

  it("pointwise: each output pixel mixes the channels at that pixel", () => {
    // x channel 0 = [1, 2], channel 1 = [3, 4]; w = [10, 100] → y = [1·10 + 3·100, 2·10 + 4·100].
    const x = new Tensor([1, 2, 1, 2], Float32Array.from([1, 2, 3, 4]));
    const w = new Tensor([1, 2, 1, 1], Float32Array.from([10, 100]));
    const y = new Tensor([1, 1, 1, 2]);
    conv2d(y, x, w, null, {});
    expect(Array.from(y.data)).toEqual([310, 420]);
  });

  it("depthwise: each channel keeps its own kernel (3×3 of ones sums the window)", () => {
    // Channel 0 is all 1s, channel 1 all 2s, 3×3 input, pads 1: a 3×3 box sum counts the
    // in-bounds neighbours (corner 4, edge 6, centre 9), times 1 or 2.
    const x = new Tensor([1, 2, 3, 3], Float32Array.from([...new Array(9).fill(1), ...new Array(9).fill(2)]));
    const w = new Tensor([2, 1, 3, 3], new Float32Array(18).fill(1));
    const y = new Tensor([1, 2, 3, 3]);
    conv2d(y, x, w, null, { group: 2, pads: [1, 1, 1, 1] });
    expect(Array.from(y.data)).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4, 8, 12, 8, 12, 18, 12, 8, 12, 8]);
  });
});

describe("conv2d rejects bad shapes", () => {
  it("weight channels that do not match the input", () => {
    expect(() => conv2dShape([1, 3, 8, 8], [4, 2, 3, 3], {})).toThrow(ShapeError);
  });
  it("a group that does not divide the output channels", () => {
    expect(() => conv2dShape([1, 4, 8, 8], [3, 2, 3, 3], { group: 2 })).toThrow(/group 2/);
  });
  it("a kernel larger than the padded input", () => {
    expect(() => conv2dShape([1, 1, 2, 2], [1, 1, 3, 3], {})).toThrow(/larger than the padded input/);
  });
  it("kernel_shape disagreeing with the weight", () => {
    expect(() => conv2dShape([1, 1, 5, 5], [1, 1, 3, 3], { kernelShape: [3, 2] })).toThrow(/kernel_shape/);
  });
  it("negative pads and zero strides", () => {
    expect(() => conv2dShape([1, 1, 5, 5], [1, 1, 3, 3], { pads: [-1, 0, 0, 0] })).toThrow(ShapeError);
    expect(() => conv2dShape([1, 1, 5, 5], [1, 1, 3, 3], { strides: [0, 1] })).toThrow(ShapeError);
  });
  it("an unknown auto_pad", () => {
    expect(() => conv2dShape([1, 1, 5, 5], [1, 1, 3, 3], { autoPad: "SAME" })).toThrow(/auto_pad/);
  });
  it("a 3-D (volumetric) input", () => {
    expect(() => conv2dShape([1, 1, 5, 5, 5], [1, 1, 3, 3, 3], {})).toThrow(UnsupportedOperatorError);
  });
  it("1-D attributes with two values", () => {
    expect(() => conv2dShape([1, 1, 5], [1, 1, 3], { strides: [1, 1] })).toThrow(/1-D strides/);
  });
  it("an output or bias of the wrong shape", () => {
    const x = new Tensor([1, 2, 4, 4]);
    const w = new Tensor([3, 2, 3, 3]);
    expect(() => conv2d(new Tensor([1, 3, 4, 4]), x, w, null, {})).toThrow(/should be \[1, 3, 2, 2\]/);
    expect(() => conv2d(new Tensor([1, 3, 2, 2]), x, w, new Tensor([2]), {})).toThrow(/bias/);
  });
});
