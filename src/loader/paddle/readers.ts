/**
 * The Paddle model readers that `ghostnet-ts/paddle` registers with the core's loadModel
 * (src/loader/formats.ts): each says from the bytes whether a source is its format, and
 * reads it into the loader's graph.
 *
 *   paddle-files    { model, params }: a legacy program or a PIR JSON with its parameters
 *   paddle-tar      a tar of an inference folder (the model zoo's *_infer.tar)
 *   paddle-program  a program's bytes alone (only programs without parameters load this way)
 */
import { InputError, ModelFormatError } from "../../errors.js";
import type { DecodeOptions } from "../decode.js";
import { isModelFiles, type ModelBytes, type ModelReader, type ModelSource } from "../formats.js";
import type { OnnxModel } from "../model.js";
import { detectPaddleFormat, looksLikePirJson } from "./detect.js";
import { readLegacyProgram, type PaddleParams } from "./legacy-program.js";
import { findPaddleModel } from "./model-folder.js";
import { readPirProgram } from "./pir-json.js";
import { readTar } from "./tar.js";

/** A plain Uint8Array view of any bytes (Node Buffers included), no copy. */
export function asBytes(bytes: ModelBytes, what: string): Uint8Array {
  if (bytes instanceof Uint8Array) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new InputError(`${what} must be a Uint8Array or an ArrayBuffer`);
}

/** The params of `{ model, params }` as the readers take them. */
function paramsOf(params: unknown): PaddleParams | undefined {
  if (params === undefined) return undefined;
  if (params instanceof Uint8Array || params instanceof ArrayBuffer) return asBytes(params, "params");
  if (typeof params !== "object" || params === null) throw new InputError("params must be the parameter file's bytes or { [variableName]: bytes }");
  const files = new Map<string, Uint8Array>();
  const entries = params instanceof Map ? [...(params as Map<string, ModelBytes>)] : Object.entries(params as Record<string, ModelBytes>);
  for (const [name, bytes] of entries) files.set(name, asBytes(bytes, `params['${name}']`));
  return files;
}

/** A program (PIR JSON or ProgramDesc, told apart by its bytes) with its parameters → the loader's graph. */
export function readPaddleProgram(model: ModelBytes, params?: ModelBytes | Readonly<Record<string, ModelBytes>> | ReadonlyMap<string, ModelBytes>, options: DecodeOptions = {}): OnnxModel {
  const bytes = asBytes(model, "model");
  const p = paramsOf(params);
  return looksLikePirJson(bytes) ? readPirProgram(bytes, p, options) : readLegacyProgram(bytes, p, options);
}

/** A tar of an inference folder → the loader's graph. */
export function readPaddleTar(tar: ModelBytes, options: DecodeOptions = {}): OnnxModel {
  const found = findPaddleModel(readTar(asBytes(tar, "the tar")), "the tar archive");
  return found.format === "pir-json" ? readPirProgram(found.model, found.params, options) : readLegacyProgram(found.model, found.params, options);
}

const bytesOf = (source: ModelSource): Uint8Array | undefined =>
  source instanceof Uint8Array || source instanceof ArrayBuffer ? asBytes(source, "the model") : undefined;

/** `{ model, params }`: a legacy program or a PIR JSON with its parameters. */
export const paddleFilesReader: ModelReader = {
  format: "paddle-files",
  detect: (source) => isModelFiles(source),
  read(source, options) {
    if (!isModelFiles(source)) throw new InputError("expected { model, params }");
    return readPaddleProgram(source.model, source.params, options);
  },
};

/** Bytes of a tar of an inference folder (the model zoo's `*_infer.tar`). */
export const paddleTarReader: ModelReader = {
  format: "paddle-tar",
  detect: (source) => {
    const bytes = bytesOf(source);
    return bytes !== undefined && detectPaddleFormat(bytes) === "tar";
  },
  read: (source, options) => readPaddleTar(source as ModelBytes, options),
};

/** A program's bytes alone: loads programs without parameters, and says to pass `{ model, params }` otherwise. */
export const paddleProgramReader: ModelReader = {
  format: "paddle-program",
  detect: (source) => {
    const bytes = bytesOf(source);
    if (bytes === undefined) return false;
    const format = detectPaddleFormat(bytes);
    return format === "pir-json" || format === "program-desc";
  },
  read(source, options) {
    try {
      return readPaddleProgram(source as ModelBytes, undefined, options);
    } catch (error) {
      if (error instanceof ModelFormatError && /no parameter file was given/.test(error.message)) {
        throw new ModelFormatError(`${error.message}: pass the files together, loadModel({ model, params }), or a tar of the inference folder`);
      }
      throw error;
    }
  },
};

/** The readers the Paddle entry registers, in the order loadModel asks them. */
export const PADDLE_READERS: readonly ModelReader[] = [paddleFilesReader, paddleTarReader, paddleProgramReader];
