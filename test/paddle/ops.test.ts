/**
 * Each Paddle op's semantics, one-op programs at a time, against Paddle's own formulas
 * written as naive loops in op-harness.ts (or computed by hand below) — the edge cases
 * where Paddle differs from ONNX: `axis` broadcasting, pooling's exclusive / ceil_mode /
 * adaptive, both dropout modes, hard_sigmoid's slope, interpolation's align_corners /
 * align_mode, paddings of 2 and 4 and padding_algorithm SAME / VALID.
 */
import { describe, expect, it } from "vitest";
import { ModelValidationError } from "../../src/errors.js";
import { IntTensor, Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { ints, op, refConv2d, refInterp, refPool2d, runOne, runProgram, seeded } from "./op-harness.js";

describe("conv2d paddings and padding_algorithm", () => {
  const x = seeded([1, 2, 7, 6], 1);
  const w = seeded([4, 2, 3, 3], 2);
  const conv = (attrs: Record<string, number[] | number | string>, declare?: Record<string, number[]>) =>
    runOne({ feeds: { x }, constants: { w }, ops: [op("conv2d", { Input: "x", Filter: "w" }, { Output: "y" }, attrs)], fetch: ["y"], declare });

  it("2 paddings [ph, pw] pad both sides", () => {
    expectClose(conv({ strides: [1, 1], paddings: [1, 2], dilations: [1, 1], groups: 1 }), refConv2d(x, w, [1, 1], [1, 1, 2, 2], [1, 1], 1));
  });

  it("4 paddings are [top, bottom, left, right]", () => {
    expectClose(conv({ strides: [2, 1], paddings: [0, 2, 1, 0], dilations: [1, 1], groups: 1 }), refConv2d(x, w, [2, 1], [0, 2, 1, 0], [1, 1], 1));
  });

  it("VALID ignores paddings; SAME gives ceil(in/stride) with the extra pad at the end and dilation 1", () => {
    expectClose(conv({ strides: [1, 1], paddings: [3, 3], padding_algorithm: "VALID" }), refConv2d(x, w, [1, 1], [0, 0, 0, 0], [1, 1], 1));
    // 7 rows, stride 2: out 4, pad sum (4−1)·2 + 3 − 7 = 2 → 1 / 1; 6 cols: out 3, sum 1 → 0 / 1. Dilation 2 is reset to 1.
    const same = refConv2d(x, w, [2, 2], [1, 1, 0, 1], [1, 1], 1);
    expect(same.shape).toEqual([1, 4, 4, 3]);
    expectClose(conv({ strides: [2, 2], paddings: [5, 5], dilations: [2, 2], padding_algorithm: "SAME" }), same);
    // Without declared height and width, the executor computes the same SAME pads per shape.
    expectClose(conv({ strides: [2, 2], paddings: [0, 0], dilations: [2, 2], padding_algorithm: "SAME" }, { x: [-1, 2, -1, -1] }), same);
  });

  it("groups (depthwise_conv2d) and a Bias input", () => {
    const dw = seeded([2, 1, 3, 3], 3);
    const bias = new Tensor([2], Float32Array.of(0.5, -1));
    const y = runOne({ feeds: { x }, constants: { dw, bias }, ops: [op("depthwise_conv2d", { Input: "x", Filter: "dw", Bias: "bias" }, { Output: "y" }, { groups: 2, paddings: [1, 1], strides: [1, 1] })], fetch: ["y"] });
    const ref = refConv2d(x, dw, [1, 1], [1, 1, 1, 1], [1, 1], 2);
    for (let i = 0; i < ref.data.length; i++) ref.data[i]! += i < ref.data.length / 2 ? 0.5 : -1;
    expectClose(y, ref);
  });

  it("conv2d_transpose: 4 paddings and output_padding", () => {
    const wt = seeded([2, 3, 3, 3], 4); // [C_in, C_out, kH, kW]
    const xs = seeded([1, 2, 3, 4], 5);
    const y = runOne({ feeds: { x: xs }, constants: { wt }, ops: [op("conv2d_transpose", { Input: "x", Filter: "wt" }, { Output: "y" }, { strides: [2, 2], paddings: [1, 0, 0, 1], output_padding: [1, 0] })], fetch: ["y"] });
    // Hand rule: out = (in − 1)·s − top − bottom + k + output_padding → (3−1)·2 − 1 + 3 + 1 = 7; (4−1)·2 − 1 + 3 = 8.
    expect(y.shape).toEqual([1, 3, 7, 8]);
    // Scatter reference: input (iy, ix) adds w·x at (iy·s − top + ky, ix·s − left + kx).
    const ref = new Tensor([1, 3, 7, 8]);
    for (let c = 0; c < 2; c++)
      for (let m = 0; m < 3; m++)
        for (let iy = 0; iy < 3; iy++)
          for (let ix = 0; ix < 4; ix++)
            for (let ky = 0; ky < 3; ky++)
              for (let kx = 0; kx < 3; kx++) {
                const oy = iy * 2 - 1 + ky;
                const ox = ix * 2 - 0 + kx;
                if (oy < 0 || oy >= 7 || ox < 0 || ox >= 8) continue;
                ref.data[(m * 7 + oy) * 8 + ox]! += xs.data[(c * 3 + iy) * 4 + ix]! * wt.data[((c * 3 + m) * 3 + ky) * 3 + kx]!;
              }
    expectClose(y, ref);
  });
});

describe("pool2d", () => {
  const x = seeded([1, 2, 7, 5], 6);
  const pool = (attrs: Record<string, number[] | number | string | boolean>) =>
    runOne({ feeds: { x }, ops: [op("pool2d", { X: "x" }, { Out: "y" }, attrs)], fetch: ["y"] });

  it("max and exclusive average with paddings, ceil_mode off and on", () => {
    for (const ceil of [false, true]) {
      expectClose(pool({ pooling_type: "max", ksize: [3, 3], strides: [2, 2], paddings: [1, 1], ceil_mode: ceil }), refPool2d(x, { type: "max", ksize: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil }));
      expectClose(pool({ pooling_type: "avg", ksize: [3, 3], strides: [2, 2], paddings: [1, 1], ceil_mode: ceil, exclusive: true }), refPool2d(x, { type: "avg", ksize: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil }));
      expectClose(pool({ pooling_type: "max", ksize: [2, 2], strides: [2, 2], paddings: [0, 0], ceil_mode: ceil }), refPool2d(x, { type: "max", ksize: [2, 2], strides: [2, 2], ceil }));
    }
  });

  it("ceil_mode keeps a last window that starts in the end padding, as Paddle does (ONNX would drop it)", () => {
    // 5 columns, k 2, s 2, pad 1: Paddle has (5 − 2 + 2 + 1)/2 + 1 = 4 columns; the 4th starts at column 5.
    const y = pool({ pooling_type: "max", ksize: [2, 2], strides: [2, 2], paddings: [1, 1], ceil_mode: true });
    expect(y.shape).toEqual([1, 2, 5, 4]);
    const ref = refPool2d(x, { type: "max", ksize: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil: true });
    for (let i = 0; i < y.data.length; i++) if (i % 4 !== 3) expect(y.data[i]).toBe(ref.data[i]);
  });

  it("non-exclusive average divides by the window clipped to the padded input (ceil_mode windows included)", () => {
    const ours = pool({ pooling_type: "avg", ksize: [3, 3], strides: [2, 2], paddings: [1, 1], ceil_mode: true, exclusive: false });
    const ref = refPool2d(x, { type: "avg", ksize: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil: true, exclusive: false });
    expectClose(ours, ref);
    // By hand: the corner window covers rows −1…1, cols −1…1 → 4 real values over 9 places.
    const corner = (x.data[0]! + x.data[1]! + x.data[5]! + x.data[6]!) / 9;
    expect(ours.data[0]).toBeCloseTo(corner, 6);
  });

  it("adaptive: [1, 1] is global; [2, 1] divides evenly; [3, 2] on 7×5 uses floor/ceil windows", () => {
    expectClose(pool({ pooling_type: "avg", ksize: [1, 1], adaptive: true }), refPool2d(x, { type: "avg", ksize: [1, 1], adaptive: true }));
    const even = seeded([1, 2, 8, 6], 7);
    const evenOut = runOne({ feeds: { x: even }, ops: [op("pool2d", { X: "x" }, { Out: "y" }, { pooling_type: "max", ksize: [2, 3], adaptive: true })], fetch: ["y"] });
    expectClose(evenOut, refPool2d(even, { type: "max", ksize: [2, 3], adaptive: true }));
    for (const type of ["avg", "max"] as const) {
      const y = pool({ pooling_type: type, ksize: [3, 2], adaptive: true });
      expectClose(y, refPool2d(x, { type, ksize: [3, 2], adaptive: true }));
    }
    // Row bands of 7 into 3: [0,3), [2,5), [4,7) — overlapping, as floor/ceil make them.
    const y = pool({ pooling_type: "avg", ksize: [3, 1], adaptive: true });
    let band = 0;
    for (let r = 2; r < 5; r++) for (let c = 0; c < 5; c++) band += x.data[r * 5 + c]!;
    expect(y.data[1]).toBeCloseTo(band / 15, 6);
  });

  it("global_pooling ignores ksize and paddings; SAME and VALID", () => {
    expectClose(pool({ pooling_type: "max", ksize: [2, 2], paddings: [1, 1], global_pooling: true }), refPool2d(x, { type: "max", ksize: [1, 1], adaptive: true }));
    expectClose(pool({ pooling_type: "avg", ksize: [2, 2], strides: [2, 2], paddings: [1, 1], padding_algorithm: "VALID" }), refPool2d(x, { type: "avg", ksize: [2, 2], strides: [2, 2] }));
    // 7 rows, k 2, s 2: out 4, pad sum 1 → 0 / 1; 5 cols: out 3, pad sum 1 → 0 / 1.
    expectClose(pool({ pooling_type: "max", ksize: [2, 2], strides: [2, 2], padding_algorithm: "SAME" }), refPool2d(x, { type: "max", ksize: [2, 2], strides: [2, 2], pads: [0, 1, 0, 1] }));
  });

  it("refuses non-exclusive averages with unequal paddings (Paddle pads both sides by top/left)", () => {
    expect(() => pool({ pooling_type: "avg", ksize: [2, 2], paddings: [0, 1, 0, 1], exclusive: false })).toThrow(/unequal paddings/);
  });
});

describe("elementwise ops with Paddle's axis", () => {
  const x = seeded([2, 3, 4, 5], 8);
  it("Y [3, 4] at axis 1 lines up with X's dims 1 and 2 (constant and computed Y)", () => {
    const y = seeded([3, 4], 9);
    const ref = new Tensor(x.shape);
    for (let i = 0; i < x.data.length; i++) {
      const c = Math.floor(i / 20) % 3;
      const h = Math.floor(i / 5) % 4;
      ref.data[i] = x.data[i]! + y.data[c * 4 + h]!;
    }
    expectClose(runOne({ feeds: { x }, constants: { y }, ops: [op("elementwise_add", { X: "x", Y: "y" }, { Out: "z" }, { axis: 1 })], fetch: ["z"] }), ref);
    expectClose(runOne({ feeds: { x, y }, ops: [op("elementwise_add", { X: "x", Y: "y" }, { Out: "z" }, { axis: 1 })], fetch: ["z"] }), ref);
  });

  it("axis −1 is numpy's trailing alignment; X smaller than Y takes the axis too; sub, mul, div", () => {
    const y5 = seeded([5], 10);
    const z = runOne({ feeds: { x }, constants: { y5 }, ops: [op("elementwise_mul", { X: "x", Y: "y5" }, { Out: "z" }, { axis: -1 })], fetch: ["z"] });
    expectClose(z, new Tensor(x.shape, x.data.map((v, i) => v * y5.data[i % 5]!)));
    const small = seeded([2, 3], 11);
    const sub = runOne({ feeds: { small, x }, ops: [op("elementwise_sub", { X: "small", Y: "x" }, { Out: "z" }, { axis: 0 })], fetch: ["z"] });
    expectClose(sub, new Tensor(x.shape, x.data.map((v, i) => small.data[Math.floor(i / 20)]! - v)));
    const div = runOne({ feeds: { x }, constants: { c: new Tensor([3], Float32Array.of(2, 4, 8)) }, ops: [op("elementwise_div", { X: "x", Y: "c" }, { Out: "z" }, { axis: 1 })], fetch: ["z"] });
    expectClose(div, new Tensor(x.shape, x.data.map((v, i) => v / [2, 4, 8][Math.floor(i / 20) % 3]!)));
  });
});

describe("activations, dropout, scale, clip", () => {
  const x = seeded([2, 3, 4], 12);
  const unary = (type: string, attrs: Record<string, number | string | boolean> = {}) =>
    runOne({ feeds: { x }, ops: [op(type, { X: "x" }, { Out: "y" }, attrs)], fetch: ["y"] });
  const map = (f: (v: number) => number) => new Tensor(x.shape, x.data.map(f));

  it("hard_sigmoid takes its slope and offset; hard_swish its threshold, scale and offset; relu6 its threshold", () => {
    expectClose(unary("hard_sigmoid", { slope: 0.25, offset: 0.4 }), map((v) => Math.min(Math.max(0.25 * v + 0.4, 0), 1)));
    expectClose(unary("hard_sigmoid"), map((v) => Math.min(Math.max(0.2 * v + 0.5, 0), 1)));
    expectClose(unary("hard_swish"), map((v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6));
    expectClose(unary("hard_swish", { threshold: 4, scale: 5, offset: 1 }), map((v) => (v * Math.min(Math.max(v + 1, 0), 4)) / 5));
    expectClose(unary("relu6", { threshold: 1.5 }), map((v) => Math.min(Math.max(v, 0), 1.5)));
    expectClose(unary("relu"), map((v) => Math.max(v, 0)));
    expectClose(unary("sigmoid"), map((v) => 1 / (1 + Math.exp(-v))));
    expectClose(unary("swish", { beta: 2 }), map((v) => v / (1 + Math.exp(-2 * v))));
  });

  it("dropout: downgrade_in_infer scales by 1 − p at inference, upscale_in_train passes through", () => {
    expectClose(unary("dropout", { dropout_prob: 0.25, dropout_implementation: "downgrade_in_infer" }), map((v) => v * 0.75));
    expectClose(unary("dropout", { dropout_prob: 0.25 }), map((v) => v * 0.75));
    expectClose(unary("dropout", { dropout_prob: 0.25, dropout_implementation: "upscale_in_train" }), x);
  });

  it("scale with bias after or before the scale; clip; softmax on an axis", () => {
    expectClose(unary("scale", { scale: 2, bias: 1 }), map((v) => 2 * v + 1));
    expectClose(unary("scale", { scale: 2, bias: 1, bias_after_scale: false }), map((v) => 2 * (v + 1)));
    expectClose(unary("clip", { min: -0.5, max: 0.25 }), map((v) => Math.min(Math.max(v, -0.5), 0.25)));
    const s = unary("softmax", { axis: 1 });
    for (let n = 0; n < 2; n++)
      for (let k = 0; k < 4; k++) {
        const vals = [0, 1, 2].map((c) => x.data[(n * 3 + c) * 4 + k]!);
        const sum = vals.reduce((a, v) => a + Math.exp(v), 0);
        for (let c = 0; c < 3; c++) expect(s.data[(n * 3 + c) * 4 + k]).toBeCloseTo(Math.exp(vals[c]!) / sum, 6);
      }
  });

  it("batch_norm: (x − mean) / sqrt(var + eps) · scale + bias per channel", () => {
    const c = (v: number[]) => new Tensor([3], Float32Array.from(v));
    const y = runOne({
      feeds: { x: seeded([1, 3, 2, 2], 13) },
      constants: { s: c([1, 2, 3]), b: c([0, 1, -1]), m: c([0.5, 0, -0.5]), v: c([1, 4, 0.25]) },
      ops: [op("batch_norm", { X: "x", Scale: "s", Bias: "b", Mean: "m", Variance: "v" }, { Y: "y", MeanOut: "m", VarianceOut: "v" }, { epsilon: 1e-5 })],
      fetch: ["y"],
    });
    const x4 = seeded([1, 3, 2, 2], 13);
    const [s, b, m, v] = [[1, 2, 3], [0, 1, -1], [0.5, 0, -0.5], [1, 4, 0.25]];
    expectClose(y, new Tensor([1, 3, 2, 2], x4.data.map((val, i) => {
      const ch = Math.floor(i / 4);
      return ((val - m[ch]!) / Math.sqrt(v[ch]! + 1e-5)) * s[ch]! + b[ch]!;
    })));
  });
});

describe("nearest_interp_v2 / bilinear_interp_v2", () => {
  const x = seeded([1, 2, 4, 5], 14);
  const interp = (type: string, attrs: Record<string, number | number[] | boolean | string>) =>
    runOne({ feeds: { x }, ops: [op(type, { X: "x" }, { Out: "y" }, { data_layout: "NCHW", ...attrs })], fetch: ["y"] });

  it("bilinear: align_corners, align_mode 0 (half pixel, clamped at 0) and 1 (asymmetric), up and down", () => {
    for (const [h, w] of [[7, 9], [3, 2], [1, 3]] as const) {
      expectClose(interp("bilinear_interp_v2", { out_h: h, out_w: w, align_corners: true }), refInterp(x, "bilinear", h, w, true, 1));
      expectClose(interp("bilinear_interp_v2", { out_h: h, out_w: w, align_corners: false, align_mode: 0 }), refInterp(x, "bilinear", h, w, false, 0));
      expectClose(interp("bilinear_interp_v2", { out_h: h, out_w: w, align_corners: false, align_mode: 1 }), refInterp(x, "bilinear", h, w, false, 1));
    }
  });

  it("nearest: align_corners rounds half up, otherwise floors; a scale attribute sizes floor(in·scale) and sets the ratio", () => {
    for (const [h, w] of [[8, 10], [3, 3], [6, 7]] as const) {
      expectClose(interp("nearest_interp_v2", { out_h: h, out_w: w, align_corners: true }), refInterp(x, "nearest", h, w, true, 1));
      expectClose(interp("nearest_interp_v2", { out_h: h, out_w: w, align_corners: false }), refInterp(x, "nearest", h, w, false, 1));
    }
    const scaled = interp("nearest_interp_v2", { scale: [1.5, 1.5], align_corners: false });
    expect(scaled.shape).toEqual([1, 2, 6, 7]);
    expectClose(scaled, refInterp(x, "nearest", 6, 7, false, 1, [1.5, 1.5]));
    expectClose(interp("bilinear_interp_v2", { scale: [2, 1.5], align_corners: false, align_mode: 0 }), refInterp(x, "bilinear", 8, 7, false, 0, [2, 1.5]));
  });

  it("v1 ops size by scale but map coordinates with in/out", () => {
    // 5 · 1.5 = 7.5 → 7 columns: ratio 5/7 (v1), not 1/1.5 (v2).
    const v1 = interp("nearest_interp", { scale: 1.5, align_corners: false });
    expect(v1.shape).toEqual([1, 2, 6, 7]);
    expectClose(v1, refInterp(x, "nearest", 6, 7, false, 1));
    expectClose(interp("bilinear_interp", { scale: 1.5, align_corners: false, align_mode: 1 }), refInterp(x, "bilinear", 6, 7, false, 1));
  });
});

describe("matrix products", () => {
  it("matmul with transposes and alpha; matmul_v2; mul flattens at x_num_col_dims", () => {
    const a = seeded([2, 3, 4], 15);
    const b = seeded([2, 5, 4], 16);
    const y = runOne({ feeds: { a, b }, ops: [op("matmul", { X: "a", Y: "b" }, { Out: "y" }, { transpose_Y: true, alpha: 0.5 })], fetch: ["y"] });
    const ref = new Tensor([2, 3, 5]);
    for (let n = 0; n < 2; n++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 5; j++) {
          let s = 0;
          for (let k = 0; k < 4; k++) s += a.data[(n * 3 + i) * 4 + k]! * b.data[(n * 5 + j) * 4 + k]!;
          ref.data[(n * 3 + i) * 5 + j] = 0.5 * s;
        }
    expectClose(y, ref);
    const v2 = runOne({ feeds: { a, b }, ops: [op("matmul_v2", { X: "a", Y: "b" }, { Out: "y" }, { trans_y: true })], fetch: ["y"] });
    expectClose(v2, new Tensor(ref.shape, ref.data.map((v) => 2 * v)));
    // mul: X [2, 3, 4] at x_num_col_dims 2 is [6, 4]; W [4, 5]; out [2, 3, 5].
    const w = seeded([4, 5], 17);
    const m = runOne({ feeds: { a }, constants: { w }, ops: [op("mul", { X: "a", Y: "w" }, { Out: "y" }, { x_num_col_dims: 2, y_num_col_dims: 1 })], fetch: ["y"] });
    expect(m.shape).toEqual([2, 3, 5]);
    for (let r = 0; r < 6; r++)
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += a.data[r * 4 + k]! * w.data[k * 5 + j]!;
        expect(m.data[r * 5 + j]).toBeCloseTo(s, 5);
      }
  });
});

describe("shape ops", () => {
  const x = seeded([2, 3, 4, 1], 18);
  it("reshape2 (0 copies, −1 infers; from ShapeTensor pieces), flatten_contiguous_range in the middle, transpose2", () => {
    expect(runOne({ feeds: { x }, ops: [op("reshape2", { X: "x" }, { Out: "y", XShape: "xs" }, { shape: [0, -1, 2] })], fetch: ["y"] }).shape).toEqual([2, 6, 2]);
    const pieces = runOne({
      feeds: { x },
      constants: { n: ints([12], "int32") },
      ops: [
        op("shape", { Input: "x" }, { Out: "s" }),
        op("slice", { Input: "s" }, { Out: "s0" }, { axes: [0], starts: [0], ends: [1], decrease_axis: [0] }),
        op("reshape2", { X: "x", ShapeTensor: ["s0", "n"] }, { Out: "y" }, { shape: [-1, 4] }),
      ],
      fetch: ["y"],
      declare: { s0: [] },
    });
    expect(pieces.shape).toEqual([2, 12]);
    expect(Array.from(pieces.data)).toEqual(Array.from(x.data));
    expect(runOne({ feeds: { x }, ops: [op("flatten_contiguous_range", { X: "x" }, { Out: "y" }, { start_axis: 1, stop_axis: 2 })], fetch: ["y"] }).shape).toEqual([2, 12, 1]);
    const t = runOne({ feeds: { x }, ops: [op("transpose2", { X: "x" }, { Out: "y" }, { axis: [0, 2, 1, 3] })], fetch: ["y"] });
    expect(t.shape).toEqual([2, 4, 3, 1]);
    expect(t.data[1]).toBe(x.data[4]); // y (0, 0, 1, 0) is x (0, 1, 0, 0)
  });

  it("squeeze2 skips listed axes whose size is not 1; unsqueeze2 inserts axes one after another", () => {
    expect(runOne({ feeds: { x }, ops: [op("squeeze2", { X: "x" }, { Out: "y" }, { axes: [1, 3] })], fetch: ["y"] }).shape).toEqual([2, 3, 4]);
    expect(runOne({ feeds: { x }, ops: [op("squeeze2", { X: "x" }, { Out: "y" }, { axes: [] })], fetch: ["y"] }).shape).toEqual([2, 3, 4]);
    // [2, 3, 4, 1] with axes [0, −1]: insert at 0 → [1, 2, 3, 4, 1]; −1 → at the end → [1, 2, 3, 4, 1, 1].
    expect(runOne({ feeds: { x }, ops: [op("unsqueeze2", { X: "x" }, { Out: "y" }, { axes: [0, -1] })], fetch: ["y"] }).shape).toEqual([1, 2, 3, 4, 1, 1]);
  });

  it("concat, slice with decrease_axis, fill_constant, cast", () => {
    const c = runOne({ feeds: { x }, ops: [op("concat", { X: ["x", "x"] }, { Out: "y" }, { axis: 2 })], fetch: ["y"] });
    expect(c.shape).toEqual([2, 3, 8, 1]);
    const s = runOne({ feeds: { x }, ops: [op("slice", { Input: "x" }, { Out: "y" }, { axes: [1, 2], starts: [1, -2], ends: [2, 100], decrease_axis: [1] })], fetch: ["y"], declare: { y: [2, 2, 1] } });
    expect(s.shape).toEqual([2, 2, 1]);
    expect(s.data[0]).toBe(x.data[(0 * 3 + 1) * 4 + 2]);
    const [filled] = runProgram({
      feeds: { x },
      ops: [op("fill_constant", {}, { Out: "f" }, { shape: [2, 2], dtype: 5, value: 0, str_value: "1.5" }), op("elementwise_add", { X: "x", Y: "f" }, { Out: "y" }, { axis: -1 }), op("cast", { X: "f" }, { Out: "fi" }, { in_dtype: 5, out_dtype: 3 })],
      fetch: ["fi"],
    });
    expect(filled).toBeInstanceOf(IntTensor);
    expect(Array.from(filled!.data)).toEqual([1, 1, 1, 1]);
  });
});

describe("unsupported ops", () => {
  it("lists every missing op type at once, with a count and what the first writes", () => {
    let error: unknown;
    try {
      runOne({
        feeds: { x: seeded([1, 2], 19) },
        ops: [op("yolo_box", { X: "x" }, { Out: "a" }), op("roi_align", { X: "a" }, { Out: "b" }), op("yolo_box", { X: "b" }, { Out: "c" })],
        fetch: ["c"],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelValidationError);
    const problems = (error as ModelValidationError).problems;
    expect(problems).toEqual([
      "unsupported Paddle op 'yolo_box' (the op writing 'a' and 1 more)",
      "unsupported Paddle op 'roi_align' (the op writing 'b')",
    ]);
  });

  it("problems inside known ops are collected too (one error, every op named)", () => {
    expect(() =>
      runOne({
        feeds: { x: seeded([1, 2, 3, 3], 20) },
        ops: [
          op("pool2d", { X: "x" }, { Out: "a" }, { pooling_type: "avg", ksize: [2, 2], data_format: "NHWC" }),
          op("dropout", { X: "a" }, { Out: "b" }, { dropout_implementation: "sometimes" }),
        ],
        fetch: ["b"],
      }),
    ).toThrow(/2 problems: Paddle op 'pool2d' writing 'a': data_format 'NHWC' is not supported.*Paddle op 'dropout' writing 'b'/);
  });
});

describe("ops of other PaddleClas families (ViT, ResNet variants): gelu, layer_norm, prelu, reductions, stack, pow", () => {
  const x = seeded([2, 3, 4], 21);
  const map = (f: (v: number, i: number) => number) => new Tensor(x.shape, x.data.map(f));

  it("gelu exact and approximate; silu; exp, sqrt of |x|, pow", () => {
    const erf = (z: number): number => {
      // Abramowitz–Stegun 7.1.26 is too coarse for 1e-5; integrate instead (Simpson, 2000 steps).
      const n = 2000;
      const h = z / n;
      let s = 1 + Math.exp(-z * z);
      for (let k = 1; k < n; k++) s += (k % 2 ? 4 : 2) * Math.exp(-((k * h) ** 2));
      return ((2 / Math.sqrt(Math.PI)) * h * s) / 3;
    };
    const run = (type: string, attrs: Record<string, number | boolean> = {}, input = x) =>
      runOne({ feeds: { x: input }, ops: [op(type, { X: "x" }, { Out: "y" }, attrs)], fetch: ["y"] });
    expectClose(run("gelu"), map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))));
    expectClose(run("gelu", { approximate: true }), map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))));
    expectClose(run("silu"), map((v) => v / (1 + Math.exp(-v))));
    expectClose(run("exp"), map((v) => Math.exp(v)));
    const positive = new Tensor(x.shape, x.data.map((v) => Math.abs(v) + 0.1));
    expectClose(run("sqrt", {}, positive), new Tensor(x.shape, positive.data.map(Math.sqrt)));
    expectClose(run("pow", { factor: 3 }), map((v) => v ** 3));
  });

  it("layer_norm over the trailing dims with Scale and Bias stored flat", () => {
    const scale = seeded([12], 22);
    const bias = seeded([12], 23);
    const y = runOne({ feeds: { x }, constants: { scale, bias }, ops: [op("layer_norm", { X: "x", Scale: "scale", Bias: "bias" }, { Y: "y", Mean: "m", Variance: "v" }, { begin_norm_axis: 1, epsilon: 1e-5 })], fetch: ["y"] });
    const ref = new Tensor(x.shape);
    for (let n = 0; n < 2; n++) {
      const row = Array.from(x.data.subarray(n * 12, n * 12 + 12));
      const mean = row.reduce((a, b) => a + b, 0) / 12;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 12;
      row.forEach((v, k) => (ref.data[n * 12 + k] = ((v - mean) / Math.sqrt(variance + 1e-5)) * scale.data[k]! + bias.data[k]!));
    }
    expectClose(y, ref);
  });

  it("prelu per channel and shared; reduce_mean/sum/max over dims, kept or not, and over all", () => {
    const alpha = new Tensor([3], Float32Array.of(0.1, 0.2, 0.3));
    const pc = runOne({ feeds: { x }, constants: { alpha }, ops: [op("prelu", { X: "x", Alpha: "alpha" }, { Out: "y" }, { mode: "channel" })], fetch: ["y"] });
    expectClose(pc, map((v, i) => (v >= 0 ? v : v * alpha.data[Math.floor(i / 4) % 3]!)));
    const shared = runOne({ feeds: { x }, constants: { a: new Tensor([1], Float32Array.of(0.25)) }, ops: [op("prelu", { X: "x", Alpha: "a" }, { Out: "y" }, { mode: "all" })], fetch: ["y"] });
    expectClose(shared, map((v) => (v >= 0 ? v : 0.25 * v)));
    const mean = runOne({ feeds: { x }, ops: [op("reduce_mean", { X: "x" }, { Out: "y" }, { dim: [-1], keep_dim: true })], fetch: ["y"] });
    expect(mean.shape).toEqual([2, 3, 1]);
    expect(mean.data[4]).toBeCloseTo((x.data[16]! + x.data[17]! + x.data[18]! + x.data[19]!) / 4, 6);
    const sum = runOne({ feeds: { x }, ops: [op("reduce_sum", { X: "x" }, { Out: "y" }, { dim: [1] })], fetch: ["y"] });
    expect(sum.shape).toEqual([2, 4]);
    expect(sum.data[0]).toBeCloseTo(x.data[0]! + x.data[4]! + x.data[8]!, 6);
    const max = runOne({ feeds: { x }, ops: [op("reduce_max", { X: "x" }, { Out: "y" }, { reduce_all: true })], fetch: ["y"] });
    expect(max.data.length).toBe(1);
    expect(max.data[0]).toBe(Math.max(...x.data));
  });

  it("split into num equal parts, or by sections with one −1", () => {
    const [a, b] = runProgram({ feeds: { x }, ops: [op("split", { X: "x" }, { Out: ["a", "b"] }, { num: 2, axis: 2 })], fetch: ["a", "b"] });
    expect(a!.shape).toEqual([2, 3, 2]);
    expect([a!.data[0], a!.data[1], b!.data[0]]).toEqual([x.data[0], x.data[1], x.data[2]]);
    const parts = runProgram({ feeds: { x }, ops: [op("split", { X: "x" }, { Out: ["p", "q"] }, { sections: [1, -1], axis: 1 })], fetch: ["p", "q"] });
    expect(parts.map((t) => t.shape)).toEqual([[2, 1, 4], [2, 2, 4]]);
    expect(parts[1]!.data[0]).toBe(x.data[4]);
  });

  it("stack inserts a dim at axis and joins along it", () => {
    const b = seeded([2, 3, 4], 24);
    const y = runOne({ feeds: { x, b }, ops: [op("stack", { X: ["x", "b"] }, { Y: "y" }, { axis: -1 })], fetch: ["y"] });
    expect(y.shape).toEqual([2, 3, 4, 2]);
    expect([y.data[0], y.data[1], y.data[2]]).toEqual([x.data[0], b.data[0], x.data[1]]);
  });
});
