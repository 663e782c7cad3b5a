/**
 * Every op PP-LCNet_x0_25_textline_ori's Paddle 3 program uses, alone: a one-op PIR
 * `inference.json` written here (with `1.data`, `p` parameters and `1.fetch`, in the
 * shapes the real file has) plus its `.pdiparams`, loaded through loadModel, against
 * onnxruntime on the equivalent ONNX op.
 *
 *   1.conv2d, 1.depthwise_conv2d, 1.batch_norm_, 1.hardswish, 1.hardsigmoid, 1.relu,
 *   1.add (with 1.full_int_array → 1.reshape of a [C] bias, as the SE convs do),
 *   1.multiply, 1.pool2d (adaptive [1, 1] from 1.full_int_array), 1.flatten, 1.matmul,
 *   1.softmax
 */
import { describe, expect, it } from "vitest";
import { encodeModel, type WriterNode, type WriterTensor } from "../../src/loader/writer.js";
import { loadModel, Tensor } from "../../src/paddle.js";
import { expectClose } from "../helpers/compare.js";
import { runOrt } from "../helpers/ort.js";
import { attr, i32s, i64s, PirProgram, type Json } from "./pir-builder.js";
import { refConv2d, refInterp, seeded } from "./op-harness.js";

/** Runs the PIR program through loadModel and the ONNX twin through onnxruntime; compares. */
async function compare(program: PirProgram, x: Tensor, nodes: WriterNode[], initializers: WriterTensor[], tol = 1e-5): Promise<void> {
  const model = await loadModel({ model: program.json(), params: program.params.length > 0 ? program.pdiparams() : undefined });
  const ours = (await model.run({ x }))["fetch_name_0"]!;
  const onnx = encodeModel({ opset: 14, inputs: [{ name: "x", shape: x.shape.slice() }], outputs: [{ name: "y" }], nodes, initializers });
  const reference = (await runOrt(onnx, { x: { shape: x.shape, data: x.data } })).y!;
  expectClose(ours, { shape: reference.shape, data: reference.data as Float32Array }, tol);
}

const init = (name: string, t: Tensor): WriterTensor => ({ name, dtype: "float32", dims: t.shape.slice(), data: t.data });
const ints = (value: number[]) => ({ type: "ints" as const, value });

describe("PP-LCNet's PIR ops, one at a time, against onnxruntime", () => {
  const x = seeded([2, 8, 10, 12], 31);

  it("1.conv2d (strides, paddings, groups) and 1.depthwise_conv2d", async () => {
    const w = seeded([16, 8, 3, 3], 32);
    const p = new PirProgram();
    const wid = p.param("conv_w", w);
    const xid = p.data("x", [-1, 8, 10, 12]);
    const [y] = p.op("1.conv2d", [xid, wid], [[-1, 16, 5, 12]], [i32s("strides", [2, 1]), i32s("paddings", [1, 1]), attr("padding_algorithm", "0.a_str", "EXPLICIT"), i32s("dilations", [1, 1]), attr("groups", "0.a_i32", 1), attr("data_format", "0.a_str", "NCHW")]);
    p.fetch(y!, [-1, 16, 5, 12]);
    await compare(p, x, [{ opType: "Conv", inputs: ["x", "w"], outputs: ["y"], attributes: { strides: ints([2, 1]), pads: ints([1, 1, 1, 1]) } }], [init("w", w)]);

    const dw = seeded([8, 1, 5, 5], 33);
    const q = new PirProgram();
    const dwid = q.param("dw", dw);
    const xq = q.data("x", [-1, 8, 10, 12]);
    const [yq] = q.op("1.depthwise_conv2d", [xq, dwid], [[-1, 8, 10, 12]], [i32s("strides", [1, 1]), i32s("paddings", [2, 2]), attr("padding_algorithm", "0.a_str", "EXPLICIT"), attr("groups", "0.a_i32", 8), i32s("dilations", [1, 1]), attr("data_format", "0.a_str", "NCHW")]);
    q.fetch(yq!, [-1, 8, 10, 12]);
    await compare(q, x, [{ opType: "Conv", inputs: ["x", "w"], outputs: ["y"], attributes: { group: { type: "int", value: 8 }, pads: ints([2, 2, 2, 2]) } }], [init("w", dw)]);
  });

  it("1.batch_norm_ (operands x, mean, variance, scale, bias)", async () => {
    const [mean, variance, scale, bias] = [seeded([8], 34), new Tensor([8], seeded([8], 35).data.map((v) => v * v + 0.1)), seeded([8], 36), seeded([8], 37)];
    const p = new PirProgram();
    const ids = [p.param("bn_mean", mean), p.param("bn_var", variance), p.param("bn_scale", scale), p.param("bn_bias", bias)];
    const xid = p.data("x", [-1, 8, 10, 12]);
    const results = p.op("1.batch_norm_", [xid, ...ids], [[-1, 8, 10, 12], [8], [8], [8], [8], [-1]], [attr("is_test", "0.a_bool", true), attr("momentum", "0.a_f32", 0.9), attr("epsilon", "0.a_f32", 1e-5), attr("data_format", "0.a_str", "NCHW"), attr("use_global_stats", "0.a_bool", true), attr("trainable_statistics", "0.a_bool", false)]);
    p.fetch(results[0]!, [-1, 8, 10, 12]);
    await compare(p, x, [{ opType: "BatchNormalization", inputs: ["x", "s", "b", "m", "v"], outputs: ["y"], attributes: { epsilon: { type: "float", value: 1e-5 } } }], [init("s", scale), init("b", bias), init("m", mean), init("v", variance)]);
  });

  it("1.hardswish, 1.hardsigmoid (slope 1/6, offset 0.5), 1.relu, 1.softmax", async () => {
    const cases: [string, Json[], WriterNode][] = [
      ["1.hardswish", [], { opType: "HardSwish", inputs: ["x"], outputs: ["y"] }],
      ["1.hardsigmoid", [attr("slope", "0.a_f32", 0.16666670143604279), attr("offset", "0.a_f32", 0.5)], { opType: "HardSigmoid", inputs: ["x"], outputs: ["y"], attributes: { alpha: { type: "float", value: 0.16666670143604279 }, beta: { type: "float", value: 0.5 } } }],
      ["1.relu", [], { opType: "Relu", inputs: ["x"], outputs: ["y"] }],
      ["1.softmax", [attr("axis", "0.a_i32", -1)], { opType: "Softmax", inputs: ["x"], outputs: ["y"], attributes: { axis: { type: "int", value: -1 } } }],
    ];
    for (const [name, attrs, node] of cases) {
      const p = new PirProgram();
      const [y] = p.op(name, [p.data("x", [-1, 8, 10, 12])], [[-1, 8, 10, 12]], attrs);
      p.fetch(y!, [-1, 8, 10, 12]);
      await compare(p, x, [node], []);
    }
  });

  it("1.add of a [C] bias through 1.full_int_array [1, −1, 1, 1] → 1.reshape, and 1.multiply by a pooled gate", async () => {
    const bias = seeded([8], 38);
    const p = new PirProgram();
    const bid = p.param("se_bias", bias);
    const xid = p.data("x", [-1, 8, 10, 12]);
    const [shape] = p.op("1.full_int_array", [], [[4]], [i64s("value", [1, -1, 1, 1]), attr("dtype", "1.a_dtype", "int64")], "0.t_i64");
    const [reshaped] = p.op("1.reshape", [bid, shape!], [[1, 8, 1, 1]]);
    const [added] = p.op("1.add", [xid, reshaped!], [[-1, 8, 10, 12]]);
    const [kernel] = p.op("1.full_int_array", [], [[2]], [i64s("value", [1, 1]), attr("dtype", "1.a_dtype", "int64")], "0.t_i64");
    const [pooled] = p.op("1.pool2d", [added!, kernel!], [[-1, 8, 1, 1]], [i32s("strides", [1, 1]), i32s("paddings", [0, 0]), attr("ceil_mode", "0.a_bool", false), attr("exclusive", "0.a_bool", true), attr("data_format", "0.a_str", "NCHW"), attr("pooling_type", "0.a_str", "avg"), attr("global_pooling", "0.a_bool", false), attr("adaptive", "0.a_bool", true), attr("padding_algorithm", "0.a_str", "EXPLICIT")]);
    const [product] = p.op("1.multiply", [added!, pooled!], [[-1, 8, 10, 12]]);
    p.fetch(product!, [-1, 8, 10, 12]);
    await compare(
      p,
      x,
      [
        { opType: "Reshape", inputs: ["bias", "shape"], outputs: ["b4"] },
        { opType: "Add", inputs: ["x", "b4"], outputs: ["added"] },
        { opType: "GlobalAveragePool", inputs: ["added"], outputs: ["pooled"] },
        { opType: "Mul", inputs: ["added", "pooled"], outputs: ["y"] },
      ],
      [init("bias", bias), { name: "shape", dtype: "int64", dims: [4], data: [1, -1, 1, 1] }],
    );
  });

  it("GhostNet's other ops: 1.slice, 0.combine → 1.concat, 1.full → 1.clip, 1.scale, 1.dropout (scalar p)", async () => {
    const x4 = seeded([1, 4, 2, 3], 41);
    const p = new PirProgram();
    const xid = p.data("x", [-1, 4, 2, 3]);
    const full = (value: number, dtype: string, element: string) =>
      p.op("1.full", [], [[1]], [attr("shape", "1.a_intarray", [1]), attr("value", "1.a_scalar", [dtype, value]), attr("dtype", "1.a_dtype", dtype)], element)[0]!;
    const [starts] = p.op("1.full_int_array", [], [[1]], [i64s("value", [0]), attr("dtype", "1.a_dtype", "int64")], "0.t_i64");
    const [ends] = p.op("1.full_int_array", [], [[1]], [i64s("value", [2]), attr("dtype", "1.a_dtype", "int64")], "0.t_i64");
    const [half] = p.op("1.slice", [xid, starts!, ends!], [[-1, 2, 2, 3]], [i64s("axes", [1]), i64s("infer_flags", [1]), i64s("decrease_axis", [])]);
    const combined = p.op("0.combine", [half!, half!], [[]]);
    const axis = full(1, "int32", "0.t_i32");
    const [joined] = p.op("1.concat", [combined[0]!, axis], [[-1, 4, 2, 3]]);
    const [clipped] = p.op("1.clip", [joined!, full(0, "float32", "0.t_f32"), full(1, "float32", "0.t_f32")], [[-1, 4, 2, 3]]);
    const [scaled] = p.op("1.scale", [clipped!, full(2, "float32", "0.t_f32")], [[-1, 4, 2, 3]], [attr("bias", "0.a_f32", 0.5), attr("bias_after_scale", "0.a_bool", true)]);
    const [dropped] = p.op("1.dropout", [scaled!, 0], [[-1, 4, 2, 3], [-1, 4, 2, 3]], [attr("p", "1.a_scalar", ["float32", 0.25]), attr("is_test", "0.a_bool", true), attr("mode", "0.a_str", "downgrade_in_infer"), attr("seed", "0.a_i32", 0), attr("fix_seed", "0.a_bool", false)]);
    p.fetch(dropped!, [-1, 4, 2, 3]);
    const model = await loadModel({ model: p.json() });
    const out = (await model.run({ x: x4 }))["fetch_name_0"]!;
    const expected = new Tensor([1, 4, 2, 3], new Float32Array(24).map((_, i) => {
      const source = x4.data[i % 12]!; // channels 0, 1, then 0, 1 again
      return (Math.min(Math.max(source, 0), 1) * 2 + 0.5) * 0.75;
    }));
    expectClose(out, expected);
  });

  it("1.flatten (start 1, stop 3) → 1.matmul with a [128, 2]-like weight → 1.add bias", async () => {
    const w = seeded([8 * 10 * 12, 3], 39);
    const b = seeded([3], 40);
    const p = new PirProgram();
    const bid = p.param("linear_0.b_0", b);
    const wid = p.param("linear_0.w_0", w);
    const xid = p.data("x", [-1, 8, 10, 12]);
    const [flat] = p.op("1.flatten", [xid], [[-1, 960]], [attr("start_axis", "0.a_i32", 1), attr("stop_axis", "0.a_i32", 3)]);
    const [mm] = p.op("1.matmul", [flat!, wid], [[-1, 3]], [attr("transpose_x", "0.a_bool", false), attr("transpose_y", "0.a_bool", false)]);
    const [y] = p.op("1.add", [mm!, bid], [[-1, 3]]);
    p.fetch(y!, [-1, 3]);
    await compare(
      p,
      x,
      [
        { opType: "Flatten", inputs: ["x"], outputs: ["f"], attributes: { axis: { type: "int", value: 1 } } },
        { opType: "MatMul", inputs: ["f", "w"], outputs: ["m"] },
        { opType: "Add", inputs: ["m", "b"], outputs: ["y"] },
      ],
      [init("w", w), init("b", b)],
      1e-4,
    );
  });

  it("1.bilinear_interp (scale, align_mode 0) and 1.nearest_interp (out_h/out_w, align_corners), per Paddle's formulas", async () => {
    const small = seeded([1, 2, 4, 5], 42);
    const interp = async (name: string, attrs: Json[], dims: number[]) => {
      const p = new PirProgram();
      const [y] = p.op(name, [p.data("x", [-1, 2, 4, 5]), 0, 0, 0], [dims], [attr("data_format", "0.a_str", "NCHW"), ...attrs]);
      p.fetch(y!, dims);
      const model = await loadModel({ model: p.json() });
      return (await model.run({ x: small }))["fetch_name_0"]!;
    };
    const f32s = (name: string, values: number[]) => attr(name, "0.a_array", values.map((v) => ({ "#": "0.a_f32", D: v })));
    const common = (h: number, w: number, s: number[], corners: boolean, mode: number) => [
      attr("out_d", "0.a_i32", -1), attr("out_h", "0.a_i32", h), attr("out_w", "0.a_i32", w), f32s("scale", s),
      attr("interp_method", "0.a_str", "bilinear"), attr("align_corners", "0.a_bool", corners), attr("align_mode", "0.a_i32", mode),
    ];
    expectClose(await interp("1.bilinear_interp", common(-1, -1, [2, 1.5], false, 0), [-1, 2, 8, 7]), refInterp(small, "bilinear", 8, 7, false, 0, [2, 1.5]));
    expectClose(await interp("1.nearest_interp", common(7, 3, [], true, 1), [-1, 2, 7, 3]), refInterp(small, "nearest", 7, 3, true, 1));
  });

  it("1.conv2d with padding_algorithm SAME and 4 paddings ignored", async () => {
    const w = seeded([3, 8, 3, 3], 43);
    const p = new PirProgram();
    const wid = p.param("w", w);
    const [y] = p.op("1.conv2d", [p.data("x", [-1, 8, 10, 12]), wid], [[-1, 3, 5, 6]], [i32s("strides", [2, 2]), i32s("paddings", [9, 9, 9, 9]), attr("padding_algorithm", "0.a_str", "SAME"), i32s("dilations", [1, 1]), attr("groups", "0.a_i32", 1), attr("data_format", "0.a_str", "NCHW")]);
    p.fetch(y!, [-1, 3, 5, 6]);
    const model = await loadModel({ model: p.json(), params: p.pdiparams() });
    // 10 rows, stride 2: out 5, pad sum (5−1)·2 + 3 − 10 = 1 → 0 / 1; 12 cols: out 6, pad sum 1 → 0 / 1.
    expectClose((await model.run({ x }))["fetch_name_0"]!, refConv2d(x, w, [2, 2], [0, 1, 0, 1], [1, 1], 1));
  });

  it("a made-up value name that a parameter already has is made unique", async () => {
    // The relu's result gets id 3 and would be named relu_3, like the parameter.
    const bias = seeded([8], 44);
    const p = new PirProgram();
    const bid = p.param("relu_3", bias);
    const xid = p.data("x", [-1, 8, 10, 12]);
    const [y] = p.op("1.relu", [xid], [[-1, 8, 10, 12]]);
    expect(y).toBe(3);
    const [shape] = p.op("1.full_int_array", [], [[4]], [i64s("value", [1, -1, 1, 1]), attr("dtype", "1.a_dtype", "int64")], "0.t_i64");
    const [b4] = p.op("1.reshape", [bid, shape!], [[1, 8, 1, 1]]);
    const [z] = p.op("1.add", [y!, b4!], [[-1, 8, 10, 12]]);
    p.fetch(z!, [-1, 8, 10, 12]);
    const model = await loadModel({ model: p.json(), params: p.pdiparams() });
    const out = (await model.run({ x }))["fetch_name_0"]!;
    expectClose(out, new Tensor(x.shape, x.data.map((v, i) => Math.max(v, 0) + bias.data[Math.floor(i / 120) % 8]!)));
  });

  it("1.split_with_num and 1.split (sections) unpacked by 0.split, as ShuffleNetV2's channel split is", async () => {
    const p = new PirProgram();
    const xid = p.data("x", [-1, 8, 10, 12]);
    const axis = p.op("1.full", [], [[1]], [attr("shape", "1.a_intarray", [1]), attr("value", "1.a_scalar", ["int32", 1]), attr("dtype", "1.a_dtype", "int32")], "0.t_i32")[0]!;
    const [halves] = p.op("1.split_with_num", [xid, axis], [[]], [attr("num", "0.a_i32", 2)]);
    const [, second] = p.op("0.split", [halves!], [[-1, 4, 10, 12], [-1, 4, 10, 12]]);
    const [sections] = p.op("1.full_int_array", [], [[2]], [i64s("value", [1, -1]), attr("dtype", "1.a_dtype", "int64")], "0.t_i64");
    const [parts] = p.op("1.split", [second!, sections!, axis], [[]]);
    const [, rest] = p.op("0.split", [parts!], [[-1, 1, 10, 12], [-1, 3, 10, 12]]);
    p.fetch(rest!, [-1, 3, 10, 12]);
    const model = await loadModel({ model: p.json() });
    const out = (await model.run({ x }))["fetch_name_0"]!;
    expect(out.shape).toEqual([2, 3, 10, 12]);
    // Channels 5, 6, 7 of x.
    const plane = 10 * 12;
    expect(out.data[0]).toBe(x.data[5 * plane]);
    expect(out.data[3 * plane]).toBe(x.data[8 * plane + 5 * plane]);
  });
});
