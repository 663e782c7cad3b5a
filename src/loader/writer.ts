/**
 * The ONNX writer: builds ModelProto bytes from a plain description. Tests use it to
 * make single-op graphs; `make-fixture` uses it to write GhostNet the way Paddle2ONNX
 * does. It writes; it does not check that the graph makes sense (the loader does).
 */
import { ModelProtoType, OnnxAttributeType, OnnxDataType } from "./onnx-schema.js";

export type WriterDataType = "float32" | "int64" | "int32" | "bool" | "float64";

/** A tensor to embed (initializer, Constant value, tensor attribute). */
export interface WriterTensor {
  name?: string;
  dtype: WriterDataType;
  dims: readonly number[];
  data: ArrayLike<number>;
  /** "raw" (raw_data bytes, what Paddle2ONNX writes) or "typed" (float_data, int64_data, …). */
  encoding?: "raw" | "typed";
}

/** An attribute value, tagged with its ONNX type (1 and 1.0 are different attributes). */
export type WriterAttribute =
  | { type: "int"; value: number }
  | { type: "float"; value: number }
  | { type: "string"; value: string }
  | { type: "ints"; value: readonly number[] }
  | { type: "floats"; value: readonly number[] }
  | { type: "strings"; value: readonly string[] }
  | { type: "tensor"; value: WriterTensor };

/** Shorthands: `attr.int(1)`, `attr.floats([0.5])`, … */
export const attr = {
  /** An INT attribute. */
  int: (value: number): WriterAttribute => ({ type: "int", value }),
  /** A FLOAT attribute. */
  float: (value: number): WriterAttribute => ({ type: "float", value }),
  /** A STRING attribute. */
  string: (value: string): WriterAttribute => ({ type: "string", value }),
  /** An INTS attribute. */
  ints: (value: readonly number[]): WriterAttribute => ({ type: "ints", value }),
  /** A FLOATS attribute. */
  floats: (value: readonly number[]): WriterAttribute => ({ type: "floats", value }),
  /** A STRINGS attribute. */
  strings: (value: readonly string[]): WriterAttribute => ({ type: "strings", value }),
  /** A TENSOR attribute. */
  tensor: (value: WriterTensor): WriterAttribute => ({ type: "tensor", value }),
};

/** A node for `encodeModel`. */
export interface WriterNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attributes?: Record<string, WriterAttribute>;
}

/** A graph input or output; a string dim is a dynamic dimension (`p2o.DynamicDimension.0`). */
export interface WriterValueInfo {
  name: string;
  dtype?: WriterDataType;
  shape?: readonly (number | string)[];
}

/** A model for `encodeModel`: opset, graph inputs and outputs, initializers and nodes. */
export interface WriterModel {
  opset: number;
  /** Default: follows the opset as Paddle2ONNX does (9 → 4, 11 → 6, 13 → 7, 15+ → 8). */
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  graphName?: string;
  nodes: readonly WriterNode[];
  inputs: readonly WriterValueInfo[];
  outputs: readonly WriterValueInfo[];
  initializers?: readonly WriterTensor[];
}

const dataTypeCode: Record<WriterDataType, number> = {
  float32: OnnxDataType.FLOAT,
  int64: OnnxDataType.INT64,
  int32: OnnxDataType.INT32,
  bool: OnnxDataType.BOOL,
  float64: OnnxDataType.DOUBLE,
};

/** IR version Paddle2ONNX pairs with an opset. */
export function irVersionForOpset(opset: number): number {
  if (opset <= 8) return 3;
  if (opset <= 10) return 4;
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  return 8;
}

/** Little-endian bytes of `data` as `dtype` (the raw_data layout). */
export function rawBytes(dtype: WriterDataType, data: ArrayLike<number>): Uint8Array {
  const n = data.length;
  switch (dtype) {
    case "float32":
      return new Uint8Array(Float32Array.from(data).buffer);
    case "float64":
      return new Uint8Array(Float64Array.from(data).buffer);
    case "int32":
      return new Uint8Array(Int32Array.from(data).buffer);
    case "bool":
      return Uint8Array.from(data, (v) => (v ? 1 : 0));
    case "int64": {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(Math.trunc(data[i]!));
      return new Uint8Array(out.buffer);
    }
  }
}

function tensorMessage(t: WriterTensor): Record<string, unknown> {
  const message: Record<string, unknown> = {
    name: t.name ?? "",
    dims: t.dims.slice(),
    dataType: dataTypeCode[t.dtype],
  };
  if ((t.encoding ?? "raw") === "raw") {
    message.rawData = rawBytes(t.dtype, t.data);
  } else {
    const values = Array.from(t.data);
    switch (t.dtype) {
      case "float32":
        message.floatData = values;
        break;
      case "float64":
        message.doubleData = values;
        break;
      case "int64":
        message.int64Data = values;
        break;
      case "int32":
      case "bool":
        message.int32Data = values;
        break;
    }
  }
  return message;
}

function attributeMessage(name: string, a: WriterAttribute): Record<string, unknown> {
  const encoder = new TextEncoder();
  switch (a.type) {
    case "int":
      return { name, type: OnnxAttributeType.INT, i: a.value };
    case "float":
      return { name, type: OnnxAttributeType.FLOAT, f: a.value };
    case "string":
      return { name, type: OnnxAttributeType.STRING, s: encoder.encode(a.value) };
    case "ints":
      return { name, type: OnnxAttributeType.INTS, ints: a.value.slice() };
    case "floats":
      return { name, type: OnnxAttributeType.FLOATS, floats: a.value.slice() };
    case "strings":
      return { name, type: OnnxAttributeType.STRINGS, strings: a.value.map((s) => encoder.encode(s)) };
    case "tensor":
      return { name, type: OnnxAttributeType.TENSOR, t: tensorMessage(a.value) };
  }
}

function valueInfoMessage(v: WriterValueInfo): Record<string, unknown> {
  const tensorType: Record<string, unknown> = { elemType: dataTypeCode[v.dtype ?? "float32"] };
  if (v.shape !== undefined) {
    tensorType.shape = {
      dim: v.shape.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })),
    };
  }
  return { name: v.name, type: { tensorType } };
}

/** Serialises a model description to ONNX protobuf bytes. */
export function encodeModel(model: WriterModel): Uint8Array {
  const message = {
    irVersion: model.irVersion ?? irVersionForOpset(model.opset),
    producerName: model.producerName ?? "PaddlePaddle",
    producerVersion: model.producerVersion ?? "",
    opsetImport: [{ domain: "", version: model.opset }],
    graph: {
      name: model.graphName ?? "graph",
      node: model.nodes.map((n) => ({
        input: n.inputs.slice(),
        output: n.outputs.slice(),
        name: n.name ?? "",
        opType: n.opType,
        domain: n.domain ?? "",
        attribute: Object.entries(n.attributes ?? {}).map(([name, a]) => attributeMessage(name, a)),
      })),
      initializer: (model.initializers ?? []).map(tensorMessage),
      input: model.inputs.map(valueInfoMessage),
      output: model.outputs.map(valueInfoMessage),
    },
  };
  return ModelProtoType.encode(message).finish();
}

/** A `Constant` node producing `tensor` under `output` (Paddle2ONNX 1.x's way of storing weights). */
export function constantNode(output: string, tensor: WriterTensor, name?: string): WriterNode {
  return {
    opType: "Constant",
    inputs: [],
    outputs: [output],
    name,
    attributes: { value: attr.tensor({ ...tensor, name: output }) },
  };
}
