/**
 * TensorProto → Tensor / IntTensor.
 *
 * A TensorProto carries `dims`, a `data_type` code and its values in one of two places:
 * `raw_data` (little-endian bytes, what Paddle2ONNX writes) or a typed repeated field
 * (`float_data`, `int32_data`, `int64_data`, `double_data`, `uint64_data`). Floats of any
 * width become a float32 `Tensor`; integers and booleans become an `IntTensor` (values held
 * exactly in a Float64Array).
 *
 * Safety: every dim is checked (a non-negative safe integer) and the element count is
 * compared with a limit and with the bytes actually present BEFORE anything is allocated.
 * `raw_data` is a view into the file's buffer at any byte offset, so it is copied into a
 * fresh (aligned) buffer rather than viewed in place.
 */
import { quoteName } from "../errors.js";
import { IntTensor, Tensor, type AnyTensor, type IntegerType } from "../tensor/tensor.js";
import { int64ToNumber, int64ToSafeInteger, type Int64Like } from "./int64.js";
import { OnnxDataType } from "./onnx-schema.js";

/** A decoded (protobufjs) TensorProto; fields absent from the file read as their defaults. */
export interface RawTensor {
  name?: string;
  dims?: Int64Like[];
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: Int64Like[];
  doubleData?: number[];
  uint64Data?: Int64Like[];
  stringData?: Uint8Array[];
  externalData?: { key?: string; value?: string }[];
  dataLocation?: number;
}

export interface TensorLimits {
  /** Largest element count accepted for one tensor (checked before allocating). */
  maxTensorElements: number;
}

/** ONNX's default: 2^28 elements (1 GiB of float32) per tensor. */
export const DEFAULT_MAX_TENSOR_ELEMENTS = 2 ** 28;

/** How one ONNX element type is stored and what it becomes. */
interface ElementType {
  name: string;
  /** Bytes per element in raw_data. */
  bytes: number;
  /** float32 Tensor, or the IntTensor dtype it becomes. */
  target: "float32" | IntegerType;
  /** The typed field that holds it when raw_data is absent. */
  typedField: "floatData" | "int32Data" | "int64Data" | "doubleData" | "uint64Data";
  /** Reads element i of little-endian raw bytes. */
  read(view: DataView, i: number): number;
}

const elementTypes: Partial<Record<number, ElementType>> = {
  [OnnxDataType.FLOAT]: { name: "FLOAT", bytes: 4, target: "float32", typedField: "floatData", read: (v, i) => v.getFloat32(4 * i, true) },
  [OnnxDataType.DOUBLE]: { name: "DOUBLE", bytes: 8, target: "float32", typedField: "doubleData", read: (v, i) => v.getFloat64(8 * i, true) },
  [OnnxDataType.FLOAT16]: { name: "FLOAT16", bytes: 2, target: "float32", typedField: "int32Data", read: (v, i) => float16ToNumber(v.getUint16(2 * i, true)) },
  [OnnxDataType.INT64]: {
    name: "INT64",
    bytes: 8,
    target: "int64",
    typedField: "int64Data",
    read: (v, i) => v.getInt32(8 * i + 4, true) * 4294967296 + v.getUint32(8 * i, true),
  },
  [OnnxDataType.UINT64]: {
    name: "UINT64",
    bytes: 8,
    target: "int64",
    typedField: "uint64Data",
    read: (v, i) => v.getUint32(8 * i + 4, true) * 4294967296 + v.getUint32(8 * i, true),
  },
  [OnnxDataType.INT32]: { name: "INT32", bytes: 4, target: "int32", typedField: "int32Data", read: (v, i) => v.getInt32(4 * i, true) },
  [OnnxDataType.UINT32]: { name: "UINT32", bytes: 4, target: "int64", typedField: "uint64Data", read: (v, i) => v.getUint32(4 * i, true) },
  [OnnxDataType.INT16]: { name: "INT16", bytes: 2, target: "int32", typedField: "int32Data", read: (v, i) => v.getInt16(2 * i, true) },
  [OnnxDataType.UINT16]: { name: "UINT16", bytes: 2, target: "int32", typedField: "int32Data", read: (v, i) => v.getUint16(2 * i, true) },
  [OnnxDataType.INT8]: { name: "INT8", bytes: 1, target: "int32", typedField: "int32Data", read: (v, i) => v.getInt8(i) },
  [OnnxDataType.UINT8]: { name: "UINT8", bytes: 1, target: "int32", typedField: "int32Data", read: (v, i) => v.getUint8(i) },
  [OnnxDataType.BOOL]: { name: "BOOL", bytes: 1, target: "bool", typedField: "int32Data", read: (v, i) => (v.getUint8(i) !== 0 ? 1 : 0) },
};

const typeNames: Record<number, string> = {
  0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING",
  9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16",
};

/** ONNX's name for a data type code ("FLOAT", "INT64", …), for messages. */
export function onnxTypeName(code: number): string {
  return typeNames[code] ?? `type code ${code}`;
}

/** The dtype a graph input/output of ONNX type `code` carries here, or undefined when unsupported. */
export function valueTypeOf(code: number): "float32" | IntegerType | undefined {
  switch (code) {
    case OnnxDataType.FLOAT:
      return "float32";
    case OnnxDataType.INT64:
      return "int64";
    case OnnxDataType.INT32:
      return "int32";
    case OnnxDataType.BOOL:
      return "bool";
    default:
      return undefined;
  }
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE 754 half precision bits → number. */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Checks `dims` and returns them as numbers, or a problem message. The element count is
 * accumulated with a limit check at each step, so 2^40 × 2^40 never overflows unnoticed.
 */
export function checkDims(
  rawDims: readonly Int64Like[],
  label: string,
  limits: TensorLimits,
): { dims: number[]; size: number } | string {
  const dims: number[] = [];
  let size = 1;
  for (const raw of rawDims) {
    const d = int64ToSafeInteger(raw);
    if (d === undefined || d < 0) {
      return `${label} has an invalid dimension ${int64ToNumber(raw)} in its dims`;
    }
    dims.push(d);
  }
  for (const d of dims) size *= d;
  if (size > limits.maxTensorElements) {
    return `${label} has dims [${dims.join(", ")}] = ${size} elements, more than the limit of ${limits.maxTensorElements} (option maxTensorElements)`;
  }
  return { dims, size };
}

/**
 * Decodes one TensorProto. `label` names it in messages (e.g. "initializer 'conv1_weights'").
 * On failure, pushes one line to `problems` and returns undefined.
 */
export function decodeTensor(raw: RawTensor, label: string, limits: TensorLimits, problems: string[]): AnyTensor | undefined {
  if (raw.dataLocation === 1) {
    const location = raw.externalData?.find((e) => e.key === "location")?.value;
    problems.push(
      `${label} stores its data in an external file${location ? ` ('${quoteName(location)}')` : ""}; external data is not supported: ` +
        `save the model with its weights inside (onnx.save_model(..., save_as_external_data=False))`,
    );
    return undefined;
  }
  const code = raw.dataType ?? 0;
  const type = elementTypes[code];
  if (type === undefined) {
    problems.push(`${label} has element type ${onnxTypeName(code)}, which is not supported`);
    return undefined;
  }
  const checked = checkDims(raw.dims ?? [], label, limits);
  if (typeof checked === "string") {
    problems.push(checked);
    return undefined;
  }
  const { dims, size } = checked;

  const rawData = raw.rawData;
  const hasRaw = rawData !== undefined && (rawData.length > 0 || Object.prototype.hasOwnProperty.call(raw, "rawData"));
  let values: Float32Array | Float64Array;
  if (hasRaw) {
    const expectedBytes = size * type.bytes;
    if (rawData.length !== expectedBytes) {
      problems.push(
        `${label} has dims [${dims.join(", ")}] needing ${size} ${type.name} values (${expectedBytes} bytes) but its raw_data holds ${rawData.length} bytes`,
      );
      return undefined;
    }
    values = readRaw(rawData, type, size);
  } else {
    const typed = raw[type.typedField] ?? [];
    if (typed.length !== size) {
      problems.push(
        `${label} has dims [${dims.join(", ")}] needing ${size} ${type.name} values but holds ${typed.length} in ${fieldName(type.typedField)}`,
      );
      return undefined;
    }
    values = readTyped(typed, type, size);
  }
  if (type.target === "float32") return new Tensor(dims, values as Float32Array);
  return new IntTensor(type.target, dims, values as Float64Array);
}

const protoFieldNames: Record<ElementType["typedField"], string> = {
  floatData: "float_data",
  int32Data: "int32_data",
  int64Data: "int64_data",
  doubleData: "double_data",
  uint64Data: "uint64_data",
};

function fieldName(field: ElementType["typedField"]): string {
  return protoFieldNames[field];
}

/** raw_data → a fresh, aligned array (Float32Array for floats, Float64Array for integers). */
function readRaw(bytes: Uint8Array, type: ElementType, size: number): Float32Array | Float64Array {
  // A byte copy into a new ArrayBuffer that starts at offset 0, so typed views line up.
  // (Not bytes.slice(): on a Node Buffer that returns a view into the same memory.)
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (type.name === "FLOAT" && hostIsLittleEndian) return new Float32Array(copy.buffer, 0, size);
  const view = new DataView(copy.buffer, 0, copy.length);
  const out = type.target === "float32" ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = type.read(view, i);
  return out;
}

/** Typed repeated field → a fresh array. float16 values sit as their bits in int32_data. */
function readTyped(values: readonly (number | Int64Like)[], type: ElementType, size: number): Float32Array | Float64Array {
  const out = type.target === "float32" ? new Float32Array(size) : new Float64Array(size);
  if (type.name === "FLOAT16") {
    for (let i = 0; i < size; i++) out[i] = float16ToNumber((values[i] as number) & 0xffff);
  } else if (type.name === "BOOL") {
    for (let i = 0; i < size; i++) out[i] = values[i] ? 1 : 0;
  } else {
    for (let i = 0; i < size; i++) out[i] = int64ToNumber(values[i] as Int64Like);
  }
  return out;
}
