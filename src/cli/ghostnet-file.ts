/**
 * Reading a GhostNet's architecture off an ONNX file: decode it, bind its weights to
 * GhostNet's layers (src/ghostnet/bind.ts), keep the config (scale and class count).
 */
import type { GhostNetConfig } from "../ghostnet/config.js";
import { bindGhostNet } from "../ghostnet/bind.js";
import { InputError } from "../errors.js";
import { decodeModel } from "../loader/decode.js";
import { readModelPath } from "../node/model-path.js";
import { decodeAndValidate } from "../load-model.js";

export async function readGhostNetConfig(path: string): Promise<GhostNetConfig> {
  // ONNX as it is (any GhostNet file, even one with ops the graph executor lacks); Paddle's formats through their readers.
  const { source, layout } = await readModelPath(path);
  const model = layout === "onnx" ? decodeModel(source as Uint8Array) : decodeAndValidate(source);
  const result = bindGhostNet(model);
  if ("reason" in result) throw new InputError(`'${path}' is not a PaddleClas GhostNet: ${result.reason}`);
  return result.binding.config;
}
