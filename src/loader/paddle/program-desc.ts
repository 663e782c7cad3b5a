/**
 * Paddle's legacy program format: `inference.pdmodel`, `model.pdmodel` and the fluid
 * era's `__model__` are one serialized `ProgramDesc` protobuf (proto2, Paddle's
 * `framework.proto`; the field numbers below are stable from Paddle 1.x to 3.x, DESIGN.md
 * §7). This module decodes it into plain data: blocks of variables and ops, with each
 * op's inputs/outputs as named slots (`Input: ["x"]`) and its attributes as JS values.
 *
 * Only block 0 matters for inference programs (control flow is not supported; ops that
 * need sub-blocks are reported by the translator as unsupported ops).
 */
import { ModelFormatError } from "../../errors.js";
import { int64ToNumber, type Int64Like } from "../int64.js";
import { OnnxDataType } from "../onnx-schema.js";
import { compileMessages } from "../protobuf-codec.js";

const repeated = "repeated" as const;

// bool and enum fields are varints: read as int32.
const messages = {
  ProgramDesc: {
    fields: {
      blocks: { rule: repeated, type: "BlockDesc", id: 1 },
      version: { type: "Version", id: 4 },
    },
  },
  Version: { fields: { version: { type: "int64", id: 1 } } },
  BlockDesc: {
    fields: {
      idx: { type: "int32", id: 1 },
      parentIdx: { type: "int32", id: 2 },
      vars: { rule: repeated, type: "VarDesc", id: 3 },
      ops: { rule: repeated, type: "OpDesc", id: 4 },
    },
  },
  OpDesc: {
    fields: {
      inputs: { rule: repeated, type: "OpVar", id: 1 },
      outputs: { rule: repeated, type: "OpVar", id: 2 },
      type: { type: "string", id: 3 },
      attrs: { rule: repeated, type: "OpAttr", id: 4 },
    },
  },
  OpVar: {
    fields: {
      parameter: { type: "string", id: 1 },
      arguments: { rule: repeated, type: "string", id: 2 },
    },
  },
  OpAttr: {
    fields: {
      name: { type: "string", id: 1 },
      type: { type: "int32", id: 2 },
      i: { type: "int32", id: 3 },
      f: { type: "float", id: 4 },
      // Read as bytes and decoded with TextDecoder: protobufjs's own UTF-8 reader is slow on
      // plain Uint8Arrays, and exporters store long call stacks as STRINGS attributes.
      s: { type: "bytes", id: 5 },
      ints: { rule: repeated, type: "int32", id: 6 },
      floats: { rule: repeated, type: "float", id: 7 },
      strings: { rule: repeated, type: "bytes", id: 8 },
      b: { type: "int32", id: 10 },
      bools: { rule: repeated, type: "int32", id: 11 },
      blockIdx: { type: "int32", id: 12 },
      l: { type: "int64", id: 13 },
      blocksIdx: { rule: repeated, type: "int32", id: 14 },
      longs: { rule: repeated, type: "int64", id: 15 },
      float64s: { rule: repeated, type: "double", id: 16 },
      varName: { type: "string", id: 17 },
      varsName: { rule: repeated, type: "string", id: 18 },
      float64: { type: "double", id: 19 },
      scalar: { type: "Scalar", id: 20 },
      scalars: { rule: repeated, type: "Scalar", id: 21 },
    },
  },
  Scalar: {
    fields: {
      type: { type: "int32", id: 1 },
      b: { type: "int32", id: 2 },
      i: { type: "int64", id: 3 },
      r: { type: "double", id: 4 },
    },
  },
  VarDesc: {
    fields: {
      name: { type: "string", id: 1 },
      type: { type: "VarType", id: 2 },
      persistable: { type: "int32", id: 3 },
    },
  },
  VarType: {
    fields: {
      type: { type: "int32", id: 1 },
      selectedRows: { type: "TensorDesc", id: 2 },
      lodTensor: { type: "LoDTensorDesc", id: 3 },
    },
  },
  LoDTensorDesc: {
    fields: {
      tensor: { type: "TensorDesc", id: 1 },
      lodLevel: { type: "int32", id: 2 },
    },
  },
  TensorDesc: {
    fields: {
      dataType: { type: "int32", id: 1 },
      dims: { rule: repeated, type: "int64", id: 2 },
    },
  },
};

const codecs = compileMessages(messages);
/** The codec of `ProgramDesc` (`decode(bytes)`, `encode(message).finish()`), for tools and tests that rewrite programs. */
export const ProgramDescCodec = codecs.get("ProgramDesc")!;
/** The codec of `TensorDesc` (also the header of every tensor in a parameter file). */
export const TensorDescCodec = codecs.get("TensorDesc")!;

/** Paddle's `VarType.Type` codes (framework.proto) that this loader meets. */
export const PaddleType = {
  BOOL: 0,
  INT16: 1,
  INT32: 2,
  INT64: 3,
  FP16: 4,
  FP32: 5,
  FP64: 6,
  LOD_TENSOR: 7,
  FEED_MINIBATCH: 9,
  FETCH_LIST: 10,
  RAW: 17,
  UINT8: 20,
  INT8: 21,
  BF16: 22,
} as const;

/** Paddle element types → their ONNX element types (the tensor decoder's and Cast's codes); BF16 has none. */
export const ONNX_TYPE_OF_PADDLE: Partial<Record<number, number>> = {
  [PaddleType.BOOL]: OnnxDataType.BOOL,
  [PaddleType.INT16]: OnnxDataType.INT16,
  [PaddleType.INT32]: OnnxDataType.INT32,
  [PaddleType.INT64]: OnnxDataType.INT64,
  [PaddleType.FP16]: OnnxDataType.FLOAT16,
  [PaddleType.FP32]: OnnxDataType.FLOAT,
  [PaddleType.FP64]: OnnxDataType.DOUBLE,
  [PaddleType.UINT8]: OnnxDataType.UINT8,
  [PaddleType.INT8]: OnnxDataType.INT8,
};

/** Paddle's `AttrType` codes. */
const AttrType = {
  INT: 0,
  FLOAT: 1,
  STRING: 2,
  INTS: 3,
  FLOATS: 4,
  STRINGS: 5,
  BOOLEAN: 6,
  BOOLEANS: 7,
  BLOCK: 8,
  LONG: 9,
  BLOCKS: 10,
  LONGS: 11,
  FLOAT64S: 12,
  VAR: 13,
  VARS: 14,
  FLOAT64: 15,
  SCALAR: 16,
  SCALARS: 17,
} as const;

/** An attribute's value: numbers, booleans, strings, and lists of them. */
export type PaddleAttribute = number | boolean | string | number[] | boolean[] | string[];

/** One op of a program: its type, named input/output slots (each a list of variable names), attributes. */
export interface PaddleOp {
  type: string;
  inputs: Map<string, string[]>;
  outputs: Map<string, string[]>;
  attrs: Map<string, PaddleAttribute>;
}

/** A variable of a program: a tensor (LOD_TENSOR) with its element type and dims (−1: unknown), or another kind. */
export interface PaddleVar {
  name: string;
  /** VarType.Type of the variable (7 for tensors, 9/10 for feed/fetch lists). */
  kind: number;
  persistable: boolean;
  /** Element type (PaddleType code) of a tensor variable. */
  dtype?: number;
  /** Dims of a tensor variable; −1 for a dim known only at run time. */
  dims?: number[];
}

/** Block 0 of a program, as plain data. */
export interface PaddleProgram {
  /** major·1e6 + minor·1e3 + patch, 0 for develop builds, undefined for old fluid files. */
  version?: number;
  vars: Map<string, PaddleVar>;
  ops: PaddleOp[];
}

// The decoded messages (absent fields read as their defaults).
interface RawTensorDesc {
  dataType?: number;
  dims?: Int64Like[];
}
interface RawVar {
  name?: string;
  type?: { type?: number; lodTensor?: { tensor?: RawTensorDesc } | null; selectedRows?: RawTensorDesc | null } | null;
  persistable?: number;
}
interface RawScalar {
  type?: number;
  b?: number;
  i?: Int64Like;
  r?: number;
}
interface RawAttr {
  name?: string;
  type?: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
  floats?: number[];
  strings?: Uint8Array[];
  b?: number;
  bools?: number[];
  l?: Int64Like;
  longs?: Int64Like[];
  float64s?: number[];
  float64?: number;
  varName?: string;
  varsName?: string[];
  scalar?: RawScalar | null;
  scalars?: RawScalar[];
}
interface RawOp {
  type?: string;
  inputs?: { parameter?: string; arguments?: string[] }[];
  outputs?: { parameter?: string; arguments?: string[] }[];
  attrs?: RawAttr[];
}
interface RawProgram {
  blocks?: { vars?: RawVar[]; ops?: RawOp[] }[];
  version?: { version?: Int64Like } | null;
}

const utf8 = new TextDecoder("utf-8");

/** Decodes `TensorDesc` bytes (element type and dims); throws what the protobuf reader throws. */
export function decodeTensorDesc(bytes: Uint8Array): { dataType: number; dims: number[] } {
  const raw = TensorDescCodec.decode(bytes) as RawTensorDesc;
  return { dataType: raw.dataType ?? 0, dims: (raw.dims ?? []).map(int64ToNumber) };
}

/**
 * Decodes a ProgramDesc. Throws ModelFormatError when the bytes are not a readable
 * protobuf or hold no block.
 */
export function decodeProgramDesc(bytes: Uint8Array): PaddleProgram {
  if (bytes.length === 0) throw new ModelFormatError("the Paddle program is empty (0 bytes)");
  let raw: RawProgram;
  try {
    raw = ProgramDescCodec.decode(bytes) as RawProgram;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = /index out of range/.test(reason) ? "the data ends in the middle of a record: the file is probably truncated" : "the bytes are corrupted";
    throw new ModelFormatError(`not a readable Paddle program (ProgramDesc, ${bytes.length} bytes): ${hint} (protobuf: ${reason})`, { cause: error });
  }
  const block = raw.blocks?.[0];
  if (block === undefined) throw new ModelFormatError(`not a Paddle program (${bytes.length} bytes): it holds no block`);
  const vars = new Map<string, PaddleVar>();
  for (const v of block.vars ?? []) {
    const variable = decodeVar(v);
    vars.set(variable.name, variable);
  }
  const ops = (block.ops ?? []).map(decodeOp);
  const version = raw.version != null && Object.prototype.hasOwnProperty.call(raw, "version") ? int64ToNumber(raw.version.version) : undefined;
  return { version, vars, ops };
}

function decodeVar(raw: RawVar): PaddleVar {
  const kind = raw.type?.type ?? -1;
  const variable: PaddleVar = { name: raw.name ?? "", kind, persistable: (raw.persistable ?? 0) !== 0 };
  const tensor = raw.type?.lodTensor?.tensor ?? undefined;
  if (tensor !== undefined && tensor !== null) {
    variable.dtype = tensor.dataType ?? 0;
    variable.dims = (tensor.dims ?? []).map(int64ToNumber);
  }
  return variable;
}

function slots(list: { parameter?: string; arguments?: string[] }[] | undefined): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const slot of list ?? []) map.set(slot.parameter ?? "", (slot.arguments ?? []).slice());
  return map;
}

function decodeOp(raw: RawOp): PaddleOp {
  const attrs = new Map<string, PaddleAttribute>();
  for (const a of raw.attrs ?? []) {
    const value = attributeValue(a);
    if (value !== undefined) attrs.set(a.name ?? "", value);
  }
  return { type: raw.type ?? "", inputs: slots(raw.inputs), outputs: slots(raw.outputs), attrs };
}

function scalarValue(s: RawScalar): number | boolean {
  // Scalar.Type: BOOLEAN 1, LONG 2, FLOAT64 3 (COMPLEX128 4 is not used by inference ops).
  if (s.type === 1) return (s.b ?? 0) !== 0;
  if (s.type === 2) return int64ToNumber(s.i);
  return s.r ?? 0;
}

/** The attribute's value by its declared type; undefined for block references and unknown types. */
function attributeValue(a: RawAttr): PaddleAttribute | undefined {
  switch (a.type ?? -1) {
    case AttrType.INT:
      return a.i ?? 0;
    case AttrType.FLOAT:
      return a.f ?? 0;
    case AttrType.STRING:
      return utf8.decode(a.s ?? new Uint8Array(0));
    case AttrType.INTS:
      return (a.ints ?? []).slice();
    case AttrType.FLOATS:
      return (a.floats ?? []).slice();
    case AttrType.STRINGS:
      return (a.strings ?? []).map((bytes) => utf8.decode(bytes));
    case AttrType.BOOLEAN:
      return (a.b ?? 0) !== 0;
    case AttrType.BOOLEANS:
      return (a.bools ?? []).map((b) => b !== 0);
    case AttrType.LONG:
      return int64ToNumber(a.l);
    case AttrType.LONGS:
      return (a.longs ?? []).map(int64ToNumber);
    case AttrType.FLOAT64S:
      return (a.float64s ?? []).slice();
    case AttrType.FLOAT64:
      return a.float64 ?? 0;
    case AttrType.VAR:
      return a.varName ?? "";
    case AttrType.VARS:
      return (a.varsName ?? []).slice();
    case AttrType.SCALAR:
      return a.scalar ? scalarValue(a.scalar) : undefined;
    case AttrType.SCALARS:
      return (a.scalars ?? []).map((s) => Number(scalarValue(s)));
    default:
      // BLOCK / BLOCKS (control flow): the ops that take them are not supported.
      return undefined;
  }
}
