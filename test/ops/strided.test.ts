/**
 * The folded fast paths (strided.ts, elementwise.ts) against plain index-by-index
 * reference loops, over random shapes: folding must never change a result.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { binary, binaryShape } from "../../src/ops/elementwise.js";
import { slice, sliceShape } from "../../src/ops/slice.js";
import { transpose, transposeShape } from "../../src/ops/transpose.js";
import { Tensor, stridesOf } from "../../src/tensor/tensor.js";
import { randomTensor } from "./harness.js";

/** Row-major multi-index of flat position `flat` in `shape`. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    index[k] = flat % shape[k]!;
    flat = Math.floor(flat / shape[k]!);
  }
  return index;
}

/** Element of `t` at the broadcast position `index` of an output of rank index.length. */
function broadcastRead(t: Tensor, index: readonly number[]): number {
  const offset = index.length - t.shape.length;
  const strides = stridesOf(t.shape);
  let flat = 0;
  for (let k = 0; k < t.shape.length; k++) flat += (t.shape[k] === 1 ? 0 : index[offset + k]!) * strides[k]!;
  return t.data[flat]!;
}

// An output shape, and two operand shapes that broadcast to it (dims set to 1, leading dims dropped).
const broadcastPair = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 5 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
      fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
      fc.integer({ min: 0, max: shape.length }),
      fc.integer({ min: 0, max: shape.length }),
    ),
  )
  .map(([shape, onesA, onesB, dropA, dropB]) => ({
    a: shape.map((d, k) => (onesA[k] ? 1 : d)).slice(dropA),
    b: shape.map((d, k) => (onesB[k] ? 1 : d)).slice(dropB),
  }));

describe("folded broadcasting equals the index-by-index definition", () => {
  it("Add, Mul, Sub, Div over random broadcastable shapes", () => {
    fc.assert(
      fc.property(broadcastPair, fc.constantFrom("add", "mul", "sub", "div", "pow", "max") as fc.Arbitrary<"add" | "mul" | "sub" | "div" | "pow" | "max">, ({ a: aShape, b: bShape }, op) => {
        const a = randomTensor(aShape, 1, 0.5, 2);
        const b = randomTensor(bShape, 2, 0.5, 2);
        const outShape = binaryShape(aShape, bShape);
        const out = new Tensor(outShape);
        binary(op, out, a, b);
        const f = { add: (x: number, y: number) => x + y, mul: (x: number, y: number) => x * y, sub: (x: number, y: number) => x - y, div: (x: number, y: number) => x / y, pow: Math.pow, max: Math.max }[op];
        for (let i = 0; i < out.data.length; i++) {
          const index = unravel(i, outShape);
          expect(out.data[i]).toBe(Math.fround(f(broadcastRead(a, index), broadcastRead(b, index))));
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe("strided copies equal the index-by-index definition", () => {
  const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 });

  it("Transpose with random permutations", () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), fc.shuffledSubarray(shape.map((_, k) => k), { minLength: shape.length, maxLength: shape.length }))),
        ([shape, perm]) => {
          const x = randomTensor(shape, 3);
          const outShape = transposeShape(shape, perm);
          const out = new Tensor(outShape);
          transpose(out, x, perm);
          const inStrides = stridesOf(shape);
          for (let i = 0; i < out.data.length; i++) {
            const index = unravel(i, outShape);
            let src = 0;
            perm.forEach((p, k) => (src += index[k]! * inStrides[p]!));
            expect(out.data[i]).toBe(x.data[src]);
          }
        },
      ),
      { numRuns: 200, seed: 8 },
    );
  });

  it("Slice with random starts, ends and steps (negative included)", () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            fc.array(fc.tuple(fc.integer({ min: -6, max: 6 }), fc.integer({ min: -6, max: 6 }), fc.constantFrom(-3, -2, -1, 1, 2, 3)), {
              minLength: shape.length,
              maxLength: shape.length,
            }),
          ),
        ),
        ([shape, params]) => {
          const x = randomTensor(shape, 4);
          const attrs = { starts: params.map((p) => p[0]), ends: params.map((p) => p[1]), steps: params.map((p) => p[2]) };
          const outShape = sliceShape(shape, attrs);
          const out = new Tensor(outShape);
          slice(out, x, attrs);
          // Reference: per axis, the list of kept indices by ONNX's rules (which onnxruntime
          // follows; unlike Python, a backward slice starting before the axis starts at 0).
          const kept = shape.map((d, k) => {
            const [start, end, step] = params[k]!;
            const list: number[] = [];
            let s = start < 0 ? start + d : start;
            let e = end < 0 ? end + d : end;
            if (step > 0) {
              s = Math.min(Math.max(s, 0), d);
              e = Math.min(Math.max(e, 0), d);
              for (let i = s; i < e; i += step) list.push(i);
            } else {
              s = Math.min(Math.max(s, 0), d - 1);
              e = Math.min(Math.max(e, -1), d - 1);
              for (let i = s; i > e; i += step) list.push(i);
            }
            return list;
          });
          expect(outShape).toEqual(kept.map((l) => l.length));
          const inStrides = stridesOf(shape);
          for (let i = 0; i < out.data.length; i++) {
            const index = unravel(i, outShape);
            let src = 0;
            index.forEach((j, k) => (src += kept[k]![j]! * inStrides[k]!));
            expect(out.data[i]).toBe(x.data[src]);
          }
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });
});
