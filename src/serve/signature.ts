/**
 * A model file's inputs and outputs with their declared shapes, for GET /v1/models: read
 * from the ONNX graph (the Model interface itself carries names only).
 */
import { decodeModel } from "../loader/decode.js";
import type { TensorInfo } from "./handler.js";

/**
 * The graph inputs (initializers excluded) and outputs of ONNX `bytes`, with shapes where
 * the file gives them (strings are dynamic dimensions); undefined when the bytes are not an
 * ONNX file this loader reads (e.g. Paddle's own format).
 */
export function modelSignature(bytes: Uint8Array): { inputs: TensorInfo[]; outputs: TensorInfo[] } | undefined {
  try {
    const { graph } = decodeModel(bytes);
    const info = (v: { name: string; shape?: (number | string)[] }): TensorInfo => (v.shape ? { name: v.name, shape: v.shape } : { name: v.name });
    return { inputs: graph.inputs.map(info), outputs: graph.outputs.map(info) };
  } catch {
    return undefined;
  }
}
