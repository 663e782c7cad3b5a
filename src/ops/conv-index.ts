// Public API of the convolution family (GEMM, Conv, depthwise, pointwise, ConvTranspose,
// BatchNormalization, fused activations); the lead merges this into src/ops/index.ts.
export {
  sgemm,
  sgemmReference,
  sgemmEpilogue,
  setGemmBlocking,
  getGemmBlocking,
  GEMM_MR,
  GEMM_NR,
  type GemmEpilogue,
} from "./gemm.js";
export {
  type FusedActivation,
  NO_ACTIVATION,
  activate,
  applyActivation,
  applyBiasActivation,
} from "./fused-activation.js";
export {
  type AutoPad,
  type Conv2dAttributes,
  type Conv2dGeometry,
  type Conv2dPath,
  type ConvWorkRange,
  conv2d,
  conv2dShape,
  conv2dGeometry,
  conv2dPath,
  conv2dRange,
  conv2dGeometryRange,
  conv2dReference,
  fullConvRange,
  samePadding,
} from "./conv2d.js";
export { pointwiseConv2dRange, packPointwiseWeights } from "./pointwise.js";
export { matVecRows } from "./matvec.js";
export { doubleArray, toDoubleArray } from "./double-array.js";
export { depthwiseConv2dRange, depthwiseConv2dPaddedRange, depthwiseConv2dGeneric } from "./depthwise.js";
export {
  type ConvTranspose2dAttributes,
  type ConvTranspose2dGeometry,
  convTranspose2d,
  convTranspose2dShape,
  convTranspose2dGeometry,
  convTranspose2dRange,
  convTranspose2dReference,
} from "./conv-transpose.js";
export {
  type BatchNormAttributes,
  type BatchNormParameters,
  type ChannelValues,
  batchNormalization,
  batchNormShape,
  foldBatchNormIntoConv,
} from "./batchnorm.js";
