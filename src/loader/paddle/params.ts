/**
 * Paddle's parameter files: `inference.pdiparams`, `model.pdiparams`, the fluid era's
 * `__params__` (every parameter, back to back), and the fluid layout with one file per
 * variable (each file one tensor, named after the variable).
 *
 * There is no header and there are no names: the combined file holds the program's
 * parameters in `sorted(name)` order (a plain code-unit sort: `batch_norm_10` before
 * `batch_norm_2`). One tensor, little-endian (DESIGN.md §7):
 *
 *   uint32  version (0)
 *   uint64  lod_level, then per level: uint64 nbytes + that many bytes of offsets
 *   uint32  version (0)
 *   int32   desc_size, then desc_size bytes of TensorDesc (element type, dims)
 *   bytes   the data, C order: product(dims) × element size
 *
 * Every count is checked against the bytes that remain before anything is allocated, and
 * the element count against `maxTensorElements`. Element types: FP32 as is; FP16 and FP64
 * become float32; INT64, INT32, INT16, INT8, UINT8 and BOOL become integer tensors
 * (shape arithmetic); BF16 and the rest are refused with the variable's name.
 */
import { ModelFormatError, ModelValidationError, quoteName } from "../../errors.js";
import type { AnyTensor } from "../../tensor/tensor.js";
import { OnnxDataType } from "../onnx-schema.js";
import { decodeTensor, type TensorLimits } from "../tensor-decode.js";
import { ByteCursor } from "./byte-cursor.js";
import { decodeTensorDesc, ONNX_TYPE_OF_PADDLE, PaddleType } from "./program-desc.js";


/** Bytes per element of each Paddle element type a parameter may have. */
const ELEMENT_BYTES: Partial<Record<number, number>> = {
  [PaddleType.BOOL]: 1,
  [PaddleType.INT16]: 2,
  [PaddleType.INT32]: 4,
  [PaddleType.INT64]: 8,
  [PaddleType.FP16]: 2,
  [PaddleType.FP32]: 4,
  [PaddleType.FP64]: 8,
  [PaddleType.UINT8]: 1,
  [PaddleType.INT8]: 1,
  [PaddleType.BF16]: 2,
};

/** Most LoD levels accepted (inference parameters have none). */
const MAX_LOD_LEVELS = 8;

/** Sorts names as Python's `sorted` sorts str: by UTF-16 code units here, which agrees for the ASCII names Paddle writes. */
export function paddleSortedNames(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** What the caller expects of one parameter: its name and, when the program says, its dims. */
export interface ExpectedParam {
  name: string;
  /** Dims declared by the program (−1 entries are not checked). */
  dims?: readonly number[];
}

/**
 * Reads one tensor at the cursor. Problems with its content (element type, payload
 * length, dims against the program) are pushed to `problems`; a structure that cannot be
 * followed (a length beyond the end) throws ModelFormatError, since nothing after it can
 * be found.
 */
export function readParamTensor(cursor: ByteCursor, param: ExpectedParam, limits: TensorLimits, problems: string[]): AnyTensor | undefined {
  const label = `parameter '${quoteName(param.name)}'`;
  const version = cursor.uint32(`${label}'s version`);
  if (version !== 0) throw new ModelFormatError(`${cursor.label}: ${label} starts with version ${version} at offset ${cursor.pos - 4}, expected 0: the file does not match the program`);
  const lodLevels = cursor.uint64(`${label}'s LoD level`);
  if (lodLevels > MAX_LOD_LEVELS) throw new ModelFormatError(`${cursor.label}: ${label} claims ${lodLevels} LoD levels, more than ${MAX_LOD_LEVELS}: the file does not match the program`);
  for (let level = 0; level < lodLevels; level++) {
    const nbytes = cursor.uint64(`${label}'s LoD level ${level} size`);
    cursor.take(nbytes, `${label}'s LoD level ${level}`);
  }
  const tensorVersion = cursor.uint32(`${label}'s tensor version`);
  if (tensorVersion !== 0) throw new ModelFormatError(`${cursor.label}: ${label} has tensor version ${tensorVersion}, expected 0: the file does not match the program`);
  const descSize = cursor.int32(`${label}'s TensorDesc size`);
  const descBytes = cursor.take(descSize, `${label}'s TensorDesc`);
  let desc: { dataType: number; dims: number[] };
  try {
    desc = decodeTensorDesc(descBytes);
  } catch (error) {
    throw new ModelFormatError(`${cursor.label}: ${label}'s TensorDesc is not readable (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const elementBytes = ELEMENT_BYTES[desc.dataType];
  if (elementBytes === undefined) throw new ModelFormatError(`${cursor.label}: ${label} has Paddle element type ${desc.dataType}, which a parameter cannot have: the file does not match the program`);
  // The data length follows from the dims: check them (and the limit) before taking bytes.
  let count = 1;
  for (const d of desc.dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ModelFormatError(`${cursor.label}: ${label} has an invalid dimension ${d} in [${desc.dims.join(", ")}]`);
    count *= d;
    if (count > limits.maxTensorElements) {
      throw new ModelFormatError(`${cursor.label}: ${label} has dims [${desc.dims.join(", ")}], more than the limit of ${limits.maxTensorElements} elements (option maxTensorElements)`);
    }
  }
  const data = cursor.take(count * elementBytes, `${label}'s data (dims [${desc.dims.join(", ")}])`);
  if (param.dims !== undefined) {
    const declared = param.dims;
    const agrees = declared.length === desc.dims.length && declared.every((d, i) => d < 0 || d === desc.dims[i]);
    if (!agrees) problems.push(`${label} has dims [${desc.dims.join(", ")}] in the parameter file, but the program declares [${declared.join(", ")}]`);
  }
  const onnxType = ONNX_TYPE_OF_PADDLE[desc.dataType];
  if (onnxType === undefined) {
    problems.push(`${label} has element type BF16 (Paddle type ${desc.dataType}), which is not supported; save the model in float32`);
    return undefined;
  }
  return decodeTensor({ dims: desc.dims, dataType: onnxType, rawData: data }, label, limits, problems);
}

/**
 * The combined parameter file: one tensor per expected parameter, in the order given (the
 * caller passes them in `sorted(name)` order), and nothing after the last. Throws
 * ModelFormatError when the structure breaks, ModelValidationError for content problems.
 */
export function readCombinedParams(bytes: Uint8Array, params: readonly ExpectedParam[], limits: TensorLimits, label = "the parameter file"): Map<string, AnyTensor> {
  const cursor = new ByteCursor(bytes, label);
  const problems: string[] = [];
  const tensors = new Map<string, AnyTensor>();
  for (const param of params) {
    if (cursor.remaining === 0) {
      const missing = params.length - tensors.size - problems.length;
      throw new ModelFormatError(`${label} ends after ${tensors.size} tensors, but the program has ${params.length} parameters (${missing} missing, first '${quoteName(param.name)}'): the file is truncated or belongs to another program`);
    }
    const tensor = readParamTensor(cursor, param, limits, problems);
    if (tensor !== undefined) tensors.set(param.name, tensor);
  }
  if (cursor.remaining > 0) {
    problems.push(`${label} has ${cursor.remaining} bytes after its ${params.length} parameters: it belongs to another program`);
  }
  if (problems.length > 0) throw new ModelValidationError(problems);
  return tensors;
}

/**
 * One file per variable (the fluid layout): `files[name]` holds that parameter's tensor.
 * Every missing file is reported at once.
 */
export function readSeparateParams(files: ReadonlyMap<string, Uint8Array>, params: readonly ExpectedParam[], limits: TensorLimits): Map<string, AnyTensor> {
  const problems: string[] = [];
  const tensors = new Map<string, AnyTensor>();
  const missing = params.filter((p) => !files.has(p.name)).map((p) => `'${quoteName(p.name)}'`);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(", ") + (missing.length > 10 ? ` and ${missing.length - 10} more` : "");
    throw new ModelValidationError([`${missing.length} of the program's ${params.length} parameter files are missing: ${shown}`]);
  }
  for (const param of params) {
    const label = `the parameter file '${quoteName(param.name)}'`;
    const cursor = new ByteCursor(files.get(param.name)!, label);
    const tensor = readParamTensor(cursor, param, limits, problems);
    if (tensor !== undefined) tensors.set(param.name, tensor);
    if (cursor.remaining > 0) problems.push(`${label} has ${cursor.remaining} bytes after its tensor`);
  }
  if (problems.length > 0) throw new ModelValidationError(problems);
  return tensors;
}
