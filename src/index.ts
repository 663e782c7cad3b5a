/**
 * ghostnet-ts, the runtime-neutral entry (browsers, workers, Deno, Bun, Node):
 * nothing reachable from here touches Node built-ins, `Buffer` or `process`.
 *
 *   bytes → loader (decode, validate) → typed GhostNet or graph executor → ops
 */
export * from "./errors.js";
export * from "./tensor/index.js";
export { readNpy, writeNpy } from "./tensor/npy.js";

// Loading and running models.
export type { Model, LoadOptions, Feeds, EngineName } from "./model.js";
export { loadModel, decodeAndValidate, GraphModel, type LoadModelOptions } from "./load-model.js";
export { KNOWN_OPTIONS, MAX_THREADS } from "./load-options.js";
// Formats besides ONNX: readers registered by optional entries (ghostnet-ts/paddle).
export {
  registerModelReader,
  registeredModelFormats,
  type ModelReader,
  type ModelSource,
  type ModelFiles,
  type ModelBytes,
} from "./loader/formats.js";
// Threads: which way to start them is registered (ghostnet-ts/node, ghostnet-ts/web-threads), if any.
export { threadProviderName } from "./threads/registry.js";
export { decodeModel, type DecodeOptions as ModelDecodeOptions } from "./loader/decode.js";
export { validateGraph, MIN_OPSET, MAX_OPSET } from "./loader/validate.js";
export { GraphExecutor, type ExecutorOptions, type StepTiming } from "./graph/executor.js";
export { OP_TABLE, supportedOpTypes } from "./graph/op-table.js";
export type { OnnxModel, OnnxGraph, OnnxNode, OnnxValueInfo, AttributeValue } from "./loader/model.js";
export {
  encodeModel,
  constantNode,
  attr,
  type WriterModel,
  type WriterNode,
  type WriterTensor,
  type WriterAttribute,
  type WriterValueInfo,
} from "./loader/writer.js";

// GhostNet as typed code, summaries and fixtures.
export * from "./ghostnet/index.js";

// Images and classification.
export * from "./image/index.js";
export {
  createClassifier,
  prepareImage,
  type Classifier,
  type ClassifierInput,
  type ClassifierOptions,
} from "./classifier.js";

// Interop with scijs ndarray: its own entry, ghostnet-ts/ndarray (the ndarray package stays out of this bundle).

// The kernels themselves, for those who want to call an op directly.
/** Every kernel, for calling an op directly (`ops.conv2d`, `ops.sgemm`, `ops.softmax`, …). */
export * as ops from "./ops/index.js";
