/**
 * How close to onnxruntime-web can scalar JavaScript get? (not a test)
 * `npx tsx bench/ceiling.ts [scale] [rounds]`
 *
 * GhostNet spends about 70 % of a forward pass in its pointwise (1×1) convs, and those are
 * matrix products, so their speed bounds the whole network's. This measures:
 *
 *   - each pointwise conv of GhostNet x{scale} at 224² (shapes from summarizeGhostNet) on
 *     our kernel alone, warm caches: ms and GFLOP/s per layer, and the best rate any layer
 *     reaches (the kernel's ceiling);
 *   - the whole network: our typed engine and onnxruntime-web (WebAssembly + SIMD, one
 *     thread, `executionProviders: ['wasm']`), with the effective GFLOP/s of each
 *     (2 × all multiply-accumulates ÷ time), and our pointwise share of a profiled pass;
 *   - the bound: the pointwise MACs, every layer at the best rate, take 2·MACs ÷ rate;
 *     divided by onnxruntime-web's whole forward pass this is the lowest ratio our engine
 *     could reach with the depthwise convs, SE blocks, stem and head all free.
 *
 * Everything runs in rounds (one sample of each per round, garbage collected before each)
 * and the ratios are taken within a round, because this machine's speed drifts up to 2×.
 *
 * The machine is shared: the load average is printed; only ratios within one run mean much.
 */
import { loadavg } from "node:os";
import * as ort from "onnxruntime-web";
import type { GhostNetEngine } from "../src/ghostnet/engine.js";
import { makeGhostNetFixture } from "../src/ghostnet/fixture.js";
import { summarizeGhostNet } from "../src/ghostnet/summary.js";
import type { LayerTiming } from "../src/ghostnet/profile.js";
import { loadModel } from "../src/load-model.js";
import { conv2dGeometry, fullConvRange } from "../src/ops/conv2d.js";
import { packPointwiseWeights, pointwiseConv2dRange } from "../src/ops/pointwise.js";
import { Tensor } from "../src/tensor/tensor.js";
import { collectGarbage, timeAfterCollecting } from "./collect-garbage.js";
import { median, quantile } from "./report.js";

const scale = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 15);

function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x / 4294967296 - 0.5;
  }
  return out;
}

// ── the pointwise convs alone ───────────────────────────────────────────────────────────
interface PointwiseCase {
  name: string;
  macs: number;
  run: () => void;
  /** ms per call, one sample per round. */
  ms: number[];
}

const summary = summarizeGhostNet(scale);
const cases: PointwiseCase[] = [];
for (const row of summary.layers) {
  // 1×1 convs on maps of at least 4 pixels take the tile kernel (fc_0's 1×1 map is a matrix-vector product).
  if (!row.type.startsWith("ConvBN 1×1")) continue;
  const [, out, h, w] = row.outputShape as [number, number, number, number];
  if (h * w < 4) continue;
  const inChannels = row.macs / (out * h * w);
  const x = seeded(inChannels * h * w, cases.length + 1);
  const weight = seeded(out * inChannels, cases.length + 101);
  const bias = seeded(out, cases.length + 201);
  const y = new Float32Array(out * h * w);
  const g = conv2dGeometry([1, inChannels, h, w], [out, inChannels, 1, 1], {});
  const activation = row.type.endsWith("relu") ? ({ kind: "relu" } as const) : ({ kind: "none" } as const);
  const range = fullConvRange(g);
  // Weights packed once, as the typed GhostNet runs them (packWeights, the default).
  const packed = packPointwiseWeights(weight, out, inChannels);
  cases.push({ name: `${row.name} (${out}×${inChannels}, ${h}×${w})`, macs: row.macs, run: () => pointwiseConv2dRange(y, x, weight, bias, g, activation, range, packed), ms: [] });
}
const pointwiseMacs = cases.reduce((s, c) => s + c.macs, 0);
const gflops = (macs: number, ms: number): number => (2 * macs) / (ms * 1e6);

/** One sample of every pointwise case (several calls each, so small layers are not timer-bound). */
function samplePointwise(): void {
  for (const c of cases) {
    const calls = Math.max(1, Math.ceil(2e6 / c.macs));
    const t = performance.now();
    for (let i = 0; i < calls; i++) c.run();
    c.ms.push((performance.now() - t) / calls);
  }
}

// ── the whole network: ours and onnxruntime-web ─────────────────────────────────────────
const bytes = makeGhostNetFixture({ scale, style: "legacy", seed: 1 });
const engine = (await loadModel(bytes, { engine: "ghostnet" })) as GhostNetEngine;
ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
const input = new Tensor([1, 3, 224, 224]);
for (let i = 0; i < input.size; i++) input.data[i] = Math.sin(i * 0.001) * 1.5;
const feeds = { [session.inputNames[0]!]: new ort.Tensor("float32", input.data, [1, 3, 224, 224]) };

// Rounds: ours, onnxruntime-web, every pointwise conv alone, one profiled forward pass of
// ours; garbage collected before each. The machine's speed drifts, so every ratio below is
// taken within a round and the median over rounds reported.
const gc = collectGarbage();
for (let i = 0; i < 3; i++) {
  await engine.run([input]);
  await session.run(feeds);
  for (const c of cases) c.run();
}
const oursMs: number[] = [];
const ortMs: number[] = [];
const inNetworkMs: number[] = [];
const load0 = loadavg()[0]!;
for (let r = 0; r < rounds; r++) {
  oursMs.push(await timeAfterCollecting(gc, () => engine.run([input])));
  ortMs.push(await timeAfterCollecting(gc, () => session.run(feeds)));
  gc();
  samplePointwise();
  gc();
  const layers: LayerTiming[] = [];
  engine.ghostnet.forward(input, { profile: layers });
  inNetworkMs.push(layers.filter((l) => l.kind === "pointwise").reduce((s, l) => s + l.ms, 0));
}
const load1 = loadavg()[0]!;
/** Per round: all pointwise convs alone (ms), and the best rate any of them reached (GFLOP/s). */
const aloneMs = oursMs.map((_, r) => cases.reduce((s, c) => s + c.ms[r]!, 0));
const bestRate = oursMs.map((_, r) => Math.max(...cases.map((c) => gflops(c.macs, c.ms[r]!))));

// ── report ──────────────────────────────────────────────────────────────────────────────
const ms = (v: number): string => v.toFixed(2).padStart(8);
const rate = (v: number): string => v.toFixed(2).padStart(6);
console.log(`GhostNet x${scale} at 224×224, batch 1, one thread — ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${rounds} rounds, load average ${load0.toFixed(2)} → ${load1.toFixed(2)}`);
console.log(`\nPointwise convs alone (our tile kernel, warm caches; medians over rounds)`);
console.log(`  ${"layer".padEnd(62)}       ms  GFLOP/s`);
for (const c of cases) console.log(`  ${c.name.padEnd(62)} ${ms(median(c.ms))}  ${rate(gflops(c.macs, median(c.ms)))}`);
console.log(`  ${`${cases.length} layers, ${(pointwiseMacs / 1e6).toFixed(1)} M MACs of the network's ${(summary.macs / 1e6).toFixed(1)} M`.padEnd(62)} ${ms(median(aloneMs))}  ${rate(gflops(pointwiseMacs, median(aloneMs)))}`);
console.log(`  best layer's rate per round: median ${median(bestRate).toFixed(2)}, highest ${Math.max(...bestRate).toFixed(2)} GFLOP/s`);
console.log(`  inside profiled forward passes: ${median(inNetworkMs).toFixed(1)} ms (${gflops(pointwiseMacs, median(inNetworkMs)).toFixed(2)} GFLOP/s)`);
console.log(`\nWhole forward pass (medians)`);
console.log(`  ghostnet-ts (typed, 1 thread)     ${ms(median(oursMs))} ms  ${rate(gflops(summary.macs, median(oursMs)))} GFLOP/s effective`);
console.log(`  onnxruntime-web (wasm, 1 thread)  ${ms(median(ortMs))} ms  ${rate(gflops(summary.macs, median(ortMs)))} GFLOP/s effective`);
console.log(`\nRatios to onnxruntime-web's whole forward pass (within each round; median, p10–p90 over rounds)`);
const ratioLine = (label: string, f: (r: number) => number): void => {
  const v = oursMs.map((_, r) => f(r));
  console.log(`  ${label.padEnd(64)} ${median(v).toFixed(2)}×  (${quantile(v, 0.1).toFixed(2)}–${quantile(v, 0.9).toFixed(2)})`);
};
ratioLine("our whole forward pass", (r) => oursMs[r]! / ortMs[r]!);
ratioLine("our pointwise convs alone, nothing else", (r) => aloneMs[r]! / ortMs[r]!);
ratioLine("the same MACs, every layer at the round's best rate (bound)", (r) => (2 * pointwiseMacs) / (bestRate[r]! * 1e6) / ortMs[r]!);
console.log(`  (issue 6's goal: at most 2.5× for the whole forward pass)`);
await engine.dispose();
