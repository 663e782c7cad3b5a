/**
 * ONNX bytes → `OnnxModel` (plain data, see model.ts).
 *
 *   bytes ──protobufjs──▶ ModelProto ──▶ constants (initializers + Constant nodes)
 *                                     ──▶ nodes (attributes decoded), inputs, outputs
 *
 * Protobuf failures (truncated, corrupted, not protobuf at all) become one
 * `ModelFormatError`. Problems with what was decoded — a tensor whose payload disagrees
 * with its dims, dims beyond the limit, external data, an unsupported element type — are
 * collected, so a user sees all of them at once in one `ModelValidationError`.
 * No file system: the caller hands us the bytes.
 */
import { ModelFormatError, ModelValidationError, quoteName } from "../errors.js";
import { IntTensor, Tensor, type AnyTensor } from "../tensor/tensor.js";
import { int64ToNumber, int64ToSafeInteger, type Int64Like } from "./int64.js";
import type { AttributeValue, OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo } from "./model.js";
import { ModelProtoType, OnnxAttributeType } from "./onnx-schema.js";
import {
  DEFAULT_MAX_TENSOR_ELEMENTS,
  decodeTensor,
  onnxTypeName,
  valueTypeOf,
  type RawTensor,
  type TensorLimits,
} from "./tensor-decode.js";

/** Options of `decodeModel` (also accepted by `loadModel`). */
export interface DecodeOptions {
  /** Largest element count accepted for one tensor, checked before allocating (default 2^28). */
  maxTensorElements?: number;
}

/** A decoded model and every problem found while decoding it. */
export interface DecodeResult {
  model: OnnxModel;
  problems: string[];
  /** Names of initializers/Constants that exist in the file but failed to decode (already in `problems`). */
  brokenConstants: Set<string>;
}

// The decoded protobuf messages, as protobufjs builds them (absent fields read as defaults).
interface RawAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: Int64Like;
  s?: Uint8Array;
  t?: RawTensor;
  g?: unknown;
  floats?: number[];
  ints?: Int64Like[];
  strings?: Uint8Array[];
  tensors?: RawTensor[];
  graphs?: unknown[];
}
interface RawNode {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: RawAttribute[];
}
interface RawDim {
  dimValue?: Int64Like;
  dimParam?: string;
}
interface RawValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: RawDim[] } } };
}
interface RawGraph {
  name?: string;
  node?: RawNode[];
  initializer?: RawTensor[];
  input?: RawValueInfo[];
  output?: RawValueInfo[];
}
interface RawModel {
  irVersion?: Int64Like;
  producerName?: string;
  producerVersion?: string;
  opsetImport?: { domain?: string; version?: Int64Like }[];
  graph?: RawGraph;
}

const utf8 = new TextDecoder("utf-8");

function has(message: object, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, field);
}

/** Parses the protobuf; any failure becomes one ModelFormatError line. */
function parseModelProto(bytes: Uint8Array | ArrayBuffer): RawModel {
  // A plain Uint8Array view (also of a Node Buffer), so protobufjs hands out plain
  // Uint8Array views for bytes fields on every runtime.
  const view = bytes instanceof Uint8Array ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  if (view.length === 0) throw new ModelFormatError("the model is empty (0 bytes)");
  let message: RawModel;
  try {
    message = ModelProtoType.decode(view) as unknown as RawModel;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = /index out of range/.test(reason)
      ? "the data ends in the middle of a record: the file is probably truncated"
      : "the bytes are corrupted or not an ONNX file";
    throw new ModelFormatError(`not a readable ONNX model (${view.length} bytes): ${hint} (protobuf: ${reason})`, {
      cause: error,
    });
  }
  if (message.graph === undefined || message.graph === null) {
    throw new ModelFormatError(`not an ONNX model (${view.length} bytes): no graph found; is this an .onnx file?`);
  }
  return message;
}

/**
 * Decodes ONNX bytes and collects problems instead of throwing them (except a protobuf
 * that cannot be parsed, which throws ModelFormatError). The loader adds the graph
 * checks of validate.ts and reports everything together.
 */
export function decodeModelCollecting(bytes: Uint8Array | ArrayBuffer, options: DecodeOptions = {}): DecodeResult {
  const limits: TensorLimits = { maxTensorElements: options.maxTensorElements ?? DEFAULT_MAX_TENSOR_ELEMENTS };
  const raw = parseModelProto(bytes);
  const problems: string[] = [];
  const brokenConstants = new Set<string>();
  try {
    const model = buildModel(raw, limits, problems, brokenConstants);
    return { model, problems, brokenConstants };
  } catch (error) {
    // Garbage that parsed as protobuf can still hold values of the wrong JS type.
    if (error instanceof ModelFormatError || error instanceof ModelValidationError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelFormatError(`not a readable ONNX model: ${reason}`, { cause: error });
  }
}

/** Decodes ONNX bytes; throws ModelFormatError or ModelValidationError (every problem listed). */
export function decodeModel(bytes: Uint8Array | ArrayBuffer, options: DecodeOptions = {}): OnnxModel {
  const { model, problems } = decodeModelCollecting(bytes, options);
  if (problems.length > 0) throw new ModelValidationError(problems);
  return model;
}

function buildModel(raw: RawModel, limits: TensorLimits, problems: string[], brokenConstants: Set<string>): OnnxModel {
  let opset: number | undefined;
  const otherOpsets = new Map<string, number>();
  for (const entry of raw.opsetImport ?? []) {
    const domain = entry.domain ?? "";
    const version = int64ToSafeInteger(entry.version) ?? -1;
    if (domain === "" || domain === "ai.onnx") opset = version;
    else otherOpsets.set(domain, version);
  }
  if (opset === undefined) {
    problems.push("the model imports no opset for the default ONNX domain (opset_import is missing)");
    opset = 0;
  }
  return {
    irVersion: int64ToSafeInteger(raw.irVersion) ?? 0,
    opset,
    producerName: raw.producerName ?? "",
    producerVersion: raw.producerVersion ?? "",
    graph: buildGraph(raw.graph!, limits, problems, brokenConstants),
    otherOpsets,
  };
}

function buildGraph(raw: RawGraph, limits: TensorLimits, problems: string[], brokenConstants: Set<string>): OnnxGraph {
  const constants = new Map<string, AnyTensor>();
  const addConstant = (name: string, tensor: AnyTensor | undefined, label: string): void => {
    if (constants.has(name)) problems.push(`${label} redefines '${quoteName(name)}', which another initializer or Constant already defines`);
    else if (tensor !== undefined) constants.set(name, tensor);
    else brokenConstants.add(name);
  };

  for (const init of raw.initializer ?? []) {
    const name = init.name ?? "";
    const label = `initializer '${quoteName(name)}'`;
    addConstant(name, decodeTensor(init, label, limits, problems), label);
  }

  const nodes: OnnxNode[] = [];
  (raw.node ?? []).forEach((rawNode, index) => {
    const opType = rawNode.opType ?? "";
    const name = rawNode.name || `${opType || "node"}_${index}`;
    let domain = rawNode.domain ?? "";
    if (domain === "ai.onnx") domain = "";
    const where = `node '${quoteName(name)}' (${quoteName(opType)})`;
    const attributes = new Map<string, AttributeValue>();
    const problemsBefore = problems.length;
    for (const a of rawNode.attribute ?? []) {
      const value = decodeAttribute(a, `${where} attribute '${quoteName(a.name ?? "")}'`, limits, problems);
      if (value !== undefined) attributes.set(a.name ?? "", value);
    }
    const node: OnnxNode = {
      name,
      opType,
      domain,
      inputs: (rawNode.input ?? []).slice(),
      outputs: (rawNode.output ?? []).slice(),
      attributes,
    };
    if (opType === "Constant" && domain === "") {
      const output = node.outputs[0];
      if (node.outputs.length !== 1 || output === undefined || output === "") {
        problems.push(`${where} must have exactly one output`);
        return;
      }
      // A value tensor that failed to decode has been reported already.
      const value = problems.length > problemsBefore ? undefined : constantValue(node, where, problems);
      addConstant(output, value, where);
      return;
    }
    nodes.push(node);
  });

  const inputs = (raw.input ?? [])
    .filter((v) => !constants.has(v.name ?? "") && !brokenConstants.has(v.name ?? ""))
    .map((v) => decodeValueInfo(v, "graph input", problems));
  const outputs = (raw.output ?? []).map((v) => decodeValueInfo(v, "graph output", problems));
  return { name: raw.name ?? "", nodes, constants, inputs, outputs };
}

function decodeValueInfo(raw: RawValueInfo, what: string, problems: string[]): OnnxValueInfo {
  const name = raw.name ?? "";
  const tensorType = raw.type?.tensorType;
  // A value info without a type is legal ONNX; assume float32.
  const code = tensorType?.elemType ?? 1;
  const dtype = valueTypeOf(code) ?? "unsupported";
  const info: OnnxValueInfo = { name, dtype, onnxType: onnxTypeName(code) };
  const dims = tensorType?.shape?.dim;
  if (tensorType?.shape !== undefined && dims !== undefined) {
    info.shape = dims.map((d, i) => {
      if (has(d, "dimParam") && d.dimParam) return d.dimParam;
      if (!has(d, "dimValue")) return `?${i}`;
      const n = int64ToSafeInteger(d.dimValue);
      if (n === undefined || n > 2 ** 31) {
        problems.push(`${what} '${quoteName(name)}' declares dimension ${i} as ${int64ToNumber(d.dimValue)}, which is not a usable size`);
        return `?${i}`;
      }
      // Some exporters write -1 for "any size".
      return n < 0 ? `?${i}` : n;
    });
  }
  return info;
}

function decodeAttribute(a: RawAttribute, label: string, limits: TensorLimits, problems: string[]): AttributeValue | undefined {
  const type = a.type || inferAttributeType(a);
  switch (type) {
    case OnnxAttributeType.FLOAT:
      return a.f ?? 0;
    case OnnxAttributeType.INT:
      return int64ToNumber(a.i);
    case OnnxAttributeType.STRING:
      return utf8.decode(a.s ?? new Uint8Array(0));
    case OnnxAttributeType.TENSOR:
      return a.t ? decodeTensor(a.t, label, limits, problems) : undefined;
    case OnnxAttributeType.FLOATS:
      return (a.floats ?? []).slice();
    case OnnxAttributeType.INTS:
      return (a.ints ?? []).map(int64ToNumber);
    case OnnxAttributeType.STRINGS:
      return (a.strings ?? []).map((s) => utf8.decode(s));
    default:
      // Graph-valued attributes (If, Loop, Scan bodies) and tensor lists: the ops that
      // take them are not supported, and validation reports those ops by name.
      return undefined;
  }
}

/** Old files may omit AttributeProto.type; tell it from the field that is set. */
function inferAttributeType(a: RawAttribute): number {
  if (a.floats?.length) return OnnxAttributeType.FLOATS;
  if (a.ints?.length) return OnnxAttributeType.INTS;
  if (a.strings?.length) return OnnxAttributeType.STRINGS;
  if (has(a, "t")) return OnnxAttributeType.TENSOR;
  if (has(a, "s")) return OnnxAttributeType.STRING;
  if (has(a, "f")) return OnnxAttributeType.FLOAT;
  if (has(a, "i")) return OnnxAttributeType.INT;
  return OnnxAttributeType.UNDEFINED;
}

/** The value of a `Constant` node from whichever of its value attributes is set. */
function constantValue(node: OnnxNode, where: string, problems: string[]): AnyTensor | undefined {
  const a = node.attributes;
  const value = a.get("value");
  if (value instanceof Tensor || value instanceof IntTensor) return value;
  const valueFloat = a.get("value_float");
  if (typeof valueFloat === "number") return Tensor.scalar(valueFloat);
  const valueFloats = a.get("value_floats");
  if (Array.isArray(valueFloats)) return new Tensor([valueFloats.length], Float32Array.from(valueFloats as number[]));
  const valueInt = a.get("value_int");
  if (typeof valueInt === "number") return new IntTensor("int64", [], Float64Array.of(valueInt));
  const valueInts = a.get("value_ints");
  if (Array.isArray(valueInts)) return IntTensor.fromValues(valueInts as number[]);
  problems.push(`${where} has no supported value attribute (value, value_float(s), value_int(s)); found: ${[...a.keys()].map(quoteName).join(", ") || "none"}`);
  return undefined;
}
