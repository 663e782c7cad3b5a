/**
 * The limits a user can set, and the regressions the fuzzers found:
 *
 *   images   DecodeLimits { maxPixels (50 MP), maxDimension (65535), maxMemoryMB (1024) },
 *            checked against the header before any pixel is allocated → LimitError
 *   models   maxTensorElements (2^28) for every tensor in the file and every tensor a run
 *            would make, checked before allocating → a GhostnetError naming the tensor
 *
 * Regression inputs live in test/fixtures/fuzz-regressions (small files).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { GhostnetError, LimitError } from "../../src/errors.js";
import { decodeImage } from "../../src/image/decode.js";
import { setPngDecoder } from "../../src/image/png.js";
import { pngjsDecoder } from "../../src/image/png-node.js";
import { centerCrop, preprocess, resizeShortSide, resizeShortThenCrop } from "../../src/image/preprocess.js";
import { fromImageData, type RgbImage } from "../../src/image/rgb-image.js";
import { loadModel } from "../../src/load-model.js";
import { encodeModel } from "../../src/loader/writer.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { Rng } from "../fuzz/mutate.js";
import { tinyGraphBytes } from "./models.js";

const regression = (name: string): Uint8Array => new Uint8Array(readFileSync(`test/fixtures/fuzz-regressions/${name}`));

beforeAll(() => setPngDecoder(pngjsDecoder));

function randomImage(width: number, height: number, seed: number): RgbImage {
  const rng = new Rng(seed);
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => rng.int(256)) };
}

/** A PNG signature and an IHDR that declares width×height (CRC not fixed: the size check comes first). */
function pngHeader(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(8 + 25);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, 13);
  bytes.set([0x49, 0x48, 0x44, 0x52], 12);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 2, 0, 0, 0], 24);
  return bytes;
}

/** A JPEG start, then a baseline frame header declaring width×height, and nothing else. */
function jpegHeader(width: number, height: number): Uint8Array {
  return Uint8Array.from([
    0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03,
    0x01, 0x11, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xd9,
  ]);
}

describe("image limits", () => {
  it("regression: a 65535×1 PNG (302 bytes) preprocesses without resizing to 16,776,960×256 first", () => {
    // Before: resizeShortSide allocated 12.9 GB and threw RangeError "Invalid typed array length".
    const image = decodeImage(regression("thin-65535x1.png"));
    expect([image.width, image.height]).toEqual([65535, 1]);
    const started = performance.now();
    const tensor = preprocess(image);
    expect(tensor.shape).toEqual([1, 3, 224, 224]);
    expect(tensor.data.every(Number.isFinite)).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("resizing only the crop window gives the bytes of resize-then-crop (upscale, downscale, exact halving, identity)", () => {
    const cases: [number, number][] = [[37, 23], [300, 260], [512, 600], [256, 256], [1000, 3], [3, 700]];
    cases.forEach(([w, h], i) => {
      const image = randomImage(w, h, 40 + i);
      const full = centerCrop(resizeShortSide(image, 256), 224);
      const windowed = resizeShortThenCrop(image, 256, 224);
      expect([windowed.width, windowed.height]).toEqual([224, 224]);
      expect(Buffer.from(windowed.data).equals(Buffer.from(full.data)), `${w}×${h}`).toBe(true);
    });
  });

  it("headers that declare more than the limits are refused with LimitError before decoding", () => {
    // Defaults: 50 MP and 65535 a side. The files are a few bytes: nothing was allocated for them.
    expect(() => decodeImage(pngHeader(60_000, 60_000))).toThrow(LimitError);
    expect(() => decodeImage(jpegHeader(65_535, 65_535))).toThrow(LimitError);
    expect(() => decodeImage(pngHeader(70_000, 1))).toThrow(LimitError);
    // Limits a caller sets.
    expect(() => decodeImage(pngHeader(1000, 1000), { maxPixels: 999_999 })).toThrow(/limit is 1\.0 MP/);
    expect(() => decodeImage(jpegHeader(4000, 10), { maxDimension: 2048 })).toThrow(LimitError);
    const pixels = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4) };
    expect(() => fromImageData(pixels, { maxPixels: 1000 })).toThrow(LimitError);
    expect(fromImageData(pixels).width).toBe(64);
  });

  it("the limits are checked in the header: a real photo passes under a limit just above its size", () => {
    const photo = new Uint8Array(readFileSync("test/fixtures/images/exif6.jpg"));
    const { width, height } = decodeImage(photo);
    expect(decodeImage(photo, { maxPixels: width * height }).width).toBe(width);
    expect(() => decodeImage(photo, { maxPixels: width * height - 1 })).toThrow(LimitError);
  });
});

describe("model limits (maxTensorElements)", () => {
  it("a weight larger than the limit is refused at load, naming it", async () => {
    const error = await loadModel(tinyGraphBytes(), { maxTensorElements: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GhostnetError);
    expect((error as Error).message).toMatch(/fc_weights|last_weights|conv1_weights|primary_weights/);
  });

  it("a tensor whose dims claim 2^40 elements with a 4-byte payload is refused without allocating", async () => {
    const bytes = encodeModel({
      opset: 13,
      nodes: [{ opType: "Add", inputs: ["x", "w"], outputs: ["y"] }],
      initializers: [{ name: "w", dtype: "float32", dims: [2 ** 20, 2 ** 20], data: [1] }],
      inputs: [{ name: "x", shape: [1] }],
      outputs: [{ name: "y" }],
    });
    const before = process.memoryUsage().arrayBuffers;
    const error = await loadModel(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GhostnetError);
    expect((error as Error).message).toMatch(/'w'/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  it("a feed whose intermediates would pass the limit is refused before the run allocates them", async () => {
    const model = await loadModel(tinyGraphBytes(), { maxTensorElements: 2 ** 16 });
    const small = new Tensor([1, 3, 32, 32]);
    await expect(model.run({ x: small })).resolves.toBeDefined();
    // 3·256·256 = 196,608 elements for the feed itself and 8·128·128 after the stem.
    const large = new Tensor([1, 3, 256, 256]);
    const error = await model.run({ x: large }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GhostnetError);
    model.dispose();
  });
});
