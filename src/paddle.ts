/**
 * ghostnet-ts/paddle: Paddle's own model files, no Python needed. Importing this entry
 * registers its readers with the core's `loadModel` (src/loader/formats.ts), which then
 * takes, besides ONNX bytes:
 *
 *   loadModel({ model: pdmodelBytes, params: pdiparamsBytes })   Paddle 2.x / 3 legacy program
 *   loadModel({ model: jsonBytes, params: pdiparamsBytes })      Paddle 3 PIR `inference.json`
 *   loadModel({ model: modelBytes, params: { name: bytes, … } }) fluid: one file per variable
 *   loadModel(tarBytes)                                          the model zoo's `*_infer.tar`
 *   loadModel(pdparamsBytes)                                     a PaddleClas GhostNet `paddle.save` checkpoint
 *
 * Every format becomes the same validated graph the ONNX reader produces, so both engines,
 * the rewrites and threads work unchanged. The Node entry (`ghostnet-ts/node`) and the CLI
 * import this entry; the default entry does not (it keeps the browser bundle small).
 */
import { registerModelReader } from "./loader/formats.js";
import { checkpointReader } from "./loader/paddle/checkpoint.js";
import { PADDLE_READERS } from "./loader/paddle/readers.js";

export * from "./index.js";

for (const reader of PADDLE_READERS) registerModelReader(reader);

// ── Paddle programs and their parameters (src/loader/paddle) ──────────────────────────
export { readPaddleProgram, readPaddleTar, PADDLE_READERS } from "./loader/paddle/readers.js";
export { readLegacyProgram, paddleVersionName, type PaddleReadOptions, type PaddleParams } from "./loader/paddle/legacy-program.js";
export { readPirProgram, decodePirProgram, type PirProgram } from "./loader/paddle/pir-json.js";
export { decodeProgramDesc, PaddleType, type PaddleProgram, type PaddleOp, type PaddleVar, type PaddleAttribute } from "./loader/paddle/program-desc.js";
export { readCombinedParams, readSeparateParams, paddleSortedNames, type ExpectedParam } from "./loader/paddle/params.js";
export { readTar } from "./loader/paddle/tar.js";
export { findPaddleModel, type FoundPaddleModel } from "./loader/paddle/model-folder.js";
export { detectPaddleFormat, type PaddleFormat } from "./loader/paddle/detect.js";
export { supportedPaddleOps, translateProgram, TRANSLATED_OPSET, type PaddleGraphSource } from "./loader/paddle/translate.js";

// ── Checkpoints (.pdparams pickles) and inference.yml ─────────────────────────────────
// loadModel(checkpointBytes): a paddle.save state dict of a PaddleClas GhostNet.
registerModelReader(checkpointReader);
export {
  checkpointReader,
  readPaddleCheckpoint,
  ghostNetFromCheckpoint,
  checkpointToOnnx,
  readCheckpointModel,
  ghostNetParameterName,
  type PaddleCheckpoint,
} from "./loader/paddle/checkpoint.js";
export { unpickle, looksLikePickle, NdArray, NumpyDtype, PyTuple, ALLOWED_GLOBALS, DEFAULT_UNPICKLE_LIMITS, type PickleValue, type UnpickleLimits } from "./loader/paddle/pickle.js";
// A model's own preprocessing and labels: createClassifier(model, { preprocess: pipelinePreprocessor(config.preprocess), labels: config.labels }).
export { parseInferenceConfig, type InferenceConfig } from "./loader/paddle/inference-config.js";
export { pipelinePreprocessor, runImagePipeline, checkPipeline, type PipelineStep } from "./image/pipeline.js";
