/**
 * A GhostNet as PaddleClas's inference program spells it (legacy ProgramDesc, and Paddle 3's PIR JSON) (conv2d / depthwise_conv2d →
 * batch_norm → relu, concat of the ghost halves, the SE block's pool2d → squeeze2 →
 * matmul_v2 + elementwise_add → relu → … → clip → unsqueeze2 → elementwise_mul, dropout,
 * reshape2, softmax), written here as real ProgramDesc + .pdiparams bytes from a GhostNet
 * fixture's weights. Loaded through loadModel it must
 *   - equal onnxruntime on the fixture's ONNX file (the same weights) within 1e-5, and
 *   - be recognised as a GhostNet by "auto", so the typed GhostNet runs it (as it runs
 *     Paddle2ONNX's export of the same program).
 */
import { describe, expect, it } from "vitest";
import { makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { decodeModel } from "../../src/loader/decode.js";
import type { OnnxModel } from "../../src/loader/model.js";
import { ProgramDescCodec } from "../../src/loader/paddle/program-desc.js";
import { loadModel, Tensor } from "../../src/paddle.js";
import { expectClose } from "../helpers/compare.js";
import { runOrt } from "../helpers/ort.js";
import { writeParamsFile } from "./helpers.js";
import { seeded } from "./op-harness.js";
import { attr, i32s, i64s, PirProgram } from "./pir-builder.js";

type Attr = { name: string; type: number; i?: number; f?: number; s?: Uint8Array; ints?: number[]; b?: number };
const INT = (name: string, i: number): Attr => ({ name, type: 0, i });
const FLOAT = (name: string, f: number): Attr => ({ name, type: 1, f });
const STRING = (name: string, s: string): Attr => ({ name, type: 2, s: new TextEncoder().encode(s) });
const INTS = (name: string, ints: number[]): Attr => ({ name, type: 3, ints });
const BOOL = (name: string, b: boolean): Attr => ({ name, type: 6, b: b ? 1 : 0 });

interface OpMessage {
  type: string;
  inputs: { parameter: string; arguments: string[] }[];
  outputs: { parameter: string; arguments: string[] }[];
  attrs: Attr[];
}
const opMessage = (type: string, inputs: Record<string, string[]>, outputs: Record<string, string[]>, attrs: Attr[] = []): OpMessage => ({
  type,
  inputs: Object.entries(inputs).map(([parameter, args]) => ({ parameter, arguments: args })),
  outputs: Object.entries(outputs).map(([parameter, args]) => ({ parameter, arguments: args })),
  attrs,
});

/** The fixture's graph respelled as the Paddle program PaddleClas exports (legacy ops). */
function asPaddleProgram(onnx: OnnxModel): { model: Uint8Array; params: Uint8Array } {
  const g = onnx.graph;
  const values = (name: string): number[] => Array.from(g.constants.get(name)!.data);
  const ops: OpMessage[] = [opMessage("feed", { X: ["feed"] }, { Out: ["x"] }, [INT("col", 0)])];
  const params = new Map<string, Tensor>();
  for (const [name, t] of g.constants) if (t.dtype === "float32" && t.shape.length > 0) params.set(name, t as Tensor);
  for (const node of g.nodes) {
    const a = node.attributes;
    const [x, y] = node.inputs;
    const out = { Out: node.outputs };
    switch (node.opType) {
      case "Conv": {
        const group = (a.get("group") as number) ?? 1;
        const pads = a.get("pads") as number[];
        ops.push(opMessage(group > 1 ? "depthwise_conv2d" : "conv2d", { Input: [x!], Filter: [y!] }, { Output: node.outputs }, [
          INTS("strides", a.get("strides") as number[]), INTS("paddings", [pads[0]!, pads[1]!]), INTS("dilations", [1, 1]), INT("groups", group), STRING("data_format", "NCHW"), STRING("padding_algorithm", "EXPLICIT"),
        ]));
        break;
      }
      case "BatchNormalization": {
        const [, scale, bias, mean, variance] = node.inputs;
        ops.push(opMessage("batch_norm", { X: [x!], Scale: [scale!], Bias: [bias!], Mean: [mean!], Variance: [variance!] }, { Y: node.outputs, MeanOut: [mean!], VarianceOut: [variance!] }, [FLOAT("epsilon", a.get("epsilon") as number), FLOAT("momentum", 0.9), STRING("data_layout", "NCHW"), BOOL("is_test", true)]));
        break;
      }
      case "Relu":
        ops.push(opMessage("relu", { X: [x!] }, out));
        break;
      case "GlobalAveragePool":
        ops.push(opMessage("pool2d", { X: [x!] }, out, [STRING("pooling_type", "avg"), INTS("ksize", [1, 1]), BOOL("adaptive", true), BOOL("global_pooling", false), INTS("strides", [1, 1]), INTS("paddings", [0, 0]), BOOL("exclusive", true), BOOL("ceil_mode", false)]));
        break;
      case "Squeeze":
      case "Unsqueeze":
        ops.push(opMessage(node.opType === "Squeeze" ? "squeeze2" : "unsqueeze2", { X: [x!] }, { Out: node.outputs, XShape: [`${node.outputs[0]}.xshape`] }, [INTS("axes", values(y!))]));
        break;
      case "MatMul":
        ops.push(opMessage("matmul_v2", { X: [x!], Y: [y!] }, out, [BOOL("trans_x", false), BOOL("trans_y", false)]));
        break;
      case "Add":
      case "Mul":
        ops.push(opMessage(node.opType === "Add" ? "elementwise_add" : "elementwise_mul", { X: [x!], Y: [y!] }, out, [INT("axis", -1)]));
        break;
      case "Clip":
        ops.push(opMessage("clip", { X: [x!] }, out, [FLOAT("min", values(node.inputs[1]!)[0]!), FLOAT("max", values(node.inputs[2]!)[0]!)]));
        break;
      case "Concat":
        ops.push(opMessage("concat", { X: node.inputs }, out, [INT("axis", a.get("axis") as number)]));
        break;
      case "Reshape": {
        // PaddleClas: dropout (upscale_in_train: nothing at inference) before the reshape.
        ops.push(opMessage("dropout", { X: [x!] }, { Out: [`${x}.dropped`], Mask: [`${x}.mask`] }, [FLOAT("dropout_prob", 0.2), STRING("dropout_implementation", "upscale_in_train"), BOOL("is_test", true)]));
        ops.push(opMessage("reshape2", { X: [`${x}.dropped`] }, { Out: node.outputs, XShape: [`${node.outputs[0]}.xshape`] }, [INTS("shape", values(y!))]));
        break;
      }
      case "Softmax":
        ops.push(opMessage("softmax", { X: [x!] }, out, [INT("axis", -1)]));
        break;
      default:
        throw new Error(`no Paddle spelling for ${node.opType} in this test`);
    }
  }
  ops.push(opMessage("fetch", { X: [g.outputs[0]!.name] }, { Out: ["fetch"] }, [INT("col", 0)]));
  const tensorVar = (name: string, dims: number[], persistable: boolean) => ({
    name,
    type: { type: 7, lodTensor: { tensor: { dataType: 5, dims } } },
    ...(persistable ? { persistable: 1 } : {}),
  });
  const vars = [
    { name: "feed", type: { type: 9 }, persistable: 1 },
    { name: "fetch", type: { type: 10 }, persistable: 1 },
    tensorVar("x", [-1, 3, -1, -1], false),
    ...[...params].map(([name, t]) => tensorVar(name, t.shape.slice(), true)),
  ];
  const program = { blocks: [{ idx: 0, parentIdx: -1, vars, ops }], version: { version: 2006002 } };
  return { model: ProgramDescCodec.encode(program).finish(), params: writeParamsFile(params) };
}

/** The fixture's graph respelled as the Paddle 3 PIR program PaddleClas 3 exports. */
function asPirProgram(onnx: OnnxModel): { model: Uint8Array; params: Uint8Array } {
  const g = onnx.graph;
  const p = new PirProgram();
  const ids = new Map<string, number>();
  const ranks = new Map<string, number>([["x", 4]]);
  for (const [name, t] of g.constants) {
    if (t.dtype === "float32" && t.shape.length > 0) ids.set(name, p.param(name, t as Tensor));
    ranks.set(name, t.shape.length);
  }
  ids.set("x", p.data("x", [-1, 3, -1, -1]));
  const values = (name: string): number[] => Array.from(g.constants.get(name)!.data);
  const id = (name: string): number => ids.get(name)!;
  const ints64 = (v: number[]) => p.op("1.full_int_array", [], [[v.length]], [i64s("value", v), attr("dtype", "1.a_dtype", "int64")], "0.t_i64")[0]!;
  const full = (v: number, dtype = "float32") => p.op("1.full", [], [[1]], [attr("shape", "1.a_intarray", [1]), attr("value", "1.a_scalar", [dtype, v]), attr("dtype", "1.a_dtype", dtype)], dtype === "float32" ? "0.t_f32" : "0.t_i32")[0]!;
  const unknown = (rank: number) => new Array<number>(rank).fill(-1);
  for (const node of g.nodes) {
    const a = node.attributes;
    const [x, y] = node.inputs;
    const out = node.outputs[0]!;
    let rank = ranks.get(x!) ?? 4;
    let operands: number[];
    let name: string;
    let attrs: ReturnType<typeof attr>[] = [];
    let results = 1;
    switch (node.opType) {
      case "Conv": {
        const group = (a.get("group") as number) ?? 1;
        const pads = a.get("pads") as number[];
        name = group > 1 ? "1.depthwise_conv2d" : "1.conv2d";
        operands = [id(x!), id(y!)];
        attrs = [i32s("strides", a.get("strides") as number[]), i32s("paddings", [pads[0]!, pads[1]!]), attr("padding_algorithm", "0.a_str", "EXPLICIT"), i32s("dilations", [1, 1]), attr("groups", "0.a_i32", group), attr("data_format", "0.a_str", "NCHW")];
        break;
      }
      case "BatchNormalization": {
        const [, scale, bias, mean, variance] = node.inputs;
        name = "1.batch_norm_";
        operands = [id(x!), id(mean!), id(variance!), id(scale!), id(bias!)];
        attrs = [attr("is_test", "0.a_bool", true), attr("momentum", "0.a_f32", 0.9), attr("epsilon", "0.a_f32", a.get("epsilon") as number), attr("data_format", "0.a_str", "NCHW"), attr("use_global_stats", "0.a_bool", true), attr("trainable_statistics", "0.a_bool", false)];
        results = 6;
        break;
      }
      case "Relu":
        [name, operands] = ["1.relu", [id(x!)]];
        break;
      case "GlobalAveragePool":
        name = "1.pool2d";
        operands = [id(x!), ints64([1, 1])];
        attrs = [i32s("strides", [1, 1]), i32s("paddings", [0, 0]), attr("ceil_mode", "0.a_bool", false), attr("exclusive", "0.a_bool", true), attr("data_format", "0.a_str", "NCHW"), attr("pooling_type", "0.a_str", "avg"), attr("global_pooling", "0.a_bool", false), attr("adaptive", "0.a_bool", true), attr("padding_algorithm", "0.a_str", "EXPLICIT")];
        break;
      case "Squeeze":
      case "Unsqueeze":
        name = node.opType === "Squeeze" ? "1.squeeze" : "1.unsqueeze";
        operands = [id(x!), ints64(values(y!))];
        rank += node.opType === "Squeeze" ? -2 : 2;
        results = 2;
        break;
      case "MatMul":
        [name, operands] = ["1.matmul", [id(x!), id(y!)]];
        attrs = [attr("transpose_x", "0.a_bool", false), attr("transpose_y", "0.a_bool", false)];
        break;
      case "Add":
      case "Mul":
        [name, operands] = [node.opType === "Add" ? "1.add" : "1.multiply", [id(x!), id(y!)]];
        break;
      case "Clip":
        [name, operands] = ["1.clip", [id(x!), full(values(node.inputs[1]!)[0]!), full(values(node.inputs[2]!)[0]!)]];
        break;
      case "Concat": {
        const combined = p.op("0.combine", node.inputs.map(id), [[]])[0]!;
        [name, operands] = ["1.concat", [combined, full(a.get("axis") as number, "int32")]];
        break;
      }
      case "Reshape": {
        const dropped = p.op("1.dropout", [id(x!), 0], [unknown(rank), unknown(rank)], [attr("p", "1.a_scalar", ["float32", 0.2]), attr("is_test", "0.a_bool", true), attr("mode", "0.a_str", "upscale_in_train"), attr("seed", "0.a_i32", 0), attr("fix_seed", "0.a_bool", false)])[0]!;
        [name, operands] = ["1.reshape", [dropped, ints64(values(y!))]];
        rank = values(y!).length;
        results = 2;
        break;
      }
      case "Softmax":
        [name, operands] = ["1.softmax", [id(x!)]];
        attrs = [attr("axis", "0.a_i32", -1)];
        break;
      default:
        throw new Error(`no PIR spelling for ${node.opType} in this test`);
    }
    const outIds = p.op(name, operands, Array.from({ length: results }, () => unknown(rank)), attrs);
    ids.set(out, outIds[0]!);
    ranks.set(out, rank);
  }
  p.fetch(id(g.outputs[0]!.name), [-1, -1]);
  return { model: p.json(), params: p.pdiparams() };
}

describe("GhostNet as a Paddle inference program", () => {
  const onnxBytes = makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 5, classCount: 10, calibrationBatch: 1, calibrationSize: 64, inputSize: "dynamic" });
  const files = asPaddleProgram(decodeModel(onnxBytes));
  const x = seeded([2, 3, 64, 64], 51);

  it("equals onnxruntime on the same weights (both engines) and binds to the typed GhostNet", async () => {
    const reference = Object.values(await runOrt(onnxBytes, { x: { shape: x.shape, data: x.data } }))[0]!;
    const ref = { shape: reference.shape, data: reference.data as Float32Array };
    const auto = await loadModel(files);
    expect(auto.engine).toBe("ghostnet");
    expectClose((await auto.run([x]))[auto.outputNames[0]!]!, ref, 1e-5, "typed GhostNet");
    const graph = await loadModel(files, { engine: "graph" });
    expectClose((await graph.run([x]))[graph.outputNames[0]!]!, ref, 1e-5, "graph executor");
  });

  it("written as Paddle 3's PIR inference.json: the same, through the typed GhostNet", async () => {
    const reference = Object.values(await runOrt(onnxBytes, { x: { shape: x.shape, data: x.data } }))[0]!;
    const pir = await loadModel(asPirProgram(decodeModel(onnxBytes)));
    expect(pir.engine).toBe("ghostnet");
    expect(pir.outputNames).toEqual(["fetch_name_0"]);
    expectClose((await pir.run([x]))["fetch_name_0"]!, { shape: reference.shape, data: reference.data as Float32Array }, 1e-5, "PIR GhostNet");
  });
});
