/**
 * Load-time rewrites, each checked two ways: the executed node list shows the rewrite
 * happened, and the outputs still match onnxruntime on the original graph.
 */
import { describe, expect, it } from "vitest";
import { GraphExecutor } from "../../src/graph/executor.js";
import { OP_TABLE } from "../../src/graph/op-table.js";
import { decodeModel } from "../../src/loader/decode.js";
import { attr, constantNode, encodeModel, type WriterModel, type WriterNode } from "../../src/loader/writer.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose, randomFloats } from "../helpers/compare.js";
import { runOrt, type RefTensor } from "../helpers/ort.js";

/** onnxruntime's float output as { shape, data: Float32Array }. */
function floatRef(t: RefTensor | undefined): { shape: number[]; data: Float32Array } {
  if (t === undefined || !(t.data instanceof Float32Array)) throw new Error("expected a float32 output from onnxruntime");
  return { shape: t.shape, data: t.data };
}


const scalar = (name: string, value: number): WriterNode => constantNode(name, { dtype: "float32", dims: [], data: [value] });

/** Paddle2ONNX's decomposed hard-swish: Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6), Clip as of `opset`. */
function hardSwishModel(opset: number): WriterModel {
  const clip: WriterNode =
    opset < 11
      ? { opType: "Clip", inputs: ["a"], outputs: ["c"], name: "p2o.Clip.0", attributes: { min: attr.float(0), max: attr.float(6) } }
      : { opType: "Clip", inputs: ["a", "zero", "six_clip"], outputs: ["c"], name: "p2o.Clip.0" };
  return {
    opset,
    inputs: [{ name: "x", shape: ["p2o.DynamicDimension.0", 4, 5, 5] }],
    outputs: [{ name: "y" }],
    nodes: [
      scalar("three", 3),
      scalar("six", 6),
      scalar("zero", 0),
      scalar("six_clip", 6),
      { opType: "Relu", inputs: ["x"], outputs: ["r"], name: "relu" },
      { opType: "Add", inputs: ["r", "three"], outputs: ["a"], name: "p2o.Add.0" },
      clip,
      { opType: "Mul", inputs: ["r", "c"], outputs: ["m"], name: "p2o.Mul.0" },
      { opType: "Div", inputs: ["m", "six"], outputs: ["h"], name: "p2o.Div.0" },
      { opType: "Sigmoid", inputs: ["h"], outputs: ["y"], name: "sigmoid" },
    ],
  };
}

describe("graph rewrites", () => {
  for (const opset of [9, 11]) {
    it(`fuses Paddle2ONNX's decomposed hard-swish into one HardSwish (opset ${opset})`, async () => {
      const bytes = encodeModel(hardSwishModel(opset));
      const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
      expect(executor.nodes.map((n) => n.opType)).toEqual(["Relu", "HardSwish", "Sigmoid"]);
      const x = new Tensor([2, 4, 5, 5], randomFloats(200, opset, -8, 8));
      const ref = await runOrt(bytes, { x });
      expectClose(executor.run({ x }).y!, floatRef(ref.y), 1e-5);
      // Switched off, the graph runs node by node and agrees too.
      const plain = new GraphExecutor(decodeModel(bytes), OP_TABLE, { fuseActivations: false });
      expect(plain.nodes.map((n) => n.opType)).toEqual(["Relu", "Add", "Clip", "Mul", "Div", "Sigmoid"]);
      expectClose(plain.run({ x }).y!, floatRef(ref.y), 1e-5);
    });
  }

  it("does not fuse when an intermediate has another reader", () => {
    const model = hardSwishModel(9);
    const bytes = encodeModel({
      ...model,
      outputs: [...model.outputs, { name: "c" }],
    });
    const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
    expect(executor.nodes.map((n) => n.opType)).toContain("Clip");
  });

  it("folds constant subgraphs at load and prunes what no output needs", async () => {
    const bytes = encodeModel({
      opset: 13,
      inputs: [{ name: "x", shape: [2, 3] }],
      outputs: [{ name: "y" }],
      nodes: [
        constantNode("w", { dtype: "float32", dims: [3, 2], data: [1, 2, 3, 4, 5, 6] }),
        constantNode("perm_src", { dtype: "float32", dims: [2, 3], data: [0.5, -1, 2, 0, 1, 3] }),
        { opType: "Transpose", inputs: ["perm_src"], outputs: ["wt"], name: "transpose_const" },
        { opType: "Add", inputs: ["w", "wt"], outputs: ["w2"], name: "add_const" },
        { opType: "MatMul", inputs: ["x", "w2"], outputs: ["y"], name: "matmul" },
        { opType: "Relu", inputs: ["x"], outputs: ["unused"], name: "dead" },
      ],
    });
    const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
    expect(executor.nodes.map((n) => n.name)).toEqual(["matmul"]);
    const x = new Tensor([2, 3], randomFloats(6, 3));
    expectClose(executor.run({ x }).y!, floatRef((await runOrt(bytes, { x })).y), 1e-5);
  });

  /** Conv → BatchNormalization → (Mul, Add per channel) → activation, as Paddle2ONNX writes a ConvBN layer. */
  function convBnModel(activation: WriterNode | undefined, extraOutputs: string[] = [], opset = 11): Uint8Array {
    const c = 3;
    const m = 4;
    const nodes: WriterNode[] = [
      constantNode("w", { dtype: "float32", dims: [m, c, 3, 3], data: randomFloats(m * c * 9, 11) }),
      constantNode("gamma", { dtype: "float32", dims: [m], data: randomFloats(m, 12, 0.5, 1.5) }),
      constantNode("beta", { dtype: "float32", dims: [m], data: randomFloats(m, 13) }),
      constantNode("mean", { dtype: "float32", dims: [m], data: randomFloats(m, 14) }),
      constantNode("var", { dtype: "float32", dims: [m], data: randomFloats(m, 15, 0.5, 2) }),
      constantNode("s", { dtype: "float32", dims: [1], data: [1.25] }),
      constantNode("t", { dtype: "float32", dims: [1, m, 1, 1], data: [0.1, -0.2, 0.3, -0.4] }),
      constantNode("clip_max", { dtype: "float32", dims: [], data: [0.3] }),
      { opType: "Conv", inputs: ["x", "w"], outputs: ["conv"], name: "conv", attributes: { pads: attr.ints([1, 1, 1, 1]), kernel_shape: attr.ints([3, 3]) } },
      { opType: "BatchNormalization", inputs: ["conv", "gamma", "beta", "mean", "var"], outputs: ["bn"], name: "bn", attributes: { epsilon: attr.float(1e-5) } },
      { opType: "Mul", inputs: ["s", "bn"], outputs: ["scaled"], name: "lab_scale" },
      { opType: "Add", inputs: ["scaled", "t"], outputs: ["affine"], name: "lab_bias" },
    ];
    if (activation) nodes.push(activation);
    return encodeModel({
      opset,
      inputs: [{ name: "x", shape: ["N", c, 6, 5] }],
      outputs: [{ name: activation ? activation.outputs[0]! : "affine" }, ...extraOutputs.map((name) => ({ name }))],
      nodes,
    });
  }

  const activations: Record<string, WriterNode> = {
    Relu: { opType: "Relu", inputs: ["affine"], outputs: ["y"], name: "act" },
    HardSigmoid: { opType: "HardSigmoid", inputs: ["affine"], outputs: ["y"], name: "act", attributes: { alpha: attr.float(1 / 6), beta: attr.float(0.5) } },
    HardSwish: { opType: "HardSwish", inputs: ["affine"], outputs: ["y"], name: "act" },
    Sigmoid: { opType: "Sigmoid", inputs: ["affine"], outputs: ["y"], name: "act" },
    Clip: { opType: "Clip", inputs: ["affine", "", "clip_max"], outputs: ["y"], name: "act" },
  };

  for (const [name, activation] of Object.entries(activations)) {
    it(`folds BatchNorm and the per-channel affine into the Conv and fuses ${name}`, async () => {
      // HardSwish exists from opset 14; Clip takes its bounds as inputs from 11.
      const bytes = convBnModel(activation, [], name === "HardSwish" ? 14 : 11);
      const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
      expect(executor.nodes.map((n) => n.opType)).toEqual(["Conv"]);
      expect(executor.nodes[0]!.fusedActivation?.kind).toBe(name === "Clip" ? "clip" : name[0]!.toLowerCase() + name.slice(1));
      const x = new Tensor([2, 3, 6, 5], randomFloats(180, 21, -2, 2));
      expectClose(executor.run({ x }).y!, floatRef((await runOrt(bytes, { x })).y), 1e-5);
    });
  }

  /** Depthwise conv → Relu → scalar affine (Mul, Add, or one of them) → `next` conv, as PP-LCNetV3 writes its blocks. */
  function affineIntoNextModel(chain: "mul-add" | "mul" | "add", nextKernel: 1 | 3, nextBias: boolean): Uint8Array {
    const c = 4;
    const m = 6;
    const pad = (nextKernel - 1) / 2;
    const nodes: WriterNode[] = [
      constantNode("dw", { dtype: "float32", dims: [c, 1, 3, 3], data: randomFloats(c * 9, 31) }),
      constantNode("pw", { dtype: "float32", dims: [m, c, nextKernel, nextKernel], data: randomFloats(m * c * nextKernel * nextKernel, 32) }),
      constantNode("pw_b", { dtype: "float32", dims: [m], data: randomFloats(m, 33) }),
      constantNode("lab_s", { dtype: "float32", dims: [1], data: [0.8125] }),
      constantNode("lab_b", { dtype: "float32", dims: [1], data: [-0.375] }),
      { opType: "Conv", inputs: ["x", "dw"], outputs: ["d"], name: "dwconv", attributes: { group: attr.int(c), pads: attr.ints([1, 1, 1, 1]), kernel_shape: attr.ints([3, 3]) } },
      { opType: "Relu", inputs: ["d"], outputs: ["r"], name: "relu" },
    ];
    let last = "r";
    if (chain !== "add") {
      nodes.push({ opType: "Mul", inputs: ["lab_s", last], outputs: ["scaled"], name: "lab_scale" });
      last = "scaled";
    }
    if (chain !== "mul") {
      nodes.push({ opType: "Add", inputs: [last, "lab_b"], outputs: ["shifted"], name: "lab_bias" });
      last = "shifted";
    }
    nodes.push({
      opType: "Conv", inputs: nextBias ? [last, "pw", "pw_b"] : [last, "pw"], outputs: ["y"], name: "next",
      attributes: { pads: attr.ints([pad, pad, pad, pad]), kernel_shape: attr.ints([nextKernel, nextKernel]) },
    });
    return encodeModel({ opset: 11, inputs: [{ name: "x", shape: ["N", c, 5, 7] }], outputs: [{ name: "y" }], nodes });
  }

  for (const [chain, nextBias] of [["mul-add", true], ["mul", false], ["add", false], ["add", true]] as const) {
    it(`folds a scalar affine (${chain}) into the following 1×1 conv${nextBias ? " with a bias" : ""}`, async () => {
      const bytes = affineIntoNextModel(chain, 1, nextBias);
      const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
      expect(executor.nodes.map((n) => n.opType)).toEqual(["Conv", "Conv"]);
      const x = new Tensor([2, 4, 5, 7], randomFloats(280, 34, -2, 2));
      expectClose(executor.run({ x }).y!, floatRef((await runOrt(bytes, { x })).y), 1e-5);
      const plain = new GraphExecutor(decodeModel(bytes), OP_TABLE, { foldBatchNorm: false });
      expect(plain.nodes.map((n) => n.opType)).toContain(chain === "add" ? "Add" : "Mul");
    });
  }

  it("keeps the affine before a padded conv (its zero padding would not get the shift), and still agrees", async () => {
    const bytes = affineIntoNextModel("mul-add", 3, true);
    const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
    expect(executor.nodes.map((n) => n.opType)).toEqual(["Conv", "Mul", "Add", "Conv"]);
    const x = new Tensor([1, 4, 5, 7], randomFloats(140, 35, -2, 2));
    expectClose(executor.run({ x }).y!, floatRef((await runOrt(bytes, { x })).y), 1e-5);
  });

  it("leaves the Conv alone when its output has another reader, and still agrees", async () => {
    const bytes = convBnModel(activations.Relu, ["conv"]);
    const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
    expect(executor.nodes.map((n) => n.opType)).toEqual(["Conv", "BatchNormalization", "Mul", "Add", "Relu"]);
    const x = new Tensor([1, 3, 6, 5], randomFloats(90, 22));
    const ours = executor.run({ x });
    const ref = await runOrt(bytes, { x });
    expectClose(ours.y!, floatRef(ref.y), 1e-5);
    expectClose(ours.conv!, floatRef(ref.conv), 1e-5);
  });
});

