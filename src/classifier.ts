/**
 * A classifier over any loaded model (DESIGN.md §5): an image in — encoded bytes, RGBA
 * pixels or an already preprocessed tensor — and the top-k `{ classId, label, score }` out.
 *
 *   bytes ──decodeImage──▶ RGB ──PaddleClas preprocess──▶ [1, 3, 224, 224] ─┐
 *   RGBA pixels ─────────▶ RGB ─┘                                           ├─▶ model ─▶ [N, classes] ─▶ softmax? ─▶ top-k
 *   preprocessed tensor [1, 3, H, W] or [3, H, W] ──────────────────────────┘
 *
 * `classifyBatch` stacks the preprocessed images into one [N, 3, H, W] feed and runs the
 * model once. Scores are probabilities: when the model's first output is not already a
 * softmax (rows not summing to 1), the classifier applies one.
 *
 * Core code: no Node built-ins. Labels default to "class {id}"; in Node,
 * `loadImageNetLabels()` (ghostnet-ts/node) gives PaddleClas's ImageNet-1k names.
 */
import { InputError, ShapeError } from "./errors.js";
import { decodeImage } from "./image/decode.js";
import { preprocess as preprocessImage } from "./image/preprocess.js";
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, type RgbaPixels, fromImageData } from "./image/rgb-image.js";
import { type Prediction, topK } from "./image/topk.js";
import type { Model } from "./model.js";
import { Tensor, type TensorLike, formatShape } from "./tensor/tensor.js";

export type { RgbaPixels };

/** What `classify` accepts: encoded image bytes (JPEG, PNG), RGBA pixels, or a preprocessed tensor. */
export type ClassifierInput = Uint8Array | RgbaPixels | TensorLike;

export type { Prediction };

/** Options of `createClassifier`. */
export interface ClassifierOptions {
  /** Class names by id (default: "class {id}"). */
  labels?: readonly string[];
  /** How many classes to return per image (default 5). */
  topk?: number;
  /**
   * Replaces PaddleClas's preprocessing for encoded images and pixels; must give [1, 3, H, W].
   * It is handed the classifier's `imageLimits` to decode within (a model's own
   * inference.yml preprocessing: `pipelinePreprocessor` from ghostnet-ts/paddle).
   */
  preprocess?: (input: Uint8Array | RgbaPixels, imageLimits: DecodeLimits) => TensorLike | Promise<TensorLike>;
  /**
   * Limits for decoding encoded images (checked from the header, before the pixels are
   * allocated; a larger image is refused with LimitError): `maxPixels` (width·height,
   * default 50,000,000), `maxDimension` (width or height, default 65,535), `maxMemoryMB`
   * (the JPEG decoder's memory cap, default 1024). Unset fields keep their defaults.
   */
  imageLimits?: DecodeLimits;
}

/** Image in, top-k classes out: what `createClassifier` returns. */
export interface Classifier {
  readonly model: Model;
  /** Image → [1, 3, H, W] as the classifier feeds it (preprocessed tensors pass through). */
  preprocess(input: ClassifierInput): Promise<Tensor>;
  /** The top-k predictions for one image, best first. */
  classify(input: ClassifierInput): Promise<Prediction[]>;
  /** The top-k predictions for each image, in one model run. */
  classifyBatch(inputs: readonly ClassifierInput[]): Promise<Prediction[][]>;
}

function isTensorLike(input: ClassifierInput): input is TensorLike {
  return !(input instanceof Uint8Array) && "shape" in input && input.data instanceof Float32Array;
}

function isRgbaPixels(input: ClassifierInput): input is RgbaPixels {
  return !(input instanceof Uint8Array) && "width" in input && "height" in input && "data" in input;
}

/** PaddleClas preprocessing of encoded bytes or RGBA pixels → [1, 3, 224, 224]. */
function paddleClasPreprocess(input: Uint8Array | RgbaPixels, limits: DecodeLimits): Tensor {
  return preprocessImage(input instanceof Uint8Array ? decodeImage(input, limits) : fromImageData(input));
}

/** A preprocessed tensor as [1, 3, H, W] (a [3, H, W] gets its batch axis). */
function asSingleImage(tensor: TensorLike, where: string): Tensor {
  const shape = tensor.shape.length === 3 ? [1, ...tensor.shape] : tensor.shape;
  if (shape.length !== 4 || shape[0] !== 1) {
    throw new ShapeError(`${where}: expected one image [1, 3, H, W] or [3, H, W], found ${formatShape(tensor.shape)}`);
  }
  return new Tensor(shape, tensor.data);
}

/** Stacks [1, C, H, W] images into [N, C, H, W]; every image must have the same shape. */
function stackImages(images: readonly Tensor[]): Tensor {
  const first = images[0]!;
  const [, c, h, w] = first.shape as [number, number, number, number];
  const size = first.data.length;
  const batch = new Tensor([images.length, c, h, w]);
  images.forEach((image, i) => {
    if (image.data.length !== size || image.shape.some((d, k) => d !== first.shape[k])) {
      throw new ShapeError(
        `classifyBatch: image ${i} is ${formatShape(image.shape)} but image 0 is ${formatShape(first.shape)}; a batch needs one shape`,
      );
    }
    batch.data.set(image.data, i * size);
  });
  return batch;
}

/** True when every row of [N, C] is a probability distribution (non-negative, sums to 1 ± 1e-3). */
function isSoftmaxed(scores: Float32Array, rows: number, classes: number): boolean {
  for (let n = 0; n < rows; n++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const v = scores[n * classes + c]!;
      if (!(v >= 0)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

/** Row-wise softmax of [N, C] in place: exp(x − max) / Σ exp(x − max). */
function softmaxRows(scores: Float32Array, rows: number, classes: number): void {
  for (let n = 0; n < rows; n++) {
    const row = scores.subarray(n * classes, (n + 1) * classes);
    let max = -Infinity;
    for (const v of row) if (v > max) max = v;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += row[c] = Math.exp(row[c]! - max);
    for (let c = 0; c < classes; c++) row[c] = row[c]! / sum;
  }
}

/**
 * Any classifier input as the [1, 3, H, W] tensor the model is fed: encoded bytes and
 * RGBA pixels through PaddleClas's preprocessing (or `custom`), tensors as they are.
 */
export async function prepareImage(
  input: ClassifierInput,
  custom?: ClassifierOptions["preprocess"],
  imageLimits: DecodeLimits = {},
): Promise<Tensor> {
  if (isTensorLike(input)) return asSingleImage(input, "classify");
  if (!(input instanceof Uint8Array) && !isRgbaPixels(input)) {
    throw new InputError("classify: expected image bytes (Uint8Array), RGBA pixels { width, height, data } or a tensor { shape, data: Float32Array }");
  }
  const tensor = custom ? await custom(input, imageLimits) : paddleClasPreprocess(input, imageLimits);
  return asSingleImage(tensor, "preprocess");
}

/** The caller's image limits, each a positive number of its kind (unknown fields refused). */
function checkImageLimits(limits: DecodeLimits | undefined): DecodeLimits {
  if (limits === undefined) return {};
  if (limits === null || typeof limits !== "object") throw new InputError("imageLimits must be an object { maxPixels?, maxDimension?, maxMemoryMB? }");
  const checked: DecodeLimits = {};
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in DEFAULT_DECODE_LIMITS)) {
      throw new InputError(`unknown image limit '${key}'; known: ${Object.keys(DEFAULT_DECODE_LIMITS).join(", ")}`);
    }
    if (value === undefined) continue;
    if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
      throw new InputError(`imageLimits.${key} must be a positive finite number, got ${String(value)}`);
    }
    checked[key as keyof DecodeLimits] = value;
  }
  return checked;
}

/**
 * A classifier over `model`: images are preprocessed as PaddleClas does (or by
 * `options.preprocess`), run as one batch, softmaxed if the model's output is not already
 * probabilities, and ranked into the top `options.topk` classes.
 */
export function createClassifier(model: Model, options: ClassifierOptions = {}): Classifier {
  const k = options.topk ?? 5;
  if (!(Number.isSafeInteger(k) && k >= 1)) throw new InputError(`topk must be a positive integer, got ${k}`);
  const labels = options.labels;
  const imageLimits = checkImageLimits(options.imageLimits);

  const preprocess = (input: ClassifierInput): Promise<Tensor> => prepareImage(input, options.preprocess, imageLimits);

  async function classifyBatch(inputs: readonly ClassifierInput[]): Promise<Prediction[][]> {
    if (inputs.length === 0) return [];
    const images: Tensor[] = [];
    for (const input of inputs) images.push(await preprocess(input));
    const feed = images.length === 1 ? images[0]! : stackImages(images);
    const outputs = await model.run([feed]);
    const output = outputs[model.outputNames[0]!];
    if (output === undefined) throw new ShapeError(`classify: the model produced no output '${model.outputNames[0]}'`);
    // [N, C] (or [N, C, 1, 1], as some exports leave it): one row of class scores per image.
    const rows = inputs.length;
    if (output.shape[0] !== rows || output.data.length % rows !== 0) {
      throw new ShapeError(`classify: expected the model's output to have ${rows} rows (one per image), found ${formatShape(output.shape)}`);
    }
    const classes = output.data.length / rows;
    const scores = Float32Array.from(output.data);
    if (!isSoftmaxed(scores, rows, classes)) softmaxRows(scores, rows, classes);
    const results: Prediction[][] = [];
    for (let n = 0; n < rows; n++) {
      const row = scores.subarray(n * classes, (n + 1) * classes);
      results.push(topK(row, k, labels));
    }
    return results;
  }

  return {
    model,
    preprocess,
    classifyBatch,
    async classify(input) {
      return (await classifyBatch([input]))[0]!;
    },
  };
}
