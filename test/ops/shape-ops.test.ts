import { describe, expect, it } from "vitest";
import { InputError, ShapeError } from "../../src/errors.js";
import { expand, expandShape, tile, tileShape } from "../../src/ops/expand.js";
import { gather, gatherShape } from "../../src/ops/gather.js";
import { pad, padShape, type PadAttributes } from "../../src/ops/pad.js";
import { flattenShape, reshape, reshapeShape, squeezeShape, unsqueezeShape } from "../../src/ops/reshape.js";
import { cast, constantOfShape, constantOfShapeShape, range, rangeShape, shapeOf, shapeOfShape } from "../../src/ops/shape-ops.js";
import { slice, sliceShape, type SliceAttributes } from "../../src/ops/slice.js";
import { transpose, transposeShape } from "../../src/ops/transpose.js";
import { IntTensor, Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { asInput, attr, intTensor, randomTensor, runOrtOp, type RefResult } from "./harness.js";

const x = randomTensor([2, 3, 4, 5], 71);
const INT64_MAX = 9223372036854775807; // as a double: 9.223372036854776e18
const INT64_MIN = -9223372036854775808;

function expectExact(actual: { shape: readonly number[]; data: ArrayLike<number> }, ref: RefResult): void {
  expect(Array.from(actual.shape)).toEqual(ref.shape);
  expect(Array.from(actual.data, (v) => v + 0)).toEqual(Array.from(ref.data));
}

describe("reshape family vs onnxruntime", () => {
  for (const shape of [[6, 20], [0, -1], [2, 0, 0, -1], [-1], [2, 3, 20], [1, 120]]) {
    it(`Reshape to ${JSON.stringify(shape)}`, async () => {
      const out = new Tensor(reshapeShape(x.shape, shape));
      reshape(out, x);
      const [ref] = await runOrtOp("Reshape", { opset: 13, inputs: [asInput(x), { dtype: "int64", shape: [shape.length], data: shape }] });
      expectExact(out, ref!);
    });
  }

  it("Reshape with allowzero = 1 keeps a 0 as an empty dimension", async () => {
    const empty = new Tensor([0, 3]);
    const shape = [3, 0];
    expect(reshapeShape(empty.shape, shape, 1)).toEqual([3, 0]);
    const [ref] = await runOrtOp("Reshape", {
      opset: 14,
      inputs: [asInput(empty), { dtype: "int64", shape: [2], data: shape }],
      attributes: { allowzero: attr.int(1) },
    });
    expect(ref!.shape).toEqual([3, 0]);
  });

  for (const axis of [0, 1, 2, 4, -1, -3]) {
    it(`Flatten axis ${axis}`, async () => {
      const out = new Tensor(flattenShape(x.shape, axis));
      reshape(out, x);
      const [ref] = await runOrtOp("Flatten", { opset: 13, inputs: [asInput(x)], attributes: { axis: attr.int(axis) } });
      expectExact(out, ref!);
    });
  }

  const y = randomTensor([1, 3, 1, 5, 1], 72);
  for (const axes of [[0], [2, -1], [0, 2, 4], undefined]) {
    it(`Squeeze axes ${JSON.stringify(axes)} at opset 11 (attribute) and 13 (input)`, async () => {
      const out = new Tensor(squeezeShape(y.shape, axes));
      reshape(out, y);
      const attributes = axes ? { axes: attr.ints(axes) } : undefined;
      expectExact(out, (await runOrtOp("Squeeze", { opset: 11, inputs: [asInput(y)], attributes }))[0]!);
      const axesInput = axes ? { dtype: "int64" as const, shape: [axes.length], data: axes } : null;
      expectExact(out, (await runOrtOp("Squeeze", { opset: 13, inputs: axesInput ? [asInput(y), axesInput] : [asInput(y)] }))[0]!);
    });
  }

  for (const axes of [[0], [-1], [2, 3], [0, -1], [1, 4, 5], [-5, 2]]) {
    it(`Unsqueeze axes ${JSON.stringify(axes)} at opset 11 and 13`, async () => {
      const z = randomTensor([2, 3, 4], 73);
      const out = new Tensor(unsqueezeShape(z.shape, axes));
      reshape(out, z);
      expectExact(out, (await runOrtOp("Unsqueeze", { opset: 11, inputs: [asInput(z)], attributes: { axes: attr.ints(axes) } }))[0]!);
      expectExact(out, (await runOrtOp("Unsqueeze", { opset: 13, inputs: [asInput(z), { dtype: "int64", shape: [axes.length], data: axes }] }))[0]!);
    });
  }
});

describe("Transpose vs onnxruntime", () => {
  for (const perm of [undefined, [0, 2, 3, 1], [0, 3, 1, 2], [1, 0, 2, 3], [3, 2, 1, 0], [0, 1, 2, 3]]) {
    it(`perm ${JSON.stringify(perm)}`, async () => {
      const out = new Tensor(transposeShape(x.shape, perm));
      transpose(out, x, perm);
      const attributes = perm ? { perm: attr.ints(perm) } : undefined;
      expectExact(out, (await runOrtOp("Transpose", { opset: 13, inputs: [asInput(x)], attributes }))[0]!);
    });
  }
});

describe("Slice vs onnxruntime", () => {
  const cases: SliceAttributes[] = [
    { starts: [1], ends: [3], axes: [1] },
    { starts: [0, 1], ends: [INT64_MAX, -1], axes: [2, 3] },
    { starts: [-3], ends: [INT64_MAX], axes: [-1] },
    { starts: [0, 0, 0, 0], ends: [1, 2, 3, 4] },
    { starts: [4], ends: [INT64_MIN], axes: [3], steps: [-1] }, // reverse the last axis
    { starts: [-1, 3], ends: [-100, 0], axes: [1, 2], steps: [-2, -1] },
    { starts: [0, 1], ends: [100, 5], axes: [2, 3], steps: [3, 2] },
    { starts: [3], ends: [1], axes: [1] }, // empty
    { starts: [10], ends: [20], axes: [3] }, // starts beyond the end: empty
    { starts: [-9], ends: [-9], axes: [1], steps: [-1] }, // backward from before the axis: ONNX clamps start to 0, one element
  ];
  for (const s of cases) {
    it(`opset 13 ${JSON.stringify(s)}`, async () => {
      const out = new Tensor(sliceShape(x.shape, s));
      slice(out, x, s);
      const vec = (v: readonly number[]) => ({ dtype: "int64" as const, shape: [v.length], data: v });
      const inputs = [asInput(x), vec(s.starts), vec(s.ends), s.axes ? vec(s.axes) : null, s.steps ? vec(s.steps) : null];
      while (inputs[inputs.length - 1] === null) inputs.pop();
      expectExact(out, (await runOrtOp("Slice", { opset: 13, inputs }))[0]!);
    });
  }

  it("opset 9: starts/ends/axes as attributes", async () => {
    const s = { starts: [1, -2], ends: [INT64_MAX, 1000], axes: [0, 3] };
    const out = new Tensor(sliceShape(x.shape, s));
    slice(out, x, s);
    const [ref] = await runOrtOp("Slice", {
      opset: 9,
      inputs: [asInput(x)],
      attributes: { starts: attr.ints([1, -2]), ends: attr.ints([2147483647, 1000]), axes: attr.ints([0, 3]) },
    });
    expectExact(out, ref!);
  });

  it("slices an int64 shape vector (Shape → Slice)", async () => {
    const shape = intTensor([1, 3, 224, 224]);
    const s = { starts: [2], ends: [4], axes: [0] };
    const out = new IntTensor("int64", sliceShape(shape.shape, s));
    slice(out, shape, s);
    expect(Array.from(out.data)).toEqual([224, 224]);
  });
});

describe("Gather vs onnxruntime", () => {
  const cases: { indices: number[]; shape: number[]; axis: number }[] = [
    { indices: [0, 2], shape: [2], axis: 1 },
    { indices: [-1], shape: [1], axis: 0 },
    { indices: [3, 0, -2, 1], shape: [2, 2], axis: 3 },
    { indices: [1], shape: [], axis: -2 }, // scalar index drops the axis
  ];
  for (const c of cases) {
    it(`indices ${JSON.stringify(c.indices)} ${JSON.stringify(c.shape)} axis ${c.axis}`, async () => {
      const indices = intTensor(c.indices, c.shape);
      const out = new Tensor(gatherShape(x.shape, indices.shape, c.axis));
      gather(out, x, indices, c.axis);
      const [ref] = await runOrtOp("Gather", { opset: 13, inputs: [asInput(x), asInput(indices)], attributes: { axis: attr.int(c.axis) } });
      expectExact(out, ref!);
    });
  }

  it("rejects an index out of range", () => {
    expect(() => gather(new Tensor([1, 3, 4, 5]), x, intTensor([2]), 0)).toThrow(InputError);
    expect(() => gather(new Tensor([1, 3, 4, 5]), x, intTensor([-3]), 0)).toThrow(/index -3 is out of range for axis 0 of size 2/);
  });
});

describe("Shape, Cast, ConstantOfShape, Range, Expand, Tile vs onnxruntime", () => {
  for (const [start, end] of [[undefined, undefined], [1, undefined], [-2, undefined], [1, -1], [0, 100], [3, 1]] as const) {
    it(`Shape start ${start} end ${end} (opset 15)`, async () => {
      const attrs = { start, end };
      const out = new IntTensor("int64", shapeOfShape(x.shape, attrs));
      shapeOf(out, x.shape, attrs);
      const attributes: Record<string, ReturnType<typeof attr.int>> = {};
      if (start !== undefined) attributes.start = attr.int(start);
      if (end !== undefined) attributes.end = attr.int(end);
      expectExact(out, (await runOrtOp("Shape", { opset: 15, inputs: [asInput(x)], attributes, outputDtypes: ["int64"] }))[0]!);
    });
  }

  it("Cast float → int64 truncates toward zero, → bool is x ≠ 0, int64 → float", async () => {
    const f = new Tensor([6], Float32Array.of(-2.7, -0.5, 0, 0.5, 2.7, 1e6));
    const asInt = new IntTensor("int64", [6]);
    cast(asInt, f);
    expectExact(asInt, (await runOrtOp("Cast", { opset: 13, inputs: [asInput(f)], attributes: { to: attr.int(7) }, outputDtypes: ["int64"] }))[0]!);
    const asBool = new IntTensor("bool", [6]);
    cast(asBool, f);
    expectExact(asBool, (await runOrtOp("Cast", { opset: 13, inputs: [asInput(f)], attributes: { to: attr.int(9) }, outputDtypes: ["bool"] }))[0]!);
    const asInt32 = new IntTensor("int32", [6]);
    cast(asInt32, f);
    expectExact(asInt32, (await runOrtOp("Cast", { opset: 13, inputs: [asInput(f)], attributes: { to: attr.int(6) }, outputDtypes: ["int32"] }))[0]!);
    const i = intTensor([-3, 0, 224]);
    const back = new Tensor([3]);
    cast(back, i);
    expectExact(back, (await runOrtOp("Cast", { opset: 13, inputs: [asInput(i)], attributes: { to: attr.int(1) } }))[0]!);
  });

  it("ConstantOfShape fills with the value (default 0)", async () => {
    const out = new Tensor(constantOfShapeShape([2, 3]));
    constantOfShape(out, 1.5);
    const [ref] = await runOrtOp("ConstantOfShape", {
      opset: 9,
      inputs: [{ dtype: "int64", shape: [2], data: [2, 3] }],
      attributes: { value: attr.tensor({ dtype: "float32", dims: [1], data: [1.5] }) },
    });
    expectExact(out, ref!);
    expect(() => constantOfShapeShape([2, -1])).toThrow(ShapeError);
  });

  for (const [start, limit, delta] of [[0, 5, 1], [10, 4, -3], [0.5, 2.3, 0.1], [3, 3, 1], [5, 0, 1]] as const) {
    it(`Range(${start}, ${limit}, ${delta})`, async () => {
      const scalar = (v: number) => ({ shape: [], data: [v] });
      const out = new Tensor(rangeShape(Math.fround(start), Math.fround(limit), Math.fround(delta)));
      range(out, start, delta);
      const [ref] = await runOrtOp("Range", { opset: 11, inputs: [scalar(start), scalar(limit), scalar(delta)] });
      expectClose(out, ref!, 1e-6);
    });
  }

  it("Range on int64", async () => {
    const out = new IntTensor("int64", rangeShape(2, 11, 3));
    range(out, 2, 3);
    const i64 = (v: number) => ({ dtype: "int64" as const, shape: [], data: [v] });
    expectExact(out, (await runOrtOp("Range", { opset: 11, inputs: [i64(2), i64(11), i64(3)], outputDtypes: ["int64"] }))[0]!);
  });

  for (const [inShape, target] of [[[3, 1], [2, 3, 4]], [[1, 3, 1, 1], [2, 1, 5, 5]], [[4], [1]], [[2, 1, 3], [2, 2, 3]]] as const) {
    it(`Expand ${JSON.stringify(inShape)} to ${JSON.stringify(target)}`, async () => {
      const input = randomTensor(inShape, 74);
      const out = new Tensor(expandShape(input.shape, target));
      expand(out, input);
      const [ref] = await runOrtOp("Expand", { opset: 13, inputs: [asInput(input), { dtype: "int64", shape: [target.length], data: target }] });
      expectExact(out, ref!);
    });
  }

  for (const repeats of [[1, 2, 1, 3], [2, 1, 1, 1], [1, 1, 1, 1], [3, 2, 2, 1]]) {
    it(`Tile repeats ${JSON.stringify(repeats)}`, async () => {
      const input = randomTensor([2, 1, 3, 2], 75);
      const out = new Tensor(tileShape(input.shape, repeats));
      tile(out, input, repeats);
      const [ref] = await runOrtOp("Tile", { opset: 13, inputs: [asInput(input), { dtype: "int64", shape: [4], data: repeats }] });
      expectExact(out, ref!);
    });
  }
});

describe("Pad vs onnxruntime", () => {
  const input = randomTensor([1, 2, 4, 5], 76);
  const cases: PadAttributes[] = [
    { pads: [0, 0, 1, 2, 0, 0, 3, 1] },
    { pads: [0, 0, 1, 2, 0, 0, 3, 1], value: -2.5 },
    { pads: [0, 1, 0, 0, 1, 0, 0, 0] }, // pad the batch and channel axes
    { pads: [0, 0, -1, 1, 0, 0, 1, -2] }, // negative pads crop
    { pads: [0, 0, 2, 3, 0, 0, 1, 2], mode: "reflect" },
    { pads: [0, 0, 2, 3, 0, 0, 1, 2], mode: "edge" },
  ];
  for (const p of cases) {
    it(JSON.stringify(p), async () => {
      const out = new Tensor(padShape(input.shape, p));
      pad(out, input, p);
      const inputs = [asInput(input), { dtype: "int64" as const, shape: [p.pads.length], data: p.pads }];
      if (p.value !== undefined) inputs.push({ shape: [], data: [p.value] } as never);
      const attributes = p.mode ? { mode: attr.string(p.mode) } : undefined;
      expectExact(out, (await runOrtOp("Pad", { opset: 13, inputs, attributes }))[0]!);
    });
  }

  it("opset 18: pads for the listed axes only (negative axes allowed), wrap mode at 19", async () => {
    const p: PadAttributes = { pads: [1, 2, 3, 0], axes: [-1, 2] };
    const out = new Tensor(padShape(input.shape, p));
    pad(out, input, p);
    const [ref] = await runOrtOp("Pad", {
      opset: 18,
      inputs: [asInput(input), { dtype: "int64", shape: [4], data: p.pads }, null, { dtype: "int64", shape: [2], data: [-1, 2] }],
    });
    expectExact(out, ref!);
    const w: PadAttributes = { pads: [0, 0, 2, 1, 0, 0, 1, 3], mode: "wrap" };
    const wrapped = new Tensor(padShape(input.shape, w));
    pad(wrapped, input, w);
    const [refWrap] = await runOrtOp("Pad", { opset: 19, inputs: [asInput(input), { dtype: "int64", shape: [8], data: w.pads }], attributes: { mode: attr.string("wrap") } });
    expectExact(wrapped, refWrap!);
  });

  it("opset 2 style (pads and value as attributes) gives the same result", async () => {
    const p = { pads: [0, 0, 1, 1, 0, 0, 1, 1], value: 7 };
    const out = new Tensor(padShape(input.shape, p));
    pad(out, input, p);
    const [ref] = await runOrtOp("Pad", { opset: 9, inputs: [asInput(input)], attributes: { pads: attr.ints(p.pads), value: attr.float(7) } });
    expectExact(out, ref!);
  });
});

describe("shape ops by hand and bad input", () => {
  it("Reshape: 0 copies, −1 infers", () => {
    expect(reshapeShape([1, 1280, 1, 1], [0, -1])).toEqual([1, 1280]);
    expect(reshapeShape([2, 3, 4], [-1, 4])).toEqual([6, 4]);
  });

  it("Reshape rejects two −1s and a size mismatch, naming both shapes", () => {
    expect(() => reshapeShape([2, 3], [-1, -1])).toThrow(ShapeError);
    expect(() => reshapeShape([2, 3], [4, 2])).toThrow(/cannot reshape \[2, 3\] to \[4, 2\]/);
  });

  it("Squeeze rejects an axis whose size is not 1", () => {
    expect(() => squeezeShape([1, 3], [1])).toThrow(/axis 1 of input \[1, 3\] has size 3/);
  });

  it("Unsqueeze rejects repeated axes", () => {
    expect(() => unsqueezeShape([3], [0, 0])).toThrow(ShapeError);
  });

  it("Transpose of [[1, 2, 3], [4, 5, 6]] is [[1, 4], [2, 5], [3, 6]]", () => {
    const out = new Tensor([3, 2]);
    transpose(out, new Tensor([2, 3], Float32Array.of(1, 2, 3, 4, 5, 6)));
    expect(Array.from(out.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it("Slice with step −1 over the whole axis reverses it", () => {
    const out = new Tensor([4]);
    slice(out, new Tensor([4], Float32Array.of(1, 2, 3, 4)), { starts: [-1], ends: [INT64_MIN], steps: [-1] });
    expect(Array.from(out.data)).toEqual([4, 3, 2, 1]);
  });

  it("Slice rejects a zero step and Transpose a non-permutation", () => {
    expect(() => sliceShape([4], { starts: [0], ends: [4], steps: [0] })).toThrow(/step 0/);
    expect(() => transposeShape([2, 3], [0, 0])).toThrow(/not a permutation/);
  });
});
