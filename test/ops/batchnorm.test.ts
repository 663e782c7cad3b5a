/**
 * BatchNormalization (inference) against onnxruntime, and folding it into a convolution:
 * Conv → BatchNormalization run in onnxruntime (graph optimisations off, so it does not
 * fold for us) against our conv with the folded weight and bias.
 */
import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { attr, encodeModel } from "../../src/loader/writer.js";
import { batchNormalization, batchNormShape, foldBatchNormIntoConv } from "../../src/ops/batchnorm.js";
import { type Conv2dAttributes, conv2d, conv2dShape } from "../../src/ops/conv2d.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { runOrt } from "../helpers/ort.js";
import { asInput, randomTensor, runOrtOp } from "./harness.js";

function bnParameters(channels: number, seed: number) {
  return {
    scale: randomTensor([channels], seed, 0.5, 1.5),
    offset: randomTensor([channels], seed + 1, -0.5, 0.5),
    mean: randomTensor([channels], seed + 2, -0.3, 0.3),
    variance: randomTensor([channels], seed + 3, 0.05, 2),
  };
}

describe("batchNormalization vs onnxruntime", () => {
  for (const [shape, epsilon] of [[[2, 5, 4, 3], 1e-5], [[3, 4], 1e-3], [[1, 3, 7, 1], 0.5]] as const) {
    it(`input [${shape.join(", ")}], epsilon ${epsilon}`, async () => {
      const x = randomTensor(shape, 1, -2, 2);
      const p = bnParameters(shape[1], 10);
      const [ref] = await runOrtOp("BatchNormalization", {
        opset: 9,
        inputs: [asInput(x), asInput(p.scale), asInput(p.offset), asInput(p.mean), asInput(p.variance)],
        attributes: { epsilon: attr.float(epsilon) },
      });
      const y = new Tensor(batchNormShape(x.shape, p));
      batchNormalization(y, x, p, { epsilon });
      expectClose(y, ref!, 1e-5);
    });
  }

  it("by hand: γ 2, β 0.5, μ 1, σ² 3, ε 1 → y = 2·(x − 1)/√4 + 0.5 = x − 0.5", () => {
    const x = new Tensor([1, 1, 1, 3], Float32Array.from([5, 1, -1]));
    const y = new Tensor([1, 1, 1, 3]);
    const one = (v: number) => Float32Array.of(v);
    batchNormalization(y, x, { scale: one(2), offset: one(0.5), mean: one(1), variance: one(3) }, { epsilon: 1 });
    expect(Array.from(y.data)).toEqual([4.5, 0.5, -1.5]);
  });

  it("rejects parameters of the wrong length", () => {
    const p = bnParameters(3, 1);
    expect(() => batchNormShape([1, 4, 2, 2], p)).toThrow(ShapeError);
    expect(() => batchNormShape([4], p)).toThrow(/\[N, C, \.\.\.\]/);
  });
});

describe("foldBatchNormIntoConv: Conv → BatchNormalization in onnxruntime vs our folded conv", () => {
  const cases: { name: string; x: number[]; w: number[]; attrs: Conv2dAttributes; bias: boolean }[] = [
    { name: "3×3 conv, no bias (PaddleClas ConvBNLayer)", x: [2, 3, 9, 8], w: [6, 3, 3, 3], attrs: { pads: [1, 1, 1, 1], strides: [2, 2] }, bias: false },
    { name: "pointwise conv with bias", x: [1, 8, 5, 5], w: [5, 8, 1, 1], attrs: {}, bias: true },
    { name: "depthwise 5×5", x: [1, 4, 9, 9], w: [4, 1, 5, 5], attrs: { group: 4, pads: [2, 2, 2, 2] }, bias: false },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const m = c.w[0]!;
      const x = randomTensor(c.x, 3);
      const w = randomTensor(c.w, 4);
      const b = c.bias ? randomTensor([m], 5) : null;
      const p = bnParameters(m, 20);
      const epsilon = 1e-5;
      const convAttrs = {
        ...(c.attrs.pads ? { pads: attr.ints(c.attrs.pads) } : {}),
        ...(c.attrs.strides ? { strides: attr.ints(c.attrs.strides) } : {}),
        ...(c.attrs.group ? { group: attr.int(c.attrs.group) } : {}),
      };
      const bytes = encodeModel({
        opset: 11,
        inputs: [{ name: "x", shape: c.x }],
        outputs: [{ name: "y" }],
        initializers: [
          { name: "w", dtype: "float32", dims: c.w, data: w.data },
          ...(b ? [{ name: "b", dtype: "float32" as const, dims: [m], data: b.data }] : []),
          { name: "scale", dtype: "float32", dims: [m], data: p.scale.data },
          { name: "offset", dtype: "float32", dims: [m], data: p.offset.data },
          { name: "mean", dtype: "float32", dims: [m], data: p.mean.data },
          { name: "variance", dtype: "float32", dims: [m], data: p.variance.data },
        ],
        nodes: [
          { opType: "Conv", inputs: b ? ["x", "w", "b"] : ["x", "w"], outputs: ["c"], attributes: convAttrs },
          { opType: "BatchNormalization", inputs: ["c", "scale", "offset", "mean", "variance"], outputs: ["y"], attributes: { epsilon: attr.float(epsilon) } },
        ],
      });
      const ref = (await runOrt(bytes, { x })).y!;
      const folded = foldBatchNormIntoConv(w, b, p.scale, p.offset, p.mean, p.variance, epsilon);
      const y = new Tensor(conv2dShape(x.shape, folded.weight.shape, c.attrs));
      conv2d(y, x, folded.weight, folded.bias, c.attrs);
      expectClose(y, { shape: ref.shape, data: ref.data as Float32Array }, 1e-4);
      // The object form gives the same tensors.
      const again = foldBatchNormIntoConv(w, b?.data, { ...p, epsilon });
      expect(again.weight.data).toEqual(folded.weight.data);
      expect(again.bias.data).toEqual(folded.bias.data);
      // The inputs are not modified.
      expect(folded.weight.data).not.toBe(w.data);
    });
  }

  it("by hand: s = γ/√(σ² + ε) = 1/√4 = 1/2 scales W; b' = (b − μ)·s + β", () => {
    // W = [4, 8], b = 3, γ 1, β 1, μ 1, σ² 3, ε 1: s = 0.5, W' = [2, 4], b' = (3 − 1)·0.5 + 1 = 2.
    const w = new Tensor([1, 2, 1, 1], Float32Array.from([4, 8]));
    const one = (v: number) => Float32Array.of(v);
    const folded = foldBatchNormIntoConv(w, one(3), one(1), one(1), one(1), one(3), 1);
    expect(Array.from(folded.weight.data)).toEqual([2, 4]);
    expect(Array.from(folded.bias.data)).toEqual([2]);
    expect(folded.weight.shape).toEqual([1, 2, 1, 1]);
  });

  it("rejects BatchNorm parameters that do not match the output channels", () => {
    const w = new Tensor([3, 2, 1, 1]);
    const p = bnParameters(4, 1);
    expect(() => foldBatchNormIntoConv(w, null, p)).toThrow(/should hold 3 values/);
  });
});
