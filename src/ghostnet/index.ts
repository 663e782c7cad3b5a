/**
 * The typed GhostNet: config per scale, layers, weight binding from Paddle2ONNX files,
 * summary (params, MACs) and fixture writing. Runtime-neutral (no Node built-ins).
 */
export {
  BOTTLENECK_TABLE,
  BN_EPSILON,
  type BottleneckConfig,
  type BottleneckRow,
  type ConvBnSpec,
  type GhostNetConfig,
  type LinearSpec,
  type ParameterLayerSpec,
  ghostNetConfig,
  makeDivisible,
  parameterLayers,
} from "./config.js";
export { type BatchNormWeights, type GhostNetWeights, type WeightTensor, paramNames } from "./weights.js";
export {
  type BottleneckScratch,
  ConvBN,
  type ForwardHooks,
  GhostBottleneck,
  GhostModule,
  Linear,
  type LinearActivation,
  SEBlock,
} from "./layers.js";
export { GhostNet, type GhostNetForwardOptions, type GhostNetOutput, ghostNetLayerNames } from "./ghostnet.js";
export type { LayerKind, LayerTiming } from "./profile.js";
export { type GhostNetBinding, bindGhostNet, buildGhostNet, tryBuildGhostNet, whyNotGhostNet } from "./bind.js";
export { GhostNetEngine, createGhostNetEngine, tryGhostNetEngine } from "./engine.js";
export { type GhostNetSummary, type SummaryRow, formatSummary, summarizeGhostNet } from "./summary.js";
export { type ExportOptions, type FixtureStyle, exportGhostNetOnnx } from "./onnx-export.js";
export { type GhostNetFixtureOptions, imageLikeBatch, makeGhostNetFixture, makeGhostNetWeights } from "./fixture.js";
