/**
 * GhostNet x0.5 in every Paddle2ONNX vintage the fixture writer knows (legacy: opset 9,
 * Constant-node weights, attribute forms; modern: opset 13, initializers, input forms;
 * fused: BatchNorm folded, Gemm, Flatten), run in the graph executor and in onnxruntime
 * on an image-like batch at a dynamic input size. Logits are compared (the softmax left
 * out), so nothing hides behind saturation.
 */
import { describe, expect, it } from "vitest";
import { imageLikeBatch, makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { GraphExecutor } from "../../src/graph/executor.js";
import { OP_TABLE } from "../../src/graph/op-table.js";
import { decodeModel } from "../../src/loader/decode.js";
import { expectClose, maxAbs } from "../helpers/compare.js";
import { runOrt, type RefTensor } from "../helpers/ort.js";

function floatRef(t: RefTensor | undefined): { shape: number[]; data: Float32Array } {
  if (t === undefined || !(t.data instanceof Float32Array)) throw new Error("expected a float32 output from onnxruntime");
  return { shape: t.shape, data: t.data };
}

describe("GhostNet fixtures in the graph executor", () => {
  for (const style of ["legacy", "modern", "fused"] as const) {
    it(`${style}: logits match onnxruntime`, async () => {
      const bytes = makeGhostNetFixture({
        scale: 0.5,
        style,
        seed: 3,
        inputSize: "dynamic",
        withoutSoftmax: true,
        calibrationBatch: 1,
        calibrationSize: 64,
      });
      const executor = new GraphExecutor(decodeModel(bytes), OP_TABLE);
      // BatchNorm is folded away in every style; the graph runs Conv nodes only for conv layers.
      expect(executor.nodes.some((n) => n.opType === "BatchNormalization")).toBe(false);
      const x = imageLikeBatch(2, 11, 128);
      const name = executor.inputNames[0]!;
      const ours = executor.run({ [name]: x })[executor.outputNames[0]!]!;
      const ref = floatRef((await runOrt(bytes, { [name]: x }))[executor.outputNames[0]!]);
      expect(ours.shape).toEqual([2, 1000]);
      expect(maxAbs(ref.data)).toBeGreaterThan(1); // real logits, not a flat output
      expectClose(ours, ref, 1e-4, `${style} logits`);
    });
  }
});
