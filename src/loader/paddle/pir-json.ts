/**
 * Paddle 3's program format: `inference.json` (PIR, the default of PaddleClas, PaddleX and
 * PaddleOCR 3 exports), read into the same op list a legacy program gives, then translated
 * by translate.ts. Format facts (DESIGN.md §7):
 *
 *   { "base_code": { "magic": "pir", "version": 1, … },
 *     "program": { "regions": [ { "blocks": [ { "ops": [ … ] } ] } ] } }
 *
 *   op         { "#": "1.conv2d", "I": [{ "%": id }…], "O": [{ "%": id, "TT": type }…],
 *                "A": [{ "N": name, "AT": { "#": "0.a_i32", "D": value } }…] }
 *   parameter  { "#": "p", "A": [is_distributed, is_parameter, need_clip, "name"], "O": { "%": id, "TT": type } }
 *   type       { "#": "0.t_dtensor", "D": [{ "#": "0.t_f32" }, dims, layout, lod, offset] }
 *
 * The op name's number is its dialect (0 builtin, 1 Paddle's operators). Values have ids,
 * not names: a parameter's value takes the parameter's name, `1.data`'s its `name`
 * attribute, a fetched value the fetch's name (`fetch_name_0`), every other `<op>_<id>`
 * (`conv2d_147`). `1.full_int_array` and `1.full` become constants here, and an operand a
 * legacy op has as an attribute (pool2d's kernel size, reshape's shape, scale's factor) is
 * read from such a constant. The `.pdiparams` holds the parameters in `sorted(name)` order.
 */
import { ModelFormatError, ModelValidationError, quoteName } from "../../errors.js";
import { IntTensor, Tensor, type AnyTensor } from "../../tensor/tensor.js";
import type { OnnxModel } from "../model.js";
import { DEFAULT_MAX_TENSOR_ELEMENTS } from "../tensor-decode.js";
import type { PaddleParams, PaddleReadOptions } from "./legacy-program.js";
import { paddleSortedNames, readCombinedParams, readSeparateParams, type ExpectedParam } from "./params.js";
import { PaddleType, type PaddleAttribute, type PaddleOp } from "./program-desc.js";
import { checkSupportedOps, translateProgram } from "./translate.js";

/** Where a PIR operand goes in the legacy op: a slot, or an attribute read from a constant (else the fallback slot). */
type OperandRole = string | { attr: string; slot?: string } | null;

interface Spelling {
  type: string;
  inputs: OperandRole[];
  outputs: string[];
  /** PIR attribute name → legacy attribute name, where they differ. */
  rename?: Record<string, string>;
}

const unaryOp = (type: string): Spelling => ({ type, inputs: ["X"], outputs: ["Out"] });
const binaryOp = (type: string): Spelling => ({ type, inputs: ["X", "Y"], outputs: ["Out"] });
const conv: Spelling = { type: "conv2d", inputs: ["Input", "Filter"], outputs: ["Output"] };
const batchNorm: Spelling = { type: "batch_norm", inputs: ["X", "Mean", "Variance", "Scale", "Bias"], outputs: ["Y"] };
const interp = (type: string): Spelling => ({
  type,
  inputs: ["X", "OutSize", "SizeTensor", "Scale"],
  outputs: ["Out"],
  rename: { data_format: "data_layout" },
});

/** PIR op name (without the dialect number) → the legacy op it is. */
const SPELLINGS: Readonly<Record<string, Spelling>> = {
  conv2d: conv,
  depthwise_conv2d: { ...conv, type: "depthwise_conv2d" },
  conv2d_transpose: { type: "conv2d_transpose", inputs: ["Input", "Filter", { attr: "output_size" }], outputs: ["Output"] },
  batch_norm: batchNorm,
  batch_norm_: batchNorm,
  relu: unaryOp("relu"),
  relu_: unaryOp("relu"),
  relu6: unaryOp("relu6"),
  sigmoid: unaryOp("sigmoid"),
  tanh: unaryOp("tanh"),
  hardswish: unaryOp("hard_swish"),
  hardsigmoid: unaryOp("hard_sigmoid"),
  swish: unaryOp("swish"),
  leaky_relu: { ...unaryOp("leaky_relu"), rename: { negative_slope: "alpha" } },
  softmax: unaryOp("softmax"),
  silu: unaryOp("silu"),
  gelu: unaryOp("gelu"),
  exp: unaryOp("exp"),
  sqrt: unaryOp("sqrt"),
  abs: unaryOp("abs"),
  log: unaryOp("log"),
  floor: unaryOp("floor"),
  reciprocal: unaryOp("reciprocal"),
  pow: { ...unaryOp("pow"), rename: { y: "factor" } },
  elementwise_pow: binaryOp("elementwise_pow"),
  prelu: { type: "prelu", inputs: ["X", "Alpha"], outputs: ["Out"] },
  layer_norm: { type: "layer_norm", inputs: ["X", "Scale", "Bias"], outputs: ["Y"] },
  mean: { type: "reduce_mean", inputs: ["X"], outputs: ["Out"], rename: { axis: "dim", keepdim: "keep_dim" } },
  sum: { type: "reduce_sum", inputs: ["X", { attr: "dim" }], outputs: ["Out"], rename: { keepdim: "keep_dim" } },
  max: { type: "reduce_max", inputs: ["X", { attr: "dim" }], outputs: ["Out"], rename: { keepdim: "keep_dim" } },
  min: { type: "reduce_min", inputs: ["X", { attr: "dim" }], outputs: ["Out"], rename: { keepdim: "keep_dim" } },
  stack: { type: "stack", inputs: ["X"], outputs: ["Y"] },
  add: binaryOp("elementwise_add"),
  add_: binaryOp("elementwise_add"),
  subtract: binaryOp("elementwise_sub"),
  multiply: binaryOp("elementwise_mul"),
  divide: binaryOp("elementwise_div"),
  matmul: { ...binaryOp("matmul_v2"), rename: { transpose_x: "trans_x", transpose_y: "trans_y" } },
  scale: { type: "scale", inputs: ["X", { attr: "scale", slot: "ScaleTensor" }], outputs: ["Out"] },
  dropout: { type: "dropout", inputs: ["X", null], outputs: ["Out"], rename: { p: "dropout_prob", mode: "dropout_implementation" } },
  clip: { type: "clip", inputs: ["X", { attr: "min", slot: "Min" }, { attr: "max", slot: "Max" }], outputs: ["Out"] },
  pool2d: { type: "pool2d", inputs: ["X", { attr: "ksize" }], outputs: ["Out"] },
  reshape: { type: "reshape2", inputs: ["X", "Shape"], outputs: ["Out"] },
  flatten: { type: "flatten_contiguous_range", inputs: ["X"], outputs: ["Out"] },
  squeeze: { type: "squeeze2", inputs: ["X", { attr: "axes" }], outputs: ["Out"] },
  unsqueeze: { type: "unsqueeze2", inputs: ["X", { attr: "axes" }], outputs: ["Out"] },
  concat: { type: "concat", inputs: ["X", { attr: "axis", slot: "AxisTensor" }], outputs: ["Out"] },
  transpose: { type: "transpose2", inputs: ["X"], outputs: ["Out"], rename: { perm: "axis" } },
  shape: { type: "shape", inputs: ["Input"], outputs: ["Out"] },
  shape64: { type: "shape", inputs: ["Input"], outputs: ["Out"] },
  slice: { type: "slice", inputs: ["Input", { attr: "starts", slot: "StartsTensor" }, { attr: "ends", slot: "EndsTensor" }], outputs: ["Out"] },
  cast: { type: "cast", inputs: ["X"], outputs: ["Out"], rename: { dtype: "out_dtype" } },
  assign: unaryOp("assign"),
  nearest_interp: interp("nearest_interp_v2"),
  bilinear_interp: interp("bilinear_interp_v2"),
};

/** PIR element type names → Paddle VarType codes. */
const ELEMENT_TYPES: Readonly<Record<string, number>> = {
  t_f32: PaddleType.FP32,
  t_f64: PaddleType.FP64,
  t_f16: PaddleType.FP16,
  t_bf16: PaddleType.BF16,
  t_i64: PaddleType.INT64,
  t_i32: PaddleType.INT32,
  t_i16: PaddleType.INT16,
  t_i8: PaddleType.INT8,
  t_ui8: PaddleType.UINT8,
  t_bool: PaddleType.BOOL,
};

/** `dtype` attribute strings → Paddle VarType codes. */
const DTYPE_NAMES: Readonly<Record<string, number>> = {
  float32: PaddleType.FP32,
  float64: PaddleType.FP64,
  float16: PaddleType.FP16,
  bfloat16: PaddleType.BF16,
  int64: PaddleType.INT64,
  int32: PaddleType.INT32,
  int16: PaddleType.INT16,
  int8: PaddleType.INT8,
  uint8: PaddleType.UINT8,
  bool: PaddleType.BOOL,
};

// The JSON as parsed: checked piece by piece, since a hostile file can hold anything.
type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A PIR program read into legacy-style ops, constants and the parameters it expects. */
export interface PirProgram {
  ops: PaddleOp[];
  dims: Map<string, number[]>;
  dtypes: Map<string, number>;
  constants: Map<string, AnyTensor>;
  /** Parameters in the order the `.pdiparams` holds them. */
  params: ExpectedParam[];
}

class PirReader {
  /** Value id → graph value name (or, for a `0.combine` result, the list of names). */
  private readonly names = new Map<number, string | string[]>();
  readonly program: PirProgram = { ops: [], dims: new Map(), dtypes: new Map(), constants: new Map(), params: [] };
  /** PIR spellings of ops with no legacy equivalent, for the one error that lists them. */
  readonly unknown: PaddleOp[] = [];

  constructor(private readonly maxElements: number) {}

  fail(message: string): never {
    throw new ModelFormatError(`not a readable Paddle 3 program (inference.json): ${message}`);
  }

  read(ops: Json[]): void {
    // Fetched values take the fetch's name, as Paddle's own exports name their outputs.
    const fetchNames = new Map<number, string>();
    for (const op of ops) {
      if (isObject(op) && op["#"] === "1.fetch") {
        const id = this.operandIds(op, 0)[0];
        const name = this.attributes(op).get("name");
        if (typeof id === "number" && typeof name === "string" && name !== "") fetchNames.set(id, name);
      }
    }
    for (const op of ops) {
      const name = isObject(op) && op["#"] === "p" && Array.isArray(op.A) ? op.A[3] : undefined;
      if (typeof name === "string") this.used.add(name);
    }
    ops.forEach((op, index) => {
      if (!isObject(op) || typeof op["#"] !== "string") this.fail(`op ${index} has no name ("#")`);
      this.readOp(op, fetchNames);
    });
    const names = paddleSortedNames(this.program.params.map((p) => p.name));
    const byName = new Map(this.program.params.map((p) => [p.name, p]));
    if (byName.size !== this.program.params.length) this.fail("two parameters have the same name");
    this.program.params = names.map((n) => byName.get(n)!);
  }

  /** The type of a result: dims and element type of a dense tensor, or undefined. */
  private typeOf(result: Record<string, Json>): { dims: number[]; dtype: number } | undefined {
    const type = result.TT;
    if (!isObject(type) || type["#"] !== "0.t_dtensor" || !Array.isArray(type.D)) return undefined;
    const [element, dims] = type.D;
    const elementName = isObject(element) && typeof element["#"] === "string" ? element["#"].replace(/^0\./, "") : "";
    if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d))) return undefined;
    return { dims: dims as number[], dtype: ELEMENT_TYPES[elementName] ?? -1 };
  }

  /** Names given so far, and the parameters' names (taken before any other value is named). */
  private readonly used = new Set<string>();

  /** Names result `result` `name`; a made-up name (`generated`) that is taken gets `@<id>`. */
  private nameResult(result: Json, name: string, generated = true): string {
    if (!isObject(result) || !Number.isSafeInteger(result["%"])) this.fail(`a result of the op writing '${quoteName(name)}' has no id`);
    const id = result["%"] as number;
    if (this.names.has(id)) this.fail(`value %${id} is produced twice`);
    if (generated && this.used.has(name)) name = `${name}@${id}`;
    this.used.add(name);
    this.names.set(id, name);
    const type = this.typeOf(result);
    if (type !== undefined) {
      this.program.dims.set(name, type.dims);
      this.program.dtypes.set(name, type.dtype);
    }
    return name;
  }

  private operandIds(op: Record<string, Json>, from = 0): (number | undefined)[] {
    const operands = op.I;
    if (operands === undefined || operands === null) return [];
    if (!Array.isArray(operands)) this.fail(`the operands ("I") of ${quoteName(String(op["#"]))} are not a list`);
    return operands.slice(from).map((o) => (isObject(o) && Number.isSafeInteger(o["%"]) && (o["%"] as number) > 0 ? (o["%"] as number) : undefined));
  }

  private results(op: Record<string, Json>): Json[] {
    const results = op.O;
    if (results === undefined || results === null) return [];
    return Array.isArray(results) ? results : [results];
  }

  /** Attributes: { name → value }, arrays of attributes flattened to arrays of values. */
  private attributes(op: Record<string, Json>): Map<string, PaddleAttribute> {
    const out = new Map<string, PaddleAttribute>();
    const list = op.A;
    if (!Array.isArray(list)) return out;
    for (const a of list) {
      if (!isObject(a) || typeof a.N !== "string" || !isObject(a.AT)) continue;
      const value = attributeValue(a.AT);
      if (value !== undefined) out.set(a.N, value);
    }
    return out;
  }

  private readOp(op: Record<string, Json>, fetchNames: Map<number, string>): void {
    const fullName = op["#"] as string;
    if (fullName === "p") return this.readParameter(op);
    const short = fullName.replace(/^\d+\./, "");
    const attrs = this.attributes(op);
    const results = this.results(op);
    const resultName = (k: number): string => {
      const r = results[k];
      const id = isObject(r) && Number.isSafeInteger(r["%"]) ? (r["%"] as number) : undefined;
      return (id !== undefined ? fetchNames.get(id) : undefined) ?? `${short}_${id ?? "?"}`;
    };
    switch (fullName) {
      case "1.data": {
        const name = typeof attrs.get("name") === "string" ? (attrs.get("name") as string) : resultName(0);
        const n = this.nameResult(results[0], name, false);
        this.program.ops.push(legacyOp("feed", { X: ["feed"] }, { Out: [n] }, new Map([["col", this.feedCount++]])));
        return;
      }
      case "1.fetch": {
        const id = this.operandIds(op)[0];
        const input = id !== undefined ? this.names.get(id) : undefined;
        if (typeof input !== "string") this.fail("a fetch reads no known value");
        this.program.ops.push(legacyOp("fetch", { X: [input] }, { Out: ["fetch"] }, new Map([["col", attrs.get("col") ?? this.fetchCount]])));
        this.fetchCount++;
        return;
      }
      case "1.split":
      case "1.split_with_num": {
        // The parts come out as one vector value that a later `0.split` unpacks into values.
        const [xId, sectionsOrAxis, axisId] = this.operandIds(op);
        const input = xId !== undefined ? this.names.get(xId) : undefined;
        if (typeof input !== "string") this.fail(`${fullName} reads no known value`);
        const constantOf = (id: number | undefined) => (id !== undefined ? this.program.constants.get(String(this.names.get(id))) : undefined);
        const legacyAttrs = new Map<string, PaddleAttribute>();
        const axis = constantOf(fullName === "1.split" ? axisId : sectionsOrAxis);
        if (axis === undefined) this.fail(`${fullName}'s axis is not a constant`);
        legacyAttrs.set("axis", axis.data[0]!);
        if (fullName === "1.split") {
          const sections = constantOf(sectionsOrAxis);
          if (sections === undefined) this.fail("1.split's sections are not a constant");
          legacyAttrs.set("sections", Array.from(sections.data));
        } else {
          const num = attrs.get("num");
          if (typeof num === "number") legacyAttrs.set("num", num);
        }
        const split = legacyOp("split", { X: [input] }, { Out: [] }, legacyAttrs);
        const r = results[0];
        if (!isObject(r) || !Number.isSafeInteger(r["%"])) this.fail(`${fullName} has no result id`);
        this.pendingSplits.set(r["%"] as number, split);
        this.program.ops.push(split);
        return;
      }
      case "0.split": {
        const vector = this.operandIds(op)[0];
        const split = vector !== undefined ? this.pendingSplits.get(vector) : undefined;
        if (split === undefined) this.fail("a 0.split reads no split's result");
        split.outputs.set("Out", results.map((r, k) => this.nameResult(r, resultName(k))));
        return;
      }
      case "0.combine": {
        const names = this.operandIds(op).map((id) => {
          const n = id !== undefined ? this.names.get(id) : undefined;
          if (typeof n !== "string") this.fail("a combine reads an unknown value");
          return n;
        });
        const r = results[0];
        if (!isObject(r) || !Number.isSafeInteger(r["%"])) this.fail("a combine has no result id");
        this.names.set(r["%"] as number, names);
        return;
      }
      case "1.full_int_array": {
        const values = attrs.get("value");
        if (!Array.isArray(values) || !values.every((v) => typeof v === "number")) this.fail("a full_int_array has no list of values");
        const n = this.nameResult(results[0], resultName(0));
        this.program.constants.set(n, IntTensor.fromValues(values as number[], "int64"));
        return;
      }
      case "1.full": {
        const n = this.nameResult(results[0], resultName(0));
        this.program.constants.set(n, this.filled(attrs, n));
        return;
      }
    }
    const spelling = fullName.startsWith("1.") ? SPELLINGS[short] : undefined;
    const outputs = results.map((r, k) => this.nameResult(r, resultName(k)));
    if (spelling === undefined) {
      this.unknown.push(legacyOp(fullName, {}, { Out: outputs.slice(0, 1) }, new Map()));
      return;
    }
    const legacyAttrs = new Map<string, PaddleAttribute>();
    for (const [name, value] of attrs) {
      const renamed = spelling.rename?.[name] ?? name;
      legacyAttrs.set(renamed, renamed.endsWith("dtype") && typeof value === "string" ? (DTYPE_NAMES[value] ?? -1) : value);
    }
    const inputs: Record<string, string[]> = {};
    this.operandIds(op).forEach((id, k) => {
      const role = spelling.inputs[k];
      if (role === undefined || role === null || id === undefined) return;
      const named = this.names.get(id);
      if (named === undefined) this.fail(`an operand of ${quoteName(fullName)} reads value %${id}, which no earlier op produces`);
      if (typeof role === "string") {
        inputs[role] = typeof named === "string" ? [named] : named;
        return;
      }
      const constant = typeof named === "string" ? this.program.constants.get(named) : undefined;
      if (constant !== undefined) {
        const values = Array.from(constant.data);
        legacyAttrs.set(role.attr, role.attr === "axis" || role.attr === "scale" || role.attr === "min" || role.attr === "max" ? values[0]! : values);
      } else if (role.slot !== undefined) {
        inputs[role.slot] = typeof named === "string" ? [named] : named;
      }
    });
    const outputSlots: Record<string, string[]> = {};
    spelling.outputs.forEach((slot, k) => {
      if (outputs[k] !== undefined) outputSlots[slot] = [outputs[k]!];
    });
    this.program.ops.push(legacyOp(spelling.type, inputs, outputSlots, legacyAttrs));
  }

  /** Vector results of 1.split ops, whose parts a later 0.split names. */
  private readonly pendingSplits = new Map<number, PaddleOp>();
  private feedCount = 0;
  private fetchCount = 0;

  /** `1.full`: shape, value, dtype → a constant (its size checked against the limit first). */
  private filled(attrs: Map<string, PaddleAttribute>, name: string): AnyTensor {
    const shape = attrs.get("shape") ?? [];
    const value = attrs.get("value");
    const dtype = DTYPE_NAMES[String(attrs.get("dtype"))] ?? PaddleType.FP32;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) this.fail(`full '${quoteName(name)}' has no valid shape`);
    if (typeof value !== "number" && typeof value !== "boolean") this.fail(`full '${quoteName(name)}' has no numeric value`);
    let size = 1;
    for (const d of shape as number[]) {
      size *= d;
      if (size > this.maxElements) this.fail(`full '${quoteName(name)}' of shape [${shape.join(", ")}] is over the limit of ${this.maxElements} elements`);
    }
    const v = Number(value);
    if (dtype === PaddleType.FP32 || dtype === PaddleType.FP64 || dtype === PaddleType.FP16 || dtype === PaddleType.BF16) {
      return new Tensor(shape as number[], new Float32Array(size).fill(v));
    }
    return new IntTensor(dtype === PaddleType.BOOL ? "bool" : dtype === PaddleType.INT64 ? "int64" : "int32", shape as number[], new Float64Array(size).fill(Math.trunc(v)));
  }

  /** A `p` op: [is_distributed, is_parameter, need_clip, name] and one result. */
  private readParameter(op: Record<string, Json>): void {
    const a = op.A;
    const name = Array.isArray(a) ? a[3] : undefined;
    if (typeof name !== "string" || name === "") this.fail("a parameter op ('p') has no name");
    const result = this.results(op)[0];
    this.nameResult(result, name, false);
    const dims = this.program.dims.get(name);
    this.program.params.push({ name, dims });
  }
}

function legacyOp(type: string, inputs: Record<string, string[]>, outputs: Record<string, string[]>, attrs: Map<string, PaddleAttribute>): PaddleOp {
  return { type, inputs: new Map(Object.entries(inputs)), outputs: new Map(Object.entries(outputs)), attrs };
}

/** Arrays nest one level in real files (an array of numbers); deeper ones are not attributes of ours. */
const MAX_ATTRIBUTE_DEPTH = 4;

/** One attribute value `{ "#": kind, "D": data }` → a plain value, or undefined for kinds of no use here. */
function attributeValue(at: Record<string, Json>, depth = 0): PaddleAttribute | undefined {
  const kind = at["#"];
  const data = at.D;
  switch (kind) {
    case "0.a_str":
    case "1.a_dtype":
      return typeof data === "string" ? data : undefined;
    case "0.a_bool":
      return typeof data === "boolean" ? data : undefined;
    case "0.a_i32":
    case "0.a_i64":
    case "0.a_f32":
    case "0.a_f64":
      return typeof data === "number" ? data : undefined;
    case "1.a_intarray":
      return Array.isArray(data) && data.every((d) => typeof d === "number") ? (data as number[]) : undefined;
    case "1.a_scalar": {
      // [dtype name, value] (complex values have two numbers; the real part is not used here).
      const value = Array.isArray(data) ? data[1] : data;
      return typeof value === "number" || typeof value === "boolean" ? value : undefined;
    }
    case "0.a_array": {
      if (!Array.isArray(data) || depth >= MAX_ATTRIBUTE_DEPTH) return undefined;
      const items = data.map((d) => (isObject(d) ? attributeValue(d, depth + 1) : undefined));
      if (items.every((i) => typeof i === "number")) return items as number[];
      if (items.every((i) => typeof i === "boolean")) return items as boolean[];
      if (items.every((i) => typeof i === "string")) return items as string[];
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Parses the JSON text and finds the op list of block 0; ModelFormatError when it is not a PIR program. */
function pirOps(bytes: Uint8Array): Json[] {
  let root: Json;
  try {
    root = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ModelFormatError(`not a readable Paddle 3 program (inference.json, ${bytes.length} bytes): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!isObject(root) || !isObject(root.base_code) || root.base_code.magic !== "pir") {
    throw new ModelFormatError('not a Paddle 3 program: the JSON has no "base_code" with magic "pir"');
  }
  const program = root.program;
  const regions = isObject(program) ? program.regions : undefined;
  const region = Array.isArray(regions) ? regions[0] : undefined;
  const blocks = isObject(region) ? region.blocks : undefined;
  const block = Array.isArray(blocks) ? blocks[0] : undefined;
  const ops = isObject(block) ? block.ops : undefined;
  if (!Array.isArray(ops)) throw new ModelFormatError('not a readable Paddle 3 program: no op list at "program.regions[0].blocks[0].ops"');
  return ops;
}

/** Reads a PIR `inference.json` into legacy-style ops (no parameters yet). */
export function decodePirProgram(bytes: Uint8Array, options: PaddleReadOptions = {}): PirProgram {
  const reader = new PirReader(options.maxTensorElements ?? DEFAULT_MAX_TENSOR_ELEMENTS);
  reader.read(pirOps(bytes));
  if (reader.unknown.length > 0) checkSupportedOps(reader.unknown, (t) => t);
  return reader.program;
}

/**
 * Reads a Paddle 3 program (`inference.json`) and its parameters into the loader's graph.
 * Throws ModelFormatError when a file cannot be read, ModelValidationError listing every
 * problem (unsupported ops included) otherwise.
 */
export function readPirProgram(json: Uint8Array, params: PaddleParams | undefined, options: PaddleReadOptions = {}): OnnxModel {
  const maxTensorElements = options.maxTensorElements ?? DEFAULT_MAX_TENSOR_ELEMENTS;
  const program = decodePirProgram(json, options);
  const constants = new Map(program.constants);
  if (program.params.length > 0) {
    if (params === undefined) {
      throw new ModelFormatError(`the program has ${program.params.length} parameters but no parameter file was given (inference.pdiparams)`);
    }
    const tensors = params instanceof Uint8Array ? readCombinedParams(params, program.params, { maxTensorElements }) : readSeparateParams(params, program.params, { maxTensorElements });
    for (const [name, t] of tensors) constants.set(name, t);
  }
  if (program.ops.length === 0) throw new ModelValidationError(["the Paddle 3 program has no ops"]);
  return translateProgram({ ops: program.ops, dims: program.dims, dtypes: program.dtypes, constants, producerVersion: "3 (PIR)" }, maxTensorElements);
}
