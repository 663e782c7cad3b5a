/**
 * `parallelConv2d`: the one call a layer makes to have its conv split across a pool.
 *
 *   parallelConv2d(pool, y, x, w, bias, g, activation, range)
 *
 * has exactly the meaning of `conv2dGeometryRange(y, x, w, bias, g, activation, range)`
 * (src/ops/conv2d.ts) and the same bitwise result. When the pool has more than one thread,
 * the conv is big enough to be worth a barrier, and y, x, w and bias are all views into
 * buffers made by `pool.allocate`, the range is split into items (blocks of 4 output
 * channels, or output rows) that the threads share; otherwise it runs on the calling thread.
 */
import { conv2dGeometryRange, conv2dPath, type Conv2dGeometry, type ConvWorkRange } from "../ops/conv2d.js";
import type { FusedActivation } from "../ops/fused-activation.js";
import type { ThreadPool } from "./pool.js";
import { CONV_SPLIT_CHANNELS, CONV_SPLIT_ROWS, type ConvJob, convJobArgs, convJobItems } from "./tasks.js";

/**
 * Convs with fewer multiply-accumulates than this run on the calling thread: a job costs a
 * few microseconds of hand-over even when the workers are spinning.
 */
export const MIN_PARALLEL_MACS = 200_000;

/** Output planes at least this large are split by rows (measured: see bench/threads-layers.ts). */
export let ROWS_SPLIT_MIN_PLANE = 28 * 28;

/** For measurements: change the plane size from which convs are split by rows. */
export function setRowsSplitMinPlane(pixels: number): void {
  ROWS_SPLIT_MIN_PLANE = pixels;
}

/**
 * How a conv job is split: output channels in blocks of 4 (pointwise: whole tiles of its
 * kernels; depthwise: independent planes), or output rows (the stem, whose 16 channels
 * are too few to share).
 */
export function convSplit(g: Conv2dGeometry, range: ConvWorkRange, threads: number): { split: ConvJob["split"]; unit: number } {
  const channels = range.channelEnd - range.channelStart;
  const rows = range.rowEnd - range.rowStart;
  // Large planes (28×28 and up): rows, so each thread streams its own part of the input
  // instead of all of it.
  if (rows >= 8 * threads && rows * g.outW >= ROWS_SPLIT_MIN_PLANE) return { split: CONV_SPLIT_ROWS, unit: 1 };
  if (conv2dPath(g) !== "general" && channels >= 8 * threads) return { split: CONV_SPLIT_CHANNELS, unit: 4 };
  if (rows >= 2 * threads) return { split: CONV_SPLIT_ROWS, unit: 1 };
  return { split: CONV_SPLIT_CHANNELS, unit: 1 };
}

const scratchArgs: number[] = [];

export function parallelConv2d(
  pool: ThreadPool,
  y: Float32Array,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  activation: FusedActivation,
  range: ConvWorkRange,
): void {
  const macs = g.batch * (range.channelEnd - range.channelStart) * (range.rowEnd - range.rowStart) * g.outW * g.inPerGroup * g.kH * g.kW;
  if (pool.size > 1 && macs >= MIN_PARALLEL_MACS) {
    const ys = pool.locate(y);
    const xs = pool.locate(x);
    const ws = pool.locate(w);
    const bs = bias === null ? null : pool.locate(bias);
    if (ys && xs && ws && bs !== undefined) {
      const { split, unit } = convSplit(g, range, pool.size);
      const job: ConvJob = {
        y: [ys.id, ys.offset], x: [xs.id, xs.offset], w: [ws.id, ws.offset], bias: bs && [bs.id, bs.offset],
        geometry: g, activation, split, range, unit,
      };
      pool.parallelFor("conv2d", convJobItems(job), convJobArgs(job, scratchArgs));
      return;
    }
  }
  conv2dGeometryRange(y, x, w, bias, g, activation, range);
}
