/**
 * PaddleClas / PaddleX `inference.yml`: how the exported model wants its images
 * preprocessed and what its classes are called.
 *
 *   PreProcess:
 *     transform_ops:
 *     - ResizeImage: { resize_short: 256 }        or { size: [160, 80] }  ([width, height])
 *     - CropImage: { size: 224 }
 *     - NormalizeImage: { scale: 0.00392156862745098, mean: [...], std: [...], order: '' }
 *     - ToCHWImage: null
 *   PostProcess:
 *     Topk: { topk: 1, label_list: [0_degree, 180_degree] }
 *
 * Read with the `yaml` package (the files use anchors and aliases; aliases are capped by
 * the library, unknown tags become plain strings and nothing is constructed from them).
 * Only the Paddle entry imports this module, so the default bundle carries no YAML parser.
 */
import { parseDocument } from "yaml";
import { InputError } from "../../errors.js";
import { type PipelineStep, checkPipeline } from "../../image/pipeline.js";

/** What an inference.yml tells a classifier. */
export interface InferenceConfig {
  /** `Global.model_name`, when given. */
  modelName?: string;
  /** The preprocessing steps, in order (src/image/pipeline.ts). */
  preprocess: PipelineStep[];
  /** `PostProcess.Topk.label_list`: class names by id, when given. */
  labels?: string[];
  /** `PostProcess.Topk.topk`, when given. */
  topk?: number;
}

/** Largest inference.yml read (real ones are a few KB; label lists of 1000 classes ~30 KB). */
export const MAX_INFERENCE_YML_BYTES = 4 * 2 ** 20;

function fail(problem: string): never {
  throw new InputError(`inference.yml: ${problem}`);
}

type Yaml = unknown;

function isRecord(value: Yaml): value is Record<string, Yaml> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A number, or a string "a/b" or "a" of numbers (PaddleClas evaluates `scale: 1.0/255.0`). */
function numberValue(value: Yaml, what: string): number {
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    const match = /^\s*([0-9.eE+-]+)\s*(?:\/\s*([0-9.eE+-]+)\s*)?$/.exec(value);
    if (match !== null) {
      const result = Number(match[1]) / (match[2] === undefined ? 1 : Number(match[2]));
      if (Number.isFinite(result)) return result;
    }
  }
  fail(`${what} must be a number, got ${JSON.stringify(value)}`);
}

/** An int → [n, n], or a list [width, height]. */
function sizeValue(value: Yaml, what: string): { width: number; height: number } {
  if (typeof value === "number") return { width: value, height: value };
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number")) {
    return { width: value[0] as number, height: value[1] as number };
  }
  fail(`${what} must be a number or [width, height], got ${JSON.stringify(value)}`);
}

function triple(value: Yaml, what: string): [number, number, number] {
  if (!Array.isArray(value) || value.length !== 3) fail(`${what} must list 3 numbers (one per channel), got ${JSON.stringify(value)}`);
  return value.map((v, i) => numberValue(v, `${what}[${i}]`)) as [number, number, number];
}

/** One `- Name: { params }` entry of transform_ops → a step, or null for steps with no effect here. */
function step(entry: Yaml, index: number): PipelineStep | null {
  if (!isRecord(entry) || Object.keys(entry).length !== 1) fail(`transform_ops[${index}] must be one '- Name: parameters' entry`);
  const [name, raw] = Object.entries(entry)[0]!;
  const params: Record<string, Yaml> = isRecord(raw) ? raw : {};
  const where = `${name} (transform_ops[${index}])`;
  switch (name) {
    case "DecodeImage": {
      if (params.channel_first === true) fail(`${where}: channel_first: true is not supported`);
      return { op: "decode", toRgb: params.to_rgb !== false };
    }
    case "ResizeImage": {
      const interpolation = params.interpolation;
      if (interpolation !== undefined && interpolation !== null && interpolation !== 1 && interpolation !== "bilinear" && interpolation !== "LINEAR") {
        fail(`${where}: interpolation ${JSON.stringify(interpolation)} is not supported (bilinear is)`);
      }
      if (params.backend !== undefined && params.backend !== "cv2") fail(`${where}: backend ${JSON.stringify(params.backend)} is not supported (cv2 is)`);
      const short = params.resize_short;
      if (typeof short === "number" && short > 0) return { op: "resize-short", short };
      if (params.size !== undefined && params.size !== null) return { op: "resize", ...sizeValue(params.size, `${where}: size`) };
      fail(`${where} needs resize_short or size`);
    }
    case "CropImage":
      return { op: "crop", ...sizeValue(params.size, `${where}: size`) };
    case "NormalizeImage": {
      const order = params.order ?? "";
      if (order !== "" && order !== "hwc") fail(`${where}: order ${JSON.stringify(order)} is not supported ('' or 'hwc' are)`);
      if (params.channel_num !== undefined && params.channel_num !== 3) fail(`${where}: channel_num ${JSON.stringify(params.channel_num)} is not supported (3 is)`);
      return {
        op: "normalize",
        scale: params.scale === undefined ? 1 / 255 : numberValue(params.scale, `${where}: scale`),
        mean: params.mean === undefined ? [0, 0, 0] : triple(params.mean, `${where}: mean`),
        std: params.std === undefined ? [1, 1, 1] : triple(params.std, `${where}: std`),
      };
    }
    case "ToCHWImage":
      return { op: "to-chw" };
    default:
      fail(`preprocessing step ${name} (transform_ops[${index}]) is not supported; supported: DecodeImage, ResizeImage, CropImage, NormalizeImage, ToCHWImage`);
  }
}

/**
 * Reads an inference.yml's text. Throws InputError (one line) for YAML that does not
 * parse, or steps and parameters we do not support.
 */
export function parseInferenceConfig(text: string): InferenceConfig {
  if (typeof text !== "string") fail("expected the file's text");
  if (text.length > MAX_INFERENCE_YML_BYTES) fail(`${text.length} characters is more than the ${MAX_INFERENCE_YML_BYTES} read`);
  let doc: Yaml;
  try {
    // Errors are collected on the document (and reported below); warnings such as an
    // unknown tag are not printed: the tagged value simply stays a string.
    const parsed = parseDocument(text, { logLevel: "silent" });
    if (parsed.errors.length > 0) throw parsed.errors[0]!;
    doc = parsed.toJS({ maxAliasCount: 1000 }) as Yaml;
  } catch (error) {
    fail(`not readable YAML: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`);
  }
  if (!isRecord(doc)) fail("the document is not a mapping");
  const pre = doc.PreProcess;
  const ops = isRecord(pre) ? pre.transform_ops : undefined;
  if (!Array.isArray(ops)) fail("PreProcess.transform_ops is missing or not a list");
  const preprocess = ops.map(step).filter((s): s is PipelineStep => s !== null);
  try {
    checkPipeline(preprocess);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const config: InferenceConfig = { preprocess };
  const global = doc.Global;
  if (isRecord(global) && typeof global.model_name === "string") config.modelName = global.model_name;
  const post = doc.PostProcess;
  const topk = isRecord(post) ? post.Topk : undefined;
  if (isRecord(topk)) {
    if (topk.label_list !== undefined && topk.label_list !== null) {
      if (!Array.isArray(topk.label_list)) fail("PostProcess.Topk.label_list is not a list");
      config.labels = topk.label_list.map((label) => String(label));
    }
    if (typeof topk.topk === "number" && Number.isSafeInteger(topk.topk) && topk.topk >= 1) config.topk = topk.topk;
  }
  return config;
}
