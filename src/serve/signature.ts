/**
 * A model's inputs and outputs with their declared shapes, for GET /v1/models: read from
 * the file's graph (the Model interface itself carries names only).
 */
import { type ModelSource, readRegisteredFormat } from "../loader/formats.js";
import { decodeModel } from "../loader/decode.js";
import type { TensorInfo } from "./handler.js";

/**
 * The graph inputs (initializers excluded) and outputs of a model source (ONNX bytes, or
 * a format a reader is registered for, e.g. Paddle's with ghostnet-ts/paddle), with shapes
 * where the file gives them (strings are dynamic dimensions); undefined when it cannot be read.
 */
export function modelSignature(source: ModelSource): { inputs: TensorInfo[]; outputs: TensorInfo[] } | undefined {
  try {
    const { graph } = readRegisteredFormat(source, {}) ?? decodeModel(source as Uint8Array | ArrayBuffer);
    const info = (v: { name: string; shape?: (number | string)[] }): TensorInfo => (v.shape ? { name: v.name, shape: v.shape } : { name: v.name });
    return { inputs: graph.inputs.map(info), outputs: graph.outputs.map(info) };
  } catch {
    return undefined;
  }
}
