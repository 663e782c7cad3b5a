/**
 * `paddle.save` checkpoints (`*_pretrained.pdparams`, DESIGN.md §7) → the loader's graph.
 *
 * A checkpoint is a pickle (read by pickle.ts, nothing executed) of a dict:
 *
 *   structured name ("conv1._conv.weight", "_ghostbottleneck_3.se_block.squeeze.bias",
 *   "conv1._batch_norm._mean", "fc_1.weight") → numpy array,
 *   "StructuredToParameterName@@" → { structured name → parameter name ("conv1_weights") },
 *   and, under protocols 2/3 only, "UnpackBigParamInfor@@" → { name → { OriginShape,
 *   slices: ["name@@.0", …] } } for arrays over 2^30 bytes that were cut into parts.
 *
 * It holds weights and no program, so it can only become a model whose architecture we
 * know: PaddleClas's GhostNet. The structured names are turned into PaddleClas's
 * parameter names (src/ghostnet/weights.ts), the scale and class count are read off the
 * shapes (conv_last's width is md(960·scale), fc_1 is [1280, classes]), and the network
 * is written as the graph Paddle2ONNX exports for it, softmax output included
 * (src/ghostnet/onnx-export.ts, "modern" style, any input size). loadModel then treats it
 * like any GhostNet file: validation, the typed engine or the graph executor, threads.
 */
import { ModelFormatError, ShapeError, quoteName } from "../../errors.js";
import { type GhostNetConfig, ghostNetConfig, makeDivisible, parameterLayers, convWeightShape } from "../../ghostnet/config.js";
import { exportGhostNetOnnx } from "../../ghostnet/onnx-export.js";
import { type WeightTensor, paramNames, requireWeight } from "../../ghostnet/weights.js";
import { type DecodeOptions, decodeModel } from "../decode.js";
import type { ModelReader, ModelSource } from "../formats.js";
import type { OnnxModel } from "../model.js";
import { type DictKey, NdArray, type PickleValue, PyTuple, type UnpickleLimits, looksLikePickle, typeName, unpickle } from "./pickle.js";

/** The dict key paddle.save adds for structured name → parameter name. */
export const NAME_TABLE_KEY = "StructuredToParameterName@@";
/** The dict key of the big-parameter split (protocols 2/3). */
export const SPLIT_INFO_KEY = "UnpackBigParamInfor@@";

/** A checkpoint's content: arrays by structured name, and the parameter-name table. */
export interface PaddleCheckpoint {
  /** Structured name → array; parts of split parameters are joined back. */
  tensors: Map<string, NdArray>;
  /** Structured name → parameter name (empty when the checkpoint has no table). */
  parameterNames: Map<string, string>;
}

function fail(problem: string): never {
  throw new ModelFormatError(`paddle.save checkpoint: ${problem}`);
}

/**
 * Reads a `.pdparams` checkpoint into arrays by structured name. Throws ModelFormatError
 * when the bytes are not such a checkpoint (or hold something other than arrays), and
 * LimitError when the pickle breaks a bound (pickle.ts).
 */
export function readPaddleCheckpoint(bytes: Uint8Array, limits?: UnpickleLimits): PaddleCheckpoint {
  const root = unpickle(bytes, limits);
  if (!(root instanceof Map)) fail(`the pickle holds a ${typeName(root)}, not the dict paddle.save writes for a state dict`);
  const tensors = new Map<string, NdArray>();
  const parameterNames = new Map<string, string>();
  let splitInfo: PickleValue | undefined;
  for (const [key, value] of root) {
    if (typeof key !== "string") fail(`a key of the state dict is a ${key === null ? "None" : typeof key}, not a name`);
    if (key === NAME_TABLE_KEY) {
      if (!(value instanceof Map)) fail(`${NAME_TABLE_KEY} is a ${typeName(value)}, not a dict`);
      for (const [structured, name] of value) if (typeof structured === "string" && typeof name === "string") parameterNames.set(structured, name);
    } else if (key === SPLIT_INFO_KEY) {
      splitInfo = value;
    } else if (value instanceof NdArray) {
      if (value.data === undefined) fail(`array '${quoteName(key)}' was never filled in (its BUILD is missing)`);
      tensors.set(key, value);
    } else {
      fail(`'${quoteName(key)}' holds a ${typeName(value)}, not a numpy array`);
    }
  }
  if (splitInfo !== undefined) joinSplitParameters(tensors, splitInfo);
  return { tensors, parameterNames };
}

/** A dict's entry by string key. */
function entry(dict: Map<DictKey, PickleValue>, key: string): PickleValue | undefined {
  return dict.get(key);
}

/**
 * Joins the parts of parameters that protocols 2/3 cut into pieces (`name@@.0`, …): the
 * parts, flattened and concatenated in the listed order, are the array of `OriginShape`.
 */
function joinSplitParameters(tensors: Map<string, NdArray>, info: PickleValue): void {
  if (!(info instanceof Map)) fail(`${SPLIT_INFO_KEY} is a ${typeName(info)}, not a dict`);
  for (const [name, value] of info) {
    const where = `${SPLIT_INFO_KEY} entry '${quoteName(name)}'`;
    if (typeof name !== "string" || !(value instanceof Map)) fail(`${where} is not { OriginShape, slices }`);
    const originShape = entry(value, "OriginShape");
    const slices = entry(value, "slices");
    const dims = originShape instanceof PyTuple ? originShape.items : Array.isArray(originShape) ? originShape : undefined;
    if (dims === undefined || !Array.isArray(slices)) fail(`${where} is not { OriginShape, slices }`);
    const shape: number[] = [];
    for (const d of dims) {
      if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) fail(`${where}: OriginShape has the dimension ${String(d)}`);
      shape.push(d);
    }
    const parts: NdArray[] = [];
    let total = 0;
    for (const partName of slices) {
      const part = typeof partName === "string" ? tensors.get(partName) : undefined;
      if (part === undefined) fail(`${where}: part ${typeof partName === "string" ? `'${quoteName(partName)}'` : typeName(partName)} is missing`);
      if (parts.length > 0 && part.data!.constructor !== parts[0]!.data!.constructor) fail(`${where}: its parts have different types`);
      parts.push(part);
      total += part.data!.length;
    }
    if (parts.length === 0) fail(`${where} lists no parts`);
    const expected = shape.reduce((a, b) => a * b, 1);
    if (total !== expected) fail(`${where}: the parts hold ${total} values, OriginShape (${shape.join(", ")}) needs ${expected}`);
    // Allocation bounded by `total`: values that already exist in the parts.
    const data = parts[0]!.data instanceof Float32Array ? new Float32Array(total) : new Float64Array(total);
    let at = 0;
    for (const part of parts) {
      data.set(part.data!, at);
      at += part.data!.length;
    }
    const joined = new NdArray();
    joined.shape = shape;
    joined.dtype = parts[0]!.dtype;
    joined.data = data;
    for (const partName of slices) tensors.delete(partName as string);
    tensors.set(name, joined);
  }
}

// ── PaddleClas GhostNet ───────────────────────────────────────────────────────────────

/** ConvBNLayer's structured parameter suffixes → PaddleClas's parameter suffixes. */
const CONV_BN_PARAMETERS: readonly (readonly [string, (layer: string) => string])[] = [
  ["._conv.weight", paramNames.weights],
  ["._batch_norm.weight", paramNames.bnScale],
  ["._batch_norm.bias", paramNames.bnOffset],
  ["._batch_norm._mean", paramNames.bnMean],
  ["._batch_norm._variance", paramNames.bnVariance],
];

/** Linear's structured parameter suffixes → PaddleClas's. */
const LINEAR_PARAMETERS: readonly (readonly [string, (layer: string) => string])[] = [
  [".weight", paramNames.weights],
  [".bias", paramNames.offset],
];

/**
 * A GhostNet sub-layer path → its PaddleClas layer name: the attribute names joined by
 * "_", with the attributes whose ParamAttr names differ renamed
 * (`depthwise_conv` → `depthwise_depthwise`, `shortcut_depthwise` →
 * `shortcut_depthwise_depthwise`, `se_block.squeeze` → `se_1`, `se_block.excitation` → `se_2`).
 */
export function ghostNetLayerName(path: string): string {
  const renamed = path.replace(/\.se_block\.squeeze$/, ".se_1").replace(/\.se_block\.excitation$/, ".se_2");
  return renamed
    .split(".")
    .map((part) => (part === "depthwise_conv" ? "depthwise_depthwise" : part === "shortcut_depthwise" ? "shortcut_depthwise_depthwise" : part))
    .join("_");
}

/** A GhostNet structured parameter name → PaddleClas's parameter name, or undefined. */
export function ghostNetParameterName(structured: string): string | undefined {
  for (const [suffix, name] of CONV_BN_PARAMETERS) {
    if (structured.endsWith(suffix)) return name(ghostNetLayerName(structured.slice(0, -suffix.length)));
  }
  for (const [suffix, name] of LINEAR_PARAMETERS) {
    if (structured.endsWith(suffix)) return name(ghostNetLayerName(structured.slice(0, -suffix.length)));
  }
  return undefined;
}

const STEM_KEY = "conv1._conv.weight";
const SUPPORTED =
  "only PaddleClas GhostNet checkpoints (any scale: x0.5, x1.0, x1.3, x1.3_ssld) can be built from weights alone, since a checkpoint holds no program; " +
  "for any other model use its inference model (inference.pdmodel or inference.json with inference.pdiparams, or the *_infer.tar)";

/**
 * The GhostNet in a checkpoint: its config (scale and class count read off the shapes)
 * and its weights under PaddleClas's parameter names. A prefix shared by every key (a
 * wrapper layer's attribute, e.g. "backbone.") is dropped; a checkpoint whose keys are
 * the parameter names themselves (`conv1_weights`, as `paddle.static.save` writes) is
 * taken as it is. Throws ModelFormatError when
 * the checkpoint is not a GhostNet, ShapeError when a weight has the wrong shape.
 */
export function ghostNetFromCheckpoint(checkpoint: PaddleCheckpoint): { config: GhostNetConfig; weights: Map<string, WeightTensor> } {
  // Keys that are already parameter names (`paddle.static.save`, fluid-era files): take them as they are.
  if (checkpoint.tensors.has(paramNames.weights("conv1")) && !checkpoint.tensors.has(STEM_KEY)) {
    const weights = new Map<string, WeightTensor>();
    for (const [key, array] of checkpoint.tensors) {
      if (array.data instanceof Float32Array) weights.set(key, { shape: array.shape, data: array.data });
    }
    return { config: findGhostNetConfig(weights), weights };
  }
  const stemKey = [...checkpoint.tensors.keys()].find((k) => k === STEM_KEY || k.endsWith(`.${STEM_KEY}`));
  if (stemKey === undefined) {
    const keys = [...checkpoint.tensors.keys()].slice(0, 3).map((k) => `'${quoteName(k)}'`);
    fail(`it has no '${STEM_KEY}' (its first keys: ${keys.join(", ") || "none"}); ${SUPPORTED}`);
  }
  const prefix = stemKey.slice(0, stemKey.length - STEM_KEY.length);
  const weights = new Map<string, WeightTensor>();
  for (const [key, array] of checkpoint.tensors) {
    if (!key.startsWith(prefix)) continue;
    const name = ghostNetParameterName(key.slice(prefix.length));
    if (name === undefined) continue;
    if (!(array.data instanceof Float32Array)) fail(`'${quoteName(key)}' holds ${array.dtype} values, not floating point`);
    weights.set(name, { shape: array.shape, data: array.data });
  }
  return { config: findGhostNetConfig(weights), weights };
}

/** The first dimension of a weight, or a ModelFormatError saying it is missing. */
function dim(weights: ReadonlyMap<string, WeightTensor>, name: string, axis: number): number {
  const d = weights.get(name)?.shape[axis];
  if (d === undefined) fail(`it has no ${name.replace(/_weights$/, "")} weight of rank ${axis + 1} or more; ${SUPPORTED}`);
  return d;
}

/**
 * The GhostNet config whose every layer matches `weights`: conv_last's width is md(960·s),
 * so each scale in that interval (to 4 decimals, rounder ones first) is tried.
 */
function findGhostNetConfig(weights: ReadonlyMap<string, WeightTensor>): GhostNetConfig {
  const lastConv = dim(weights, paramNames.weights("conv_last"), 0);
  const classCount = dim(weights, paramNames.weights("fc_1"), 1);
  if (classCount < 1) fail("fc_1 has no classes");
  // md(v) is within [v − 2, v + 2] or a step above 0.9·v: s lies in [(w − 2)/960, (w + 4)/864].
  const low = Math.max(1e-4, (lastConv - 4) / 960);
  const high = (lastConv + 4) / 864;
  // Rounder scales first (x0.5 before x0.4983): 1 decimal, then 2, 3 and 4.
  const candidates: number[] = [];
  for (const step of [10, 100, 1000, 10000]) {
    for (let s = Math.ceil(low * step); s <= Math.floor(high * step); s++) candidates.push(s / step);
  }
  let firstProblem: string | undefined;
  for (const scale of candidates) {
    if (makeDivisible(960 * scale) !== lastConv) continue;
    const config = ghostNetConfig(scale, classCount);
    const problem = firstMismatch(config, weights);
    if (problem === undefined) return config;
    firstProblem ??= `at x${scale}: ${problem}`;
  }
  throw new ShapeError(`paddle.save checkpoint: its weight shapes follow no GhostNet scale (conv_last has ${lastConv} channels; ${firstProblem ?? "no scale gives that width"})`);
}

/** The first layer whose weights do not fit `config`, as a message, or undefined. */
function firstMismatch(config: GhostNetConfig, weights: ReadonlyMap<string, WeightTensor>): string | undefined {
  try {
    for (const spec of parameterLayers(config)) {
      if (spec.kind === "linear") {
        requireWeight(weights, spec.name, paramNames.weights(spec.name), [spec.in, spec.out]);
        requireWeight(weights, spec.name, paramNames.offset(spec.name), [spec.out]);
      } else {
        requireWeight(weights, spec.name, paramNames.weights(spec.name), convWeightShape(spec));
        for (const name of [paramNames.bnScale, paramNames.bnOffset, paramNames.bnMean, paramNames.bnVariance]) {
          requireWeight(weights, spec.name, name(spec.name), [spec.out]);
        }
      }
    }
  } catch (error) {
    if (error instanceof ShapeError) return error.message;
    throw error;
  }
  return undefined;
}

/**
 * A GhostNet checkpoint as the ONNX file Paddle2ONNX would export for it (weights as
 * initializers with PaddleClas names, input `x` [N, 3, H, W] of any size, output the
 * softmax `softmax_0.tmp_0`).
 */
export function checkpointToOnnx(bytes: Uint8Array, limits?: UnpickleLimits): Uint8Array {
  const { config, weights } = ghostNetFromCheckpoint(readPaddleCheckpoint(bytes, limits));
  return exportGhostNetOnnx(config, weights, { style: "modern", inputSize: "dynamic" }).bytes;
}

/** A GhostNet checkpoint as the loader's graph (what the registered reader returns). */
export function readCheckpointModel(bytes: Uint8Array, options: DecodeOptions = {}): OnnxModel {
  return decodeModel(checkpointToOnnx(bytes), options);
}

function asBytes(source: ModelSource): Uint8Array | undefined {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return undefined;
}

/** The model reader for `.pdparams` checkpoints (registered by the Paddle entry). */
export const checkpointReader: ModelReader = {
  format: "paddle-checkpoint",
  detect(source) {
    const bytes = asBytes(source);
    return bytes !== undefined && looksLikePickle(bytes);
  },
  read(source, options) {
    const bytes = asBytes(source);
    if (bytes === undefined) fail("expected the checkpoint's bytes");
    return readCheckpointModel(bytes, options);
  },
};
