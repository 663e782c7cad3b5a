/**
 * GhostNet x1.0 fixtures (legacy, modern, fused): typed GhostNet, graph executor and
 * onnxruntime-node agree on a batch of 4 image-like inputs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../helpers/compare.js";
import { loadModel } from "../../src/load-model.js";
import { STYLES, type StyleRun, checkNotSaturated, checkTypedGhostNet, makeScaleFixtures, runStyleInOrt } from "./ghostnet-helpers.js";

const SCALE = 1.0;

describe(`GhostNet x${SCALE} fixtures`, () => {
  let fixtures: ReturnType<typeof makeScaleFixtures>;
  const runs = new Map<string, StyleRun>();

  beforeAll(async () => {
    fixtures = makeScaleFixtures(SCALE, 7);
    for (const style of STYLES) runs.set(style, await runStyleInOrt(fixtures, style));
  });

  it("writes files of about 20 MB and calibrates in seconds", () => {
    for (const run of runs.values()) expect(run.bytes.length / 1e6).toBeGreaterThan(19);
    for (const run of runs.values()) expect(run.bytes.length / 1e6).toBeLessThan(22);
    expect(fixtures.calibrationMs).toBeLessThan(20_000);
  });

  it("has an unsaturated softmax (top-1 below 0.9 for every image)", () => {
    checkNotSaturated(runs.get("legacy")!.ort.probabilities);
  });

  for (const style of STYLES) {
    it(`${style}: the typed GhostNet matches onnxruntime (probabilities, logits, intermediates)`, async () => {
      await checkTypedGhostNet(runs.get(style)!, fixtures);
    });
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
