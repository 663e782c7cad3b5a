/**
 * The graph executor on small graphs written with our ONNX writer, checked against
 * onnxruntime-node: feeds by name and by position, dynamic batch, shape arithmetic,
 * buffer reuse, input errors, dispose.
 */
import { describe, expect, it } from "vitest";
import { DisposedError, InputError, LimitError, ModelValidationError, ShapeError, UnsupportedOperatorError } from "../../src/errors.js";
import { GraphExecutor, type StepTiming } from "../../src/graph/executor.js";
import { OP_TABLE } from "../../src/graph/op-table.js";
import { decodeModel } from "../../src/loader/decode.js";
import { attr, constantNode, encodeModel, type WriterModel } from "../../src/loader/writer.js";
import { IntTensor, Tensor } from "../../src/tensor/tensor.js";
import { expectClose, randomFloats } from "../helpers/compare.js";
import { runOrt, type RefTensor } from "../helpers/ort.js";

/** onnxruntime's float output as { shape, data: Float32Array }. */
function floatRef(t: RefTensor | undefined): { shape: number[]; data: Float32Array } {
  if (t === undefined || !(t.data instanceof Float32Array)) throw new Error("expected a float32 output from onnxruntime");
  return { shape: t.shape, data: t.data };
}


/** y = Reshape(Unsqueeze(Relu(x)·2 + b), Concat(Cast(Cast(Shape(x))), [-1])), z = Sigmoid(y). */
function elementwiseModel(): WriterModel {
  return {
    opset: 11,
    inputs: [{ name: "x", shape: ["N", 3, 4] }],
    outputs: [{ name: "y" }, { name: "z" }],
    nodes: [
      constantNode("two", { dtype: "float32", dims: [], data: [2] }),
      constantNode("b", { dtype: "float32", dims: [4], data: [0.5, -1, 2, 0] }),
      constantNode("minus_one", { dtype: "int64", dims: [1], data: [-1] }),
      { opType: "Relu", inputs: ["x"], outputs: ["r"], name: "relu" },
      { opType: "Mul", inputs: ["r", "two"], outputs: ["m"], name: "mul" },
      { opType: "Add", inputs: ["m", "b"], outputs: ["a"], name: "add" },
      // shape arithmetic: [N, 3, 4] → Shape → Cast(int32) → Cast(int64) → Concat with [-1]
      { opType: "Shape", inputs: ["x"], outputs: ["s"], name: "shape" },
      { opType: "Cast", inputs: ["s"], outputs: ["s32"], name: "cast32", attributes: { to: attr.int(6) } },
      { opType: "Cast", inputs: ["s32"], outputs: ["s64"], name: "cast64", attributes: { to: attr.int(7) } },
      { opType: "Concat", inputs: ["s64", "minus_one"], outputs: ["target"], name: "concat", attributes: { axis: attr.int(0) } },
      { opType: "Unsqueeze", inputs: ["a"], outputs: ["u"], name: "unsqueeze", attributes: { axes: attr.ints([3]) } },
      { opType: "Reshape", inputs: ["u", "target"], outputs: ["y"], name: "reshape" },
      { opType: "Sigmoid", inputs: ["y"], outputs: ["z"], name: "sigmoid" },
    ],
  };
}

describe("GraphExecutor", () => {
  const bytes = encodeModel(elementwiseModel());

  it("matches onnxruntime at two batch sizes, feeds by name and by position", async () => {
    const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
    expect(executor.inputNames).toEqual(["x"]);
    expect(executor.outputNames).toEqual(["y", "z"]);
    for (const n of [1, 3]) {
      const x = new Tensor([n, 3, 4], randomFloats(n * 12, n));
      const ref = await runOrt(bytes, { x });
      const byName = executor.run({ x });
      const byPosition = executor.run([x]);
      expectClose(byName.y!, floatRef(ref.y), 1e-6, "y");
      expectClose(byName.z!, floatRef(ref.z), 1e-6, "z");
      expect(byPosition.y!.data).toEqual(byName.y!.data);
    }
  });

  it("reports per-step timings on request", () => {
    const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
    const timings: StepTiming[] = [];
    executor.run({ x: new Tensor([2, 3, 4], randomFloats(24, 1)) }, { timings });
    // Shape/Cast/Concat were computed when planning and the Unsqueeze only relabels its
    // input; the Reshape copies because its output is a graph output the caller will own.
    expect(timings.map((t) => t.opType)).toEqual(["Relu", "Mul", "Add", "Reshape", "Sigmoid"]);
    expect(timings.every((t) => t.ms >= 0)).toBe(true);
  });

  it("hands out fresh outputs and reuses intermediate buffers across runs", () => {
    const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
    const x = new Tensor([2, 3, 4], randomFloats(24, 7));
    const first = executor.run({ x });
    const allocations = executor.arenaStats().allocations;
    const second = executor.run({ x });
    expect(executor.arenaStats().allocations).toBe(allocations);
    expect(second.y!.data).not.toBe(first.y!.data);
    expect(second.y!.data).toEqual(first.y!.data);
    // The caller may scribble on outputs without affecting later runs.
    first.y!.data.fill(NaN);
    expect(executor.run({ x }).y!.data).toEqual(second.y!.data);
  });

  it("rejects bad feeds with InputError naming the input", () => {
    const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
    const good = new Tensor([1, 3, 4], new Float32Array(12));
    expect(() => executor.run({})).toThrow(/missing feed for input 'x'/);
    expect(() => executor.run({ x: good, extra: good })).toThrow(/unknown input 'extra'/);
    expect(() => executor.run([good, good])).toThrow(InputError);
    expect(() => executor.run({ x: new Tensor([1, 4, 3], new Float32Array(12)) })).toThrow(/input 'x': dimension 1 must be 3/);
    expect(() => executor.run({ x: new Tensor([3, 4], new Float32Array(12)) })).toThrow(/expected rank 3/);
    expect(() => executor.run({ x: { shape: [1, 3, 4], data: new Float32Array(5) } })).toThrow(/needs 12 values/);
    expect(() => executor.run({ x: { shape: [1, 3, 4], data: new Float64Array(12) as unknown as Float32Array } })).toThrow(/Float32Array/);
  });

  it("validates the graph itself when built without loadModel", () => {
    const cyclic = encodeModel({
      opset: 13,
      inputs: [{ name: "x", shape: [2] }],
      outputs: [{ name: "y" }],
      nodes: [
        { opType: "Add", inputs: ["x", "b"], outputs: ["a"], name: "first" },
        { opType: "Relu", inputs: ["a"], outputs: ["b"], name: "second" },
        { opType: "Relu", inputs: ["b"], outputs: ["y"], name: "third" },
      ],
    });
    expect(() => new GraphExecutor(decodeModel(cyclic), OP_TABLE)).toThrow(ModelValidationError);
    expect(() => new GraphExecutor(decodeModel(cyclic), OP_TABLE)).toThrow(/cycle: nodes 'first', 'second', 'third'/);
  });

  it("throws DisposedError after dispose", () => {
    const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
    executor.dispose();
    expect(() => executor.run({ x: new Tensor([1, 3, 4]) })).toThrow(DisposedError);
  });

  it("names the node when a shape depends on run-time data or breaks a limit", () => {
    const dataDependent = encodeModel({
      opset: 13,
      inputs: [{ name: "x", shape: [4] }],
      outputs: [{ name: "y" }],
      nodes: [
        { opType: "Cast", inputs: ["x"], outputs: ["shape"], name: "to_int", attributes: { to: attr.int(7) } },
        { opType: "Reshape", inputs: ["x", "shape"], outputs: ["y"], name: "reshape_by_data" },
      ],
    });
    const executor = new GraphExecutor(decodeModel(dataDependent), OP_TABLE);
    const error = (() => {
      try {
        executor.run({ x: new Tensor([4], Float32Array.of(2, 2, 1, 1)) });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnsupportedOperatorError);
    expect((error as Error).message).toMatch(/^node 'reshape_by_data' \(Reshape\): Reshape's shape \(input 1\) must be known before the run/);

    const huge = encodeModel({
      opset: 13,
      inputs: [{ name: "x", shape: [1] }],
      outputs: [{ name: "y" }],
      nodes: [
        constantNode("big", { dtype: "int64", dims: [2], data: [2 ** 20, 2 ** 20] }),
        { opType: "Expand", inputs: ["x", "big"], outputs: ["y"], name: "expand_huge" },
      ],
    });
    expect(() => new GraphExecutor(decodeModel(huge), OP_TABLE).run({ x: new Tensor([1]) })).toThrow(LimitError);
    expect(() => new GraphExecutor(decodeModel(huge), OP_TABLE).run({ x: new Tensor([1]) })).toThrow(/expand_huge.*\[1048576, 1048576\]/);

    const mismatch = encodeModel({
      opset: 13,
      inputs: [{ name: "a", shape: ["N", 3] }, { name: "b", shape: ["M", 4] }],
      outputs: [{ name: "y" }],
      nodes: [{ opType: "Add", inputs: ["a", "b"], outputs: ["y"], name: "add_ab" }],
    });
    expect(() => new GraphExecutor(decodeModel(mismatch), OP_TABLE).run({ a: new Tensor([2, 3]), b: new Tensor([2, 4]) })).toThrow(ShapeError);
    expect(() => new GraphExecutor(decodeModel(mismatch), OP_TABLE).run({ a: new Tensor([2, 3]), b: new Tensor([2, 4]) })).toThrow(/^node 'add_ab' \(Add\)/);
  });

  it("takes integer inputs as IntTensor, BigInt64Array or Int32Array data", async () => {
    const bytes = encodeModel({
      opset: 13,
      inputs: [{ name: "indices", dtype: "int64", shape: [3] }],
      outputs: [{ name: "y" }],
      nodes: [
        constantNode("table", { dtype: "float32", dims: [4, 2], data: [0, 1, 10, 11, 20, 21, 30, 31] }),
        { opType: "Gather", inputs: ["table", "indices"], outputs: ["y"], name: "lookup" },
      ],
    });
    const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
    const ref = floatRef((await runOrt(bytes, { indices: { shape: [3], data: BigInt64Array.of(3n, 0n, -1n) } })).y);
    expect(Array.from(ref.data)).toEqual([30, 31, 0, 1, 30, 31]);
    const feeds = [
      IntTensor.fromValues([3, 0, -1]),
      { shape: [3], data: BigInt64Array.of(3n, 0n, -1n) },
      { shape: [3], data: Int32Array.of(3, 0, -1) },
    ];
    for (const feed of feeds) {
      expect(Array.from(executor.run([feed as unknown as Tensor]).y!.data)).toEqual(Array.from(ref.data));
    }
    expect(() => executor.run([{ shape: [3], data: Float32Array.of(0.5, 1, 2) }])).toThrow(/input 'indices' expects int64 values, found 0.5/);
  });
});

describe("graph executor: per-run memory budget (maxRunBytes)", () => {
  // x [1, 1] → Expand to [64, 64] (16 KiB) → Add → Relu: at the Add step the Expand output
  // and the Add output are both live (2 × 16384 bytes); the Relu output (graph output)
  // is live together with the Add output: peak 32768 bytes, by hand.
  const model = (): ReturnType<typeof decodeModel> =>
    decodeModel(
      encodeModel({
        opset: 13,
        nodes: [
          { opType: "Expand", inputs: ["x", "shape"], outputs: ["e"] },
          { opType: "Add", inputs: ["e", "c"], outputs: ["a"] },
          { opType: "Relu", inputs: ["a"], outputs: ["y"] },
        ],
        initializers: [
          { name: "shape", dtype: "int64", dims: [2], data: [64, 64] },
          { name: "c", dtype: "float32", dims: [1], data: [1] },
        ],
        inputs: [{ name: "x", shape: [1, 1] }],
        outputs: [{ name: "y" }],
      }),
    );
  const feed = { x: { shape: [1, 1], data: new Float32Array([2]) } };

  it("runs at a budget equal to the hand-computed peak (32768 bytes) and refuses one byte less", () => {
    const fits = new GraphExecutor(model(), OP_TABLE, { maxRunBytes: 32768 });
    expect(Array.from(fits.run(feed).y!.data.subarray(0, 3))).toEqual([3, 3, 3]);
    const tight = new GraphExecutor(model(), OP_TABLE, { maxRunBytes: 32767 });
    expect(() => tight.run(feed)).toThrow(LimitError);
    expect(() => tight.run(feed)).toThrow(/maxRunBytes/);
    expect(tight.arenaStats().allocatedBytes).toBe(0);
  });

  it("refuses a non-positive budget", () => {
    expect(() => new GraphExecutor(model(), OP_TABLE, { maxRunBytes: 0 })).toThrow(InputError);
    expect(() => new GraphExecutor(model(), OP_TABLE, { maxRunBytes: Number.NaN })).toThrow(InputError);
  });
});
