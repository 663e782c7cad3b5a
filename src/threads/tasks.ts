/**
 * The jobs a thread pool can run, by name. Every thread (the caller and each worker) imports
 * this table, so a job names its task and passes numbers only.
 *
 * A task is `(ctx, args, start, end)`: compute items [start, end) of the job described by
 * `args` (a Float64Array of numbers: buffer ids, offsets, shapes), reading and writing the
 * shared buffers `ctx.buffer(id)`.
 */
import { conv2dGeometryRange, type Conv2dGeometry, type ConvWorkRange } from "../ops/conv2d.js";
import type { FusedActivation } from "../ops/fused-activation.js";
import { addInPlace, scalePlanes } from "../ops/elementwise.js";
import { sgemm } from "../ops/gemm.js";
import { planeMeans } from "../ops/pooling.js";
import { KERNEL_FUNCTIONS } from "../wasm/backend.js";
import type { WasmExports } from "../wasm/web-assembly-types.js";

export interface TaskContext {
  buffer(id: number): Float32Array;
  /** A registered wasm kernel's exports on this thread. */
  kernel(id: number): WasmExports;
  /** This thread's place in the pool: 0 for the caller, p for worker p. */
  readonly index: number;
}

export type Task = (ctx: TaskContext, args: Float64Array, start: number, end: number) => void;

// ── conv2d ──────────────────────────────────────────────────────────────────────────────
//
// args: [yId, yOffset, xId, xOffset, wId, wOffset, biasId (−1: none), biasOffset,
//        activation code, activation p1, activation p2, split (0: channels, 1: rows),
//        batch, inChannels, inH, inW, outChannels, outH, outW, kH, kW, strideH, strideW,
//        dilationH, dilationW, padTop, padLeft, padBottom, padRight, group,
//        channelStart, channelEnd, rowStart, rowEnd, unit]
// The job computes the work range channels [channelStart, channelEnd) × rows [rowStart,
// rowEnd) of every image; its items are blocks of `unit` output channels (split 0) or
// single output rows (split 1) of that range.

export const CONV_SPLIT_CHANNELS = 0;
export const CONV_SPLIT_ROWS = 1;
const ACTIVATION_CODES = ["none", "relu", "clip", "hardSigmoid", "hardSwish", "sigmoid"] as const;

/** The argument vector of a conv2d job (buffers as [id, offset in floats]). */
export interface ConvJob {
  y: readonly [number, number];
  x: readonly [number, number];
  w: readonly [number, number];
  bias: readonly [number, number] | null;
  geometry: Conv2dGeometry;
  activation: FusedActivation;
  split: typeof CONV_SPLIT_CHANNELS | typeof CONV_SPLIT_ROWS;
  range: ConvWorkRange;
  /** Channels per item when splitting channels (4: whole tiles of the pointwise kernels, 2-row and 4-row). */
  unit: number;
}

/** How many items a conv job has. */
export function convJobItems(job: ConvJob): number {
  const r = job.range;
  return job.split === CONV_SPLIT_ROWS ? r.rowEnd - r.rowStart : Math.ceil((r.channelEnd - r.channelStart) / job.unit);
}

export function convJobArgs(job: ConvJob, out: number[] = []): number[] {
  const g = job.geometry;
  const a = job.activation;
  const p1 = a.kind === "clip" ? a.min : a.kind === "hardSigmoid" ? a.alpha : 0;
  const p2 = a.kind === "clip" ? a.max : a.kind === "hardSigmoid" ? a.beta : 0;
  out.length = 0;
  out.push(
    job.y[0], job.y[1], job.x[0], job.x[1], job.w[0], job.w[1],
    job.bias ? job.bias[0] : -1, job.bias ? job.bias[1] : 0,
    ACTIVATION_CODES.indexOf(a.kind), p1, p2, job.split,
    g.batch, g.inChannels, g.inH, g.inW, g.outChannels, g.outH, g.outW, g.kH, g.kW,
    g.strideH, g.strideW, g.dilationH, g.dilationW, g.padTop, g.padLeft, g.padBottom, g.padRight, g.group,
    job.range.channelStart, job.range.channelEnd, job.range.rowStart, job.range.rowEnd, job.unit,
  );
  return out;
}

// Reused per thread, so a job allocates nothing but the subarray views.
const geometry: Conv2dGeometry = {
  batch: 0, inChannels: 0, inH: 0, inW: 0, outChannels: 0, outH: 0, outW: 0, kH: 0, kW: 0,
  strideH: 0, strideW: 0, dilationH: 0, dilationW: 0, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0,
  group: 0, inPerGroup: 0, outPerGroup: 0,
};
const range: ConvWorkRange = { channelStart: 0, channelEnd: 0, rowStart: 0, rowEnd: 0 };
const activations: Record<string, FusedActivation> = {
  none: { kind: "none" },
  relu: { kind: "relu" },
  hardSwish: { kind: "hardSwish" },
  sigmoid: { kind: "sigmoid" },
};
const clipActivation = { kind: "clip" as const, min: 0, max: 0 };
const hardSigmoidActivation = { kind: "hardSigmoid" as const, alpha: 0, beta: 0 };

function decodeActivation(code: number, p1: number, p2: number): FusedActivation {
  const kind = ACTIVATION_CODES[code];
  if (kind === "clip") {
    clipActivation.min = p1;
    clipActivation.max = p2;
    return clipActivation;
  }
  if (kind === "hardSigmoid") {
    hardSigmoidActivation.alpha = p1;
    hardSigmoidActivation.beta = p2;
    return hardSigmoidActivation;
  }
  const a = kind === undefined ? undefined : activations[kind];
  if (a === undefined) throw new RangeError(`conv2d task: unknown activation code ${code}`);
  return a;
}

function view(ctx: TaskContext, id: number, offset: number, length: number): Float32Array {
  return ctx.buffer(id).subarray(offset, offset + length);
}

const conv2dTask: Task = (ctx, a, start, end) => {
  // Every integer comes out of the Float64Array as a double; `| 0` makes it an int32 again.
  // Without it the shared geometry object's fields turn into double fields, and since V8
  // generalises a field's representation for every object of that shape, every kernel in
  // the thread then did its index arithmetic in float64 (measured: single-thread GhostNet
  // runs in the same process went from 83 to 194 ms after one threaded run).
  const g = geometry;
  g.batch = a[12]! | 0; g.inChannels = a[13]! | 0; g.inH = a[14]! | 0; g.inW = a[15]! | 0;
  g.outChannels = a[16]! | 0; g.outH = a[17]! | 0; g.outW = a[18]! | 0; g.kH = a[19]! | 0; g.kW = a[20]! | 0;
  g.strideH = a[21]! | 0; g.strideW = a[22]! | 0; g.dilationH = a[23]! | 0; g.dilationW = a[24]! | 0;
  g.padTop = a[25]! | 0; g.padLeft = a[26]! | 0; g.padBottom = a[27]! | 0; g.padRight = a[28]! | 0; g.group = a[29]! | 0;
  g.inPerGroup = (g.inChannels / g.group) | 0;
  g.outPerGroup = (g.outChannels / g.group) | 0;
  const y = view(ctx, a[0]! | 0, a[1]! | 0, g.batch * g.outChannels * g.outH * g.outW);
  const x = view(ctx, a[2]! | 0, a[3]! | 0, g.batch * g.inChannels * g.inH * g.inW);
  const w = view(ctx, a[4]! | 0, a[5]! | 0, g.outChannels * g.inPerGroup * g.kH * g.kW);
  const bias = a[6]! < 0 ? null : view(ctx, a[6]! | 0, a[7]! | 0, g.outChannels);
  const c0 = a[30]! | 0, c1 = a[31]! | 0, r0 = a[32]! | 0, r1 = a[33]! | 0, unit = a[34]! | 0;
  if (a[11] === CONV_SPLIT_ROWS) {
    range.channelStart = c0; range.channelEnd = c1; range.rowStart = r0 + start; range.rowEnd = r0 + end;
  } else {
    range.channelStart = c0 + start * unit; range.channelEnd = Math.min(c1, c0 + end * unit); range.rowStart = r0; range.rowEnd = r1;
  }
  conv2dGeometryRange(y, x, w, bias, g, decodeActivation(a[8]! | 0, a[9]!, a[10]!), range);
};

// ── linear ──────────────────────────────────────────────────────────────────────────────
//
// y [rows, out] = x [rows, in] · W + b with the weight given transposed, Wt [out, in]
// (contiguous dot products); no activation.
// args: [yId, yOffset, xId, xOffset, wtId, wtOffset, biasId, biasOffset, rows, in, out]
// Items are output columns j; each is summed over i in the GEMM's fixed order.
const linearTask: Task = (ctx, a, start, end) => {
  // Integers back to int32 (see conv2dTask).
  const rows = a[8]! | 0, k = a[9]! | 0, m = a[10]! | 0;
  const y = ctx.buffer(a[0]! | 0);
  const yOffset = a[1]! | 0;
  const b = ctx.buffer(a[6]! | 0);
  const bOffset = a[7]! | 0;
  sgemm(rows, end - start, k, ctx.buffer(a[2]! | 0), a[3]! | 0, k, 1, ctx.buffer(a[4]! | 0), (a[5]! | 0) + start * k, 1, k, y, yOffset + start, m);
  for (let r = 0; r < rows; r++) {
    const row = yOffset + r * m;
    for (let j = start; j < end; j++) y[row + j] = y[row + j]! + b[bOffset + j]!;
  }
};

// ── add (residual) ──────────────────────────────────────────────────────────────────────
// args: [yId, yOffset, xId, xOffset, chunk]; items are chunks of `chunk` floats: y += x.
// (The caller makes count·chunk cover the length; the last chunk may be cut by `length`.)
// args[5] = length.
const addTask: Task = (ctx, a, start, end) => {
  const y = ctx.buffer(a[0]! | 0);
  const x = ctx.buffer(a[2]! | 0);
  const yOffset = a[1]! | 0, xOffset = a[3]! | 0, chunk = a[4]! | 0, length = a[5]! | 0;
  const i0 = start * chunk;
  const i1 = Math.min(length, end * chunk);
  if (i1 > i0) addInPlace(y, yOffset + i0, x, xOffset + i0, i1 - i0);
};

// ── SE block: plane means, then planes scaled ───────────────────────────────────────────
// planeMeans args: [meansId, meansOffset, xId, xOffset, plane]; items are planes p:
//   means[meansOffset + p] = mean of x[xOffset + p·plane ..][0, plane).
const planeMeansTask: Task = (ctx, a, start, end) => {
  const plane = a[4]! | 0;
  planeMeans(ctx.buffer(a[0]! | 0), (a[1]! | 0) + start, ctx.buffer(a[2]! | 0), (a[3]! | 0) + start * plane, plane, end - start);
};

// scalePlanes args: [yId, xId, offset, plane, sId, sOffset]; items are planes p:
//   y[offset + p·plane + i] = x[offset + p·plane + i] · s[sOffset + p] (y may be x).
const scalePlanesTask: Task = (ctx, a, start, end) => {
  const plane = a[3]! | 0;
  scalePlanes(ctx.buffer(a[0]! | 0), ctx.buffer(a[1]! | 0), (a[2]! | 0) + start * plane, plane, end - start, ctx.buffer(a[4]! | 0), (a[5]! | 0) + start);
};

// ── wasm (a kernel of the wasm backend) ─────────────────────────────────────────────────
//
// args: [kernelId, functionIndex, argCount n, rangeArg, images, scratchArg, scratchBytes,
//        a_0 … a_{n−1}, imageStride_0 … imageStride_{n−1}]
// Calls the kernel's function KERNEL_FUNCTIONS[functionIndex] (src/wasm/backend.ts) once per image i < images with
// arguments a_j + i·imageStride_j, except a_rangeArg = a_rangeArg + start and a_{rangeArg+1}
// = a_rangeArg + end (the job's items are a range of panels, channels, rows or elements
// that the kernel takes as [begin, end)), and, when scratchArg ≥ 0, its scratch argument
// moved on by scratchBytes per thread (each thread has its own scratch).

export const MAX_WASM_ARGS = 8;
const wasmArgs = new Array<number>(MAX_WASM_ARGS);

const wasmTask: Task = (ctx, a, start, end) => {
  const fn = ctx.kernel(a[0]! | 0)[KERNEL_FUNCTIONS[a[1]! | 0]!] as (...args: number[]) => void;
  const n = a[2]! | 0, rangeArg = a[3]! | 0, images = a[4]! | 0, scratchArg = a[5]! | 0, scratchBytes = a[6]! | 0;
  wasmArgs.length = n;
  for (let i = 0; i < images; i++) {
    for (let j = 0; j < n; j++) wasmArgs[j] = (a[7 + j]! + i * a[7 + n + j]!) | 0;
    const base = a[7 + rangeArg]! | 0;
    wasmArgs[rangeArg] = base + start;
    wasmArgs[rangeArg + 1] = base + end;
    if (scratchArg >= 0) wasmArgs[scratchArg] = wasmArgs[scratchArg]! + ctx.index * scratchBytes;
    fn(...wasmArgs);
  }
};

// ── fill (for tests of the pool itself) ─────────────────────────────────────────────────
// args: [bufferId, value]; items are elements: buffer[i] = value + i.
const fillTask: Task = (ctx, a, start, end) => {
  const data = ctx.buffer(a[0]!);
  const value = a[1]!;
  for (let i = start; i < end; i++) data[i] = value + i;
};

export const TASKS = {
  conv2d: conv2dTask,
  linear: linearTask,
  add: addTask,
  planeMeans: planeMeansTask,
  scalePlanes: scalePlanesTask,
  wasm: wasmTask,
  fill: fillTask,
} satisfies Record<string, Task>;

export type TaskName = keyof typeof TASKS;
