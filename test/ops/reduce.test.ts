import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { argMax, argMin, argReduceShape, reduce, reduceMean, reduceShape, type ReduceAttributes, type ReduceOp } from "../../src/ops/reduce.js";
import { IntTensor, Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { asInput, attr, randomTensor, runOrtOp } from "./harness.js";
import type { WriterAttribute } from "../../src/loader/writer.js";

const names: Record<ReduceOp, string> = {
  sum: "ReduceSum",
  mean: "ReduceMean",
  max: "ReduceMax",
  min: "ReduceMin",
  prod: "ReduceProd",
  sumSquare: "ReduceSumSquare",
  l1: "ReduceL1",
  l2: "ReduceL2",
  logSumExp: "ReduceLogSumExp",
};

const x = randomTensor([2, 3, 5, 4], 41, -2, 2);
const axesCases: (number[] | undefined)[] = [[2, 3], [1], [-1], [0, 2], [-3, -1], [0, 1, 2, 3], undefined];

describe("reductions vs onnxruntime (axes as attribute, opset 13)", () => {
  for (const op of Object.keys(names) as ReduceOp[]) {
    for (const axes of axesCases) {
      for (const keepdims of [1, 0]) {
        it(`${names[op]} axes ${JSON.stringify(axes)} keepdims ${keepdims}`, async () => {
          const input = op === "prod" ? randomTensor(x.shape, 42, 0.8, 1.2) : x;
          const attrs: ReduceAttributes = { axes, keepdims };
          const out = new Tensor(reduceShape(input.shape, attrs));
          reduce(op, out, input, attrs);
          const attributes: Record<string, WriterAttribute> = { keepdims: attr.int(keepdims) };
          if (axes) attributes.axes = attr.ints(axes);
          // ReduceSum takes axes as an input from opset 13; use 11 for it.
          const opset = op === "sum" ? 11 : 13;
          const [ref] = await runOrtOp(names[op], { opset, inputs: [asInput(input)], attributes });
          expectClose(out, ref!, 1e-4);
        });
      }
    }
  }

  it("ReduceMean at opset 18 (axes as an input) and noop_with_empty_axes", async () => {
    const attrs = { axes: [1, -1], keepdims: 1 };
    const out = new Tensor(reduceShape(x.shape, attrs));
    reduceMean(out, x, attrs);
    const [ref] = await runOrtOp("ReduceMean", { opset: 18, inputs: [asInput(x), { dtype: "int64", shape: [2], data: [1, -1] }] });
    expectClose(out, ref!, 1e-4);
    const noop = new Tensor(reduceShape(x.shape, { noopWithEmptyAxes: 1 }));
    reduceMean(noop, x, { noopWithEmptyAxes: 1 });
    const [refNoop] = await runOrtOp("ReduceMean", { opset: 18, inputs: [asInput(x)], attributes: { noop_with_empty_axes: attr.int(1) } });
    expectClose(noop, refNoop!, 1e-6);
  });
});

describe("ArgMax / ArgMin vs onnxruntime", () => {
  // Small integers make ties, so select_last_index matters.
  const ties = new Tensor([2, 3, 4], Float32Array.from({ length: 24 }, (_, i) => (i * 7) % 3));
  for (const [name, kernel] of [["ArgMax", argMax], ["ArgMin", argMin]] as const) {
    for (const axis of [0, 1, -1]) {
      for (const keepdims of [1, 0]) {
        for (const selectLastIndex of [0, 1]) {
          it(`${name} axis ${axis} keepdims ${keepdims} select_last_index ${selectLastIndex}`, async () => {
            const attrs = { axis, keepdims, selectLastIndex };
            const out = new IntTensor("int64", argReduceShape(ties.shape, attrs, name));
            kernel(out, ties, attrs);
            const [ref] = await runOrtOp(name, {
              opset: 13,
              inputs: [asInput(ties)],
              attributes: { axis: attr.int(axis), keepdims: attr.int(keepdims), select_last_index: attr.int(selectLastIndex) },
              outputDtypes: ["int64"],
            });
            expect(out.shape).toEqual(ref!.shape);
            expect(Array.from(out.data)).toEqual(Array.from(ref!.data));
          });
        }
      }
    }
  }
});

describe("reductions by hand", () => {
  it("mean over the last axis of [[1, 2, 3], [4, 5, 6]] is [2, 5]", () => {
    const out = new Tensor([2]);
    reduceMean(out, new Tensor([2, 3], Float32Array.of(1, 2, 3, 4, 5, 6)), { axes: [1], keepdims: 0 });
    expect(Array.from(out.data)).toEqual([2, 5]);
  });

  it("rejects axes out of range", () => {
    expect(() => reduceShape([2, 3], { axes: [2] }, "ReduceMean")).toThrow(ShapeError);
    expect(() => reduceShape([2, 3], { axes: [-3] }, "ReduceMean")).toThrow(/ReduceMean: axis -3/);
  });
});
