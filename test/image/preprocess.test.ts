/**
 * PaddleClas preprocessing against OpenCV. The references were made ONCE with real OpenCV
 * by scripts/make-preprocess-references.py (Debian bookworm's python3-opencv 4.6.0 with
 * libjpeg-turbo 2.1 and libpng 1.6, NumPy 1.24), which runs PaddleClas's own steps from
 * deploy/python/preprocess.py: cv2.imread → [:, :, ::-1] → ResizeImage(resize_short=256,
 * cv2.resize INTER_LINEAR) → CropImage(224) → NormalizeImage(0.00392157, mean, std) →
 * ToCHWImage. It stores the uint8 crop before NormalizeImage (`*.crop.npy`) and NumPy's
 * float32 NormalizeImage result for every byte value (`normalize-table.npy`), so the
 * reference tensor is table[c][crop[y, x, c]]; two complete float32 tensors
 * (`*.tensor.npy`) check that route.
 *
 * Must-show tolerances: PNG within 1.5 grey levels per pixel, JPEG within 2 grey levels
 * on average (jpeg-js's inverse DCT is not libjpeg's). A "grey level" is one step of the
 * 0..255 input: |ours − ref| · std[c] · 255 after normalisation.
 */
import { describe, expect, it } from "vitest";
import { decodeImage } from "../../src/image/decode.js";
import { centerCrop, preprocess, preprocessBatch, resizeShortSide, resizeShortSize, PADDLECLAS_PREPROCESS } from "../../src/image/preprocess.js";
import { FIXTURES, SAMPLES, readBytes, readNpyFile } from "./helpers.js";

const STD = PADDLECLAS_PREPROCESS.std;
const table = readNpyFile(`${FIXTURES}normalize-table.npy`).data as Float32Array; // [3, 256]

function referenceTensor(name: string): Float32Array {
  const crop = readNpyFile(`${FIXTURES}${name}.crop.npy`);
  expect(crop.shape).toEqual([224, 224, 3]);
  const out = new Float32Array(3 * 224 * 224);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < 224 * 224; p++) out[c * 224 * 224 + p] = table[c * 256 + crop.data[p * 3 + c]!]!;
  }
  return out;
}

/** Max and mean |ours − ref| in grey levels (0..255 steps). */
function greyLevelError(ours: Float32Array, ref: Float32Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  const plane = 224 * 224;
  for (let i = 0; i < ref.length; i++) {
    const levels = Math.abs(ours[i]! - ref[i]!) * STD[Math.floor(i / plane)]! * 255;
    max = Math.max(max, levels);
    sum += levels;
  }
  return { max, mean: sum / ref.length };
}

function preprocessFile(path: string): Float32Array {
  const tensor = preprocess(decodeImage(readBytes(path)));
  expect(Array.from(tensor.shape)).toEqual([1, 3, 224, 224]);
  return tensor.data;
}

describe("PaddleClas preprocessing vs OpenCV references", () => {
  it("the table route equals NumPy's complete float32 tensors", () => {
    for (const name of ["whl_demo.jpg", "grey8.png"]) {
      const full = readNpyFile(`${FIXTURES}${name}.tensor.npy`);
      expect(full.shape).toEqual([1, 3, 224, 224]);
      expect(Array.from(referenceTensor(name))).toEqual(Array.from(full.data));
    }
  });

  const pngs = ["grey8.png", "rgba8.png", "palette8.png", "rgb16.png", "rgb8.png", "interlaced.png"];
  it.each(pngs)("%s: within 1.5 grey levels per pixel (in fact identical)", (name) => {
    const ours = preprocessFile(`${FIXTURES}${name}`);
    const error = greyLevelError(ours, referenceTensor(name));
    expect(error.max, `max error ${error.max} grey levels`).toBeLessThanOrEqual(1.5);
    // The decode, resize and float32 normalisation all repeat OpenCV/NumPy exactly.
    expect(error.max).toBe(0);
  });

  const jpegs: [string, string][] = [
    ["whl_demo.jpg", SAMPLES],
    ["ILSVRC2012_val_00000010.jpeg", SAMPLES],
    ["progressive.jpg", FIXTURES],
    ["exif6.jpg", FIXTURES],
  ];
  it.each(jpegs)("%s: within 2 grey levels on average", (name, folder) => {
    const ours = preprocessFile(`${folder}${name}`);
    const error = greyLevelError(ours, referenceTensor(name));
    expect(error.mean, `mean error ${error.mean.toFixed(3)} grey levels (max ${error.max.toFixed(1)})`).toBeLessThanOrEqual(2);
    if (process.env.SHOW_ERRORS) console.log(name, error);
    // With libjpeg's upsampling and colour tables, only the IDCT differs: far below 2.
    expect(error.mean).toBeLessThan(0.5);
  });

  it("CMYK JPEG (Adobe, inverted) is converted close to OpenCV's conversion", () => {
    const ours = preprocessFile(`${FIXTURES}cmyk.jpg`);
    const error = greyLevelError(ours, referenceTensor("cmyk.jpg"));
    expect(error.mean, `mean error ${error.mean.toFixed(3)} grey levels`).toBeLessThanOrEqual(2);
    if (process.env.SHOW_ERRORS) console.log("cmyk.jpg", error);
  });
});

describe("preprocessing steps", () => {
  it("resize-short sizes use Python's round (half to even) on w·(256/min)", () => {
    expect(resizeShortSize(500, 375, 256)).toEqual({ width: 341, height: 256 }); // 341.33
    expect(resizeShortSize(375, 500, 256)).toEqual({ width: 256, height: 341 });
    expect(resizeShortSize(256, 256, 256)).toEqual({ width: 256, height: 256 });
    // Ties: 5·0.5 = 2.5 → 2 and 7·0.5 = 3.5 → 4 (half to even), as Python rounds.
    expect(resizeShortSize(5, 512, 256)).toEqual({ width: 256, height: 26214 }); // 512·51.2 = 26214.4
    expect(resizeShortSize(2, 5, 1)).toEqual({ width: 1, height: 2 }); // 5·0.5 = 2.5 → 2
    expect(resizeShortSize(2, 7, 1)).toEqual({ width: 1, height: 4 }); // 7·0.5 = 3.5 → 4
  });

  it("centre crop takes offsets (W−224)//2 and (H−224)//2", () => {
    const width = 229; // offset 2 (5 // 2)
    const height = 227; // offset 1
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[(y * width + x) * 3] = (x + 3 * y) & 255;
    const crop = centerCrop({ width, height, data }, 224);
    expect(crop.data[0]).toBe((2 + 3 * 1) & 255);
    expect(crop.data[(223 * 224 + 223) * 3]).toBe((225 + 3 * 224) & 255);
  });

  it("the uint8 crop of a PNG is OpenCV's, byte for byte", () => {
    const image = decodeImage(readBytes(`${FIXTURES}rgb8.png`));
    const crop = centerCrop(resizeShortSide(image, 256), 224);
    expect(Array.from(crop.data)).toEqual(Array.from(readNpyFile(`${FIXTURES}rgb8.png.crop.npy`).data));
  });

  it("a batch stacks images in order as [N, 3, 224, 224]", () => {
    const a = decodeImage(readBytes(`${FIXTURES}grey8.png`));
    const b = decodeImage(readBytes(`${FIXTURES}palette8.png`));
    const batch = preprocessBatch([a, b, a]);
    expect(Array.from(batch.shape)).toEqual([3, 3, 224, 224]);
    const one = 3 * 224 * 224;
    expect(Array.from(batch.data.subarray(one, 2 * one))).toEqual(Array.from(preprocess(b).data));
    expect(Array.from(batch.data.subarray(2 * one))).toEqual(Array.from(batch.data.subarray(0, one)));
  });

  it("options change the sizes and constants; impossible settings are refused", () => {
    const image = decodeImage(readBytes(`${FIXTURES}grey8.png`));
    const tensor = preprocess(image, { resizeShort: 64, cropSize: 32, mean: [0, 0, 0], std: [1, 1, 1], scale: 1 });
    expect(Array.from(tensor.shape)).toEqual([1, 3, 32, 32]);
    expect(tensor.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    expect(() => preprocess(image, { resizeShort: 200, cropSize: 224 })).toThrow(/cropSize 224 is larger than resizeShort 200/);
    expect(() => preprocessBatch([])).toThrow(/no images/);
  });
});
