/**
 * ConvTranspose (2-D) against onnxruntime: strides, pads, dilations, groups,
 * output_padding, output_shape, auto_pad; the GEMM + col2im kernel against the scatter
 * reference; channel splits bitwise equal to the whole; a hand-computed case; bad shapes.
 */
import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { type WriterAttribute } from "../../src/loader/writer.js";
import {
  type ConvTranspose2dAttributes,
  convTranspose2d,
  convTranspose2dRange,
  convTranspose2dReference,
  convTranspose2dShape,
} from "../../src/ops/conv-transpose.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { asInput, attr, randomTensor, runOrtOp } from "./harness.js";

function onnxAttributes(a: ConvTranspose2dAttributes): Record<string, WriterAttribute> {
  const out: Record<string, WriterAttribute> = {};
  if (a.strides) out.strides = attr.ints(a.strides);
  if (a.pads) out.pads = attr.ints(a.pads);
  if (a.dilations) out.dilations = attr.ints(a.dilations);
  if (a.group !== undefined) out.group = attr.int(a.group);
  if (a.outputPadding) out.output_padding = attr.ints(a.outputPadding);
  if (a.outputShape) out.output_shape = attr.ints(a.outputShape);
  if (a.autoPad) out.auto_pad = attr.string(a.autoPad);
  return out;
}

const cases: { name: string; x: number[]; w: number[]; attrs: ConvTranspose2dAttributes; bias?: boolean }[] = [
  { name: "2×2 stride 2 upsampling (PP-OCR det head)", x: [1, 6, 5, 7], w: [6, 4, 2, 2], attrs: { strides: [2, 2] }, bias: true },
  { name: "3×3 stride 1 pad 1, batch 2", x: [2, 3, 6, 5], w: [3, 5, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  { name: "3×3 stride 2 asymmetric pads", x: [1, 4, 5, 6], w: [4, 3, 3, 3], attrs: { strides: [2, 2], pads: [1, 0, 2, 1] }, bias: true },
  { name: "rectangular 3×2 kernel, strides [3, 2]", x: [1, 2, 4, 5], w: [2, 3, 3, 2], attrs: { strides: [3, 2], pads: [1, 0, 0, 1] } },
  { name: "dilation 2", x: [1, 3, 5, 5], w: [3, 2, 3, 3], attrs: { dilations: [2, 2], strides: [2, 1] }, bias: true },
  { name: "group 2", x: [2, 4, 4, 5], w: [4, 3, 3, 3], attrs: { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] }, bias: true },
  { name: "output_padding [1, 0]", x: [1, 3, 4, 4], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 0] } },
  { name: "output_shape [10, 8]", x: [1, 1, 3, 3], w: [1, 2, 3, 3], attrs: { strides: [3, 2], outputShape: [10, 8] } },
  { name: "output_shape with odd total padding", x: [1, 2, 4, 4], w: [2, 2, 3, 3], attrs: { strides: [2, 2], outputShape: [8, 7] }, bias: true },
  { name: "output_shape beyond the input's reach, with bias", x: [1, 2, 3, 3], w: [2, 2, 3, 3], attrs: { strides: [2, 2], outputShape: [8, 6] }, bias: true },
  { name: "auto_pad SAME_UPPER", x: [1, 2, 4, 5], w: [2, 3, 3, 3], attrs: { strides: [2, 2], autoPad: "SAME_UPPER" } },
  { name: "auto_pad VALID", x: [1, 2, 4, 5], w: [2, 3, 3, 3], attrs: { strides: [2, 2], autoPad: "VALID" } },
  { name: "1×1 kernel stride 1", x: [1, 5, 3, 4], w: [5, 6, 1, 1], attrs: {}, bias: true },
];

describe("convTranspose2d vs onnxruntime", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const seed = c.name.length * 131;
      const x = randomTensor(c.x, seed);
      const w = randomTensor(c.w, seed + 1);
      const b = c.bias ? randomTensor([c.w[1]! * (c.attrs.group ?? 1)], seed + 2) : null;
      const [ref] = await runOrtOp("ConvTranspose", {
        opset: 11,
        inputs: b ? [asInput(x), asInput(w), asInput(b)] : [asInput(x), asInput(w)],
        attributes: onnxAttributes(c.attrs),
      });
      const shape = convTranspose2dShape(x.shape, w.shape, c.attrs);
      expect(shape).toEqual(ref!.shape);
      const ours = new Tensor(shape);
      convTranspose2d(ours, x, w, b, c.attrs);
      expectClose(ours, ref!, 1e-4, "GEMM + col2im vs onnxruntime");
      const plain = new Tensor(shape);
      convTranspose2dReference(plain, x, w, b, c.attrs);
      expectClose(plain, ref!, 1e-4, "reference vs onnxruntime");
    });
  }
});

describe("convTranspose2dRange", () => {
  it("channel splits are bitwise equal to the whole (group 2)", () => {
    const attrs: ConvTranspose2dAttributes = { group: 2, strides: [2, 2], pads: [1, 0, 0, 1] };
    const x = randomTensor([2, 4, 5, 4], 1);
    const w = randomTensor([4, 3, 3, 3], 2);
    const b = randomTensor([6], 3);
    const shape = convTranspose2dShape(x.shape, w.shape, attrs);
    const whole = new Tensor(shape);
    convTranspose2d(whole, x, w, b, attrs, { kind: "relu" });
    for (const cut of [1, 2, 3, 5]) {
      const pieces = new Tensor(shape, new Float32Array(whole.data.length).fill(NaN));
      convTranspose2dRange(pieces, x, w, b, attrs, { kind: "relu" }, 0, cut);
      convTranspose2dRange(pieces, x, w, b, attrs, { kind: "relu" }, cut, 6);
      expect(pieces.data).toEqual(whole.data);
    }
  });
});

describe("convTranspose2d by hand", () => {
  it("2×2 input, 2×2 kernel, stride 2: each input pixel stamps a scaled copy of the kernel", () => {
    // x = [1 2]   w = [1 10]    y = [1·w  2·w]   = [ 1 10  2 20]
    //     [3 4]       [100 1000]    [3·w  4·w]     [100 1000 200 2000]
    //                                              [ 3 30  4 40]
    //                                              [300 3000 400 4000]
    const x = new Tensor([1, 1, 2, 2], Float32Array.from([1, 2, 3, 4]));
    const w = new Tensor([1, 1, 2, 2], Float32Array.from([1, 10, 100, 1000]));
    const attrs = { strides: [2, 2] };
    const y = new Tensor(convTranspose2dShape(x.shape, w.shape, attrs));
    convTranspose2d(y, x, w, null, attrs);
    expect(y.shape).toEqual([1, 1, 4, 4]);
    expect(Array.from(y.data)).toEqual([1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000]);
  });

  it("stride 1: overlapping stamps add up", () => {
    // x = [1 2], w = [1 1] (1×2): y = [1, 1 + 2, 2] = [1, 3, 2].
    const x = new Tensor([1, 1, 1, 2], Float32Array.from([1, 2]));
    const w = new Tensor([1, 1, 1, 2], Float32Array.from([1, 1]));
    const y = new Tensor([1, 1, 1, 3]);
    convTranspose2d(y, x, w, null, {});
    expect(Array.from(y.data)).toEqual([1, 3, 2]);
  });
});

describe("convTranspose2d rejects bad shapes", () => {
  it("weight input channels that do not match", () => {
    expect(() => convTranspose2dShape([1, 3, 4, 4], [2, 2, 3, 3], {})).toThrow(ShapeError);
  });
  it("an output_shape larger than the input can produce", () => {
    expect(() => convTranspose2dShape([1, 1, 3, 3], [1, 1, 3, 3], { outputShape: [20, 20] })).toThrow(/inconsistent/);
  });
  it("an output_shape of the wrong length", () => {
    expect(() => convTranspose2dShape([1, 1, 3, 3], [1, 1, 3, 3], { outputShape: [20, 20, 20] })).toThrow(/output_shape/);
  });
  it("pads that leave no output", () => {
    expect(() => convTranspose2dShape([1, 1, 1, 1], [1, 1, 1, 1], { pads: [1, 0, 0, 0] })).toThrow(/no output/);
  });
});
