/**
 * Memory: many runs leave the heap flat, and disposed models are collected.
 *
 * The issue asks for 10,000 runs of GhostNet x0.5; at ~80 ms a run on 2 cores that is
 * 13 minutes, so `npm test` runs a bounded version and the night run (`npm run fuzz`,
 * GHOSTNET_SOAK=1) runs the full one:
 *
 *                                         npm test        night (GHOSTNET_SOAK=1)
 *   GhostNet x0.5, 224×224, typed engine   40 runs         10,000 runs
 *   GhostNet x0.5, 16×16, typed engine     10,000 runs     10,000 runs
 *   GhostNet x0.5, 112×112, graph engine   60 runs         2,000 runs
 *   tiny graph, graph executor             5,000 runs      100,000 runs
 *   40 input sizes in turn (caches bound)  80 runs         800 runs
 *   load → run → dispose                   100 models      1,000 models
 *
 * The 16×16 case is the "10,000 runs of GhostNet x0.5" on every CI run: the same
 * model, weights, layers, arena and per-run code path (feed checks, every block, output
 * copies), so a leak per run of any object, closure or tensor shows; what it does NOT
 * cover is anything that scales with the image: per-size buffers of 224×224 maps (the
 * 40-run 224² case and the 40-sizes case check those, the night run does 10,000 at 224²).
 *
 * Bound: after a full gc, heap + ArrayBuffer bytes may grow by at most a few MB over the
 * baseline taken after warm-up (a leak of one 1000-float output per run would be 4 MB
 * per 1,000 runs; a leaked x0.5 model is 10 MB), and must not keep climbing in the second
 * half of the runs.
 */
import { describe, expect, it } from "vitest";
import { makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { loadModel } from "../../src/load-model.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { MB, formatTrace, liveBytes, traceHeap } from "./heap.js";
import { images, smallGhostNetBytes, tinyGraphBytes } from "./models.js";

const SOAK = process.env.GHOSTNET_SOAK === "1";
const pick = (ci: number, night: number): number => (SOAK ? night : ci);
// Per-test time limit: generous, since the runner's default (120 s) is too short for the soak.
const timeout = (ms: number): number => (SOAK ? 4 * 3600_000 : ms);

let x05: Uint8Array | undefined;
const ghostnetX05 = (): Uint8Array =>
  (x05 ??= makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 31, classCount: 1000, calibrationBatch: 2, calibrationSize: 224, inputSize: "dynamic" }));

describe("memory: the heap stays flat over many runs", () => {
  it(`GhostNet x0.5 at 224×224, typed engine: ${pick(40, 10_000)} runs`, async () => {
    const model = await loadModel(ghostnetX05());
    expect(model.engine).toBe("ghostnet");
    const [x] = images(1, 224);
    const trace = await traceHeap(pick(40, 10_000), 5, () => model.run({ x: x! }));
    console.log(formatTrace("x0.5 typed", trace));
    expect(trace.growth).toBeLessThan(4 * MB);
    expect(trace.secondHalfGrowth).toBeLessThan(2 * MB);
    model.dispose();
  }, timeout(60_000));

  // Measured 2026-11-29 01:18 UTC with the other engineers running (load average ~3): 53 s
  // (32×32 took 62 s; per-layer overhead, ~3.5 ms a run, dominates below 32×32). Over the
  // ~30 s the issue hoped for: it needs a faster per-run path, not fewer runs.
  it("GhostNet x0.5 at 16×16, typed engine: 10,000 runs (the issue's count, in CI)", async () => {
    const model = await loadModel(ghostnetX05());
    expect(model.engine).toBe("ghostnet");
    const [x] = images(1, 16);
    const trace = await traceHeap(10_000, 20, () => model.run({ x: x! }));
    console.log(formatTrace("x0.5 typed 16²", trace));
    // One leaked 1000-float output per run would be 40 MB over 10,000 runs.
    expect(trace.growth).toBeLessThan(4 * MB);
    expect(trace.secondHalfGrowth).toBeLessThan(2 * MB);
    model.dispose();
  }, timeout(120_000));

  it(`GhostNet x0.5 at 112×112, graph executor: ${pick(60, 2_000)} runs`, async () => {
    const model = await loadModel(ghostnetX05(), { engine: "graph" });
    const [x] = images(1, 112);
    const trace = await traceHeap(pick(60, 2_000), 5, () => model.run({ x: x! }));
    console.log(formatTrace("x0.5 graph", trace));
    expect(trace.growth).toBeLessThan(4 * MB);
    expect(trace.secondHalfGrowth).toBeLessThan(2 * MB);
    model.dispose();
  }, timeout(60_000));

  it(`tiny graph, graph executor: ${pick(5_000, 100_000)} runs`, async () => {
    const model = await loadModel(tinyGraphBytes());
    const [x] = images(1, 16);
    const trace = await traceHeap(pick(5_000, 100_000), 50, () => model.run({ x: x! }));
    console.log(formatTrace("tiny graph", trace));
    expect(trace.growth).toBeLessThan(2 * MB);
    expect(trace.secondHalfGrowth).toBeLessThan(1 * MB);
    model.dispose();
  }, timeout(60_000));

  it("40 different input sizes in turn: per-shape caches stay bounded (both engines)", async () => {
    for (const engine of ["ghostnet", "graph"] as const) {
      const model = await loadModel(smallGhostNetBytes(), { engine });
      const inputs = Array.from({ length: 40 }, (_, i) => new Tensor([1, 3, 32 + 2 * i, 32 + 2 * i]));
      // Warm-up visits every size once, so every cache is as full as it gets.
      const trace = await traceHeap(pick(80, 800), 40, (i) => model.run({ x: inputs[i % 40]! }));
      console.log(formatTrace(`40 sizes, ${engine}`, trace));
      expect(trace.growth).toBeLessThan(8 * MB);
      expect(trace.secondHalfGrowth).toBeLessThan(4 * MB);
      model.dispose();
    }
  }, timeout(60_000));
});

describe("memory: loading and disposing models leaks nothing", () => {
  it(`${pick(100, 1_000)} models loaded, run once and disposed: all collected, heap flat`, async () => {
    const bytes = smallGhostNetBytes();
    const [x] = images(1, 32);
    const refs: WeakRef<object>[] = [];
    const cycle = async (i: number): Promise<void> => {
      const model = await loadModel(bytes, { engine: i % 2 === 0 ? "ghostnet" : "graph" });
      await model.run({ x: x! });
      model.dispose();
      refs.push(new WeakRef(model));
    };
    const trace = await traceHeap(pick(100, 1_000), 4, cycle);
    console.log(formatTrace("load/run/dispose", trace));
    // A leaked x0.25 model holds ~1.5 MB of weights; a hundred would be 150 MB.
    expect(trace.growth).toBeLessThan(8 * MB);
    await liveBytes();
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    expect(alive, "disposed models still reachable").toBe(0);
  }, timeout(60_000));
});
