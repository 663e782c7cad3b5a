/**
 * Single-op Paddle programs for the op tests: a program is written as legacy-style ops
 * (the spelling translate.ts takes), feed and fetch are added, the program is translated,
 * validated and run on the graph executor. Also reference implementations of Paddle's
 * kernels, written from their formulas (naive loops), for the cases where Paddle's
 * semantics are not an ONNX op's.
 */
import { GraphExecutor } from "../../src/graph/executor.js";
import { OP_TABLE } from "../../src/graph/op-table.js";
import type { PaddleAttribute, PaddleOp } from "../../src/loader/paddle/program-desc.js";
import { translateProgram } from "../../src/loader/paddle/translate.js";
import { validateGraph } from "../../src/loader/validate.js";
import { IntTensor, Tensor, type AnyTensor } from "../../src/tensor/tensor.js";

/** One op: slots as { Slot: ["var"] } (or a single name), attributes as plain values. */
export function op(type: string, inputs: Record<string, string | string[]>, outputs: Record<string, string | string[]>, attrs: Record<string, PaddleAttribute> = {}): PaddleOp {
  const slots = (o: Record<string, string | string[]>) => new Map(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  return { type, inputs: slots(inputs), outputs: slots(outputs), attrs: new Map(Object.entries(attrs)) };
}

export interface ProgramSpec {
  /** Fed tensors by name (dims declared as given, or as `declare` says). */
  feeds: Record<string, Tensor>;
  ops: PaddleOp[];
  /** Values fetched, in order. */
  fetch: string[];
  /** Parameters and other constants. */
  constants?: Record<string, AnyTensor>;
  /** Declared dims of variables (−1 unknown); feeds default to their own shape. */
  declare?: Record<string, number[]>;
}

/** Translates and runs a program; returns the fetched tensors in order. */
export function runProgram(spec: ProgramSpec): AnyTensor[] {
  const dims = new Map<string, number[]>();
  for (const [name, t] of Object.entries(spec.feeds)) dims.set(name, t.shape.slice());
  for (const [name, d] of Object.entries(spec.declare ?? {})) dims.set(name, d);
  const ops = [
    ...Object.keys(spec.feeds).map((name, col) => op("feed", { X: "feed" }, { Out: name }, { col })),
    ...spec.ops,
    ...spec.fetch.map((name, col) => op("fetch", { X: name }, { Out: "fetch" }, { col })),
  ];
  const model = translateProgram({ ops, dims, dtypes: new Map(), constants: new Map(Object.entries(spec.constants ?? {})), producerVersion: "test" }, 2 ** 24);
  const problems = validateGraph(model, { has: (t) => t in OP_TABLE });
  if (problems.length > 0) throw new Error(problems.join("; "));
  const executor = new GraphExecutor(model, OP_TABLE, {});
  const feeds = Object.fromEntries(Object.entries(spec.feeds));
  const out = executor.run(feeds);
  return model.graph.outputs.map((o) => out[o.name]!);
}

/** The one fetched float tensor of a program. */
export function runOne(spec: ProgramSpec): Tensor {
  const [out] = runProgram(spec);
  if (!(out instanceof Tensor)) throw new Error("expected a float32 output");
  return out;
}

/** A seeded tensor with values in [−2, 2). */
export function seeded(shape: number[], seed: number): Tensor {
  let s = seed >>> 0;
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s ^ (s >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
    data[i] = ((s >>> 8) / 2 ** 24) * 4 - 2;
  }
  return new Tensor(shape, data);
}

export const ints = (values: number[], dtype: "int64" | "int32" = "int64"): IntTensor => IntTensor.fromValues(values, dtype);

// ── Reference kernels (Paddle's formulas, NCHW) ─────────────────────────────────────

/** Paddle conv2d: pads [top, bottom, left, right], output (H + t + b − d(k−1) − 1)/s + 1. */
export function refConv2d(x: Tensor, w: Tensor, strides: number[], pads: number[], dilations: number[], groups: number): Tensor {
  const [N, C, H, W] = x.shape as number[];
  const [M, Cg, kH, kW] = w.shape as number[];
  const [t, b, l, r] = pads as [number, number, number, number];
  const oH = Math.floor((H! + t + b - dilations[0]! * (kH! - 1) - 1) / strides[0]!) + 1;
  const oW = Math.floor((W! + l + r - dilations[1]! * (kW! - 1) - 1) / strides[1]!) + 1;
  const out = new Tensor([N!, M!, oH, oW]);
  const perGroup = M! / groups;
  for (let n = 0; n < N!; n++)
    for (let m = 0; m < M!; m++) {
      const g = Math.floor(m / perGroup);
      for (let oy = 0; oy < oH; oy++)
        for (let ox = 0; ox < oW; ox++) {
          let sum = 0;
          for (let c = 0; c < Cg!; c++)
            for (let ky = 0; ky < kH!; ky++)
              for (let kx = 0; kx < kW!; kx++) {
                const iy = oy * strides[0]! - t + ky * dilations[0]!;
                const ix = ox * strides[1]! - l + kx * dilations[1]!;
                if (iy < 0 || iy >= H! || ix < 0 || ix >= W!) continue;
                sum += x.data[((n * C! + g * Cg! + c) * H! + iy) * W! + ix]! * w.data[((m * Cg! + c) * kH! + ky) * kW! + kx]!;
              }
          out.data[((n * M! + m) * oH + oy) * oW + ox] = sum;
        }
    }
  return out;
}

/**
 * Paddle pool2d (Pool2dFunctor): pads [top, bottom, left, right] size the output; windows
 * use the top/left pads; a non-exclusive average divides by the window clipped to
 * [−pad, in + pad); adaptive windows floor(i·H/o) … ceil((i+1)·H/o).
 */
export function refPool2d(
  x: Tensor,
  opts: { type: "max" | "avg"; ksize: number[]; strides?: number[]; pads?: number[]; exclusive?: boolean; adaptive?: boolean; ceil?: boolean },
): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const strides = opts.strides ?? [1, 1];
  const [t, b, l, r] = (opts.pads ?? [0, 0, 0, 0]) as [number, number, number, number];
  const exclusive = opts.exclusive ?? true;
  const size = (input: number, k: number, s: number, p0: number, p1: number) =>
    opts.ceil ? Math.floor((input - k + p0 + p1 + s - 1) / s) + 1 : Math.floor((input - k + p0 + p1) / s) + 1;
  const oH = opts.adaptive ? opts.ksize[0]! : size(H, opts.ksize[0]!, strides[0]!, t, b);
  const oW = opts.adaptive ? opts.ksize[1]! : size(W, opts.ksize[1]!, strides[1]!, l, r);
  const out = new Tensor([N, C, oH, oW]);
  for (let nc = 0; nc < N * C; nc++)
    for (let ph = 0; ph < oH; ph++)
      for (let pw = 0; pw < oW; pw++) {
        let hs: number, he: number, ws: number, we: number, poolSize: number;
        if (opts.adaptive) {
          hs = Math.floor((ph * H) / oH);
          he = Math.ceil(((ph + 1) * H) / oH);
          ws = Math.floor((pw * W) / oW);
          we = Math.ceil(((pw + 1) * W) / oW);
          poolSize = (he - hs) * (we - ws);
        } else {
          hs = ph * strides[0]! - t;
          ws = pw * strides[1]! - l;
          he = Math.min(hs + opts.ksize[0]!, H + t);
          we = Math.min(ws + opts.ksize[1]!, W + l);
          poolSize = (he - hs) * (we - ws);
          hs = Math.max(hs, 0);
          ws = Math.max(ws, 0);
          he = Math.min(he, H);
          we = Math.min(we, W);
          if (exclusive) poolSize = (he - hs) * (we - ws);
        }
        let acc = opts.type === "max" ? -Infinity : 0;
        for (let h = hs; h < he; h++)
          for (let w = ws; w < we; w++) {
            const v = x.data[(nc * H + h) * W + w]!;
            acc = opts.type === "max" ? Math.max(acc, v) : acc + v;
          }
        out.data[(nc * oH + ph) * oW + pw] = opts.type === "max" ? acc : acc / poolSize;
      }
  return out;
}

/**
 * Paddle's interpolate_v2 kernels. ratio = align_corners ? (in−1)/(out−1) : (scale > 0 ? 1/scale : in/out),
 * and 0 when out is 1. Nearest: align_corners ? floor(ratio·k + 0.5) : floor(ratio·k).
 * Bilinear: src = align_mode 0 && !align_corners ? max(ratio·(k+0.5) − 0.5, 0) : ratio·k.
 */
export function refInterp(x: Tensor, method: "nearest" | "bilinear", outH: number, outW: number, alignCorners: boolean, alignMode: number, scale?: number[]): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const ratio = (input: number, output: number, s: number | undefined): number => {
    if (output <= 1) return 0;
    if (alignCorners) return (input - 1) / (output - 1);
    return s !== undefined && s > 0 ? 1 / s : input / output;
  };
  const rH = ratio(H, outH, scale?.[0]);
  const rW = ratio(W, outW, scale?.[1]);
  const out = new Tensor([N, C, outH, outW]);
  for (let nc = 0; nc < N * C; nc++)
    for (let k = 0; k < outH; k++)
      for (let j = 0; j < outW; j++) {
        let value: number;
        if (method === "nearest") {
          const iy = alignCorners ? Math.floor(rH * k + 0.5) : Math.floor(rH * k);
          const ix = alignCorners ? Math.floor(rW * j + 0.5) : Math.floor(rW * j);
          value = x.data[(nc * H + iy) * W + ix]!;
        } else {
          const half = alignMode === 0 && !alignCorners;
          const sy = half ? Math.max(rH * (k + 0.5) - 0.5, 0) : rH * k;
          const sx = half ? Math.max(rW * (j + 0.5) - 0.5, 0) : rW * j;
          const y0 = Math.floor(sy);
          const x0 = Math.floor(sx);
          const y1 = Math.min(y0 + 1, H - 1);
          const x1 = Math.min(x0 + 1, W - 1);
          const dy = sy - y0;
          const dx = sx - x0;
          const at = (yy: number, xx: number) => x.data[(nc * H + yy) * W + xx]!;
          value = (1 - dy) * ((1 - dx) * at(y0, x0) + dx * at(y0, x1)) + dy * ((1 - dx) * at(y1, x0) + dx * at(y1, x1));
        }
        out.data[(nc * outH + k) * outW + j] = value;
      }
  return out;
}
