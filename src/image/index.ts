/**
 * Images for classification: decoding (JPEG, PNG, RGBA pixels) to RGB, PaddleClas's
 * preprocessing, label lists and top-k. Runtime-neutral: PNG inflating is injected
 * (png.ts); the Node decoder lives in png-node.ts, exported by the Node entry only.
 */
export { decodeImage, type DecodeOptions } from "./decode.js";
export { fromImageData, DEFAULT_DECODE_LIMITS, type RgbImage, type RgbaPixels, type DecodeLimits } from "./rgb-image.js";
export { decodeJpeg, readJpegInfo, isJpeg, type JpegInfo } from "./jpeg.js";
export { decodePng, isPng, setPngDecoder, readPngStructure, inflatedSize, type PngDecoder, type DecodedPng, type PngHeader } from "./png.js";
export { applyOrientation, readExifOrientation, type Orientation } from "./orientation.js";
export { resizeBilinear, type PixelImage, type ResizeWindow } from "./resize.js";
export {
  preprocess, preprocessBatch, resizeShortSide, resizeShortSize, resizeShortThenCrop, centerCrop, normalizeToChw,
  PADDLECLAS_PREPROCESS, type PreprocessOptions,
} from "./preprocess.js";
export { parseLabelList } from "./labels.js";
export { topK, type Prediction } from "./topk.js";
