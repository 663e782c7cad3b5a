/**
 * The op table's per-opset rules, each on a one-node model run through the graph
 * executor and onnxruntime: where attributes moved to inputs (Clip 11, Squeeze/Unsqueeze
 * 13, Slice 10, Resize 10/11/13), where semantics changed (Softmax 13), and Reshape's
 * 0 and −1. Kernels themselves are tested op by op in test/ops.
 */
import { describe, expect, it } from "vitest";
import { GraphExecutor } from "../../src/graph/executor.js";
import { OP_TABLE } from "../../src/graph/op-table.js";
import { decodeModel } from "../../src/loader/decode.js";
import { attr, encodeModel, type WriterAttribute, type WriterTensor } from "../../src/loader/writer.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose, randomFloats } from "../helpers/compare.js";
import { runOrt, type RefTensor } from "../helpers/ort.js";

function floatRef(t: RefTensor | undefined): { shape: number[]; data: Float32Array } {
  if (t === undefined || !(t.data instanceof Float32Array)) throw new Error("expected a float32 output from onnxruntime");
  return { shape: t.shape, data: t.data };
}

interface OneNode {
  opset: number;
  opType: string;
  shape: number[];
  /** Extra inputs after x, as initializers ("" for an omitted optional input). */
  extra?: (WriterTensor | "")[];
  attributes?: Record<string, WriterAttribute>;
}

/** Runs y = op(x, extra…) in both engines and compares. */
async function check({ opset, opType, shape, extra = [], attributes }: OneNode): Promise<number[]> {
  const names = extra.map((t, i) => (t === "" ? "" : (t.name ?? `in${i + 1}`)));
  const bytes = encodeModel({
    opset,
    inputs: [{ name: "x", shape }],
    outputs: [{ name: "y" }],
    initializers: extra.flatMap((t, i) => (t === "" ? [] : [{ ...t, name: names[i] }])),
    nodes: [{ opType, inputs: ["x", ...names], outputs: ["y"], attributes }],
  });
  const x = new Tensor(shape, randomFloats(shape.reduce((a, b) => a * b, 1), opset * 31 + shape.length, -3, 3));
  const ours = new GraphExecutor(decodeModel(bytes), OP_TABLE).run({ x }).y!;
  const ref = floatRef((await runOrt(bytes, { x })).y);
  expectClose(ours, ref, 1e-5, `${opType} at opset ${opset}`);
  return ours.shape.slice();
}

const int64 = (data: number[]): WriterTensor => ({ dtype: "int64", dims: [data.length], data });
const float = (data: number[], dims = [data.length]): WriterTensor => ({ dtype: "float32", dims, data });
const scalar = (v: number): WriterTensor => ({ dtype: "float32", dims: [], data: [v] });

describe("op table: per-opset rules against onnxruntime", () => {
  it("Clip: attributes before 11, optional inputs from 11", async () => {
    await check({ opset: 9, opType: "Clip", shape: [2, 5], attributes: { min: attr.float(-1), max: attr.float(0.5) } });
    await check({ opset: 9, opType: "Clip", shape: [2, 5], attributes: { max: attr.float(0.5) } });
    await check({ opset: 11, opType: "Clip", shape: [2, 5], extra: [scalar(-1), scalar(0.5)] });
    await check({ opset: 13, opType: "Clip", shape: [2, 5], extra: ["", scalar(0.5)] });
    await check({ opset: 13, opType: "Clip", shape: [2, 5] });
  });

  it("Squeeze / Unsqueeze: axes attribute before 13, input from 13", async () => {
    expect(await check({ opset: 11, opType: "Squeeze", shape: [1, 3, 1, 2], attributes: { axes: attr.ints([0, -2]) } })).toEqual([3, 2]);
    expect(await check({ opset: 13, opType: "Squeeze", shape: [1, 3, 1, 2], extra: [int64([2])] })).toEqual([1, 3, 2]);
    expect(await check({ opset: 13, opType: "Squeeze", shape: [1, 3, 1, 2] })).toEqual([3, 2]);
    expect(await check({ opset: 9, opType: "Unsqueeze", shape: [3, 2], attributes: { axes: attr.ints([0, 3]) } })).toEqual([1, 3, 2, 1]);
    expect(await check({ opset: 13, opType: "Unsqueeze", shape: [3, 2], extra: [int64([-1])] })).toEqual([3, 2, 1]);
  });

  it("Softmax: flatten at axis before 13, one axis from 13", async () => {
    await check({ opset: 9, opType: "Softmax", shape: [2, 3, 4] });
    await check({ opset: 11, opType: "Softmax", shape: [2, 3, 4], attributes: { axis: attr.int(1) } });
    await check({ opset: 13, opType: "Softmax", shape: [2, 3, 4], attributes: { axis: attr.int(1) } });
    await check({ opset: 13, opType: "Softmax", shape: [2, 3, 4] });
    await check({ opset: 9, opType: "Softmax", shape: [1, 2, 3, 7], attributes: { axis: attr.int(3) } });
  });

  it("Slice: attributes before 10, inputs (with steps and INT64 sentinels) from 10", async () => {
    expect(await check({ opset: 9, opType: "Slice", shape: [4, 6], attributes: { starts: attr.ints([1]), ends: attr.ints([3]), axes: attr.ints([1]) } })).toEqual([4, 2]);
    expect(await check({ opset: 9, opType: "Slice", shape: [4, 6], attributes: { starts: attr.ints([1, -4]), ends: attr.ints([1000, -1]) } })).toEqual([3, 3]);
    expect(await check({ opset: 10, opType: "Slice", shape: [4, 6], extra: [int64([0]), int64([2])] })).toEqual([2, 6]);
    expect(
      await check({ opset: 13, opType: "Slice", shape: [4, 6], extra: [int64([-1]), int64([-Number.MAX_SAFE_INTEGER]), int64([1]), int64([-2])] }),
    ).toEqual([4, 3]);
  });

  it("Resize: (X, scales) at 10, (X, roi, scales) at 11, sizes at 13", async () => {
    await check({ opset: 10, opType: "Resize", shape: [1, 2, 3, 4], extra: [float([1, 1, 2, 2])], attributes: { mode: attr.string("nearest") } });
    await check({
      opset: 11,
      opType: "Resize",
      shape: [1, 2, 3, 4],
      extra: [float([]), float([1, 1, 2, 2])],
      attributes: { mode: attr.string("nearest"), coordinate_transformation_mode: attr.string("asymmetric"), nearest_mode: attr.string("floor") },
    });
    await check({ opset: 11, opType: "Resize", shape: [1, 2, 3, 4], extra: [float([]), float([1, 1, 2, 1.5])], attributes: { mode: attr.string("linear") } });
    expect(await check({ opset: 13, opType: "Resize", shape: [1, 2, 3, 4], extra: ["", "", int64([1, 2, 5, 7])], attributes: { mode: attr.string("linear") } })).toEqual([1, 2, 5, 7]);
  });

  it("Upsample (7–9): scales attribute at 7, input at 9", async () => {
    expect(await check({ opset: 7, opType: "Upsample", shape: [1, 2, 3, 4], attributes: { scales: attr.floats([1, 1, 2, 3]) } })).toEqual([1, 2, 6, 12]);
    expect(await check({ opset: 9, opType: "Upsample", shape: [1, 2, 3, 4], extra: [float([1, 1, 2, 2])], attributes: { mode: attr.string("nearest") } })).toEqual([1, 2, 6, 8]);
  });

  it("Reshape: 0 copies a dimension, −1 is inferred", async () => {
    expect(await check({ opset: 9, opType: "Reshape", shape: [2, 3, 4], extra: [int64([0, -1])] })).toEqual([2, 12]);
    expect(await check({ opset: 13, opType: "Reshape", shape: [2, 3, 4], extra: [int64([-1, 0, 2])] })).toEqual([4, 3, 2]);
  });

  it("ReduceMean: axes attribute, keepdims", async () => {
    expect(await check({ opset: 9, opType: "ReduceMean", shape: [2, 3, 4], attributes: { axes: attr.ints([-1]) } })).toEqual([2, 3, 1]);
    expect(await check({ opset: 13, opType: "ReduceMean", shape: [2, 3, 4], attributes: { axes: attr.ints([0, 2]), keepdims: attr.int(0) } })).toEqual([3]);
    expect(await check({ opset: 13, opType: "ReduceSum", shape: [2, 3, 4], extra: [int64([1])] })).toEqual([2, 1, 4]);
  });

  it("Conv 1-D runs as 2-D; Flatten; Gemm with transB", async () => {
    const weight: WriterTensor = { dtype: "float32", dims: [4, 3, 3], data: randomFloats(36, 5) };
    expect(await check({ opset: 11, opType: "Conv", shape: [2, 3, 9], extra: [weight], attributes: { pads: attr.ints([1, 1]), strides: attr.ints([2]) } })).toEqual([2, 4, 5]);
    expect(await check({ opset: 9, opType: "Flatten", shape: [2, 3, 4], attributes: { axis: attr.int(2) } })).toEqual([6, 4]);
    const b: WriterTensor = { dtype: "float32", dims: [5, 4], data: randomFloats(20, 6) };
    expect(await check({ opset: 9, opType: "Gemm", shape: [3, 4], extra: [b, float([1, 2, 3, 4, 5])], attributes: { transB: attr.int(1), alpha: attr.float(0.5) } })).toEqual([3, 5]);
  });

  it("Split: sizes as attribute (< 13), as input (≥ 13), or equal parts", async () => {
    for (const [opset, extra, attributes] of [
      [11, [], { axis: attr.int(1), split: attr.ints([1, 3, 2]) }],
      [13, [int64([2, 4])], { axis: attr.int(-1) }],
      [13, [], { axis: attr.int(0) }],
    ] as const) {
      const outputs = opset === 11 ? ["a", "b", "c"] : ["a", "b"];
      const bytes = encodeModel({
        opset,
        inputs: [{ name: "x", shape: [4, 6] }],
        outputs: outputs.map((name) => ({ name })),
        initializers: extra.map((t) => ({ ...t, name: "sizes" })),
        nodes: [{ opType: "Split", inputs: extra.length ? ["x", "sizes"] : ["x"], outputs, attributes: attributes as Record<string, WriterAttribute> }],
      });
      const x = new Tensor([4, 6], randomFloats(24, opset));
      const ours = new GraphExecutor(decodeModel(bytes), OP_TABLE).run({ x });
      const ref = await runOrt(bytes, { x });
      for (const name of outputs) expectClose(ours[name]!, floatRef(ref[name]), 1e-6, `Split ${opset} ${name}`);
    }
  });
});
