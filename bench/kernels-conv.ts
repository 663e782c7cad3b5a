/**
 * Micro-benchmark of the convolution kernels (not a test): `npx tsx bench/kernels-conv.ts [gemm|pointwise|depthwise|conv|all]`.
 *
 *   gemm       GFLOP/s of sgemm at GhostNet x1.0's pointwise shapes (M = Cout, K = Cin,
 *              N = H·W), for a few block-size variants run interleaved, medians; then
 *              the pointwise section.
 *   pointwise  GFLOP/s of pointwiseConv2dRange (bias + relu): sgemmEpilogue path vs the
 *              tile kernel and a few of its tunings.
 *   depthwise  ms per call of the specialised depthwise kernels vs the generic bounds-checked
 *              loop, at GhostNet's depthwise shapes.
 *   conv       ms of conv1 (3×3 stride 2, 3→16 at 224²) through the general path.
 *
 * The machine is shared: every variant runs in each round (interleaved), and the table
 * reports the median over rounds.
 */
import { setGemmBlocking, sgemm } from "../src/ops/gemm.js";
import { getPointwiseTuning, pointwiseConv2dRange, setPointwiseTuning } from "../src/ops/pointwise.js";
import { conv2d, conv2dGeometry, conv2dReference, conv2dShape } from "../src/ops/conv2d.js";
import { depthwiseConv2dGeneric, depthwiseConv2dPaddedRange } from "../src/ops/depthwise.js";
import { Tensor } from "../src/tensor/tensor.js";
import { loadavg } from "node:os";

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function randomArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Runs `fn` repeatedly for at least `minMs` and returns ms per call. */
function timeIt(fn: () => void, minMs = 30): number {
  fn();
  let calls = 0;
  const start = performance.now();
  let now = start;
  do {
    fn();
    calls++;
    now = performance.now();
  } while (now - start < minMs);
  return (now - start) / calls;
}

/** Each variant measured once per round, `rounds` rounds, medians. */
function interleaved(variants: Record<string, () => void>, rounds: number, minMs: number): Record<string, number> {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(variants)) samples[name] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(variants)) samples[name]!.push(timeIt(fn, minMs));
  }
  const out: Record<string, number> = {};
  for (const [name, s] of Object.entries(samples)) out[name] = median(s);
  return out;
}

// GhostNet x1.0 pointwise convolutions at 224×224 (primary convs of the ghost modules,
// shortcut convs, conv_last): [M = Cout, K = Cin, N = H·W].
const pointwiseShapes: [number, number, number][] = [
  [8, 16, 12544],
  [24, 16, 12544],
  [36, 24, 3136],
  [60, 40, 784],
  [40, 240, 196],
  [100, 80, 196],
  [240, 112, 196],
  [80, 960, 49],
  [480, 160, 49],
  [960, 160, 49],
];

function naiveGemm(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array): void {
  for (let i = 0; i < M; i++) {
    C.fill(0, i * N, i * N + N);
    for (let p = 0; p < K; p++) {
      const a = A[i * K + p]!;
      const row = p * N;
      for (let j = 0; j < N; j++) C[i * N + j] = C[i * N + j]! + a * B[row + j]!;
    }
  }
}

function benchGemm(): void {
  // [mc, nc, kc, directBMaxK]
  const configs: Record<string, [number, number, number, number]> = {
    "64/512/1024 packed": [64, 512, 1024, 0],
    "64/512/1024 B in place K≤64 (default)": [64, 512, 1024, 64],
    "64/512/1024 B in place": [64, 512, 1024, 1024],
    "32/256/1024 B in place": [32, 256, 1024, 1024],
    "128/2048/1024 B in place": [128, 2048, 1024, 1024],
  };
  console.log(`sgemm GFLOP/s (median of interleaved rounds), ${new Date().toISOString()}`);
  console.log(["M", "K", "N", "naive i-k-j", ...Object.keys(configs)].join("\t"));
  for (const [M, K, N] of pointwiseShapes) {
    const A = randomArray(M * K, 1);
    const B = randomArray(K * N, 2);
    const C = new Float32Array(M * N);
    const variants: Record<string, () => void> = { naive: () => naiveGemm(M, N, K, A, B, C) };
    for (const [name, [mc, nc, kc, direct]] of Object.entries(configs)) {
      variants[name] = () => {
        setGemmBlocking(mc, nc, kc, direct);
        sgemm(M, N, K, A, 0, K, 1, B, 0, N, 1, C, 0, N);
      };
    }
    const ms = interleaved(variants, 7, 25);
    const flops = 2 * M * N * K;
    const row = [M, K, N].map(String);
    for (const name of Object.keys(variants)) row.push((flops / (ms[name]! * 1e6)).toFixed(2));
    console.log(row.join("\t"));
  }
  setGemmBlocking(64, 512, 1024, 64);
  benchPointwise();
}

/**
 * Pointwise conv (bias + relu) through pointwiseConv2dRange: the sgemmEpilogue path against
 * the tile kernel with a few tunings, GFLOP/s, interleaved medians.
 */
function benchPointwise(): void {
  const variants: Record<string, Parameters<typeof setPointwiseTuning>[0]> = {
    gemm: { kernel: "gemm" },
    "tiles (default)": { kernel: "tiles" },
    "one call per tile": { kernel: "tiles", strips: false },
    "float32 packs": { kernel: "tiles", f64: false },
    "in place K≤64": { kernel: "tiles", inPlaceMaxK: 64 },
    "packed always": { kernel: "tiles", inPlaceMaxK: 0 },
  };
  console.log(`\npointwise conv + bias + relu GFLOP/s (median of interleaved rounds), ${new Date().toISOString()}, load ${loadavg()[0]!.toFixed(2)}`);
  console.log(["M", "K", "N", ...Object.keys(variants)].join("\t"));
  const relu = { kind: "relu" } as const;
  const defaults = getPointwiseTuning();
  for (const [M, K, N] of pointwiseShapes) {
    const side = Math.round(Math.sqrt(N));
    const g = conv2dGeometry([1, K, side, side], [M, K, 1, 1], { kernelShape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 });
    const x = randomArray(K * N, 2);
    const w = randomArray(M * K, 1);
    const b = randomArray(M, 3);
    const y = new Float32Array(M * N);
    const range = { channelStart: 0, channelEnd: M, rowStart: 0, rowEnd: side };
    const fns: Record<string, () => void> = {};
    for (const [name, t] of Object.entries(variants)) {
      fns[name] = () => {
        setPointwiseTuning({ ...defaults, ...t });
        pointwiseConv2dRange(y, x, w, b, g, relu, range);
      };
    }
    const ms = interleaved(fns, 7, 25);
    const flops = 2 * M * N * K;
    console.log([M, K, N, ...Object.keys(fns).map((n) => (flops / (ms[n]! * 1e6)).toFixed(2))].join("\t"));
  }
  setPointwiseTuning(defaults);
}

// GhostNet x1.0 depthwise convolutions: [C, H (= W), k, stride].
const depthwiseShapes: [number, number, number, number][] = [
  [8, 112, 3, 1],
  [48, 112, 3, 2],
  [36, 56, 3, 1],
  [72, 56, 5, 2],
  [60, 28, 5, 1],
  [240, 28, 3, 2],
  [100, 14, 3, 1],
  [672, 14, 5, 2],
  [480, 7, 5, 1],
];

function benchDepthwise(): void {
  console.log(`\ndepthwise ms per call (median of interleaved rounds), ${new Date().toISOString()}`);
  console.log(["C", "H", "k", "s", "interior+border", "padded copy", "generic", "generic/best"].join("\t"));
  for (const [C, H, k, s] of depthwiseShapes) {
    const pad = (k - 1) >> 1;
    const attrs = { kernelShape: [k, k], strides: [s, s], pads: [pad, pad, pad, pad], dilations: [1, 1], group: C };
    const input = new Tensor([1, C, H, H], randomArray(C * H * H, 3));
    const weight = new Tensor([C, 1, k, k], randomArray(C * k * k, 4));
    const bias = new Tensor([C], randomArray(C, 5));
    const output = new Tensor(conv2dShape(input.shape, weight.shape, attrs));
    const g = conv2dGeometry(input.shape, weight.shape, attrs);
    const none = { kind: "none" } as const;
    const ms = interleaved(
      {
        fast: () => conv2d(output, input, weight, bias, attrs, none),
        padded: () => depthwiseConv2dPaddedRange(output.data, input.data, weight.data, bias.data, g, none, { channelStart: 0, channelEnd: C, rowStart: 0, rowEnd: g.outH }),
        generic: () => depthwiseConv2dGeneric(output.data, input.data, weight.data, bias.data, g, none, 0, C),
      },
      5,
      20,
    );
    const best = Math.min(ms.fast!, ms.padded!);
    console.log([C, H, k, s, ms.fast!.toFixed(3), ms.padded!.toFixed(3), ms.generic!.toFixed(3), (ms.generic! / best).toFixed(2)].join("\t"));
  }
}

function benchConv(): void {
  console.log(`\nconv1 3×3 s2 3→16 at 224² ms (median), ${new Date().toISOString()}`);
  const attrs = { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 };
  const input = new Tensor([1, 3, 224, 224], randomArray(3 * 224 * 224, 6));
  const weight = new Tensor([16, 3, 3, 3], randomArray(16 * 27, 7));
  const output = new Tensor(conv2dShape(input.shape, weight.shape, attrs));
  const ms = interleaved(
    {
      fast: () => conv2d(output, input, weight, null, attrs),
      reference: () => conv2dReference(output, input, weight, null, attrs),
    },
    3,
    50,
  );
  console.log(`im2col+sgemm ${ms.fast!.toFixed(2)} ms, reference ${ms.reference!.toFixed(2)} ms`);
}

const which = process.argv[2] ?? "all";
if (which === "gemm" || which === "all") benchGemm();
if (which === "pointwise") benchPointwise();
if (which === "depthwise" || which === "all") benchDepthwise();
if (which === "conv" || which === "all") benchConv();
