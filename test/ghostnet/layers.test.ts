/**
 * The typed layers on small cases: a ConvBN against its formula, construction errors that
 * name the layer and both shapes, weight binding on files that are not GhostNets, and a
 * small GhostNet (x0.5, 10 classes, dynamic H×W) against onnxruntime at 96×96.
 */
import { describe, expect, it } from "vitest";
import { tryBuildGhostNet, whyNotGhostNet } from "../../src/ghostnet/bind.js";
import { ghostNetConfig } from "../../src/ghostnet/config.js";
import { createGhostNetEngine, tryGhostNetEngine } from "../../src/ghostnet/engine.js";
import { imageLikeBatch, makeGhostNetFixture, makeGhostNetWeights } from "../../src/ghostnet/fixture.js";
import { exportGhostNetOnnx } from "../../src/ghostnet/onnx-export.js";
import { loadModel } from "../../src/load-model.js";
import { GhostNet } from "../../src/ghostnet/ghostnet.js";
import { ConvBN, SEBlock } from "../../src/ghostnet/layers.js";
import type { WeightTensor } from "../../src/ghostnet/weights.js";
import type { LayerTiming } from "../../src/ghostnet/profile.js";
import { InputError, ModelValidationError, ShapeError } from "../../src/errors.js";
import { decodeModel } from "../../src/loader/decode.js";
import { attr, encodeModel } from "../../src/loader/writer.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { runOrt } from "../helpers/ort.js";

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

describe("ConvBN", () => {
  it("computes relu(γ·(conv(x) − μ)/√(σ² + ε) + β) with the BatchNorm folded in", () => {
    const weights = new Map<string, WeightTensor>([
      ["c_weights", { shape: [2, 1, 1, 1], data: f32(2, -1) }],
      ["c_bn_scale", { shape: [2], data: f32(1, 2) }],
      ["c_bn_offset", { shape: [2], data: f32(0.5, 0) }],
      ["c_bn_mean", { shape: [2], data: f32(1, 0) }],
      ["c_bn_variance", { shape: [2], data: f32(3, 0.25) }],
    ]);
    const layer = new ConvBN({ kind: "convbn", name: "c", in: 1, out: 2, kernel: 1, stride: 1, groups: 1, relu: true }, weights);
    const x = new Tensor([1, 1, 1, 2], f32(1, -3));
    const y = new Tensor(layer.outputShape(x.shape));
    layer.forward(x, y);
    const eps = 1e-5;
    const expected = [
      ...[1, -3].map((v) => Math.max(0, (2 * v - 1) / Math.sqrt(3 + eps) + 0.5)),
      ...[1, -3].map((v) => Math.max(0, (2 * (-v - 0)) / Math.sqrt(0.25 + eps))),
    ];
    expectClose(y, { shape: [1, 2, 1, 2], data: Float32Array.from(expected) }, 1e-6);
  });
});

describe("SEBlock", () => {
  it("scales each channel by clip(relu(mean·W1 + b1)·W2 + b2, 0, 1)", () => {
    const weights = new Map<string, WeightTensor>([
      ["se_1_weights", { shape: [4, 1], data: f32(1, 1, 0, 0) }],
      ["se_1_offset", { shape: [1], data: f32(0) }],
      ["se_2_weights", { shape: [1, 4], data: f32(0.1, 1, -1, 0.25) }],
      ["se_2_offset", { shape: [4], data: f32(0, -1, 0.5, 0.5) }],
    ]);
    const se = new SEBlock("se", { kind: "linear", name: "se_1", in: 4, out: 1 }, { kind: "linear", name: "se_2", in: 1, out: 4 }, weights);
    // Channel means 2, 4, 10, −1 → squeeze = relu(2 + 4) = 6 → excitation 0.6, 5, −5.5, 2 → clip: 0.6, 1, 0, 1.
    const x = new Tensor([1, 4, 1, 2], f32(1, 3, 4, 4, 9, 11, -1, -1));
    const y = new Tensor([1, 4, 1, 2]);
    se.forward(x, y);
    expectClose(y, { shape: [1, 4, 1, 2], data: f32(0.6, 1.8, 4, 4, 0, 0, -1, -1) }, 1e-6);
  });

  it("keeps a NaN through the squeeze relu (relu(NaN) is NaN, not 0)", () => {
    const weights = new Map<string, WeightTensor>([
      ["se_1_weights", { shape: [2, 1], data: f32(1, 1) }],
      ["se_1_offset", { shape: [1], data: f32(0) }],
      ["se_2_weights", { shape: [1, 2], data: f32(0, 0) }],
      ["se_2_offset", { shape: [2], data: f32(0.5, 0.5) }],
    ]);
    const se = new SEBlock("se", { kind: "linear", name: "se_1", in: 2, out: 1 }, { kind: "linear", name: "se_2", in: 1, out: 2 }, weights);
    // Channel 0 holds a NaN, so its mean, the squeeze and (NaN·0 = NaN) every scale are NaN:
    // a relu that turned NaN into 0 would give scale clip(0.5) = 0.5 and finite outputs.
    const y = new Tensor([1, 2, 1, 1]);
    se.forward(new Tensor([1, 2, 1, 1], f32(Number.NaN, 2)), y);
    expect(Number.isNaN(y.data[0]!)).toBe(true);
    expect(Number.isNaN(y.data[1]!)).toBe(true);
  });
});

describe("GhostNet construction", () => {
  const config = ghostNetConfig(0.5, 10);
  const weights = makeGhostNetWeights(config, 3, 1, 32);

  it("builds from a complete weight map", () => {
    expect(new GhostNet(config, weights).layerNames).toContain("_ghostbottleneck_3_se");
  });

  it("computes the same on its fast path (halves written in place, SE in place) as on the observed whole-batch path", () => {
    const net = new GhostNet(config, weights);
    const x = imageLikeBatch(3, 9, 48);
    const fast = net.forward(x);
    const observed = net.forward(x, { capture: ["_ghostbottleneck_0_ghost_module_1"] });
    expect(Array.from(fast.logits.data)).toEqual(Array.from(observed.logits.data));
    expect(observed.intermediates._ghostbottleneck_0_ghost_module_1!.shape).toEqual([3, 8, 24, 24]);
  });

  it("profiles every step by PaddleClas name without changing the result, and runs again at another shape", () => {
    const net = new GhostNet(config, weights);
    const x = imageLikeBatch(2, 4, 64);
    const plain = net.forward(x);
    const timings: LayerTiming[] = [];
    const profiled = net.forward(x, { profile: timings });
    expect(Array.from(profiled.logits.data)).toEqual(Array.from(plain.logits.data));
    const names = timings.map((t) => t.name);
    // Every conv layer and linear once, plus each SE block, each residual add, the pool and the softmax.
    const convs = net.layerNames.filter((n) => /(_conv|_operation|_depthwise|conv1|conv_last|fc_0)$/.test(n));
    for (const name of [...convs, "fc_1", "_ghostbottleneck_3_se", "_ghostbottleneck_15_add", "pool2d_gap", "softmax"]) expect(names).toContain(name);
    expect(new Set(names).size).toBe(names.length);
    expect(timings.every((t) => t.ms >= 0)).toBe(true);
    expect(timings.find((t) => t.name === "conv1")!.kind).toBe("stem");
    expect(timings.find((t) => t.name === "_ghostbottleneck_0_ghost_module_1_cheap_operation")!.kind).toBe("depthwise");
    // A new input shape re-plans; going back gives the first result again.
    expect(net.forward(imageLikeBatch(1, 4, 32)).logits.shape).toEqual([1, 10]);
    expect(Array.from(net.forward(x).logits.data)).toEqual(Array.from(plain.logits.data));
  });

  it("names the layer and the missing weight", () => {
    const broken = new Map(weights);
    broken.delete("conv1_weights");
    expect(() => new GhostNet(config, broken)).toThrow(ShapeError);
    expect(() => new GhostNet(config, broken)).toThrow(/layer conv1: weight conv1_weights \[8, 3, 3, 3\] is missing/);
  });

  it("names the layer, the expected and the found shape", () => {
    const broken = new Map(weights);
    broken.set("_ghostbottleneck_3_se_1_weights", { shape: [36, 10], data: new Float32Array(360) });
    expect(() => new GhostNet(config, broken)).toThrow(
      /layer _ghostbottleneck_3_se_1: weight _ghostbottleneck_3_se_1_weights has shape \[36, 10\], expected \[36, 9\]/,
    );
  });

  it("rejects an unknown intermediate name and a non-image input", () => {
    const net = new GhostNet(config, weights);
    expect(() => net.forward(imageLikeBatch(1, 1, 32), { capture: ["conv2"] })).toThrow(InputError);
    expect(() => net.forward(new Tensor([1, 4, 32, 32]))).toThrow(/expected input \[N, 3, H, W\], got \[1, 4, 32, 32\]/);
  });
});

describe("weight binding", () => {
  it("says why a file is not a GhostNet", () => {
    const bytes = encodeModel({
      opset: 13,
      nodes: [{ opType: "HardSigmoid", inputs: ["x"], outputs: ["y"], attributes: { alpha: attr.float(0.2) } }],
      inputs: [{ name: "x", shape: [1, 3, 4, 4] }],
      outputs: [{ name: "y" }],
    });
    const model = decodeModel(bytes);
    expect(tryBuildGhostNet(model)).toBeNull();
    expect(whyNotGhostNet(model)).toMatch(/HardSigmoid/);
    expect(tryGhostNetEngine(model).engine).toBeNull();
    expect(() => createGhostNetEngine(model)).toThrow(ModelValidationError);
    expect(() => createGhostNetEngine(model)).toThrow(/not a PaddleClas GhostNet: .*HardSigmoid/);
  });

  it("runs a small dynamic-size GhostNet (x0.5, 10 classes) at 96×96 like onnxruntime, and checks feeds", async () => {
    const bytes = makeGhostNetFixture({ scale: 0.5, classCount: 10, style: "modern", seed: 11, inputSize: "dynamic", calibrationBatch: 2, calibrationSize: 96 });
    const x = imageLikeBatch(2, 12, 96);
    const ref = await runOrt(bytes, { x: { shape: x.shape, data: x.data } });
    const engine = createGhostNetEngine(decodeModel(bytes));
    expect(engine.binding.config.classCount).toBe(10);
    const out = await engine.run({ x });
    expectClose(out["softmax_0.tmp_0"]!, ref["softmax_0.tmp_0"] as { shape: number[]; data: Float32Array }, 5e-5);
    await expect(engine.run({ y: x })).rejects.toThrow(/missing input x/);
    await expect(engine.run({ x: new Tensor([2, 1, 96, 96]) })).rejects.toThrow(ShapeError);
  });

  it("says why a GhostNet-like file does not fit: a misshapen weight, a Clip that is not clip(0, 1)", () => {
    const bytes = makeGhostNetFixture({ scale: 0.5, classCount: 10, style: "modern", seed: 4, calibrationBatch: 1, calibrationSize: 32 });
    const misshapen = decodeModel(bytes);
    const name = "_ghostbottleneck_5_ghost_module_1_primary_conv_weights";
    const w = misshapen.graph.constants.get(name)!;
    misshapen.graph.constants.set(name, new Tensor([w.shape[0]! + 4, ...w.shape.slice(1)]));
    expect(whyNotGhostNet(misshapen)).toMatch(
      /no GhostNet scale .*at x0\.5: layer _ghostbottleneck_5_ghost_module_1_primary_conv \(Conv\.\d+\) has weight \[64, 20, 1, 1\], expected \[60, 20, 1, 1\]/,
    );

    const clip6 = decodeModel(bytes);
    const clip = clip6.graph.nodes.find((n) => n.opType === "Clip")!;
    clip6.graph.constants.set(clip.inputs[2]!, Tensor.scalar(6));
    expect(whyNotGhostNet(clip6)).toMatch(new RegExp(`Clip node ${clip.name.replace(/\./g, "\\.")} is not clip\\(0, 1\\)`));
    expect(whyNotGhostNet(decodeModel(bytes))).toBeUndefined();
  });

  it("checks the wiring, so convs with equal weight shapes in swapped order are not bound silently", () => {
    // x0.5 bottleneck 1: the first primary conv and the shortcut conv are both [12, 8, 1, 1].
    const model = decodeModel(makeGhostNetFixture({ scale: 0.5, classCount: 10, style: "fused", seed: 4, calibrationBatch: 1, calibrationSize: 32 }));
    const twins = model.graph.nodes
      .map((n, i) => ({ n, i }))
      .filter(({ n }) => n.opType === "Conv" && model.graph.constants.get(n.inputs[1]!)!.shape.join() === "12,8,1,1");
    expect(twins).toHaveLength(2);
    const [a, b] = [twins[0]!, twins[1]!];
    model.graph.nodes[a.i] = b.n;
    model.graph.nodes[b.i] = a.n;
    expect(whyNotGhostNet(model)).toMatch(/layer _ghostbottleneck_1_ghost_module_1_cheap_operation .* does not read .* as in GhostNet/);
  });

  it("binds automatic parameter names with separate BatchNorms by structure", async () => {
    const config = ghostNetConfig(0.5, 10);
    const weights = makeGhostNetWeights(config, 21, 2, 64);
    const { bytes } = exportGhostNetOnnx(config, weights, { style: "legacy", automaticNames: true, inputSize: "dynamic" });
    const model = decodeModel(bytes);
    expect(model.graph.constants.has("conv2d_0.w_0")).toBe(true);
    expect(model.graph.constants.has("batch_norm_0.w_2")).toBe(true);
    const engine = createGhostNetEngine(model);
    expect(engine.binding.matchedBy).toBe("structure");
    const x = imageLikeBatch(2, 22, 64);
    const ref = await runOrt(bytes, { x: { shape: x.shape, data: x.data } });
    const out = await engine.run({ x });
    // These weights (calibrated on 2 images of 64×64, fed 22×64 ones) amplify float32
    // rounding: the probabilities differ from onnxruntime's by 4.4e-5 when the stem conv
    // rounds its sum before adding the bias, 5.3e-5 when it rounds once after (both valid
    // float32 evaluations; measured 2026-11-29).
    expectClose(out["save_infer_model/scale_0.tmp_1"]!, ref["save_infer_model/scale_0.tmp_1"] as { shape: number[]; data: Float32Array }, 1e-4);
  });

  it("loadModel runs a GhostNet on the typed engine and anything else on the graph executor", async () => {
    const ghost = await loadModel(makeGhostNetFixture({ scale: 0.5, classCount: 10, style: "fused", seed: 2, calibrationBatch: 1, calibrationSize: 32 }));
    expect(ghost.engine).toBe("ghostnet");
    const relu = encodeModel({
      opset: 13,
      nodes: [{ opType: "Relu", inputs: ["x"], outputs: ["y"] }],
      inputs: [{ name: "x", shape: [1, 3, 4, 4] }],
      outputs: [{ name: "y", shape: [1, 3, 4, 4] }],
    });
    expect((await loadModel(relu)).engine).toBe("graph");
    await expect(loadModel(relu, { engine: "ghostnet" })).rejects.toThrow(/not a PaddleClas GhostNet/);
  });

  it("rejects a feed whose static size differs from the file's", async () => {
    const bytes = makeGhostNetFixture({ scale: 0.5, classCount: 10, style: "legacy", seed: 5, calibrationBatch: 1, calibrationSize: 64 });
    const engine = createGhostNetEngine(decodeModel(bytes));
    await expect(engine.run([new Tensor([1, 3, 96, 96])])).rejects.toThrow(/has shape \[1, 3, 96, 96\], expected \[p2o.DynamicDimension.0, 3, 224, 224\]/);
  });
});
