/**
 * The classifier over a model whose answers are known by construction: the "model" reads
 * its class scores straight out of the input tensor (scores = the first C values of each
 * image), so a test chooses the scores by choosing the input.
 */
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createClassifier, prepareImage } from "../src/classifier.js";
import { InputError, ShapeError } from "../src/errors.js";
import { setPngDecoder } from "../src/image/png.js";
import { pngjsDecoder } from "../src/image/png-node.js";
import { loadModel } from "../src/load-model.js";
import { type WriterNode, attr, encodeModel } from "../src/loader/writer.js";
import type { Feeds, Model } from "../src/model.js";
import { Tensor, type TensorLike } from "../src/tensor/tensor.js";

/** A Model whose output row n is the first `classes` values of image n; counts its runs. */
function scoresFromInputModel(classes: number): Model & { runs: number[][] } {
  const runs: number[][] = [];
  return {
    engine: "graph",
    inputNames: ["x"],
    outputNames: ["scores"],
    runs,
    async run(feeds: Feeds) {
      const x = (Array.isArray(feeds) ? feeds[0] : (feeds as Record<string, TensorLike>).x) as TensorLike;
      runs.push([...x.shape]);
      const n = x.shape[0]!;
      const per = x.data.length / n;
      const out = new Tensor([n, classes]);
      for (let i = 0; i < n; i++) out.data.set(x.data.subarray(i * per, i * per + classes), i * classes);
      return { scores: out };
    },
    dispose() {},
  };
}

/** A [1, 3, 2, 2] image tensor whose first values are `scores` (12 values in all). */
function imageWithScores(scores: number[]): Tensor {
  const data = new Float32Array(12);
  data.set(scores);
  return new Tensor([1, 3, 2, 2], data);
}

describe("createClassifier", () => {
  it("returns the top-k of a softmax output unchanged, best first, with labels by class id", async () => {
    const model = scoresFromInputModel(6);
    const labels = ["zero", "one", "two", "three", "four", "five"];
    const classifier = createClassifier(model, { labels, topk: 3 });
    // Already a distribution (sums to 1): class 4 > class 1 > class 5.
    const top = await classifier.classify(imageWithScores([0.05, 0.25, 0.1, 0.05, 0.35, 0.2]));
    expect(top.map((p) => p.classId)).toEqual([4, 1, 5]);
    expect(top.map((p) => p.label)).toEqual(["four", "one", "five"]);
    expect(top[0]!.score).toBeCloseTo(0.35, 6);
    expect(top[2]!.score).toBeCloseTo(0.2, 6);
  });

  it("applies a softmax when the output is logits", async () => {
    const classifier = createClassifier(scoresFromInputModel(4), { topk: 4 });
    const logits = [1, 3, 0, 2];
    const top = await classifier.classify(imageWithScores(logits));
    const sum = logits.reduce((s, v) => s + Math.exp(v), 0);
    expect(top.map((p) => p.classId)).toEqual([1, 3, 0, 2]);
    top.forEach((p) => expect(p.score).toBeCloseTo(Math.exp(logits[p.classId]!) / sum, 6));
    // Without labels a class is named by its id.
    expect(top[0]!.label).toBe("class 1");
  });

  it("classifyBatch stacks the images into one [N, 3, H, W] run and answers in order", async () => {
    const model = scoresFromInputModel(3);
    const classifier = createClassifier(model, { topk: 1 });
    const answers = await classifier.classifyBatch([
      imageWithScores([0.7, 0.2, 0.1]),
      imageWithScores([0.1, 0.2, 0.7]),
      imageWithScores([0.2, 0.6, 0.2]),
    ]);
    expect(model.runs).toEqual([[3, 3, 2, 2]]);
    expect(answers.map((a) => a[0]!.classId)).toEqual([0, 2, 1]);
    expect(await classifier.classifyBatch([])).toEqual([]);
  });

  it("accepts a [3, H, W] tensor as one image", async () => {
    const classifier = createClassifier(scoresFromInputModel(2), { topk: 1 });
    const chw = new Tensor([3, 2, 2], imageWithScores([0.3, 0.7]).data);
    expect((await classifier.classify(chw))[0]!.classId).toBe(1);
  });

  it("refuses inputs it cannot use, with typed errors", async () => {
    const classifier = createClassifier(scoresFromInputModel(2));
    await expect(classifier.classify(new Tensor([2, 3, 2, 2]))).rejects.toThrow(ShapeError);
    await expect(classifier.classifyBatch([new Tensor([1, 3, 2, 2]), new Tensor([1, 3, 4, 4])])).rejects.toThrow(/one shape/);
    await expect(classifier.classify({ width: 2, height: 2, data: new Uint8Array(15) })).rejects.toThrow(/16 bytes/);
    await expect(classifier.classify({} as unknown as Uint8Array)).rejects.toThrow(InputError);
    expect(() => createClassifier(scoresFromInputModel(2), { topk: 0 })).toThrow(InputError);
  });
});

describe("PaddleClas preprocessing of pixels and encoded images", () => {
  beforeAll(() => setPngDecoder(pngjsDecoder));

  // A uniform colour survives resizing and cropping unchanged, so every value of channel c
  // is (v_c / 255 − mean_c) / std_c (DESIGN.md §4).
  const colour = [255, 128, 0];
  const expected = colour.map((v, c) => (v / 255 - [0.485, 0.456, 0.406][c]!) / [0.229, 0.224, 0.225][c]!);

  function expectUniform(tensor: TensorLike): void {
    expect(Array.from(tensor.shape)).toEqual([1, 3, 224, 224]);
    for (let c = 0; c < 3; c++) {
      const plane = tensor.data.subarray(c * 224 * 224, (c + 1) * 224 * 224);
      let maxDiff = 0;
      for (const v of plane) maxDiff = Math.max(maxDiff, Math.abs(v - expected[c]!));
      expect(maxDiff, `channel ${c}`).toBeLessThan(1e-5);
    }
  }

  it("RGBA pixels (ImageData) → [1, 3, 224, 224], alpha ignored", async () => {
    const [width, height] = [300, 260];
    const data = new Uint8ClampedArray(width * height * 4);
    for (let p = 0; p < width * height; p++) data.set([...colour, p % 256], p * 4);
    expectUniform(await prepareImage({ width, height, data }));
  });

  it("PNG bytes → [1, 3, 224, 224]", async () => {
    const png = new PNG({ width: 240, height: 320 });
    for (let p = 0; p < 240 * 320; p++) png.data.set([...colour, 255], p * 4);
    const bytes = new Uint8Array(PNG.sync.write(png));
    expectUniform(await prepareImage(bytes));
  });

  it("a custom preprocess replaces PaddleClas's", async () => {
    const model = scoresFromInputModel(2);
    const classifier = createClassifier(model, { preprocess: () => imageWithScores([0.1, 0.9]), topk: 1 });
    expect((await classifier.classify(new Uint8Array([1, 2, 3])))[0]!.classId).toBe(1);
  });
});

describe("createClassifier over a loaded ONNX model", () => {
  // x [N, 3, 1, 2] → Flatten → [N, 6] (→ Softmax): the input's six values are the class scores.
  function flattenModel(withSoftmax: boolean): Uint8Array {
    const nodes: WriterNode[] = [{ opType: "Flatten", inputs: ["x"], outputs: ["flat"], attributes: { axis: attr.int(1) } }];
    if (withSoftmax) nodes.push({ opType: "Softmax", inputs: ["flat"], outputs: ["probs"], attributes: { axis: attr.int(1) } });
    return encodeModel({
      opset: 13,
      nodes,
      inputs: [{ name: "x", shape: ["N", 3, 1, 2] }],
      outputs: [{ name: withSoftmax ? "probs" : "flat", shape: ["N", 6] }],
    });
  }
  const logits = [[0.5, 2, -1, 1.5, 0, 3], [1, 0, 0, 0, 0, 0.5]];
  const expectedTop = [[5, 1, 3, 0, 4], [0, 5, 1, 2, 3]];
  const softmax = (row: number[]): number[] => {
    const e = row.map((v) => Math.exp(v));
    const sum = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / sum);
  };

  for (const withSoftmax of [true, false]) {
    it(`gives the top-5 and probabilities known by construction (${withSoftmax ? "Softmax output" : "logits output"})`, async () => {
      const model = await loadModel(flattenModel(withSoftmax), { engine: "graph" });
      const classifier = createClassifier(model, { labels: ["a", "b", "c", "d", "e", "f"] });
      const answers = await classifier.classifyBatch(logits.map((row) => new Tensor([1, 3, 1, 2], Float32Array.from(row))));
      answers.forEach((top, n) => {
        expect(top.map((p) => p.classId)).toEqual(expectedTop[n]);
        expect(top[0]!.label).toBe("abcdef"[expectedTop[n]![0]!]);
        const probs = softmax(logits[n]!);
        top.forEach((p) => expect(Math.abs(p.score - probs[p.classId]!)).toBeLessThan(1e-6));
      });
      model.dispose();
    });
  }
});
