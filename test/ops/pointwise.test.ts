/**
 * The pointwise (1×1) convolution kernel against a plain reference written here from the
 * definition (float64 sum over input channels, + bias, the ONNX activation formula, one
 * rounding): edge tiles (channels and pixels not multiples of 4), depths 1 to 960, batches,
 * bias or none, every fused activation, both ways of reading X (in place / packed), work
 * ranges bitwise equal to the whole, NaN through relu, weights rewritten between calls.
 */
import { afterEach, describe, expect, it } from "vitest";
import { conv2dGeometry, type Conv2dGeometry, type ConvWorkRange } from "../../src/ops/conv2d.js";
import type { FusedActivation } from "../../src/ops/fused-activation.js";
import { getPointwiseTuning, packPointwiseWeights, pointwiseConv2dRange, setPointwiseTuning } from "../../src/ops/pointwise.js";
import { randomFloats } from "../helpers/compare.js";

const defaults = getPointwiseTuning();

const activations: FusedActivation[] = [
  { kind: "none" },
  { kind: "relu" },
  { kind: "clip", min: -0.25, max: 0.5 },
  { kind: "hardSigmoid", alpha: 0.2, beta: 0.5 },
  { kind: "hardSwish" },
  { kind: "sigmoid" },
];

/** ONNX's formulas, written independently of src/ops/fused-activation.ts (relu keeps NaN). */
function referenceActivation(v: number, a: FusedActivation): number {
  switch (a.kind) {
    case "none": return v;
    case "relu": return Number.isNaN(v) ? v : Math.max(0, v);
    case "clip": return Math.min(a.max, Math.max(a.min, v));
    case "hardSigmoid": return Math.max(0, Math.min(1, a.alpha * v + a.beta));
    case "hardSwish": return v * Math.max(0, Math.min(1, v / 6 + 0.5));
    case "sigmoid": return 1 / (1 + Math.exp(-v));
  }
}

function geometry(batch: number, c: number, m: number, h: number, w: number): Conv2dGeometry {
  return conv2dGeometry([batch, c, h, w], [m, c, 1, 1], { kernelShape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 });
}

function whole(g: Conv2dGeometry): ConvWorkRange {
  return { channelStart: 0, channelEnd: g.outChannels, rowStart: 0, rowEnd: g.outH };
}

function reference(x: Float32Array, w: Float32Array, bias: Float32Array | null, g: Conv2dGeometry, a: FusedActivation): Float32Array {
  const plane = g.outH * g.outW;
  const C = g.inChannels;
  const y = new Float32Array(g.batch * g.outChannels * plane);
  for (let n = 0; n < g.batch; n++) {
    for (let m = 0; m < g.outChannels; m++) {
      for (let j = 0; j < plane; j++) {
        let sum = 0;
        for (let c = 0; c < C; c++) sum += w[m * C + c]! * x[(n * C + c) * plane + j]!;
        y[(n * g.outChannels + m) * plane + j] = referenceActivation(sum + (bias === null ? 0 : bias[m]!), a);
      }
    }
  }
  return y;
}

/** |a − b| ≤ 1e-6·(1 + |b|) everywhere, NaN where the reference has NaN. */
function expectNear(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const v = actual[i]!;
    if (Number.isNaN(e)) {
      expect(v, `${label} [${i}]`).toBeNaN();
      continue;
    }
    if (!(Math.abs(v - e) <= 1e-6 * (1 + Math.abs(e)))) expect(v, `${label} [${i}]`).toBeCloseTo(e, 6);
  }
}

function run(x: Float32Array, w: Float32Array, bias: Float32Array | null, g: Conv2dGeometry, a: FusedActivation, range = whole(g)): Float32Array {
  const y = new Float32Array(g.batch * g.outChannels * g.outH * g.outW).fill(-7);
  pointwiseConv2dRange(y, x, w, bias, g, a, range);
  return y;
}

describe("pointwise conv vs a plain reference", () => {
  afterEach(() => setPointwiseTuning(defaults));

  it("edge tiles, depths 1…960, bias or none, every activation", () => {
    let seed = 1;
    for (const [M, K, H, W] of [
      [1, 1, 2, 2], [3, 3, 1, 5], [4, 16, 2, 2], [5, 16, 3, 5], [9, 3, 7, 7], [13, 65, 3, 3], [8, 960, 2, 3], [6, 960, 7, 7], [7, 24, 9, 13],
    ] as const) {
      for (const a of activations) {
        for (const withBias of [true, false]) {
          const g = geometry(2, K, M, H, W);
          const x = randomFloats(2 * K * H * W, seed++, -2, 2);
          const w = randomFloats(M * K, seed++);
          const bias = withBias ? randomFloats(M, seed++) : null;
          expectNear(run(x, w, bias, g, a), reference(x, w, bias, g, a), `M=${M} K=${K} ${H}×${W} ${a.kind} bias=${withBias}`);
        }
      }
    }
  });

  it("a 1×1 map (fully connected, through sgemm) and a 1×3 map (one ragged tile)", () => {
    for (const [H, W] of [[1, 1], [1, 3]] as const) {
      const g = geometry(1, 40, 10, H, W);
      const x = randomFloats(40 * H * W, 3);
      const w = randomFloats(400, 4);
      const bias = randomFloats(10, 5);
      expectNear(run(x, w, bias, g, { kind: "relu" }), reference(x, w, bias, g, { kind: "relu" }), `${H}×${W}`);
    }
  });

  it("X in place, X packed, one call per tile or per strip, small blocks: bitwise the same output", () => {
    for (const [M, K, H, W] of [[10, 16, 9, 11], [7, 70, 5, 5], [17, 200, 3, 7]] as const) {
      const g = geometry(1, K, M, H, W);
      const x = randomFloats(K * H * W, M);
      const w = randomFloats(M * K, K);
      const bias = randomFloats(M, 9);
      const base = run(x, w, bias, g, { kind: "hardSwish" });
      for (const t of [{ strips: false }, { strips: false, inPlaceMaxK: 0, f64: false }, { inPlaceMaxK: 0, f64: false }, { inPlaceMaxK: 0 }, { inPlaceMaxK: 0, rowBlockFloats: 1 }, { inPlaceMaxK: 1 << 20 }, { columnBlockFloats: 1, rowBlockFloats: 1 }, { inPlaceMaxK: 0, columnBlockFloats: 100 * K }]) {
        setPointwiseTuning({ ...defaults, ...t });
        expect(run(x, w, bias, g, { kind: "hardSwish" }), JSON.stringify(t)).toEqual(base);
      }
      setPointwiseTuning(defaults);
      expectNear(base, reference(x, w, bias, g, { kind: "hardSwish" }), `M=${M} K=${K}`);
    }
  });
});

describe("pointwise conv work ranges", () => {
  afterEach(() => setPointwiseTuning(defaults));

  it("any split of channels or rows gives bitwise the same output as the whole", () => {
    const g = geometry(2, 37, 23, 9, 7);
    const x = randomFloats(2 * 37 * 63, 11);
    const w = randomFloats(23 * 37, 12);
    const bias = randomFloats(23, 13);
    for (const [inPlaceMaxK, strips, f64] of [[0, true, true], [0, true, false], [64, true, true], [64, false, true]] as const) {
      setPointwiseTuning({ ...defaults, inPlaceMaxK, strips, f64 });
      const all = run(x, w, bias, g, { kind: "relu" });
      for (const cut of [1, 2, 5, 6, 13, 22]) {
        const byChannels = new Float32Array(all.length).fill(-7);
        pointwiseConv2dRange(byChannels, x, w, bias, g, { kind: "relu" }, { channelStart: 0, channelEnd: cut, rowStart: 0, rowEnd: 9 });
        pointwiseConv2dRange(byChannels, x, w, bias, g, { kind: "relu" }, { channelStart: cut, channelEnd: 23, rowStart: 0, rowEnd: 9 });
        expect(byChannels).toEqual(all);
      }
      for (const cut of [1, 4, 8]) {
        const byRows = new Float32Array(all.length).fill(-7);
        pointwiseConv2dRange(byRows, x, w, bias, g, { kind: "relu" }, { channelStart: 0, channelEnd: 23, rowStart: 0, rowEnd: cut });
        pointwiseConv2dRange(byRows, x, w, bias, g, { kind: "relu" }, { channelStart: 0, channelEnd: 23, rowStart: cut, rowEnd: 9 });
        expect(byRows).toEqual(all);
      }
    }
  });

  it("a range writes only its channels and rows (W with fewer rows than y has channels)", () => {
    // As a ghost module does: W [6, 8] writes channels [0, 6) of a 12-channel output.
    const g = geometry(1, 8, 12, 5, 4);
    const x = randomFloats(8 * 20, 21);
    const w = randomFloats(6 * 8, 22);
    const bias = randomFloats(6, 23);
    const y = new Float32Array(12 * 20).fill(-7);
    pointwiseConv2dRange(y, x, w, bias, g, { kind: "none" }, { channelStart: 1, channelEnd: 6, rowStart: 2, rowEnd: 4 });
    const full = reference(x, Float32Array.from([...w, ...new Float32Array(48)]), Float32Array.from([...bias, 0, 0, 0, 0, 0, 0]), g, { kind: "none" });
    for (let m = 0; m < 12; m++) {
      for (let j = 0; j < 20; j++) {
        const inside = m >= 1 && m < 6 && j >= 8 && j < 16;
        if (inside) expect(Math.abs(y[m * 20 + j]! - full[m * 20 + j]!)).toBeLessThan(1e-6);
        else expect(y[m * 20 + j]).toBe(-7);
      }
    }
  });

  it("weights packed once (packPointwiseWeights) give bitwise the output of packing per call, for any range", () => {
    // Small row blocks so several blocks (and packed-panel offsets) are exercised.
    setPointwiseTuning({ ...defaults, rowBlockFloats: 8 * 37 });
    const g = geometry(2, 37, 23, 9, 7);
    const x = randomFloats(2 * 37 * 63, 31);
    const w = randomFloats(23 * 37, 32);
    const bias = randomFloats(23, 33);
    const packed = packPointwiseWeights(w, 23, 37);
    for (const [c0, c1, r0, r1] of [[0, 23, 0, 9], [0, 7, 0, 9], [4, 23, 2, 7], [5, 23, 0, 9], [3, 4, 8, 9]] as const) {
      const range = { channelStart: c0, channelEnd: c1, rowStart: r0, rowEnd: r1 };
      const perCall = new Float32Array(2 * 23 * 63).fill(-7);
      const once = perCall.slice();
      pointwiseConv2dRange(perCall, x, w, bias, g, { kind: "relu" }, range);
      pointwiseConv2dRange(once, x, w, bias, g, { kind: "relu" }, range, packed);
      expect(once, `channels [${c0}, ${c1}) rows [${r0}, ${r1})`).toEqual(perCall);
    }
    expect(() => pointwiseConv2dRange(new Float32Array(2 * 23 * 63), x, w, bias, g, { kind: "none" }, whole(g), packed.slice(0, 22 * 37)))
      .toThrow(/packedW has 814 values/);
    expect(() => packPointwiseWeights(w.subarray(1), 23, 37)).toThrow(RangeError);
  });

  it("rejects a range outside the output and buffers too short", () => {
    const g = geometry(1, 8, 4, 3, 3);
    const ok = { channelStart: 0, channelEnd: 4, rowStart: 0, rowEnd: 3 };
    const x = new Float32Array(72), w = new Float32Array(32), y = new Float32Array(36);
    expect(() => pointwiseConv2dRange(y, x, w, null, g, { kind: "none" }, { ...ok, channelEnd: 5 })).toThrow(RangeError);
    expect(() => pointwiseConv2dRange(y, x, w, null, g, { kind: "none" }, { ...ok, rowEnd: 4 })).toThrow(RangeError);
    expect(() => pointwiseConv2dRange(y, x.subarray(1), w, null, g, { kind: "none" }, ok)).toThrow(RangeError);
    expect(() => pointwiseConv2dRange(y, x, w.subarray(1), null, g, { kind: "none" }, ok)).toThrow(RangeError);
    expect(() => pointwiseConv2dRange(y, x, w, new Float32Array(3), g, { kind: "none" }, ok)).toThrow(RangeError);
  });
});

describe("pointwise conv values", () => {
  it("relu propagates NaN; a NaN input poisons only its pixel", () => {
    const g = geometry(1, 5, 6, 3, 3);
    const x = randomFloats(45, 31);
    x[2 * 9 + 4] = NaN; // channel 2, pixel 4
    const w = randomFloats(30, 32);
    const y = run(x, w, null, g, { kind: "relu" });
    for (let m = 0; m < 6; m++) {
      for (let j = 0; j < 9; j++) {
        if (j === 4) expect(y[m * 9 + j]).toBeNaN();
        else expect(y[m * 9 + j]).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it("relu of a −∞ sum is +0 and of +∞ is +∞ (ONNX), on every tile kernel", () => {
    // 4 output channels × 16 pixels, weights all +1: pixel 5 sums a −∞ input, pixel 9 a +∞
    // one, pixel 12 both (NaN); whole tiles take the branch-free relu store, which must hand
    // such tiles to the exact one.
    const g = geometry(1, 3, 4, 4, 4);
    const x = randomFloats(3 * 16, 51);
    x[16 + 5] = -Infinity;
    x[2 * 16 + 9] = Infinity;
    x[12] = Infinity;
    x[16 + 12] = -Infinity;
    const w = new Float32Array(12).fill(1);
    for (const [inPlaceMaxK, strips, f64] of [[0, true, true], [0, true, false], [64, true, true], [64, false, true]] as const) {
      setPointwiseTuning({ ...defaults, inPlaceMaxK, strips, f64 });
      const y = run(x, w, null, g, { kind: "relu" });
      const label = `inPlaceMaxK ${inPlaceMaxK}, strips ${strips}, f64 ${f64}`;
      for (let m = 0; m < 4; m++) {
        expect(Object.is(y[m * 16 + 5], 0), `${label}: channel ${m}, −∞ → +0 (got ${y[m * 16 + 5]})`).toBe(true);
        expect(y[m * 16 + 9], label).toBe(Infinity);
        expect(y[m * 16 + 12], label).toBeNaN();
      }
      expectNear(y, reference(x, w, null, g, { kind: "relu" }), label);
    }
  });

  it("a 1×1 conv by hand", () => {
    // x: 2 channels × 4 pixels; W = [[1, 2], [−1, 0.5]], b = [0.5, −3].
    const g = geometry(1, 2, 2, 2, 2);
    const x = Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]);
    const w = Float32Array.from([1, 2, -1, 0.5]);
    const y = run(x, w, Float32Array.from([0.5, -3]), g, { kind: "relu" });
    // channel 0: 1·x0 + 2·x1 + 0.5 = 21.5, 42.5, 63.5, 84.5; channel 1: −x0 + x1/2 − 3 = 1, 5, 9, 13.
    expect(Array.from(y)).toEqual([21.5, 42.5, 63.5, 84.5, 1, 5, 9, 13]);
  });

  it("weights rewritten in place between calls are used (no stale copy of W)", () => {
    const g = geometry(1, 16, 8, 4, 4);
    const x = randomFloats(16 * 16, 41);
    const w = randomFloats(8 * 16, 42);
    const first = run(x, w, null, g, { kind: "none" });
    expectNear(first, reference(x, w, null, g, { kind: "none" }), "first weights");
    w.set(randomFloats(8 * 16, 43));
    const second = run(x, w, null, g, { kind: "none" });
    expectNear(second, reference(x, w, null, g, { kind: "none" }), "rewritten weights");
    expect(second).not.toEqual(first);
  });
});
