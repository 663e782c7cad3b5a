import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { sgemm } from "../../src/ops/gemm.js";
import { columnRows, gemm, gemmShape, matmul, matmulShape, type GemmAttributes } from "../../src/ops/matmul.js";
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

describe("B's columns as float64 rows (columnRows): the same bits as sgemm", () => {
  it("MatMul with A of 1, 2 and 3 rows (vector, matrix, batched), K across a depth block", () => {
    // K = 1100 > sgemm's kc (1024): the sum is rounded once between the two depth blocks.
    for (const [aShape, k, n] of [[[1100], 1100, 13], [[1, 1100], 1100, 9], [[2, 1100], 1100, 17], [[3, 1, 40], 40, 7]] as const) {
      const a = randomTensor([...aShape], 71);
      const b = randomTensor([k, n], 72);
      const plain = new Tensor(matmulShape(aShape, [k, n]));
      const onRows = new Tensor(plain.shape);
      onRows.data.fill(-7);
      matmul(plain, a, b);
      matmul(onRows, a, b, columnRows(b.data, k, n, n, 1));
      expect(onRows.data, JSON.stringify(aShape)).toEqual(plain.data);
      expect(plain.data.every((v) => v !== -7 && Number.isFinite(v))).toBe(true);
    }
  });

  it("A of 4 rows or more takes sgemm's packed path; a wrong-sized column copy is refused", () => {
    const a = randomTensor([4, 6], 73);
    const b = randomTensor([6, 5], 74);
    const plain = new Tensor([4, 5]);
    const given = new Tensor([4, 5]);
    matmul(plain, a, b);
    matmul(given, a, b, columnRows(b.data, 6, 5, 5, 1));
    expect(given.data).toEqual(plain.data);
    expect(() => matmul(new Tensor([1, 5]), randomTensor([1, 6], 1), b, [1, 2, 3])).toThrow(/column rows hold 3 values/);
    expect(() => columnRows(new Float32Array(29), 6, 5, 5, 1)).toThrow(RangeError);
  });

  it("Gemm, B plain and transposed, with alpha and C", () => {
    for (const transB of [0, 1]) {
      const attrs: GemmAttributes = { transB, alpha: 0.5, beta: 2 };
      const a = randomTensor([2, 1030], 75);
      const b = randomTensor(transB ? [11, 1030] : [1030, 11], 76);
      const c = randomTensor([11], 77);
      const plain = new Tensor([2, 11]);
      const onRows = new Tensor([2, 11]);
      gemm(plain, a, b, c, attrs);
      gemm(onRows, a, b, c, attrs, transB ? columnRows(b.data, 1030, 11, 1, 1030) : columnRows(b.data, 1030, 11, 11, 1));
      expect(onRows.data, `transB ${transB}`).toEqual(plain.data);
    }
  });
});

describe("products of four rows or more on the pointwise tile kernel: the same bits as sgemm", () => {
  it("MatMul [40, 120]·[120, 333], batched [2, 3, 24]·[24, 7], and K deeper than sgemm's depth block (1100, stays on sgemm)", () => {
    for (const [aShape, bShape] of [[[40, 120], [120, 333]], [[2, 3, 24], [24, 7]], [[5, 1100], [1100, 6]]] as const) {
      const a = randomTensor([...aShape], 81);
      const b = randomTensor([...bShape], 82);
      const out = new Tensor(matmulShape(aShape, bShape));
      matmul(out, a, b);
      const rows = out.size / bShape[1];
      const expected = new Float32Array(out.size);
      sgemm(rows, bShape[1], bShape[0], a.data, 0, bShape[0], 1, b.data, 0, bShape[1], 1, expected, 0, bShape[1]);
      expect(out.data, JSON.stringify(aShape)).toEqual(expected);
    }
  });

  it("all-zero products give +0 on both paths, and Gemm takes the tile path too", () => {
    const a = new Tensor([4, 3], Float32Array.from([-1, -2, -3, 1, 2, 3, -1, 0, 1, 0, 0, 0]));
    const b = new Tensor([3, 2], Float32Array.from([0, 1, 0, 1, 0, 1]));
    const out = new Tensor([4, 2]);
    matmul(out, a, b);
    // Row 0 · column 0 is (−1)·0 + (−2)·0 + (−3)·0: each product −0, the sum from +0 is +0.
    expect(Array.from(out.data)).toEqual([0, -6, 0, 6, 0, 0, 0, 0]);
    expect(Object.is(out.data[0], 0)).toBe(true);
    const expected = new Float32Array(8);
    sgemm(4, 2, 3, a.data, 0, 3, 1, b.data, 0, 2, 1, expected, 0, 2);
    expect(out.data).toEqual(expected);
    const viaGemm = new Tensor([4, 2]);
    gemm(viaGemm, a, b, undefined, {});
    expect(viaGemm.data).toEqual(out.data);
  });
});
