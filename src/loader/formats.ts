/**
 * Model formats other than ONNX, registered by the entries that bring their readers.
 *
 * The core reads ONNX itself. Paddle's formats (programs, parameter files, tars,
 * checkpoints) are big optional readers that live in the `ghostnet-ts/paddle` entry; when
 * it is imported it registers them here, and `loadModel` asks them first. Each reader says
 * from the bytes whether a source is its format (`detect`) and turns it into the same
 * `OnnxModel` the ONNX decoder makes (`read`), so validation, the rewrites and both
 * engines work on it unchanged.
 *
 * Without the entry, `sniffPaddleFormat` still recognises Paddle's files from their first
 * bytes, so the user hears "import ghostnet-ts/paddle" instead of a protobuf error.
 */
import { InputError, ModelFormatError } from "../errors.js";
import type { DecodeOptions } from "./decode.js";
import type { OnnxModel } from "./model.js";

/** Raw bytes of one file. */
export type ModelBytes = Uint8Array | ArrayBuffer;

/**
 * Paddle's inference files handed over together: the program and its parameters.
 *   - `model`: `inference.pdmodel` / `model.pdmodel` / fluid `__model__` (a ProgramDesc
 *     protobuf), or Paddle 3's `inference.json` (PIR);
 *   - `params`: the combined parameter file (`inference.pdiparams`, `__params__`), or one
 *     file per variable as `{ [variableName]: bytes }` (the fluid layout); absent only
 *     when the program has no parameters.
 */
export interface ModelFiles {
  model: ModelBytes;
  params?: ModelBytes | Readonly<Record<string, ModelBytes>>;
}

/** What `loadModel` takes: ONNX bytes, other formats' bytes (a tar, a checkpoint), or Paddle files. */
export type ModelSource = ModelBytes | ModelFiles;

/** A reader of one model format, registered by an optional entry. */
export interface ModelReader {
  /** Short name of the format, e.g. "paddle-program" (a later registration of the same name replaces it). */
  readonly format: string;
  /** Whether `source` is in this format: cheap checks of its first bytes or its shape, never a full parse. */
  detect(source: ModelSource): boolean;
  /**
   * The model as the loader's graph. Throws ModelFormatError when the bytes cannot be
   * read, ModelValidationError listing every problem found (unsupported ops included).
   * The caller validates the graph afterwards (src/loader/validate.ts).
   */
  read(source: ModelSource, options: DecodeOptions): OnnxModel;
}

const readers: ModelReader[] = [];

/** Adds a reader (or replaces the one of the same format). Entries call this when imported. */
export function registerModelReader(reader: ModelReader): void {
  const at = readers.findIndex((r) => r.format === reader.format);
  if (at >= 0) readers[at] = reader;
  else readers.push(reader);
}

/** The formats registered so far, in the order they are asked. */
export function registeredModelFormats(): string[] {
  return readers.map((r) => r.format);
}

/** True for a `{ model, params? }` object (as opposed to bytes). */
export function isModelFiles(source: unknown): source is ModelFiles {
  if (typeof source !== "object" || source === null) return false;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return false;
  return "model" in source;
}

/**
 * The model from a registered reader, or undefined when `source` is bytes no registered
 * reader claims (then it is read as ONNX). Throws InputError for a source of the wrong
 * type, and ModelFormatError for Paddle files when no Paddle reader is registered.
 */
export function readRegisteredFormat(source: ModelSource, options: DecodeOptions): OnnxModel | undefined {
  const files = isModelFiles(source);
  if (!files && !(source instanceof Uint8Array || source instanceof ArrayBuffer)) {
    throw new InputError("loadModel expects the model's bytes as a Uint8Array or an ArrayBuffer, or Paddle files as { model, params }");
  }
  for (const reader of readers) if (reader.detect(source)) return reader.read(source, options);
  const paddle = files ? "Paddle files ({ model, params })" : sniffPaddleFormat(source as ModelBytes);
  if (paddle !== undefined) {
    throw new ModelFormatError(`this is ${paddle}: import "ghostnet-ts/paddle" to read Paddle's formats (ghostnet-ts/node and the CLI include it)`);
  }
  return undefined;
}

/**
 * Which Paddle format `bytes` look like, from their first bytes only, or undefined (ONNX
 * or unknown). Kept tiny: the core uses it only to point the user at the Paddle entry.
 *   - tar: "ustar" at offset 257;
 *   - pickle: 0x80, then a protocol byte 2–5 (paddle.save checkpoints);
 *   - PIR JSON: "{" (after white space) and "base_code" in the first KiB;
 *   - ProgramDesc: first key 0x0a (field 1 `blocks`, length-delimited). ONNX's field 1
 *     is `ir_version`, a varint (0x08), so a real ONNX file never starts with 0x0a.
 */
export function sniffPaddleFormat(bytes: ModelBytes): string | undefined {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const text = (from: number, to: number): string => String.fromCharCode(...view.subarray(from, to));
  if (text(257, 262) === "ustar") return "a tar archive";
  if (view[0] === 0x80 && view[1]! >= 2 && view[1]! <= 5) return "a pickle (.pdparams checkpoint)";
  const head = text(0, 1024).trimStart();
  if (head.startsWith("{") && head.includes('"base_code"')) return "a Paddle 3 program (inference.json)";
  if (view[0] === 0x0a) return "a Paddle program (.pdmodel, __model__)";
  return undefined;
}
