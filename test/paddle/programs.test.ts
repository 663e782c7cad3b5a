/**
 * Real Paddle inference models, read from Paddle's own files, against references:
 *
 *   ch_ppocr_mobile_v2.0_cls_infer (Paddle 2.3.2, legacy .pdmodel + .pdiparams) equals
 *     onnxruntime on the Paddle2ONNX export of the same weights, within 1e-5, on a random
 *     batch and on text lines drawn here, read as { model, params }, from a folder's files,
 *     and from tars (our own ustar writer and the system's GNU tar);
 *   PP-LCNet_x0_25_textline_ori (Paddle 3, PIR inference.json) classifies upright and
 *     180°-turned text lines right, preprocessed by hand per its inference.yml;
 *   simple_conv_bn (Paddle 2.2.2: feed → conv2d → batch_norm → relu → fetch) equals
 *     onnxruntime on the same three ops written as ONNX with the same weights.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { directionInput } from "../../src/cli/direction.js";
import { renderTextLine, rotate180 } from "../../src/cli/text-line.js";
import { resizeBilinear } from "../../src/image/resize.js";
import type { RgbImage } from "../../src/image/rgb-image.js";
import { encodeModel } from "../../src/loader/writer.js";
import { findPaddleModel, loadModel, readCombinedParams, Tensor, type Model } from "../../src/paddle.js";
import { expectClose } from "../helpers/compare.js";
import { runOrt } from "../helpers/ort.js";
import { CLS_ONNX, paddleFixture, readPaddleFixture, writeTar } from "./helpers.js";

const CLS = "ch_ppocr_mobile_v2.0_cls_infer";
const clsModel = readPaddleFixture(CLS, "inference.pdmodel");
const clsParams = readPaddleFixture(CLS, "inference.pdiparams");
const clsOnnx = new Uint8Array(readFileSync(CLS_ONNX));

/** A seeded batch in [−1, 1). */
function randomBatch(shape: number[], seed: number): Tensor {
  let state = seed >>> 0;
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = (state / 2 ** 32) * 2 - 1;
  }
  return new Tensor(shape, data);
}

async function onnxruntimeCls(x: Tensor): Promise<{ shape: number[]; data: Float32Array }> {
  const out = await runOrt(clsOnnx, { x: { shape: x.shape, data: x.data } });
  const first = Object.values(out)[0]!;
  return { shape: first.shape, data: first.data as Float32Array };
}

async function runFirst(model: Model, x: Tensor): Promise<Tensor> {
  const out = await model.run([x]);
  return out[model.outputNames[0]!]!;
}

const TEXT_LINES = ["HELLO WORLD 2026", "PADDLE WITHOUT PYTHON", "GHOSTNET TS"];

function textLines(): { upright: RgbImage[]; turned: RgbImage[] } {
  const upright = TEXT_LINES.map((t) => renderTextLine(t, { scale: 4 }));
  return { upright, turned: upright.map(rotate180) };
}

describe("ch_ppocr_mobile_v2.0_cls_infer (Paddle 2.3.2 legacy program)", () => {
  it("equals onnxruntime on the Paddle2ONNX export within 1e-5 on a random [2, 3, 48, 192] batch", async () => {
    const model = await loadModel({ model: clsModel, params: clsParams });
    expect(model.inputNames).toEqual(["x"]);
    expect(model.outputNames).toEqual(["softmax_0.tmp_0"]);
    const x = randomBatch([2, 3, 48, 192], 7);
    expectClose(await runFirst(model, x), await onnxruntimeCls(x), 1e-5, "softmax");
    model.dispose();
  });

  it("equals onnxruntime on drawn text lines and says which are upright and which turned", async () => {
    const model = await loadModel({ model: clsModel, params: clsParams });
    const { upright, turned } = textLines();
    const x = directionInput([...upright, ...turned]);
    const ours = await runFirst(model, x);
    expectClose(ours, await onnxruntimeCls(x), 1e-5, "softmax");
    for (let n = 0; n < 2 * TEXT_LINES.length; n++) {
      const upside = ours.data[2 * n + 1]! > ours.data[2 * n]!;
      expect(upside, `line ${n}`).toBe(n >= TEXT_LINES.length);
    }
    model.dispose();
  });

  it("loads the same from a folder's files, a tar of the folder (ustar and GNU tar) and an ArrayBuffer", async () => {
    const x = randomBatch([1, 3, 48, 160], 11);
    const reference = await onnxruntimeCls(x);
    // A folder's files, as a caller (or the Node path helper) reads them.
    const folder = paddleFixture(CLS);
    const files = new Map(readdirSync(folder).map((f) => [`${CLS}/${f}`, new Uint8Array(readFileSync(join(folder, f)))]));
    const found = findPaddleModel(files, "the folder");
    expect(found.modelPath).toBe(`${CLS}/inference.pdmodel`);
    const fromFolder = await loadModel({ model: found.model, params: found.params as Uint8Array });
    expectClose(await runFirst(fromFolder, x), reference, 1e-5, "folder");
    // Our ustar writer.
    const ustar = writeTar({ [`${CLS}/inference.pdmodel`]: clsModel, [`${CLS}/inference.pdiparams`]: clsParams });
    expectClose(await runFirst(await loadModel(ustar), x), reference, 1e-5, "ustar");
    // The system's tar (GNU format by default), with ./ prefixes as `tar -C dir .` writes them.
    const dir = mkdtempSync(join(tmpdir(), "paddle-tar-"));
    try {
      cpSync(folder, join(dir, "GhostNet_x1_0_infer"), { recursive: true });
      execFileSync("tar", ["-cf", join(dir, "model.tar"), "-C", dir, "./GhostNet_x1_0_infer"]);
      const gnu = new Uint8Array(readFileSync(join(dir, "model.tar")));
      expectClose(await runFirst(await loadModel(gnu), x), reference, 1e-5, "GNU tar");
      const buffer = gnu.buffer.slice(gnu.byteOffset, gnu.byteOffset + gnu.byteLength) as ArrayBuffer;
      expectClose(await runFirst(await loadModel(buffer), x), reference, 1e-5, "ArrayBuffer");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without its parameters is a clear error naming what to pass", async () => {
    await expect(loadModel(clsModel)).rejects.toThrow(/213 parameters but no parameter file.*\{ model, params \}/);
    await expect(loadModel({ model: clsModel, params: clsParams.subarray(0, 1000) })).rejects.toThrow(/truncated|remain/);
  });
});

/** PaddleX's preprocessing from the model's inference.yml: resize to 160×80, /255, ImageNet mean/std, CHW. */
function lcnetInput(lines: readonly RgbImage[]): Tensor {
  const [W, H] = [160, 80];
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const batch = new Tensor([lines.length, 3, H, W]);
  lines.forEach((line, n) => {
    const resized = resizeBilinear(line, W, H);
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < H * W; p++) {
        batch.data[(n * 3 + c) * H * W + p] = (resized.data[p * 3 + c]! * 0.00392156862745098 - mean[c]!) / std[c]!;
      }
    }
  });
  return batch;
}

describe("PP-LCNet_x0_25_textline_ori (Paddle 3 PIR inference.json)", () => {
  it("classifies upright and 180°-turned text lines right", async () => {
    const model = await loadModel({
      model: readPaddleFixture("PP-LCNet_x0_25_textline_ori", "inference.json"),
      params: readPaddleFixture("PP-LCNet_x0_25_textline_ori", "inference.pdiparams"),
    });
    expect(model.inputNames).toEqual(["x"]);
    expect(model.outputNames).toEqual(["fetch_name_0"]);
    const { upright, turned } = textLines();
    const out = await runFirst(model, lcnetInput([...upright, ...turned]));
    expect(out.shape).toEqual([2 * TEXT_LINES.length, 2]);
    for (let n = 0; n < 2 * TEXT_LINES.length; n++) {
      const [p0, p180] = [out.data[2 * n]!, out.data[2 * n + 1]!];
      expect(p0 + p180).toBeCloseTo(1, 5);
      expect(p180 > p0, `line ${n}: p(0°) ${p0.toFixed(3)}, p(180°) ${p180.toFixed(3)}`).toBe(n >= TEXT_LINES.length);
    }
    model.dispose();
  });

  it("loads from a tar of its folder too", async () => {
    const dir = "PP-LCNet_x0_25_textline_ori";
    const tar = writeTar({
      [`${dir}/inference.json`]: readPaddleFixture(dir, "inference.json"),
      [`${dir}/inference.pdiparams`]: readPaddleFixture(dir, "inference.pdiparams"),
      [`${dir}/inference.yml`]: readPaddleFixture(dir, "inference.yml"),
    });
    const model = await loadModel(tar);
    const out = await runFirst(model, lcnetInput([renderTextLine("UPRIGHT TEXT")]));
    expect(out.data[0]! > out.data[1]!).toBe(true);
  });
});

describe("simple_conv_bn (Paddle 2.2.2)", () => {
  it("equals onnxruntime on the same Conv → BatchNormalization → Relu written as ONNX", async () => {
    const model = readPaddleFixture("simple_conv_bn", "model.pdmodel");
    const paramBytes = readPaddleFixture("simple_conv_bn", "model.pdiparams");
    const ours = await loadModel({ model, params: paramBytes });
    expect(ours.inputNames).toEqual(["image"]);
    // The five weights in sorted(name) order, as the parameter file holds them.
    const names = ["conv1_bn_mean", "conv1_bn_offset", "conv1_bn_scale", "conv1_bn_variance", "conv1_weights"];
    const weights = readCombinedParams(paramBytes, names.map((name) => ({ name })), { maxTensorElements: 2 ** 20 });
    expect(weights.get("conv1_weights")!.shape).toEqual([32, 3, 3, 3]);
    const t = (name: string) => ({ name, dtype: "float32" as const, dims: weights.get(name)!.shape, data: weights.get(name)!.data });
    const onnx = encodeModel({
      opset: 13,
      inputs: [{ name: "image", shape: ["N", 3, 224, 224] }],
      outputs: [{ name: "y" }],
      initializers: names.map(t),
      nodes: [
        { opType: "Conv", inputs: ["image", "conv1_weights"], outputs: ["c"], attributes: { strides: { type: "ints", value: [2, 2] }, pads: { type: "ints", value: [1, 1, 1, 1] } } },
        { opType: "BatchNormalization", inputs: ["c", "conv1_bn_scale", "conv1_bn_offset", "conv1_bn_mean", "conv1_bn_variance"], outputs: ["b"], attributes: { epsilon: { type: "float", value: 9.999999747378752e-6 } } },
        { opType: "Relu", inputs: ["b"], outputs: ["y"] },
      ],
    });
    const x = randomBatch([1, 3, 224, 224], 3);
    const reference = Object.values(await runOrt(onnx, { image: { shape: x.shape, data: x.data } }))[0]!;
    expectClose(await runFirst(ours, x), { shape: reference.shape, data: reference.data as Float32Array }, 1e-5, "relu");
  });
});
