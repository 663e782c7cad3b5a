/**
 * Pointwise (1×1, stride 1, no padding, group 1) convolution as one GEMM per image:
 *
 *   x [N, C, H, W], w [M, C, 1, 1], b [M] → y [N, M, H, W]
 *   Y_n [M, H·W] = act( W [M, C] · X_n [C, H·W] + b )
 *
 * NCHW makes X_n a row-major [C, H·W] matrix and Y_n a row-major [M, H·W] one, so no data
 * is rearranged. Bias and activation run in the GEMM's epilogue. A work range selects
 * rows of W (output channels) and a contiguous span of columns (output rows × W).
 */
import type { Conv2dGeometry, ConvWorkRange } from "./conv2d.js";
import type { FusedActivation } from "./fused-activation.js";
import { sgemmEpilogue, type GemmEpilogue } from "./gemm.js";

/** Pointwise conv on channels [channelStart, channelEnd) × rows [rowStart, rowEnd) of every image. */
export function pointwiseConv2dRange(
  y: Float32Array,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  activation: FusedActivation,
  range: ConvWorkRange,
): void {
  const inChannels = g.inChannels;
  const plane = g.outH * g.outW; // = H·W (1×1, stride 1, no padding)
  const m0 = range.channelStart;
  const rows = range.channelEnd - m0;
  const col0 = range.rowStart * g.outW;
  const cols = (range.rowEnd - range.rowStart) * g.outW;
  const epilogue: GemmEpilogue = { bias, biasOffset: m0, activation };
  for (let n = 0; n < g.batch; n++) {
    sgemmEpilogue(
      rows, cols, inChannels,
      w, m0 * inChannels, inChannels, 1,
      x, n * inChannels * plane + col0, plane, 1,
      y, (n * g.outChannels + m0) * plane + col0, plane,
      epilogue,
    );
  }
}
