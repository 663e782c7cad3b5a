/**
 * The wasm elementwise kernels against their JavaScript twins: the residual add and the SE
 * scale bit for bit (one f32 rounding per element in both), the plane means within
 * DESIGN §6's 1e-4 for long reductions and deterministic; odd counts, in place, offsets
 * that are not 16-byte aligned, untouched memory around the outputs.
 */
import { describe, expect, it } from "vitest";
import { addInPlace, scalePlanes } from "../../src/ops/elementwise.js";
import { planeMeans } from "../../src/ops/pooling.js";
import { elementwiseModule } from "../../src/wasm/kernels/elementwise.js";
import { randomFloats } from "../helpers/compare.js";

const memory = new WebAssembly.Memory({ initial: 32 });
const instance = new WebAssembly.Instance(new WebAssembly.Module(elementwiseModule({ minPages: 32 })), { env: { memory } });
type Fn = (...args: number[]) => void;
const add = instance.exports.add as Fn;
const scale = instance.exports.scalePlanes as Fn;
const means = instance.exports.planeMeans as Fn;
const SENTINEL = -777.25;

/** Float index `i` as a byte address. */
const at = (i: number): number => 4 * i;

function heap(): Float32Array {
  const f = new Float32Array(memory.buffer);
  f.fill(SENTINEL);
  return f;
}

/** Every float outside [start, end) still holds the sentinel. */
function expectUntouched(f: Float32Array, start: number, end: number, label: string): void {
  for (const i of [start - 4, start - 3, start - 2, start - 1, end, end + 1, end + 2, end + 3]) {
    if (i >= 0) expect(f[i], `${label}: float ${i} outside the output`).toBe(SENTINEL);
  }
}

describe("wasm add", () => {
  for (const count of [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 33, 784, 3 * 49, 12544 + 5]) {
    it(`${count} floats, separate output and in place`, () => {
      const f = heap();
      const a = randomFloats(count, count + 1, -3, 3), b = randomFloats(count, count + 2, -3, 3);
      if (count > 2) { a[1] = NaN; b[2] = Infinity; }
      const A = 1, B = 20001, OUT = 40003; // not 16-byte aligned
      f.set(a, A);
      f.set(b, B);
      add(at(A), at(B), at(OUT), count);
      const twin = a.slice();
      addInPlace(twin, 0, b, 0, count);
      expect(f.slice(OUT, OUT + count)).toEqual(twin);
      expectUntouched(f, OUT, OUT + count, "add");
      // In place: out = a, and out = b.
      add(at(A), at(B), at(A), count);
      expect(f.slice(A, A + count)).toEqual(twin);
      f.set(a, A);
      add(at(A), at(B), at(B), count);
      expect(f.slice(B, B + count)).toEqual(twin);
      expectUntouched(f, B, B + count, "add in place");
    });
  }
});

describe("wasm scalePlanes", () => {
  for (const [plane, channels] of [[1, 5], [3, 2], [7, 3], [49, 9], [196, 5], [784, 3], [13, 1], [0, 4], [12, 0]] as const) {
    it(`${channels} planes of ${plane}, separate output and in place`, () => {
      const f = heap();
      const n = plane * channels;
      const x = randomFloats(n, plane + 5, -2, 2), s = randomFloats(channels, plane + 6, 0, 1);
      const X = 2, S = 30001, OUT = 40001;
      f.set(x, X);
      f.set(s, S);
      scale(at(X), at(S), at(OUT), plane, channels);
      const twin = new Float32Array(n);
      scalePlanes(twin, x, 0, plane, channels, s, 0);
      expect(f.slice(OUT, OUT + n)).toEqual(twin);
      expectUntouched(f, OUT, OUT + n, "scalePlanes");
      scale(at(X), at(S), at(X), plane, channels);
      expect(f.slice(X, X + n)).toEqual(twin);
      expectUntouched(f, X, X + n, "scalePlanes in place");
    });
  }
});

describe("wasm planeMeans", () => {
  for (const [plane, channels] of [[1, 3], [2, 2], [3, 4], [4, 2], [5, 1], [7, 2], [15, 2], [16, 2], [17, 3], [49, 20], [196, 7], [784, 3], [3136, 2], [12544, 1]] as const) {
    it(`${channels} planes of ${plane}`, () => {
      const f = heap();
      const x = randomFloats(plane * channels, plane + 9, -1, 3);
      const X = 3, OUT = 60001;
      f.set(x, X);
      means(at(X), at(OUT), plane, channels);
      const twin = new Float32Array(channels);
      planeMeans(twin, 0, x, 0, plane, channels);
      const ours = f.slice(OUT, OUT + channels);
      for (let c = 0; c < channels; c++) {
        expect(Math.abs(ours[c]! - twin[c]!), `plane ${c}: ${ours[c]} vs ${twin[c]}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(twin[c]!)));
      }
      expectUntouched(f, OUT, OUT + channels, "planeMeans");
      // The same bits plane by plane (a split by channels) and from a shifted copy (alignment).
      for (let c = channels - 1; c >= 0; c--) means(at(X + c * plane), at(OUT + c), plane, 1);
      expect(f.slice(OUT, OUT + channels)).toEqual(ours);
      f.set(x, X + 1);
      means(at(X + 1), at(OUT), plane, channels);
      expect(f.slice(OUT, OUT + channels)).toEqual(ours);
    });
  }

  it("sums in the documented order", () => {
    // 23 floats: one 16-float block, one more v128 (into acc[0]), 3 single floats. Values
    // chosen so another order rounds differently: 2^24 + 1 is not a float32.
    const f = heap();
    const x = new Float32Array(23).fill(0);
    x[0] = 2 ** 24; // acc[0] lane 0
    x[16] = 1; // the extra v128 into acc[0] lane 0: 2^24 + 1 → 2^24 (ties to even)
    x[4] = 1; // acc[1] lane 0
    x[20] = 1, x[21] = 1, x[22] = 1; // the scalar tail
    f.set(x, 0);
    means(0, at(100), 23, 1);
    // Lane 0: (2^24 + 1 → 2^24) + acc[1]'s 1 → 2^24 (ties to even); the lanes add nothing;
    // the tail adds 1 three times, each rounding back to 2^24.
    const expected = Math.fround(2 ** 24 / 23);
    expect(f[100]).toBe(expected);
    // The float64 twin keeps the ones: (2^24 + 5) / 23.
    const twin = new Float32Array(1);
    planeMeans(twin, 0, x, 0, 23, 1);
    expect(twin[0]).toBe(Math.fround((2 ** 24 + 5) / 23));
    expect(twin[0]).not.toBe(expected);
  });

  it("a NaN or ∞ in a plane gives NaN or ∞ for that plane only", () => {
    const f = heap();
    const x = randomFloats(3 * 49, 1);
    x[10] = NaN;
    x[49 + 48] = Infinity;
    f.set(x, 0);
    means(0, at(1000), 49, 3);
    expect(Number.isNaN(f[1000]!)).toBe(true);
    expect(f[1001]).toBe(Infinity);
    expect(Number.isFinite(f[1002]!)).toBe(true);
  });
});
