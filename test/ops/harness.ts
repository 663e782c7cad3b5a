/**
 * Single-op graphs for op tests: build a one-node ONNX model with our writer, run it in
 * onnxruntime-node, and get the outputs back as plain numbers to compare with our kernels.
 */
import { attr, encodeModel, type WriterAttribute, type WriterDataType } from "../../src/loader/writer.js";
import { IntTensor, Tensor, type IntegerType } from "../../src/tensor/tensor.js";
import { randomFloats } from "../helpers/compare.js";
import { runOrt, type RefFeed } from "../helpers/ort.js";

export { attr };

/** A graph input: float32 data, or int64/int32 values. */
export interface OpInput {
  dtype?: "float32" | "int64" | "int32";
  shape: readonly number[];
  data: ArrayLike<number>;
}

export interface RefResult {
  shape: number[];
  data: Float64Array;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** A double as int64, with ±9.22e18 (INT64_MAX / INT64_MIN as doubles) saturating. */
function toInt64(v: number): bigint {
  if (v >= 9.2e18) return INT64_MAX;
  if (v <= -9.2e18) return INT64_MIN;
  return BigInt(v);
}

/** Runs one `opType` node in onnxruntime; `null` inputs are omitted optional inputs (""). */
export async function runOrtOp(
  opType: string,
  options: {
    opset: number;
    inputs: readonly (OpInput | null)[];
    attributes?: Record<string, WriterAttribute>;
    outputDtypes?: readonly WriterDataType[];
  },
): Promise<RefResult[]> {
  const outputDtypes = options.outputDtypes ?? ["float32"];
  const feeds: Record<string, RefFeed> = {};
  const inputNames: string[] = [];
  const graphInputs: { name: string; dtype: WriterDataType; shape: readonly number[] }[] = [];
  options.inputs.forEach((input, i) => {
    if (input === null) {
      inputNames.push("");
      return;
    }
    const name = `in${i}`;
    const dtype = input.dtype ?? "float32";
    inputNames.push(name);
    graphInputs.push({ name, dtype, shape: input.shape });
    if (dtype === "float32") feeds[name] = { shape: input.shape, data: Float32Array.from(input.data) };
    else if (dtype === "int32") feeds[name] = { shape: input.shape, data: Int32Array.from(input.data) };
    else feeds[name] = { shape: input.shape, data: BigInt64Array.from(Array.from(input.data), toInt64) };
  });
  const outputNames = outputDtypes.map((_, i) => `out${i}`);
  const model = encodeModel({
    opset: options.opset,
    nodes: [{ opType, inputs: inputNames, outputs: outputNames, name: `${opType}_0`, attributes: options.attributes }],
    inputs: graphInputs,
    outputs: outputNames.map((name, i) => ({ name, dtype: outputDtypes[i] })),
  });
  const results = await runOrt(model, feeds);
  return outputNames.map((name) => {
    const t = results[name]!;
    const data = new Float64Array(t.data.length);
    for (let i = 0; i < data.length; i++) data[i] = Number(t.data[i]!);
    return { shape: t.shape, data };
  });
}

/** A float tensor of uniform random values in [low, high) (seeded), usable as an OpInput. */
export function randomTensor(shape: readonly number[], seed: number, low = -1, high = 1): Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  return new Tensor(shape, randomFloats(size, seed, low, high));
}

/** An integer tensor from values (shape default [values.length]). */
export function intTensor(values: readonly number[], shape: readonly number[] = [values.length], dtype: IntegerType = "int64"): IntTensor {
  return new IntTensor(dtype, shape, Float64Array.from(values));
}

/** Our tensor as an ORT graph input. */
export function asInput(t: Tensor | IntTensor): OpInput {
  if (t.dtype === "float32") return { shape: t.shape, data: t.data };
  if (t.dtype === "bool") throw new Error("bool graph inputs are not supported by runOrt; feed int64 and Cast");
  return { dtype: t.dtype, shape: t.shape, data: t.data };
}
