// Public API of every kernel except convolution, GEMM and batch-norm folding
// (the lead merges this into src/ops/index.ts).
export * from "./strided.js";
export * from "./elementwise.js";
export * from "./unary.js";
export * from "./concat.js";
export * from "./pooling.js";
export * from "./reduce.js";
export * from "./matmul.js";
export * from "./softmax.js";
export * from "./reshape.js";
export * from "./transpose.js";
export * from "./slice.js";
export * from "./gather.js";
export * from "./expand.js";
export * from "./pad.js";
export * from "./shape-ops.js";
export * from "./resize.js";
