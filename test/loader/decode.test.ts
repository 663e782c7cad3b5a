/**
 * The decoder on hand-built files: every payload encoding Paddle2ONNX (and others) write,
 * Constant nodes, dynamic dims, and data at odd byte offsets.
 */
import { describe, expect, it } from "vitest";
import { decodeModel } from "../../src/loader/decode.js";
import { ModelProtoType } from "../../src/loader/onnx-schema.js";
import { attr, constantNode, encodeModel, type WriterModel, type WriterTensor } from "../../src/loader/writer.js";
import { IntTensor, Tensor } from "../../src/tensor/tensor.js";

/** A model that only passes constants through Identity nodes, so each is a graph output. */
function constantsModel(tensors: WriterTensor[], opset = 11): WriterModel {
  return {
    opset,
    inputs: [{ name: "x", shape: ["p2o.DynamicDimension.0", 3, 4, "DynamicDimension.1"] }],
    outputs: tensors.map((t) => ({ name: `${t.name}_out` })),
    nodes: tensors.map((t) => ({ opType: "Identity", inputs: [t.name!], outputs: [`${t.name}_out`] })),
    initializers: tensors,
  };
}

describe("decodeModel", () => {
  it("reads raw and typed payloads of every supported element type", () => {
    const tensors: WriterTensor[] = [
      { name: "f_raw", dtype: "float32", dims: [2, 2], data: [1.5, -2, 3.25, 1e-30] },
      { name: "f_typed", dtype: "float32", dims: [3], data: [0.1, 0.2, -0.3], encoding: "typed" },
      { name: "d_raw", dtype: "float64", dims: [2], data: [0.1, -1e10] },
      { name: "d_typed", dtype: "float64", dims: [2], data: [0.1, -1e10], encoding: "typed" },
      { name: "i64_raw", dtype: "int64", dims: [4], data: [0, -1, 2 ** 40, -(2 ** 50)] },
      { name: "i64_typed", dtype: "int64", dims: [4], data: [0, -1, 2 ** 40, -(2 ** 50)], encoding: "typed" },
      { name: "i32_raw", dtype: "int32", dims: [2], data: [-7, 2 ** 31 - 1] },
      { name: "b_raw", dtype: "bool", dims: [3], data: [1, 0, 1] },
      { name: "scalar", dtype: "float32", dims: [], data: [42] },
    ];
    const model = decodeModel(encodeModel(constantsModel(tensors)));
    const c = model.graph.constants;
    expect(c.get("f_raw")).toBeInstanceOf(Tensor);
    expect(c.get("f_raw")!.shape).toEqual([2, 2]);
    expect(Array.from(c.get("f_raw")!.data)).toEqual(Array.from(Float32Array.of(1.5, -2, 3.25, 1e-30)));
    expect(Array.from(c.get("f_typed")!.data)).toEqual(Array.from(Float32Array.of(0.1, 0.2, -0.3)));
    expect(Array.from(c.get("d_raw")!.data)).toEqual([Math.fround(0.1), Math.fround(-1e10)]);
    expect(Array.from(c.get("d_typed")!.data)).toEqual([Math.fround(0.1), Math.fround(-1e10)]);
    for (const name of ["i64_raw", "i64_typed"]) {
      expect(c.get(name)).toBeInstanceOf(IntTensor);
      expect(c.get(name)!.dtype).toBe("int64");
      expect(Array.from(c.get(name)!.data)).toEqual([0, -1, 2 ** 40, -(2 ** 50)]);
    }
    expect(Array.from(c.get("i32_raw")!.data)).toEqual([-7, 2 ** 31 - 1]);
    expect(c.get("b_raw")!.dtype).toBe("bool");
    expect(Array.from(c.get("b_raw")!.data)).toEqual([1, 0, 1]);
    expect(c.get("scalar")!.shape).toEqual([]);
  });

  it("reads INT64_MAX (Slice's 'to the end') as the nearest double", () => {
    const model = decodeModel(
      encodeModel(constantsModel([{ name: "ends", dtype: "int64", dims: [1], data: [Number.MAX_SAFE_INTEGER] }])),
    );
    expect(model.graph.constants.get("ends")!.data[0]).toBe(Number.MAX_SAFE_INTEGER);
    // Built by hand: protobufjs numbers cannot hold 2^63 − 1 exactly, so write its bytes.
    const raw = new Uint8Array(8).fill(0xff);
    raw[7] = 0x7f;
    const bytes = ModelProtoType.encode(
      {
        irVersion: 6,
        opsetImport: [{ domain: "", version: 11 }],
        graph: {
          name: "g",
          initializer: [{ name: "big", dims: [1], dataType: 7, rawData: raw }],
          node: [{ opType: "Identity", input: ["big"], output: ["y"] }],
          output: [{ name: "y" }],
        },
      },
    ).finish();
    expect(decodeModel(bytes).graph.constants.get("big")!.data[0]).toBe(2 ** 63);
  });

  it("copies raw_data that sits at an odd byte offset of the file buffer", () => {
    const bytes = encodeModel(constantsModel([{ name: "w", dtype: "float32", dims: [5], data: [1, 2, 3, 4, 5] }]));
    for (const offset of [1, 2, 3]) {
      const padded = new Uint8Array(bytes.length + offset);
      padded.set(bytes, offset);
      const view = padded.subarray(offset);
      expect(Array.from(decodeModel(view).graph.constants.get("w")!.data)).toEqual([1, 2, 3, 4, 5]);
      // Node's Buffer too (a view into a shared pool).
      const buffer = Buffer.from(padded.buffer, padded.byteOffset + offset, bytes.length);
      expect(Array.from(decodeModel(buffer).graph.constants.get("w")!.data)).toEqual([1, 2, 3, 4, 5]);
    }
    // An ArrayBuffer works as well.
    expect(decodeModel(new Uint8Array(bytes).buffer).graph.constants.has("w")).toBe(true);
  });

  it("takes weights from Constant nodes (value, value_float, value_ints) and leaves them out of the nodes", () => {
    const model = decodeModel(
      encodeModel({
        opset: 9,
        inputs: [{ name: "x", shape: ["p2o.DynamicDimension.0", 2] }],
        outputs: [{ name: "y" }],
        nodes: [
          constantNode("w", { dtype: "float32", dims: [2, 2], data: [1, 2, 3, 4] }, "p2o.Constant.0"),
          { opType: "Constant", inputs: [], outputs: ["s"], attributes: { value_float: attr.float(0.5) } },
          { opType: "Constant", inputs: [], outputs: ["shape"], attributes: { value_ints: attr.ints([-1, 2]) } },
          { opType: "MatMul", inputs: ["x", "w"], outputs: ["m"], name: "p2o.MatMul.0" },
          { opType: "Mul", inputs: ["m", "s"], outputs: ["ms"] },
          { opType: "Reshape", inputs: ["ms", "shape"], outputs: ["y"] },
        ],
      }),
    );
    expect(model.opset).toBe(9);
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(["MatMul", "Mul", "Reshape"]);
    expect(model.graph.nodes[1]!.name).toBe("Mul_4"); // made up: op type and file index
    expect(Array.from(model.graph.constants.get("w")!.data)).toEqual([1, 2, 3, 4]);
    expect(model.graph.constants.get("s")!.shape).toEqual([]);
    expect(Array.from(model.graph.constants.get("shape")!.data)).toEqual([-1, 2]);
    expect(model.graph.constants.get("shape")!.dtype).toBe("int64");
  });

  it("keeps dynamic dims as strings and decodes attributes by type", () => {
    const model = decodeModel(
      encodeModel({
        opset: 11,
        inputs: [{ name: "x", shape: ["p2o.DynamicDimension.0", 3, 4, "DynamicDimension.1"] }],
        outputs: [{ name: "y", shape: ["N", 3] }],
        nodes: [
          {
            opType: "Resize",
            inputs: ["x"],
            outputs: ["y"],
            attributes: {
              mode: attr.string("nearest"),
              pads: attr.ints([1, 1, 0, 0]),
              scales: attr.floats([1, 2]),
              axis: attr.int(-1),
              alpha: attr.float(0.25),
            },
          },
        ],
      }),
    );
    expect(model.graph.inputs[0]!.shape).toEqual(["p2o.DynamicDimension.0", 3, 4, "DynamicDimension.1"]);
    expect(model.graph.inputs[0]!.dtype).toBe("float32");
    const a = model.graph.nodes[0]!.attributes;
    expect(a.get("mode")).toBe("nearest");
    expect(a.get("pads")).toEqual([1, 1, 0, 0]);
    expect(a.get("scales")).toEqual([1, 2]);
    expect(a.get("axis")).toBe(-1);
    expect(a.get("alpha")).toBe(0.25);
  });

  it("reads float16 (raw, and as bits in int32_data) into float32", () => {
    const bits = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001]; // 1, −2, 0.5, 65504, 2^−24
    const raw = new Uint8Array(new Uint16Array(bits).buffer);
    const bytes = ModelProtoType.encode(
      {
        irVersion: 7,
        opsetImport: [{ domain: "", version: 13 }],
        graph: {
          name: "g",
          initializer: [
            { name: "h_raw", dims: [5], dataType: 10, rawData: raw },
            { name: "h_typed", dims: [5], dataType: 10, int32Data: bits },
          ],
          node: [
            { opType: "Add", input: ["h_raw", "h_typed"], output: ["y"] },
          ],
          output: [{ name: "y" }],
        },
      },
    ).finish();
    const c = decodeModel(bytes).graph.constants;
    for (const name of ["h_raw", "h_typed"]) {
      expect(c.get(name)).toBeInstanceOf(Tensor);
      expect(Array.from(c.get(name)!.data)).toEqual([1, -2, 0.5, 65504, 2 ** -24]);
    }
  });
});
