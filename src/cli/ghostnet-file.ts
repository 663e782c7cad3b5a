/**
 * Reading a GhostNet's architecture off an ONNX file: decode it, bind its weights to
 * GhostNet's layers (src/ghostnet/bind.ts), keep the config (scale and class count).
 */
import type { GhostNetConfig } from "../ghostnet/config.js";
import { bindGhostNet } from "../ghostnet/bind.js";
import { InputError } from "../errors.js";
import { decodeModel } from "../loader/decode.js";
import { readModelFile } from "../node/files.js";

export async function readGhostNetConfig(path: string): Promise<GhostNetConfig> {
  const model = decodeModel(await readModelFile(path));
  const result = bindGhostNet(model);
  if ("reason" in result) throw new InputError(`'${path}' is not a PaddleClas GhostNet: ${result.reason}`);
  return result.binding.config;
}
