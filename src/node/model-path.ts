/**
 * A model from a path (Node): what the CLI's every `--model` / `MODEL` and the Node
 * entry's `loadModelFromPath` take.
 *
 *   file.onnx                          ONNX bytes
 *   file.pdparams                      a paddle.save checkpoint (PaddleClas GhostNet)
 *   file.tar                           a model zoo `*_infer.tar` (an inference folder)
 *   x.pdmodel | x.json | __model__     a Paddle program; its parameters beside it:
 *                                      x.pdiparams, or for __model__ the fluid layouts
 *                                      (__params__, or one file per variable)
 *   x.pdiparams                        the same, named by its parameter file
 *   FOLDER                             an inference folder: inference.json or
 *                                      inference.pdmodel (or any one *.pdmodel / *.json
 *                                      with its *.pdiparams), __model__ [+ __params__ or
 *                                      per-variable files], or a single .onnx / .pdparams
 *
 * An `inference.yml` in the folder (or beside the program) is read too: its
 * preprocessing and labels are what `ghostnet classify` uses for that model.
 *
 * Paddle's formats are read by the readers `ghostnet-ts/paddle` registers; the Node entry
 * and the CLI import it.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { InputError, quoteName } from "../errors.js";
import { decodeAndValidate, loadModel, type LoadModelOptions } from "../load-model.js";
import type { ModelSource } from "../loader/formats.js";
import type { OnnxModel } from "../loader/model.js";
import { type InferenceConfig, parseInferenceConfig } from "../loader/paddle/inference-config.js";
import type { Model } from "../model.js";
import { readTar } from "../loader/paddle/tar.js";
// The Paddle entry registers the readers of Paddle's formats (programs, tars, checkpoints) with loadModel.
import "../paddle.js";
import { describeFileError, readFileBytes } from "./files.js";


/** What a model path held: the source loadModel takes, and the inference.yml beside it. */
export interface ModelPathContents {
  /** ONNX or checkpoint or tar bytes, or a Paddle program with its parameters. */
  source: ModelSource;
  /** Which layout was found, for messages: "onnx", "pdparams", "tar", "paddle program", … */
  layout: string;
  /** The parsed inference.yml, when the folder has one. */
  inferenceConfig?: InferenceConfig;
  /** Where that inference.yml was. */
  inferenceConfigPath?: string;
}

/** Most files read for the fluid one-file-per-variable layout. */
export const MAX_VARIABLE_FILES = 10_000;

/** Files in a fluid folder that are not variables. */
const NOT_VARIABLES = new Set(["__model__", "__params__", "inference.yml", "inference.pdiparams.info"]);

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    throw describeFileError(error, "model", path);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function listFolder(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).sort();
  } catch (error) {
    throw describeFileError(error, "model folder", folder);
  }
}

/** The inference.yml in `folder`, parsed, when there is one (errors name the file). */
async function inferenceConfigIn(folder: string): Promise<Pick<ModelPathContents, "inferenceConfig" | "inferenceConfigPath">> {
  const path = join(folder, "inference.yml");
  if (!(await exists(path))) return {};
  const text = new TextDecoder().decode(await readFileBytes(path, "inference.yml"));
  try {
    return { inferenceConfig: parseInferenceConfig(text), inferenceConfigPath: path };
  } catch (error) {
    if (error instanceof InputError) error.message = `'${path}': ${error.message}`;
    throw error;
  }
}

/** The inference.yml inside a model zoo tar (beside its program), parsed, when there is one. */
function inferenceConfigInTar(bytes: Uint8Array, path: string): Pick<ModelPathContents, "inferenceConfig" | "inferenceConfigPath"> {
  let files: Map<string, Uint8Array>;
  try {
    files = readTar(bytes);
  } catch {
    return {}; // loadModel reports what is wrong with the tar
  }
  const name = [...files.keys()].find((n) => n === "inference.yml" || n.endsWith("/inference.yml"));
  if (name === undefined) return {};
  const where = `${path}:${name}`;
  try {
    return { inferenceConfig: parseInferenceConfig(new TextDecoder().decode(files.get(name)!)), inferenceConfigPath: where };
  } catch (error) {
    if (error instanceof InputError) error.message = `'${where}': ${error.message}`;
    throw error;
  }
}

/** A program file and its parameter file (absent when the program has none beside it). */
async function programWithParams(program: string, params: string | undefined, layout: string): Promise<ModelPathContents> {
  const model = await readFileBytes(program, "Paddle program");
  const source: ModelSource = params !== undefined && (await exists(params)) ? { model, params: await readFileBytes(params, "Paddle parameters") } : { model };
  return { source, layout, ...(await inferenceConfigIn(dirname(program))) };
}

/** The fluid layout: `__model__` with `__params__`, or with one file per variable beside it. */
async function fluidProgram(modelPath: string): Promise<ModelPathContents> {
  const folder = dirname(modelPath);
  const combined = join(folder, "__params__");
  if (await exists(combined)) return programWithParams(modelPath, combined, "fluid __model__ + __params__");
  const names = (await listFolder(folder)).filter((n) => !NOT_VARIABLES.has(n) && !n.startsWith("."));
  if (names.length > MAX_VARIABLE_FILES) throw new InputError(`'${folder}' holds ${names.length} files, more than the ${MAX_VARIABLE_FILES} variables read`);
  const params: Record<string, Uint8Array> = {};
  for (const name of names) {
    const path = join(folder, name);
    if (await exists(path)) params[name] = await readFileBytes(path, "Paddle variable");
  }
  return { source: { model: await readFileBytes(modelPath, "Paddle program"), params }, layout: "fluid __model__ + one file per variable", ...(await inferenceConfigIn(folder)) };
}

/** The model inside an inference folder. */
async function folderContents(folder: string): Promise<ModelPathContents> {
  const names = await listFolder(folder);
  const has = (name: string): boolean => names.includes(name);
  if (has("__model__")) return fluidProgram(join(folder, "__model__"));
  for (const program of ["inference.json", "inference.pdmodel"]) {
    if (has(program)) return programWithParams(join(folder, program), join(folder, "inference.pdiparams"), `Paddle ${program}`);
  }
  // Any one program with its parameter file (model.pdmodel + model.pdiparams, …).
  const programs = names.filter((n) => n.endsWith(".pdmodel") || (n.endsWith(".json") && has(`${n.slice(0, -5)}.pdiparams`)));
  if (programs.length === 1) {
    const program = programs[0]!;
    return programWithParams(join(folder, program), join(folder, `${program.slice(0, program.lastIndexOf("."))}.pdiparams`), `Paddle ${program}`);
  }
  const singles = names.filter((n) => n.endsWith(".onnx") || n.endsWith(".pdparams") || n.endsWith(".tar"));
  if (programs.length === 0 && singles.length === 1) return { ...(await fileContents(join(folder, singles[0]!))), ...(await inferenceConfigIn(folder)) };
  const found = names.slice(0, 8).map((n) => quoteName(n)).join(", ");
  throw new InputError(
    `no model found in folder '${folder}': expected inference.json or inference.pdmodel with inference.pdiparams, __model__, ` +
      `or a single .onnx/.pdparams/.tar (it holds ${names.length === 0 ? "nothing" : `${found}${names.length > 8 ? ", …" : ""}`})`,
  );
}

/** The model in a file, by its name; other names are read as bytes for loadModel to sniff. */
async function fileContents(path: string): Promise<ModelPathContents> {
  const name = basename(path);
  const ext = extname(name).toLowerCase();
  const stem = path.slice(0, path.length - ext.length);
  if (name === "__model__") return fluidProgram(path);
  if (ext === ".pdmodel" || ext === ".json") return programWithParams(path, `${stem}.pdiparams`, `Paddle ${name}`);
  if (ext === ".pdiparams") {
    for (const program of [`${stem}.json`, `${stem}.pdmodel`]) if (await exists(program)) return programWithParams(program, path, `Paddle ${basename(program)}`);
    throw new InputError(`'${path}' holds parameters only; its program (${basename(stem)}.json or ${basename(stem)}.pdmodel) is not beside it`);
  }
  const layout = ext === ".onnx" ? "onnx" : ext === ".pdparams" ? "pdparams" : ext === ".tar" ? "tar" : "file";
  const bytes = await readFileBytes(path, "model");
  return { source: bytes, layout, ...(layout === "tar" ? inferenceConfigInTar(bytes, path) : {}) };
}

/**
 * Reads the model at `path` (a file or an inference folder, see the file comment) without
 * loading it: the source for loadModel and the folder's inference.yml, if any.
 */
export async function readModelPath(path: string): Promise<ModelPathContents> {
  return (await isFolder(path)) ? folderContents(path) : fileContents(path);
}

/** `loadModel` on the model at `path`: a .onnx, .pdparams, .tar, Paddle program or inference folder. */
export async function loadModelFromPath(path: string, options: LoadModelOptions = {}): Promise<Model> {
  return loadModel((await readModelPath(path)).source, options);
}

/** The decoded and validated graph of the model at `path` (for summaries and traces). */
export async function decodeModelFromPath(path: string, options: Pick<LoadModelOptions, "maxTensorElements"> = {}): Promise<OnnxModel> {
  return decodeAndValidate((await readModelPath(path)).source, options);
}
