/**
 * Input validation at the API, for both engines on both kernel backends ("js", "wasm"): every wrong feed is refused with a
 * GhostnetError subclass whose one-line message names the input, never a RangeError or
 * TypeError from deep inside a kernel; non-finite values are not refused but propagate
 * (NaN in, NaN out, only in the rows they touch); a disposed model says so.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { createClassifier } from "../../src/classifier.js";
import { DisposedError, GhostnetError, InputError } from "../../src/errors.js";
import { decodeImage } from "../../src/image/decode.js";
import { setPngDecoder } from "../../src/image/png.js";
import { pngjsDecoder } from "../../src/image/png-node.js";
import { loadModel } from "../../src/load-model.js";
import type { Model } from "../../src/model.js";
import { Tensor, type TensorLike } from "../../src/tensor/tensor.js";
import { images, smallGhostNetBytes, tinyGraphBytes } from "./models.js";

const engines = (["js", "wasm"] as const).flatMap((backend) => [
  { title: `graph executor (tiny graph), ${backend}`, bytes: tinyGraphBytes, engine: "graph" as const, backend },
  { title: `graph executor (GhostNet x0.25), ${backend}`, bytes: smallGhostNetBytes, engine: "graph" as const, backend },
  { title: `typed GhostNet (x0.25), ${backend}`, bytes: smallGhostNetBytes, engine: "ghostnet" as const, backend },
]);

const good = (): TensorLike => images(1, 32)[0]!;

/** Wrong feeds, each with a word its error message must contain. */
const badFeeds: { title: string; feeds: () => unknown; mentions: RegExp }[] = [
  { title: "an unknown input name", feeds: () => ({ x: good(), y: good() }), mentions: /y/ },
  { title: "the input under another name", feeds: () => ({ image: good() }), mentions: /x|image/ },
  { title: "no feeds at all", feeds: () => ({}), mentions: /x/ },
  { title: "too many positional feeds", feeds: () => [good(), good()], mentions: /2|input/ },
  { title: "rank 3 instead of 4", feeds: () => ({ x: { shape: [3, 32, 32], data: new Float32Array(3 * 32 * 32) } }), mentions: /x/ },
  { title: "rank 5", feeds: () => ({ x: { shape: [1, 1, 3, 32, 32], data: new Float32Array(3 * 32 * 32) } }), mentions: /x/ },
  { title: "4 channels instead of 3", feeds: () => ({ x: { shape: [1, 4, 32, 32], data: new Float32Array(4 * 32 * 32) } }), mentions: /x/ },
  { title: "data shorter than the shape", feeds: () => ({ x: { shape: [1, 3, 32, 32], data: new Float32Array(100) } }), mentions: /x/ },
  { title: "data longer than the shape", feeds: () => ({ x: { shape: [1, 3, 8, 8], data: new Float32Array(3 * 32 * 32) } }), mentions: /x/ },
  { title: "float64 data", feeds: () => ({ x: { shape: [1, 3, 8, 8], data: new Float64Array(192) } }), mentions: /x/ },
  { title: "int32 data", feeds: () => ({ x: { shape: [1, 3, 8, 8], data: new Int32Array(192) } }), mentions: /x/ },
  { title: "a plain array", feeds: () => ({ x: { shape: [1, 3, 8, 8], data: Array(192).fill(0) } }), mentions: /x/ },
  { title: "a negative dimension", feeds: () => ({ x: { shape: [1, 3, -8, -8], data: new Float32Array(192) } }), mentions: /x/ },
  { title: "a fractional dimension", feeds: () => ({ x: { shape: [1, 3, 8.5, 8], data: new Float32Array(204) } }), mentions: /x/ },
  { title: "a NaN dimension", feeds: () => ({ x: { shape: [1, 3, Number.NaN, 8], data: new Float32Array(0) } }), mentions: /x/ },
  { title: "an empty batch", feeds: () => ({ x: { shape: [0, 3, 32, 32], data: new Float32Array(0) } }), mentions: /x|0/ },
  { title: "a zero spatial size", feeds: () => ({ x: { shape: [1, 3, 0, 0], data: new Float32Array(0) } }), mentions: /x|0/ },
  { title: "a null feed", feeds: () => ({ x: null }), mentions: /x/ },
  { title: "a string feed", feeds: () => ({ x: "pixels" }), mentions: /x/ },
  { title: "shape not an array", feeds: () => ({ x: { shape: "1,3,8,8", data: new Float32Array(192) } }), mentions: /x/ },
];

for (const { title, bytes, engine, backend } of engines) {
  describe(`API validation: ${title}`, () => {
    let model: Model;
    beforeAll(async () => {
      model = await loadModel(bytes(), { engine, backend });
      expect(model.engine).toBe(engine);
      expect(model.backend).toBe(backend);
    });

    it("runs a good feed (the baseline the bad ones differ from)", async () => {
      const out = await model.run({ x: good() });
      expect(Object.keys(out)).toEqual(model.outputNames);
    });

    for (const bad of badFeeds) {
      it(`refuses ${bad.title} with a GhostnetError naming the input`, async () => {
        let caught: unknown;
        try {
          await model.run(bad.feeds() as never);
        } catch (error) {
          caught = error;
        }
        // An empty batch may also run and give an empty output; anything else must be refused.
        if (caught === undefined && /empty batch/.test(bad.title)) return;
        expect(caught, `no error for ${bad.title}`).toBeInstanceOf(GhostnetError);
        expect((caught as Error).message).toMatch(bad.mentions);
        expect((caught as Error).message.split("\n")).toHaveLength(1);
      });
    }

    it("accepts NaN and ±Inf without an error; rows without them are unaffected (bitwise)", async () => {
      const out = await runPoisonedBatch(model);
      expect(out.rows[0]!.every(Number.isFinite)).toBe(true);
      expect(out.rows[2]!.every(Number.isFinite)).toBe(true);
      expect(Array.from(out.rows[0]!)).toEqual(Array.from(out.alone));
      expect(Array.from(out.rows[2]!)).toEqual(Array.from(out.alone));
    });

    // onnxruntime gives NaN for every class of an image with a NaN pixel; so must we, rather
    // than plausible probabilities (a relu written `v > 0 ? v : 0` would turn NaN into 0).
    it("propagates NaN to the poisoned image's scores, as onnxruntime does", async () => {
      const out = await runPoisonedBatch(model);
      expect(out.rows[1]!.some(Number.isNaN)).toBe(true);
    });

    it("reads a feed that is a view at an offset into a larger buffer (subarray) correctly", async () => {
      const x = good();
      const expected = Object.values(await model.run({ x }))[0]!.data;
      const backing = new Float32Array(x.data.length + 37).fill(Number.NaN);
      backing.set(x.data, 37);
      const view = { shape: x.shape, data: backing.subarray(37) };
      const out = Object.values(await model.run({ x: view }))[0]!.data;
      expect(Array.from(out)).toEqual(Array.from(expected));
      const shared = new Float32Array(new SharedArrayBuffer(4 * (x.data.length + 5)), 20, x.data.length);
      shared.set(x.data);
      expect(Array.from(Object.values(await model.run({ x: { shape: x.shape, data: shared } }))[0]!.data)).toEqual(Array.from(expected));
    });

    it("does not modify the caller's feed", async () => {
      const x = good();
      const before = x.data.slice();
      await model.run({ x });
      expect(x.data).toEqual(before);
    });
  });
}

/** A batch [clean, clean with a NaN and an Inf pixel, clean] through `model`, split in rows. */
async function runPoisonedBatch(model: Model): Promise<{ rows: Float32Array[]; alone: Float32Array }> {
  const clean = images(1, 32)[0]!;
  const size = clean.data.length;
  const batch = new Tensor([3, 3, 32, 32]);
  for (let n = 0; n < 3; n++) batch.data.set(clean.data, n * size);
  batch.data[size + 100] = Number.NaN;
  batch.data[size + 200] = Number.POSITIVE_INFINITY;
  const out = Object.values(await model.run({ x: batch }))[0]!;
  const classes = out.data.length / 3;
  const rows = [0, 1, 2].map((n) => out.data.slice(n * classes, (n + 1) * classes));
  const alone = Object.values(await model.run({ x: clean }))[0]!.data;
  return { rows, alone };
}

describe("API validation: loading and disposing", () => {
  it("refuses bytes that are not bytes, and unknown engines", async () => {
    await expect(loadModel("model.onnx" as never)).rejects.toBeInstanceOf(InputError);
    await expect(loadModel(null as never)).rejects.toBeInstanceOf(InputError);
    await expect(loadModel(tinyGraphBytes(), { engine: "fast" as never })).rejects.toBeInstanceOf(InputError);
  });

  // Options that would silently weaken a limit or mean nothing must be refused, naming the option.
  const badOptions: { title: string; options: Record<string, unknown> }[] = [
    { title: "maxTensorElements: NaN", options: { maxTensorElements: Number.NaN } },
    { title: "maxTensorElements: -1", options: { maxTensorElements: -1 } },
    { title: "maxTensorElements: 1.5", options: { maxTensorElements: 1.5 } },
    { title: "maxTensorElements: Infinity", options: { maxTensorElements: Number.POSITIVE_INFINITY } },
    { title: "maxTensorElements: '1000' (a string)", options: { maxTensorElements: "1000" } },
    { title: "maxCachedPlans: 0", options: { maxCachedPlans: 0 } },
    { title: "maxRunBytes: -1", options: { maxRunBytes: -1 } },
    { title: "threads: 0", options: { threads: 0 } },
    { title: "threads: 1.5", options: { threads: 1.5 } },
    { title: "threads: NaN", options: { threads: Number.NaN } },
    { title: "threads: '4' (a string)", options: { threads: "4" } },
    { title: "threads: 100000", options: { threads: 100000 } },
    { title: "foldConstants: 'no' (not a boolean)", options: { foldConstants: "no" } },
    { title: "packWeights: 1 (not a boolean)", options: { packWeights: 1 } },
    { title: "thread: 4 (a misspelled, unknown option)", options: { thread: 4 } },
    { title: "backend: 'gpu' (no such backend)", options: { backend: "gpu" } },
    { title: "backend: 'WASM' (backend names are lower case)", options: { backend: "WASM" } },
    { title: "backend: true (not a name)", options: { backend: true } },
  ];
  for (const { title, options } of badOptions) {
    it(`refuses the option ${title} with InputError naming it`, async () => {
      const error = await loadModel(tinyGraphBytes(), options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(Object.keys(options)[0]!);
      expect((error as Error).message.split("\n")).toHaveLength(1);
    });
  }
  it("accepts every known option set to a valid value (and undefined for the defaults)", async () => {
    const model = await loadModel(tinyGraphBytes(), {
      engine: "auto", backend: "js", threads: 1, maxTensorElements: 2 ** 24, maxCachedPlans: 4, maxRunBytes: 2 ** 30,
      foldConstants: true, foldBatchNorm: true, fuseActivations: true, packWeights: false,
    } as never);
    expect(await model.run({ x: good() })).toBeDefined();
    await expect(loadModel(tinyGraphBytes(), { threads: undefined, maxTensorElements: undefined })).resolves.toBeDefined();
  });

  it("loads model bytes and decodes image bytes that are views at an offset (as Node Buffers often are)", async () => {
    const at = <T extends Uint8Array>(bytes: T, offset: number): Uint8Array => {
      const backing = new Uint8Array(bytes.length + offset).fill(0xee);
      backing.set(bytes, offset);
      return backing.subarray(offset);
    };
    const bytes = tinyGraphBytes();
    const x = good();
    const plain = Object.values(await (await loadModel(bytes)).run({ x }))[0]!.data;
    const viewed = Object.values(await (await loadModel(at(bytes, 13))).run({ x }))[0]!.data;
    expect(Array.from(viewed)).toEqual(Array.from(plain));
    setPngDecoder(pngjsDecoder);
    for (const name of ["exif6.jpg", "palette8.png"]) {
      const file = new Uint8Array(readFileSync(`test/fixtures/images/${name}`));
      expect(decodeImage(at(file, 7)).data).toEqual(decodeImage(file).data);
    }
  });

  it("refuses engine 'ghostnet' for a graph that is not a GhostNet, with a typed error", async () => {
    await expect(loadModel(tinyGraphBytes(), { engine: "ghostnet" })).rejects.toBeInstanceOf(GhostnetError);
  });

  for (const { title, bytes, engine, backend } of engines) {
    it(`${title}: run after dispose() rejects with DisposedError; dispose twice is harmless`, async () => {
      const model = await loadModel(bytes(), { engine, backend });
      await model.run({ x: good() });
      model.dispose();
      await expect(model.run({ x: good() })).rejects.toBeInstanceOf(DisposedError);
      expect(() => model.dispose()).not.toThrow();
      await expect(model.run({ x: good() })).rejects.toThrow(/disposed/);
    });
  }

  it("a classifier over a disposed model says the model was disposed", async () => {
    const model = await loadModel(smallGhostNetBytes());
    const classifier = createClassifier(model, { topk: 3 });
    expect(await classifier.classify(images(1, 64)[0]!)).toHaveLength(3);
    model.dispose();
    await expect(classifier.classify(images(1, 64)[0]!)).rejects.toBeInstanceOf(DisposedError);
  });

  it("the classifier refuses inputs that are not images with a GhostnetError", async () => {
    const model = await loadModel(smallGhostNetBytes());
    const classifier = createClassifier(model);
    const bad: unknown[] = [
      new Uint8Array([1, 2, 3]),
      new Uint8Array(0),
      { width: 2, height: 2, data: new Uint8Array(3) },
      { width: -1, height: 2, data: new Uint8Array(0) },
      { shape: [2, 3, 32, 32], data: new Float32Array(2 * 3 * 32 * 32) },
      { shape: [1, 3, 32, 32], data: new Float32Array(5) },
    ];
    for (const input of bad) await expect(classifier.classify(input as never)).rejects.toBeInstanceOf(GhostnetError);
    // An empty batch is not an error: no images, no predictions.
    expect(await classifier.classifyBatch([])).toEqual([]);
    model.dispose();
  });
});
