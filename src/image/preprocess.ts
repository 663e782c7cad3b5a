/**
 * PaddleClas's classification preprocessing (deploy/configs/inference_cls.yaml), step by
 * step as deploy/python/preprocess.py does it:
 *
 *   ResizeImage(resize_short=256)  short side to 256, the other side round(side·256/short)
 *                                  (Python's round: half to even), cv2.resize INTER_LINEAR
 *   CropImage(size=224)            centre crop, offsets (W−224)//2 and (H−224)//2
 *   NormalizeImage                 (x·0.00392157 − mean) / std per channel, in float32,
 *                                  mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225]
 *   ToCHWImage                     HWC → CHW, then a batch axis: [1, 3, 224, 224]
 *
 * The resize is byte-exact with OpenCV (resize.ts) and the normalisation repeats NumPy's
 * float32 operations one rounding at a time, so a PNG gives PaddleClas's tensor exactly.
 */
import { InputError } from "../errors.js";
import { Tensor } from "../tensor/index.js";
import { resizeBilinear, roundHalfEven } from "./resize.js";
import type { RgbImage } from "./rgb-image.js";

/** PaddleClas preprocessing settings; omitted ones take PaddleClas's values. */
export interface PreprocessOptions {
  /** Length of the short side after resizing (PaddleClas: 256). */
  resizeShort?: number;
  /** Side of the square centre crop (PaddleClas: 224). */
  cropSize?: number;
  /** Multiplier from 0..255 to 0..1 (PaddleClas's config: 0.00392157, i.e. 1/255). */
  scale?: number;
  /** Per-channel mean, RGB order. */
  mean?: readonly [number, number, number];
  /** Per-channel standard deviation, RGB order. */
  std?: readonly [number, number, number];
}

/** PaddleClas's settings (deploy/configs/inference_cls.yaml). */
export const PADDLECLAS_PREPROCESS: Required<PreprocessOptions> = {
  resizeShort: 256,
  cropSize: 224,
  scale: 0.00392157,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** Size after "resize the short side to `short`": round(side · short/min) per side, half to even. */
export function resizeShortSize(width: number, height: number, short: number): { width: number; height: number } {
  const percent = short / Math.min(width, height);
  return { width: roundHalfEven(width * percent), height: roundHalfEven(height * percent) };
}

/** Resizes so that the short side is `short` pixels (OpenCV-exact bilinear). */
export function resizeShortSide(image: RgbImage, short: number): RgbImage {
  const size = resizeShortSize(image.width, image.height, short);
  return resizeBilinear(image, size.width, size.height, 3);
}

/**
 * `centerCrop(resizeShortSide(image, short), size)`, byte for byte, computing only the
 * cropped pixels: a long thin image (65535×1 is a valid PNG of a few hundred bytes) would
 * otherwise be resized to 16,776,960×256 pixels, 12 GB, before the crop.
 */
export function resizeShortThenCrop(image: RgbImage, short: number, size: number): RgbImage {
  const resized = resizeShortSize(image.width, image.height, short);
  if (resized.width < size || resized.height < size) {
    throw new InputError(`cannot crop ${size}×${size} from a ${resized.width}×${resized.height} image`);
  }
  const left = Math.floor((resized.width - size) / 2);
  const top = Math.floor((resized.height - size) / 2);
  return resizeBilinear(image, resized.width, resized.height, 3, { left, top, width: size, height: size });
}

/** The centred `size`×`size` window, offsets (W − size)//2 and (H − size)//2. */
export function centerCrop(image: RgbImage, size: number): RgbImage {
  if (image.width < size || image.height < size) {
    throw new InputError(`cannot crop ${size}×${size} from a ${image.width}×${image.height} image`);
  }
  const left = Math.floor((image.width - size) / 2);
  const top = Math.floor((image.height - size) / 2);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * image.width + left) * 3;
    out.set(image.data.subarray(from, from + size * 3), y * size * 3);
  }
  return { width: size, height: size, data: out };
}

/**
 * Writes (x·scale − mean[c]) / std[c] for every pixel into `out` (CHW, 3·H·W floats from
 * `offset`), each operation rounded to float32 as NumPy does it. A 256-entry table per
 * channel holds the answers, since x is a byte.
 */
export function normalizeToChw(
  image: RgbImage, options: PreprocessOptions = {}, out = new Float32Array(3 * image.width * image.height), offset = 0,
): Float32Array {
  const { scale, mean, std } = { ...PADDLECLAS_PREPROCESS, ...options };
  const plane = image.width * image.height;
  const f = Math.fround;
  for (let c = 0; c < 3; c++) {
    const table = new Float32Array(256);
    const scale32 = f(scale);
    const mean32 = f(mean[c]!);
    const std32 = f(std[c]!);
    for (let v = 0; v < 256; v++) table[v] = f(f(f(v * scale32) - mean32) / std32);
    const base = offset + c * plane;
    for (let p = 0; p < plane; p++) out[base + p] = table[image.data[p * 3 + c]!]!;
  }
  return out;
}

/** One decoded image → PaddleClas's input tensor [1, 3, crop, crop]. */
export function preprocess(image: RgbImage, options: PreprocessOptions = {}): Tensor {
  return preprocessBatch([image], options);
}

/** Several decoded images → one batch tensor [N, 3, crop, crop], images in order. */
export function preprocessBatch(images: readonly RgbImage[], options: PreprocessOptions = {}): Tensor {
  const settings = { ...PADDLECLAS_PREPROCESS, ...options };
  const { resizeShort, cropSize } = settings;
  if (!Number.isInteger(resizeShort) || resizeShort < 1 || !Number.isInteger(cropSize) || cropSize < 1) {
    throw new InputError(`preprocess: resizeShort (${resizeShort}) and cropSize (${cropSize}) must be positive integers`);
  }
  if (cropSize > resizeShort) throw new InputError(`preprocess: cropSize ${cropSize} is larger than resizeShort ${resizeShort}`);
  if (images.length === 0) throw new InputError("preprocess: no images given");
  const perImage = 3 * cropSize * cropSize;
  const data = new Float32Array(images.length * perImage);
  images.forEach((image, n) => {
    normalizeToChw(resizeShortThenCrop(image, resizeShort, cropSize), settings, data, n * perImage);
  });
  return new Tensor([images.length, 3, cropSize, cropSize], data);
}
