// Public API of every kernel except convolution, GEMM and batch-norm folding
// (the lead merges this into src/ops/index.ts).
//
// In place (output may be the same tensor as an input): every unary op, Softmax/LogSoftmax,
// binary ops when the output has that input's shape, Where, variadic ops (first input
// only), Reshape & co. Not in place: Transpose, Slice, Gather, Expand, Tile, Pad, Concat,
// Split, pooling, reductions, MatMul/Gemm, Resize.
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
