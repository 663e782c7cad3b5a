/**
 * Shared checks for the GhostNet fixture suites: one scale per test file, the three styles
 * written from one set of calibrated weights, each run in onnxruntime-node, the typed
 * GhostNet (through weight binding) and, when it exists, the graph executor.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadModel } from "../../src/load-model.js";
import { bindGhostNet } from "../../src/ghostnet/bind.js";
import { ghostNetConfig } from "../../src/ghostnet/config.js";
import { createGhostNetEngine } from "../../src/ghostnet/engine.js";
import { imageLikeBatch, makeGhostNetWeights } from "../../src/ghostnet/fixture.js";
import { type FixtureStyle, exportGhostNetOnnx } from "../../src/ghostnet/onnx-export.js";
import { decodeModel } from "../../src/loader/decode.js";
import { WasmBackend } from "../../src/wasm/backend.js";
import { expectClose, maxAbs, maxAbsDiff } from "../helpers/compare.js";
import { type RefTensor, runOrt } from "../helpers/ort.js";

export const STYLES: readonly FixtureStyle[] = ["legacy", "modern", "fused"];

/** Layers whose outputs the ORT variant exposes, compared by PaddleClas name. */
export const INTERMEDIATES = ["conv1", "_ghostbottleneck_3_se", "_ghostbottleneck_11", "conv_last", "fc_1"] as const;

export interface StyleRun {
  style: FixtureStyle;
  bytes: Uint8Array;
  ort: { probabilities: RefTensor; intermediates: Record<string, RefTensor> };
}

export function makeScaleFixtures(scale: number, seed: number) {
  const config = ghostNetConfig(scale);
  const started = Date.now();
  const weights = makeGhostNetWeights(config, seed);
  const calibrationMs = Date.now() - started;
  const input = imageLikeBatch(4, seed + 100);
  return { config, weights, input, calibrationMs };
}

export async function runStyleInOrt(fixtures: ReturnType<typeof makeScaleFixtures>, style: FixtureStyle): Promise<StyleRun> {
  const { config, weights, input } = fixtures;
  const bytes = exportGhostNetOnnx(config, weights, { style }).bytes;
  // The reference runs a variant whose extra graph outputs are the named intermediates.
  const variant = exportGhostNetOnnx(config, weights, { style, extraOutputs: INTERMEDIATES });
  const outputs = await runOrt(variant.bytes, { x: { shape: input.shape, data: input.data } });
  const outputName = style === "legacy" ? "save_infer_model/scale_0.tmp_1" : "softmax_0.tmp_0";
  const intermediates: Record<string, RefTensor> = {};
  for (const name of INTERMEDIATES) intermediates[name] = outputs[variant.layerOutputs.get(name)!]!;
  return { style, bytes, ort: { probabilities: outputs[outputName]!, intermediates } };
}

/** max|a − b| / max|b| (the relative error of DESIGN.md §6 for long reductions). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return maxAbsDiff(a, b) / Math.max(1e-30, maxAbs(b));
}

/**
 * The typed GhostNet on `backend`'s kernels against onnxruntime. The wasm backend's fast
 * path (run, and forward without capture) runs the emitted kernels; observed runs (capture)
 * run the plain kernels on the backend's memory.
 */
export async function checkTypedGhostNet(run: StyleRun, fixtures: ReturnType<typeof makeScaleFixtures>, backend: "js" | "wasm" = "js"): Promise<void> {
  const model = decodeModel(run.bytes);
  const bound = bindGhostNet(model);
  if ("reason" in bound) throw new Error(`binding failed: ${bound.reason}`);
  expect(bound.binding.matchedBy).toBe(run.style === "fused" ? "structure" : "names");
  expect(bound.binding.config.scale).toBe(fixtures.config.scale);
  expect(bound.binding.config.classCount).toBe(1000);

  const engine = createGhostNetEngine(model);
  if (backend === "wasm") engine.useBackend(new WasmBackend());
  expect(engine.backend).toBe(backend);
  expect(engine.inputNames).toEqual(["x"]);
  const outputName = engine.outputNames[0]!;
  expect(outputName).toBe(run.style === "legacy" ? "save_infer_model/scale_0.tmp_1" : "softmax_0.tmp_0");

  // The Model interface (the buffer-planned path, fed by position): probabilities within 5e-5.
  const probabilities = (await engine.run([fixtures.input]))[outputName]!;
  expectClose(probabilities, run.ort.probabilities as { shape: number[]; data: Float32Array }, 5e-5, `${run.style} run()`);

  // Observed forward: logits and intermediates by PaddleClas name within 1e-4 relative.
  const result = engine.ghostnet.forward(fixtures.input, { capture: INTERMEDIATES });
  expectClose(result.probabilities, run.ort.probabilities as { shape: number[]; data: Float32Array }, 5e-5, `${run.style} probabilities`);
  for (const name of INTERMEDIATES) {
    const ours = result.intermediates[name]!;
    const ref = run.ort.intermediates[name]!;
    expect(Array.from(ours.shape), name).toEqual(ref.shape);
    const error = relativeError(ours.data, ref.data as Float32Array);
    expect(error, `${run.style} ${name}: relative error ${error}`).toBeLessThanOrEqual(1e-4);
  }
  expect(relativeError(result.logits.data, run.ort.intermediates.fc_1!.data as Float32Array)).toBeLessThanOrEqual(1e-4);
  // The fast path's logits (the kernels of `backend`), within 1e-4 relative.
  const fast = engine.ghostnet.forward(fixtures.input);
  const fastError = relativeError(fast.logits.data, run.ort.intermediates.fc_1!.data as Float32Array);
  expect(fastError, `${run.style} ${backend} logits: relative error ${fastError}`).toBeLessThanOrEqual(1e-4);
  engine.dispose();
}

/** The softmax is far from saturated: every image's top-1 probability is below 0.9. */
export function checkNotSaturated(probabilities: RefTensor): number[] {
  const [n, classes] = probabilities.shape as [number, number];
  const tops: number[] = [];
  for (let i = 0; i < n; i++) {
    let top = 0;
    for (let c = 0; c < classes; c++) top = Math.max(top, probabilities.data[i * classes + c] as number);
    tops.push(top);
  }
  for (const top of tops) expect(top).toBeLessThan(0.9);
  return tops;
}

/**
 * The whole fixture suite for one scale: file size in [minMB, maxMB], unsaturated softmax,
 * typed GhostNet vs onnxruntime per style, and loadModel's engine choice plus the graph
 * executor vs onnxruntime. Each scale calls it from its own file so scales run in parallel.
 */
export function describeScaleFixtures(scale: number, sizeMB: { about: number; min: number; max: number }): void {
  describe(`GhostNet x${scale} fixtures`, () => {
    let fixtures: ReturnType<typeof makeScaleFixtures>;
    const runs = new Map<string, StyleRun>();

    beforeAll(async () => {
      fixtures = makeScaleFixtures(scale, 7);
      for (const style of STYLES) runs.set(style, await runStyleInOrt(fixtures, style));
    });

    it(`writes files of about ${sizeMB.about} MB and calibrates in seconds`, () => {
      for (const run of runs.values()) expect(run.bytes.length / 1e6).toBeGreaterThan(sizeMB.min);
      for (const run of runs.values()) expect(run.bytes.length / 1e6).toBeLessThan(sizeMB.max);
      expect(fixtures.calibrationMs).toBeLessThan(20_000);
    });

    it("has an unsaturated softmax (top-1 below 0.9 for every image)", () => {
      checkNotSaturated(runs.get("legacy")!.ort.probabilities);
    });

    for (const style of STYLES) {
      for (const backend of ["js", "wasm"] as const) {
        it(`${style}: the typed GhostNet on the ${backend} kernels matches onnxruntime (probabilities, logits, intermediates)`, async () => {
          await checkTypedGhostNet(runs.get(style)!, fixtures, backend);
        });
      }
    }

    it("loadModel picks the typed engine, and the graph executor matches onnxruntime on every style", async () => {
      for (const style of STYLES) {
        const run = runs.get(style)!;
        const auto = await loadModel(run.bytes);
        expect(auto.engine).toBe("ghostnet");
        auto.dispose();
        const model = await loadModel(run.bytes, { engine: "graph" });
        expect(model.engine).toBe("graph");
        const outputs = await model.run({ x: fixtures.input });
        const name = style === "legacy" ? "save_infer_model/scale_0.tmp_1" : "softmax_0.tmp_0";
        expectClose(outputs[name]!, run.ort.probabilities as { shape: number[]; data: Float32Array }, 5e-5, `${style} graph executor`);
        model.dispose();
      }
    });
  });
}
