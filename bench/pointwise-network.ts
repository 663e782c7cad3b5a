/**
 * Pointwise convs inside GhostNet (not a test): `npx tsx bench/pointwise-network.ts [scale] [rounds]`.
 * Runs the typed engine's profiled forward with the pointwise kernel switched between the
 * sgemmEpilogue path ("gemm") and the tile kernel ("tiles") on alternate rounds, in one
 * process, and prints medians of the whole forward and of the pointwise layers' sum.
 */
import { loadavg } from "node:os";
import { makeGhostNetFixture } from "../src/ghostnet/fixture.js";
import type { GhostNetEngine } from "../src/ghostnet/engine.js";
import type { LayerTiming } from "../src/ghostnet/profile.js";
import { loadModel } from "../src/load-model.js";
import { setPointwiseTuning, type PointwiseKernel } from "../src/ops/pointwise.js";
import { Tensor } from "../src/tensor/tensor.js";

const scale = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 15);
const median = (v: number[]): number => v.slice().sort((a, b) => a - b)[v.length >> 1]!;

const typed = (await loadModel(makeGhostNetFixture({ scale, style: "legacy", seed: 1 }), { engine: "ghostnet" })) as GhostNetEngine;
const input = new Tensor([1, 3, 224, 224]);
for (let i = 0; i < input.size; i++) input.data[i] = Math.sin(i * 0.001) * 1.5;
type Variant = PointwiseKernel;
const kernels: Variant[] = ["gemm", "tiles"];
const whole = new Map<Variant, number[]>(kernels.map((k) => [k, []]));
const pointwise = new Map<Variant, number[]>(kernels.map((k) => [k, []]));
const load0 = loadavg()[0]!;
for (let r = -3; r < rounds; r++) {
  for (const kernel of r % 2 === 0 ? kernels : [...kernels].reverse()) {
    setPointwiseTuning({ kernel });
    const layers: LayerTiming[] = [];
    const t = performance.now();
    typed.ghostnet.forward(input, { profile: layers });
    const ms = performance.now() - t;
    if (r < 0) continue; // warm-up
    whole.get(kernel)!.push(ms);
    pointwise.get(kernel)!.push(layers.filter((l) => l.kind === "pointwise").reduce((s, l) => s + l.ms, 0));
  }
}
setPointwiseTuning({ kernel: "tiles" });
console.log(`GhostNet x${scale} batch 1 224², ${rounds} interleaved rounds, ${new Date().toISOString()}, load ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`);
for (const k of kernels) console.log(`  ${k.padEnd(6)} forward ${median(whole.get(k)!).toFixed(1)} ms   pointwise ${median(pointwise.get(k)!).toFixed(1)} ms`);
