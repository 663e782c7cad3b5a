/**
 * The packed SGEMM against its plain reference: awkward sizes (1, 3, 17, 65, …), transposed
 * and strided operands, offsets, depth blocking, the bias/activation epilogue, row and
 * column splits bitwise equal to the whole, and bad arguments.
 */
import { afterEach, describe, expect, it } from "vitest";
import { getGemmBlocking, setGemmBlocking, sgemm, sgemmEpilogue, sgemmReference } from "../../src/ops/gemm.js";
import { activate } from "../../src/ops/fused-activation.js";
import { expectClose, randomFloats } from "../helpers/compare.js";

type Layout = "nn" | "tn" | "nt" | "tt";

/**
 * Runs sgemm and sgemmReference on A [M, K] and B [K, N] stored transposed or not (with a
 * leading offset and padded row strides), C with ldc > N and an offset.
 */
function compare(M: number, N: number, K: number, layout: Layout, seed: number): void {
  const aOffset = 3;
  const bOffset = 5;
  const cOffset = 2;
  const transA = layout[0] === "t";
  const transB = layout[1] === "t";
  // Row-major storage with one padding element per stored row.
  const aRows = transA ? K : M;
  const aCols = transA ? M : K;
  const bRows = transB ? N : K;
  const bCols = transB ? K : N;
  const A = randomFloats(aOffset + aRows * (aCols + 1), seed);
  const B = randomFloats(bOffset + bRows * (bCols + 1), seed + 1);
  const [aRowStride, aColStride] = transA ? [1, aCols + 1] : [aCols + 1, 1];
  const [bRowStride, bColStride] = transB ? [1, bCols + 1] : [bCols + 1, 1];
  const ldc = N + 2;
  const fast = new Float32Array(cOffset + M * ldc).fill(-99);
  const plain = fast.slice();
  sgemm(M, N, K, A, aOffset, aRowStride, aColStride, B, bOffset, bRowStride, bColStride, fast, cOffset, ldc);
  sgemmReference(M, N, K, A, aOffset, aRowStride, aColStride, B, bOffset, bRowStride, bColStride, plain, cOffset, ldc);
  expectClose({ shape: [fast.length], data: fast }, { shape: [plain.length], data: plain }, 1e-5, `M=${M} N=${N} K=${K} ${layout}`);
  // Padding between rows of C is never written.
  for (let i = 0; i < M; i++) for (let j = N; j < ldc && cOffset + i * ldc + j < fast.length; j++) expect(fast[cOffset + i * ldc + j]).toBe(-99);
}

describe("sgemm vs sgemmReference", () => {
  afterEach(() => setGemmBlocking(64, 512, 1024, 64));

  const sizes = [1, 3, 4, 5, 17, 65];
  it("every combination of awkward M, N, K, plain operands", () => {
    let seed = 1;
    for (const M of sizes) for (const N of sizes) for (const K of [1, 3, 17, 65]) compare(M, N, K, "nn", seed++);
  });

  it("transposed A, transposed B, both", () => {
    let seed = 100;
    for (const layout of ["tn", "nt", "tt"] as const) {
      for (const [M, N, K] of [[17, 65, 3], [3, 1, 17], [65, 17, 65], [1, 5, 4], [33, 70, 129]] as const) compare(M, N, K, layout, seed++);
    }
  });

  it("blocks larger than one MC × NC block (M 130, N 1100, K 40)", () => {
    compare(130, 1100, 40, "nn", 7);
  });

  it("small blocks that split M, N and K (depth blocking rounds between blocks)", () => {
    setGemmBlocking(8, 12, 16);
    expect(getGemmBlocking()).toEqual({ mc: 8, nc: 12, kc: 16, directBMaxK: 64 });
    for (const [M, N, K] of [[17, 29, 50], [9, 13, 16], [1, 30, 33], [30, 1, 33]] as const) compare(M, N, K, "nn", M + N + K);
    compare(23, 19, 70, "tt", 3);
  });

  it("reading B in place gives bitwise the same C as packing it", () => {
    for (const [M, N, K] of [[17, 29, 50], [8, 130, 16], [33, 7, 64], [5, 65, 200]] as const) {
      const A = randomFloats(M * K, M);
      const B = randomFloats(K * N, N);
      const results = [0, 1 << 20].map((directBMaxK) => {
        setGemmBlocking(64, 512, 1024, directBMaxK);
        const C = new Float32Array(M * N);
        sgemm(M, N, K, A, 0, K, 1, B, 0, N, 1, C, 0, N);
        return C;
      });
      expect(results[1]).toEqual(results[0]);
      compare(M, N, K, "nn", M * N);
      compare(M, N, K, "tn", M + K);
    }
  });

  it("K = 0 writes zeros; M = 0 or N = 0 writes nothing", () => {
    const C = new Float32Array(6).fill(5);
    sgemm(2, 3, 0, new Float32Array(0), 0, 0, 1, new Float32Array(0), 0, 3, 1, C, 0, 3);
    expect(Array.from(C)).toEqual([0, 0, 0, 0, 0, 0]);
    C.fill(5);
    sgemm(0, 3, 4, new Float32Array(12), 0, 4, 1, new Float32Array(12), 0, 3, 1, C, 0, 3);
    expect(Array.from(C)).toEqual([5, 5, 5, 5, 5, 5]);
  });

  it("a 2×2 product by hand", () => {
    // [1 2] · [5 6]   [1·5 + 2·7  1·6 + 2·8]   [19 22]
    // [3 4]   [7 8] = [3·5 + 4·7  3·6 + 4·8] = [43 50]
    const C = new Float32Array(4);
    sgemm(2, 2, 2, Float32Array.from([1, 2, 3, 4]), 0, 2, 1, Float32Array.from([5, 6, 7, 8]), 0, 2, 1, C, 0, 2);
    expect(Array.from(C)).toEqual([19, 22, 43, 50]);
    // Aᵀ·B with A stored as [[1, 2], [3, 4]]: Aᵀ = [[1, 3], [2, 4]] → [[26, 30], [38, 44]].
    sgemm(2, 2, 2, Float32Array.from([1, 2, 3, 4]), 0, 1, 2, Float32Array.from([5, 6, 7, 8]), 0, 2, 1, C, 0, 2);
    expect(Array.from(C)).toEqual([26, 30, 38, 44]);
  });
});

describe("sgemm splits", () => {
  afterEach(() => setGemmBlocking(64, 512, 1024, 64));

  it("any split of rows or columns gives bitwise the same C", () => {
    setGemmBlocking(8, 16, 24); // several blocks along every axis, depth blocking included
    const M = 37, N = 45, K = 61;
    const A = randomFloats(M * K, 1);
    const B = randomFloats(K * N, 2);
    const whole = new Float32Array(M * N);
    sgemm(M, N, K, A, 0, K, 1, B, 0, N, 1, whole, 0, N);
    for (const cut of [1, 2, 5, 13, 36]) {
      const byRows = new Float32Array(M * N);
      sgemm(cut, N, K, A, 0, K, 1, B, 0, N, 1, byRows, 0, N);
      sgemm(M - cut, N, K, A, cut * K, K, 1, B, 0, N, 1, byRows, cut * N, N);
      expect(byRows).toEqual(whole);
      const byCols = new Float32Array(M * N);
      sgemm(M, cut, K, A, 0, K, 1, B, 0, N, 1, byCols, 0, N);
      sgemm(M, N - cut, K, A, 0, K, 1, B, cut, N, 1, byCols, cut, N);
      expect(byCols).toEqual(whole);
    }
  });
});

describe("sgemmEpilogue", () => {
  it("adds a per-row bias and applies the activation", () => {
    const M = 19, N = 23, K = 9;
    const A = randomFloats(M * K, 3);
    const B = randomFloats(K * N, 4);
    const bias = randomFloats(M + 2, 5);
    for (const activation of [
      { kind: "none" },
      { kind: "relu" },
      { kind: "clip", min: -0.5, max: 0.25 },
      { kind: "hardSigmoid", alpha: 0.2, beta: 0.5 },
      { kind: "hardSwish" },
      { kind: "sigmoid" },
    ] as const) {
      const C = new Float32Array(M * N);
      sgemmEpilogue(M, N, K, A, 0, K, 1, B, 0, N, 1, C, 0, N, { bias, biasOffset: 2, activation });
      const expected = new Float32Array(M * N);
      sgemmReference(M, N, K, A, 0, K, 1, B, 0, N, 1, expected, 0, N);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) expected[i * N + j] = activate(expected[i * N + j]! + bias[i + 2]!, activation);
      expectClose({ shape: [M, N], data: C }, { shape: [M, N], data: expected }, 1e-6, activation.kind);
    }
  });
});

describe("sgemm rejects bad arguments", () => {
  it("operands too short for the sizes and strides", () => {
    const small = new Float32Array(5);
    const big = new Float32Array(100);
    expect(() => sgemm(3, 3, 3, small, 0, 3, 1, big, 0, 3, 1, big, 0, 3)).toThrow(RangeError);
    expect(() => sgemm(3, 3, 3, big, 0, 3, 1, small, 0, 3, 1, big, 0, 3)).toThrow(RangeError);
    expect(() => sgemm(3, 3, 3, big, 0, 3, 1, big, 0, 3, 1, small, 0, 3)).toThrow(RangeError);
    expect(() => sgemm(3, 3, 3, big, 0, 3, 1, big, 0, 3, 1, big, 0, 2)).toThrow(/ldc/);
  });
});
