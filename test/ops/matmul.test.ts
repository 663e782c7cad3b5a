import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { gemm, gemmShape, matmul, matmulShape, type GemmAttributes } from "../../src/ops/matmul.js";
import type { WriterAttribute } from "../../src/loader/writer.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { asInput, attr, randomTensor, runOrtOp } from "./harness.js";

describe("MatMul vs onnxruntime", () => {
  const cases: [number[], number[]][] = [
    [[3, 5], [5, 7]],
    [[1, 1280], [1280, 10]], // GhostNet's fc_1 as MatMul (1000 classes shrunk)
    [[2, 3, 5], [5, 4]], // batched a, shared b
    [[5], [5, 4]], // 1-D a
    [[3, 5], [5]], // 1-D b
    [[5], [5]], // dot product → scalar
    [[2, 1, 3, 5], [4, 5, 2]], // broadcast batch dims
    [[3, 5], [2, 5, 4]], // shared a, batched b
    [[2, 3, 4, 6], [2, 3, 6, 5]],
  ];
  for (const [aShape, bShape] of cases) {
    it(`${JSON.stringify(aShape)} · ${JSON.stringify(bShape)}`, async () => {
      const a = randomTensor(aShape, 61);
      const b = randomTensor(bShape, 62);
      const out = new Tensor(matmulShape(aShape, bShape));
      matmul(out, a, b);
      const [ref] = await runOrtOp("MatMul", { opset: 13, inputs: [asInput(a), asInput(b)] });
      expectClose(out, ref!, 1e-4);
    });
  }
});

describe("Gemm vs onnxruntime", () => {
  const cases: { a: number[]; b: number[]; c?: number[]; attrs: GemmAttributes }[] = [
    { a: [4, 6], b: [6, 5], c: [5], attrs: {} }, // Paddle2ONNX's fused Linear: bias [N]
    { a: [4, 6], b: [5, 6], c: [1, 5], attrs: { transB: 1 } },
    { a: [6, 4], b: [6, 5], c: [4, 1], attrs: { transA: 1 } },
    { a: [6, 4], b: [5, 6], c: [4, 5], attrs: { transA: 1, transB: 1, alpha: 0.5, beta: 2 } },
    { a: [4, 6], b: [6, 5], c: [], attrs: { alpha: 1.5 } },
    { a: [4, 6], b: [6, 5], attrs: {} }, // no C (opset 11+)
  ];
  for (const { a: aShape, b: bShape, c: cShape, attrs } of cases) {
    it(`A ${JSON.stringify(aShape)} B ${JSON.stringify(bShape)} C ${JSON.stringify(cShape)} ${JSON.stringify(attrs)}`, async () => {
      const a = randomTensor(aShape, 63);
      const b = randomTensor(bShape, 64);
      const c = cShape ? randomTensor(cShape, 65) : undefined;
      const out = new Tensor(gemmShape(aShape, bShape, cShape, attrs));
      gemm(out, a, b, c, attrs);
      const attributes: Record<string, WriterAttribute> = {};
      if (attrs.transA !== undefined) attributes.transA = attr.int(attrs.transA);
      if (attrs.transB !== undefined) attributes.transB = attr.int(attrs.transB);
      if (attrs.alpha !== undefined) attributes.alpha = attr.float(attrs.alpha);
      if (attrs.beta !== undefined) attributes.beta = attr.float(attrs.beta);
      const inputs = c ? [asInput(a), asInput(b), asInput(c)] : [asInput(a), asInput(b)];
      const [ref] = await runOrtOp("Gemm", { opset: 13, inputs, attributes });
      expectClose(out, ref!, 1e-4);
    });
  }
});

describe("MatMul / Gemm by hand", () => {
  it("[[1, 2], [3, 4]] · [[5], [6]] = [[17], [39]]", () => {
    const out = new Tensor([2, 1]);
    matmul(out, new Tensor([2, 2], Float32Array.of(1, 2, 3, 4)), new Tensor([2, 1], Float32Array.of(5, 6)));
    expect(Array.from(out.data)).toEqual([17, 39]);
  });

  it("Gemm adds the bias row to every row: [1, 1]·I + [10, 20]", () => {
    const out = new Tensor([2, 2]);
    const identity = new Tensor([2, 2], Float32Array.of(1, 0, 0, 1));
    gemm(out, new Tensor([2, 2], Float32Array.of(1, 1, 2, 2)), identity, new Tensor([2], Float32Array.of(10, 20)), {});
    expect(Array.from(out.data)).toEqual([11, 21, 12, 22]);
  });

  it("rejects mismatched inner dimensions and a C that does not broadcast", () => {
    expect(() => matmulShape([2, 3], [4, 5])).toThrow(ShapeError);
    expect(() => matmulShape([2, 3], [4, 5])).toThrow(/3 vs 4/);
    expect(() => gemmShape([2, 3], [3, 4], [3], {})).toThrow(/C of shape \[3\]/);
  });
});
