/**
 * The wasm im2col against the formula (plain loops written here: pure data movement, so
 * bit for bit) and, through a plain matrix product, against conv2d and onnxruntime: the
 * stem (3×3 stride 2 on 224², pad 1), strides 1–3, odd sizes, asymmetric and large pads,
 * partial row ranges that write exactly their floats.
 */
import { describe, expect, it } from "vitest";
import { attr } from "../../src/loader/writer.js";
import { type Conv2dGeometry, conv2d, conv2dGeometry } from "../../src/ops/conv2d.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { type Im2colShape, im2colFloats, im2colKey, im2colModule, im2colShapeOf, im2colSupported } from "../../src/wasm/kernels/im2col.js";
import { expectClose, seededRandom } from "../helpers/compare.js";
import { asInput, randomTensor, runOrtOp } from "../ops/harness.js";

const SENTINEL = -999.5;

interface Case {
  c: number;
  h: number;
  w: number;
  k: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
}

function geometry(d: Case, m = 4): Conv2dGeometry {
  return conv2dGeometry([1, d.c, d.h, d.w], [m, d.c, d.k[0], d.k[1]], { strides: d.strides, pads: d.pads });
}

/** The formula of the file comment, one float at a time. */
function referenceCol(s: Im2colShape, x: Float32Array, rowStart: number, rowEnd: number): Float32Array {
  const cols = (rowEnd - rowStart) * s.outW;
  const col = new Float32Array(s.C * s.kH * s.kW * cols);
  for (let c = 0; c < s.C; c++) {
    for (let kh = 0; kh < s.kH; kh++) {
      for (let kw = 0; kw < s.kW; kw++) {
        const r = (c * s.kH + kh) * s.kW + kw;
        for (let oh = rowStart; oh < rowEnd; oh++) {
          for (let ow = 0; ow < s.outW; ow++) {
            const ih = oh * s.strideH - s.padTop + kh, iw = ow * s.strideW - s.padLeft + kw;
            const inside = ih >= 0 && ih < s.H && iw >= 0 && iw < s.W;
            col[r * cols + (oh - rowStart) * s.outW + ow] = inside ? x[(c * s.H + ih) * s.W + iw]! : 0;
          }
        }
      }
    }
  }
  return col;
}

/** im2col on its own memory: x at float 4, col right after it (+ 4 sentinel floats around). */
function runIm2col(s: Im2colShape, x: Float32Array, ranges: [number, number][]): Float32Array[] {
  const X = 4;
  const COL = X + x.length + 3; // col deliberately not 16-byte aligned
  const maxCol = im2colFloats(s, s.outH);
  const pages = Math.ceil((4 * (COL + maxCol + 8)) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages });
  const run = new WebAssembly.Instance(new WebAssembly.Module(im2colModule(s, { minPages: pages })), { env: { memory } }).exports.im2col as (...a: number[]) => void;
  const f = new Float32Array(memory.buffer);
  return ranges.map(([r0, r1]) => {
    f.fill(SENTINEL);
    f.set(x, X);
    run(4 * X, 4 * COL, r0, r1);
    const n = im2colFloats(s, Math.max(0, r1 - r0));
    for (const i of [COL - 3, COL - 2, COL - 1, COL + n, COL + n + 1, COL + n + 2, COL + n + 3]) {
      expect(f[i], `rows [${r0}, ${r1}): float ${i - COL} of col`).toBe(SENTINEL);
    }
    return f.slice(COL, COL + n);
  });
}

/** a and b hold the same bits (a fast loop; expect's deep equality is slow on 10⁵ floats). */
function expectSameBits(a: Float32Array, b: Float32Array, label: string): void {
  expect(a.length, `${label}: length`).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) expect(a[i], `${label}: float ${i}`).toBe(b[i]);
  }
}

const cases: Case[] = [
  { c: 3, h: 224, w: 224, k: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, // GhostNet's stem
  { c: 3, h: 31, w: 29, k: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
  { c: 2, h: 17, w: 18, k: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] },
  { c: 2, h: 9, w: 40, k: [5, 5], strides: [1, 1], pads: [2, 2, 2, 2] },
  { c: 2, h: 12, w: 41, k: [3, 3], strides: [2, 1], pads: [0, 3, 2, 1] },
  { c: 1, h: 10, w: 35, k: [4, 2], strides: [3, 3], pads: [2, 0, 1, 1] },
  { c: 3, h: 2, w: 3, k: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] },
  { c: 1, h: 1, w: 1, k: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] },
  { c: 2, h: 6, w: 5, k: [3, 3], strides: [2, 2], pads: [4, 4, 4, 4] },
  { c: 2, h: 48, w: 160, k: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
];

const label = (d: Case): string => `C ${d.c} ${d.h}×${d.w} k ${d.k.join("×")} s ${d.strides.join("×")} pads [${d.pads.join(", ")}]`;

describe("wasm im2col vs the formula", () => {
  for (const d of cases) {
    it(label(d), () => {
      const g = geometry(d);
      expect(im2colSupported(g)).toBe(true);
      const s = im2colShapeOf(g);
      const x = randomTensor([1, d.c, d.h, d.w], d.h + d.w).data;
      const half = g.outH >> 1;
      const ranges: [number, number][] = [[0, g.outH], [0, 1], [g.outH - 1, g.outH], [half, g.outH], [1, Math.max(1, half)]];
      const cols = runIm2col(s, x, ranges);
      ranges.forEach(([r0, r1], i) => expectSameBits(cols[i]!, referenceCol(s, x, r0, r1), `rows [${r0}, ${r1})`));
    });
  }
});

/** Y [M, P] = W [M, K] · col [K, P] + b, plainly. */
function convThroughCol(col: Float32Array, w: Float32Array, b: Float32Array, M: number, K: number, P: number): Float32Array {
  const y = new Float32Array(M * P);
  for (let m = 0; m < M; m++) {
    for (let p = 0; p < P; p++) {
      let sum = b[m]!;
      for (let k = 0; k < K; k++) sum += w[m * K + k]! * col[k * P + p]!;
      y[m * P + p] = sum;
    }
  }
  return y;
}

describe("wasm im2col + a matrix product = the conv", () => {
  for (const d of [cases[0]!, cases[4]!, cases[5]!]) {
    it(`${label(d)} vs conv2d and onnxruntime`, async () => {
      const M = 16;
      const g = geometry(d, M);
      const s = im2colShapeOf(g);
      const x = randomTensor([1, d.c, d.h, d.w], 3);
      const w = randomTensor([M, d.c, ...d.k], 4);
      const b = randomTensor([M], 5);
      const [col] = runIm2col(s, x.data, [[0, g.outH]]);
      const ours = { shape: [1, M, g.outH, g.outW], data: convThroughCol(col!, w.data, b.data, M, d.c * d.k[0] * d.k[1], g.outH * g.outW) };
      const js = new Tensor([1, M, g.outH, g.outW]);
      conv2d(js, x, w, b, { strides: d.strides, pads: d.pads });
      expectClose(ours, js, 1e-5, "vs conv2d");
      const [ref] = await runOrtOp("Conv", {
        opset: 11,
        inputs: [asInput(x), asInput(w), asInput(b)],
        attributes: { strides: attr.ints(d.strides), pads: attr.ints(d.pads) },
      });
      expectClose(ours, ref!, 1e-5, "vs onnxruntime");
    });
  }
});

describe("wasm im2col: shapes", () => {
  it("dilation falls back; keys name every baked field; an inconsistent shape is refused", () => {
    const g = geometry(cases[1]!);
    expect(im2colSupported({ ...g, dilationH: 2 })).toBe(false);
    const s = im2colShapeOf(g);
    expect(new Set([im2colKey(s), im2colKey({ ...s, C: 4 }), im2colKey({ ...s, padLeft: 0 }), im2colKey({ ...s, strideW: 1 })]).size).toBe(4);
    expect(() => im2colModule({ ...s, outW: s.outW + 1 }, { minPages: 1 })).toThrow(/inconsistent shape/);
  });
});

describe("wasm im2col: memory bounds", () => {
  it("reads nothing past the image: an image that ends where the memory ends does not trap", () => {
    for (const d of [
      cases[1]!, cases[2]!, cases[4]!, cases[5]!,
      { c: 2, h: 4, w: 37, k: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1] },
      // kw = 2's last v128 pair would end exactly one float past the image's last row.
      { c: 2, h: 3, w: 41, k: [3, 3], strides: [2, 2], pads: [0, 0, 0, 1] },
    ] satisfies Case[]) {
      const s = im2colShapeOf(geometry(d));
      const x = randomTensor([1, d.c, d.h, d.w], 8).data;
      const memory = new WebAssembly.Memory({ initial: 1 });
      const f = new Float32Array(memory.buffer);
      const X = f.length - x.length;
      expect(im2colFloats(s, s.outH)).toBeLessThanOrEqual(X);
      f.set(x, X);
      const run = new WebAssembly.Instance(new WebAssembly.Module(im2colModule(s, { minPages: 1 })), { env: { memory } }).exports.im2col as (...a: number[]) => void;
      run(4 * X, 0, 0, s.outH);
      expectSameBits(f.slice(0, im2colFloats(s, s.outH)), referenceCol(s, x, 0, s.outH), label(d));
    }
  });
});

describe("wasm im2col: random shapes", () => {
  it("60 seeded random shapes and row ranges match the formula bit for bit", () => {
    const rand = seededRandom(77);
    const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
    for (let i = 0; i < 60; i++) {
      const d: Case = {
        c: int(1, 4), h: int(1, 15), w: int(1, 40), k: [int(1, 5), int(1, 5)], strides: [int(1, 3), int(1, 3)],
        pads: [int(0, 3), int(0, 3), int(0, 3), int(0, 3)],
      };
      if (d.h + d.pads[0] + d.pads[2] < d.k[0] || d.w + d.pads[1] + d.pads[3] < d.k[1]) continue;
      const s = im2colShapeOf(geometry(d));
      const x = randomTensor([1, d.c, d.h, d.w], 100 + i).data;
      const r0 = int(0, s.outH - 1), r1 = int(r0 + 1, s.outH);
      const [col] = runIm2col(s, x, [[r0, r1]]);
      expectSameBits(col!, referenceCol(s, x, r0, r1), `${label(d)} rows [${r0}, ${r1})`);
    }
  });
});
