import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { concat, concatShape, split, splitShapes } from "../../src/ops/concat.js";
import { IntTensor, Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { asInput, attr, intTensor, randomTensor, runOrtOp } from "./harness.js";

describe("Concat vs onnxruntime", () => {
  const cases: { shapes: number[][]; axis: number }[] = [
    { shapes: [[1, 8, 7, 7], [1, 8, 7, 7]], axis: 1 }, // GhostModule: primary ‖ cheap
    { shapes: [[2, 3, 5, 5], [2, 1, 5, 5], [2, 4, 5, 5]], axis: 1 },
    { shapes: [[2, 3, 4], [5, 3, 4]], axis: 0 },
    { shapes: [[2, 3, 4], [2, 3, 1]], axis: -1 },
    { shapes: [[2, 3, 4], [2, 2, 4]], axis: -2 },
    { shapes: [[2, 0, 4], [2, 3, 4]], axis: 1 }, // an empty input
    { shapes: [[3], [1]], axis: 0 },
  ];
  for (const { shapes, axis } of cases) {
    it(`${JSON.stringify(shapes)} on axis ${axis}`, async () => {
      const inputs = shapes.map((s, i) => randomTensor(s, 30 + i));
      const out = new Tensor(concatShape(shapes, axis));
      concat(out, inputs, axis);
      const [ref] = await runOrtOp("Concat", { opset: 13, inputs: inputs.map(asInput), attributes: { axis: attr.int(axis) } });
      expectClose(out, ref!, 0);
    });
  }

  it("int64 shape pieces, as in Shape → Slice → Concat → Reshape", async () => {
    const pieces = [intTensor([1]), intTensor([-1]), intTensor([7, 7])];
    const out = new IntTensor("int64", concatShape(pieces.map((p) => p.shape), 0));
    concat(out, pieces, 0);
    const [ref] = await runOrtOp("Concat", { opset: 11, inputs: pieces.map(asInput), attributes: { axis: attr.int(0) }, outputDtypes: ["int64"] });
    expect(Array.from(out.data)).toEqual(Array.from(ref!.data));
  });
});

describe("Split vs onnxruntime", () => {
  const input = randomTensor([2, 7, 3], 33);
  const cases: { axis: number; sizes?: number[]; outputs: number; opset: number }[] = [
    { axis: 1, sizes: [2, 5], outputs: 2, opset: 11 }, // sizes as attribute
    { axis: 1, sizes: [3, 0, 4], outputs: 3, opset: 13 }, // sizes as input
    { axis: -1, outputs: 3, opset: 13 }, // equal pieces
    { axis: 1, outputs: 3, opset: 18 }, // 7 into ceil(7/3) = 3, 3, 1
  ];
  for (const c of cases) {
    it(`axis ${c.axis} sizes ${JSON.stringify(c.sizes)} outputs ${c.outputs} opset ${c.opset}`, async () => {
      const shapes = splitShapes(input.shape, c.axis, c.sizes, c.outputs);
      const outs = shapes.map((s) => new Tensor(s));
      split(outs, input, c.axis);
      const attributes: Record<string, ReturnType<typeof attr.int>> = { axis: attr.int(c.axis) };
      const inputs = [asInput(input)];
      if (c.sizes && c.opset < 13) attributes.split = attr.ints(c.sizes);
      if (c.sizes && c.opset >= 13) inputs.push({ dtype: "int64", shape: [c.sizes.length], data: c.sizes });
      if (c.opset >= 18 && !c.sizes) attributes.num_outputs = attr.int(c.outputs);
      const refs = await runOrtOp("Split", { opset: c.opset, inputs, attributes, outputDtypes: shapes.map(() => "float32" as const) });
      outs.forEach((out, i) => expectClose(out, refs[i]!, 0, `output ${i}`));
    });
  }

  it("rejects sizes that do not add up", () => {
    expect(() => splitShapes([2, 7], 1, [3, 3], 2)).toThrow(/do not add up to 7/);
  });
});

describe("Concat by hand", () => {
  it("joins channels plane after plane", () => {
    const a = new Tensor([1, 1, 1, 2], Float32Array.of(1, 2));
    const b = new Tensor([1, 2, 1, 2], Float32Array.of(3, 4, 5, 6));
    const out = new Tensor([1, 3, 1, 2]);
    concat(out, [a, b], 1);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("rejects mismatched dimensions outside the axis and bad axes", () => {
    expect(() => concatShape([[1, 2, 3], [1, 3, 3]], 2)).toThrow(ShapeError);
    expect(() => concatShape([[1, 2], [1, 2, 3]], 0)).toThrow(/differ outside axis/);
    expect(() => concatShape([[1, 2]], 2)).toThrow(/axis 2 is out of range for rank 2/);
  });
});
