// Every kernel, in two families: convolution (GEMM, Conv, depthwise, pointwise,
// ConvTranspose, BatchNormalization, fused activations) and everything else.
export * from "./conv-index.js";
export * from "./rest-index.js";
