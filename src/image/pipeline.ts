/**
 * An image preprocessing pipeline described by data: the steps of a PaddleClas / PaddleX
 * `inference.yml` (`PreProcess.transform_ops`), as deploy/python/preprocess.py runs them.
 *
 *   DecodeImage      to_rgb (default true): RGB, or BGR when false
 *   ResizeImage      resize_short: short side to N, the other round(side·N/short) (half to
 *                    even); or size: exactly [width, height] (an int: square).
 *                    OpenCV INTER_LINEAR, byte-exact (resize.ts)
 *   CropImage        size [width, height] (an int: square), centred, offsets (W−w)//2, (H−h)//2
 *   NormalizeImage   (x·scale − mean[c]) / std[c] in float32, order '' / 'hwc'
 *   ToCHWImage       HWC → CHW (the tensor is always CHW: the models take [N, 3, H, W])
 *
 * `runImagePipeline` turns a decoded RGB image into the [1, 3, H, W] tensor;
 * `pipelinePreprocessor` makes a classifier's `preprocess` option of it. This file parses
 * nothing: src/loader/paddle/inference-config.ts reads the YAML into these steps. (The
 * default entry does not export it; the Paddle entry does.)
 */
import { InputError, LimitError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { decodeImage } from "./decode.js";
import { normalizeToChw, resizeShortSize, resizeShortThenCrop } from "./preprocess.js";
import { resizeBilinear } from "./resize.js";
import { type DecodeLimits, type RgbImage, type RgbaPixels, fromImageData } from "./rgb-image.js";

/** One preprocessing step. */
export type PipelineStep =
  | { op: "decode"; toRgb: boolean }
  | { op: "resize-short"; short: number }
  | { op: "resize"; width: number; height: number }
  | { op: "crop"; width: number; height: number }
  | { op: "normalize"; scale: number; mean: readonly [number, number, number]; std: readonly [number, number, number] }
  | { op: "to-chw" };

/** Most pixels a resize step may produce (a thin image resized by its short side grows huge). */
export const MAX_PIPELINE_PIXELS = 50_000_000;

/** The order steps must come in (each at most once); normalize is required. */
const ORDER: readonly PipelineStep["op"][] = ["decode", "resize-short", "resize", "crop", "normalize", "to-chw"];

/** Checks a pipeline: known steps, sensible values, PaddleClas's order. Throws InputError. */
export function checkPipeline(steps: readonly PipelineStep[]): void {
  let last = -1;
  for (const step of steps) {
    const at = ORDER.indexOf(step.op);
    if (at < 0) throw new InputError(`preprocessing step '${String((step as { op: unknown }).op)}' is unknown`);
    if (at <= last || (step.op === "resize" && steps.some((s) => s.op === "resize-short"))) {
      throw new InputError(`preprocessing steps must run decode → resize → crop → normalize → to CHW, each once; found ${steps.map((s) => s.op).join(" → ")}`);
    }
    last = at;
    const positive = (value: number, what: string): void => {
      if (!(Number.isInteger(value) && value >= 1 && value <= 65_535)) throw new InputError(`preprocessing ${step.op}: ${what} must be a whole number from 1 to 65535, got ${value}`);
    };
    if (step.op === "resize-short") positive(step.short, "resize_short");
    if (step.op === "resize" || step.op === "crop") {
      positive(step.width, "width");
      positive(step.height, "height");
    }
    if (step.op === "normalize") {
      const finite = [step.scale, ...step.mean, ...step.std].every(Number.isFinite);
      if (!finite || step.mean.length !== 3 || step.std.length !== 3 || step.std.some((s) => s === 0)) {
        throw new InputError("preprocessing normalize: scale, 3 means and 3 non-zero stds (finite numbers) are needed");
      }
    }
  }
  if (!steps.some((s) => s.op === "normalize")) throw new InputError("preprocessing has no normalize step");
}

/** `image` with its R and B channels swapped (OpenCV's BGR). */
function swapRedBlue(image: RgbImage): RgbImage {
  const data = image.data.slice();
  for (let p = 0; p < data.length; p += 3) {
    data[p] = image.data[p + 2]!;
    data[p + 2] = image.data[p]!;
  }
  return { width: image.width, height: image.height, data };
}

function checkPixels(width: number, height: number, what: string): void {
  if (width * height > MAX_PIPELINE_PIXELS) {
    throw new LimitError(`preprocessing: ${what} would make a ${width}×${height} image, more than ${MAX_PIPELINE_PIXELS} pixels`);
  }
}

/** The centred window of `image`, [width, height]. */
function crop(image: RgbImage, width: number, height: number): RgbImage {
  if (image.width < width || image.height < height) {
    throw new InputError(`cannot crop ${width}×${height} from a ${image.width}×${image.height} image`);
  }
  return resizeBilinear(image, image.width, image.height, 3, {
    left: Math.floor((image.width - width) / 2),
    top: Math.floor((image.height - height) / 2),
    width,
    height,
  });
}

/** Runs `steps` (checked with checkPipeline) on a decoded RGB image → [1, 3, H, W]. */
export function runImagePipeline(rgb: RgbImage, steps: readonly PipelineStep[]): Tensor {
  checkPipeline(steps);
  let image = rgb;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const next = steps[i + 1];
    switch (step.op) {
      case "decode":
        if (!step.toRgb) image = swapRedBlue(image);
        break;
      case "resize-short": {
        const size = resizeShortSize(image.width, image.height, step.short);
        if (next?.op === "crop") {
          // Resize and crop in one pass: only the cropped pixels are computed (preprocess.ts).
          if (next.width === next.height) {
            image = resizeShortThenCrop(image, step.short, next.width);
            i++;
            break;
          }
        }
        checkPixels(size.width, size.height, `resize_short ${step.short}`);
        image = resizeBilinear(image, size.width, size.height, 3);
        break;
      }
      case "resize":
        checkPixels(step.width, step.height, "resize");
        image = resizeBilinear(image, step.width, step.height, 3);
        break;
      case "crop":
        image = crop(image, step.width, step.height);
        break;
      case "normalize":
        return new Tensor([1, 3, image.height, image.width], normalizeToChw(image, { scale: step.scale, mean: step.mean, std: step.std }));
      case "to-chw":
        break;
    }
  }
  // checkPipeline requires a normalize step, which returns.
  throw new InputError("preprocessing has no normalize step");
}

/**
 * A `createClassifier` `preprocess` option running `steps`: encoded image bytes (decoded
 * within the classifier's image limits) or RGBA pixels → [1, 3, H, W].
 */
export function pipelinePreprocessor(steps: readonly PipelineStep[]): (input: Uint8Array | RgbaPixels, imageLimits?: DecodeLimits) => Tensor {
  checkPipeline(steps);
  const frozen = steps.slice();
  return (input, imageLimits = {}) =>
    runImagePipeline(input instanceof Uint8Array ? decodeImage(input, imageLimits) : fromImageData(input, imageLimits), frozen);
}
