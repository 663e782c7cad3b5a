/**
 * Determinism, bit for bit, on both engines and both kernel backends ("js" and "wasm"):
 *
 *   across runs        the same input three times → the same bits
 *   batch positions    an image's scores are the same alone and at every position of a
 *                      batch of 8 (among 7 other images); no row leaks into another
 *   thread counts      threads 1, 2 and 4 give the same bits (the worker_threads pool is
 *                      registered, so the typed GhostNet really runs on 2 and 4 threads)
 *   classifier         classifyBatch of 8 images = classify of each alone
 */
import { describe, expect, it } from "vitest";
import { createClassifier } from "../../src/classifier.js";
import { makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import type { GhostNetEngine } from "../../src/ghostnet/engine.js";
import { loadModel } from "../../src/load-model.js";
import type { Model } from "../../src/model.js";
import "../../src/node/threads.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { bitwiseEqual, images, smallGhostNetBytes, tinyGraphBytes } from "./models.js";

const SIDE = 48;

async function scores(model: Model, x: Tensor): Promise<Float32Array> {
  return Object.values(await model.run({ x }))[0]!.data;
}

/** Stacks [1, 3, s, s] images into [n, 3, s, s]. */
function stack(list: readonly Tensor[]): Tensor {
  const size = list[0]!.data.length;
  const batch = new Tensor([list.length, ...list[0]!.shape.slice(1)]);
  list.forEach((x, i) => batch.data.set(x.data, i * size));
  return batch;
}

const BACKENDS = ["js", "wasm"] as const;

const setups = BACKENDS.flatMap((backend) => [
  { title: `graph executor, tiny graph, ${backend}`, bytes: tinyGraphBytes, engine: "graph" as const, backend },
  { title: `graph executor, GhostNet x0.25, ${backend}`, bytes: smallGhostNetBytes, engine: "graph" as const, backend },
  { title: `typed GhostNet x0.25, ${backend}`, bytes: smallGhostNetBytes, engine: "ghostnet" as const, backend },
]);

for (const { title, bytes, engine, backend } of setups) {
  describe(`determinism: ${title}`, () => {
    it("the same input gives the same bits on every run", async () => {
      const model = await loadModel(bytes(), { engine, backend });
      expect(model.backend).toBe(backend);
      const [x] = images(1, SIDE);
      const first = await scores(model, x!);
      for (let k = 0; k < 3; k++) expect(bitwiseEqual(await scores(model, x!), first)).toBe(true);
      // Also after runs at other sizes have reshaped the pooled buffers.
      await scores(model, images(1, 32, 77)[0]!);
      await scores(model, stack(images(3, 64, 78)));
      expect(bitwiseEqual(await scores(model, x!), first)).toBe(true);
      model.dispose();
    });

    it("an image scores the same alone and at every position of a batch of 8", async () => {
      const model = await loadModel(bytes(), { engine, backend });
      const others = images(7, SIDE, 200);
      const [probe] = images(1, SIDE, 300);
      const alone = await scores(model, probe!);
      const classes = alone.length;
      for (let position = 0; position < 8; position++) {
        const list = [...others];
        list.splice(position, 0, probe!);
        const out = await scores(model, stack(list));
        const row = out.subarray(position * classes, (position + 1) * classes);
        expect(bitwiseEqual(row, alone), `position ${position}`).toBe(true);
      }
      // Each of the others is also its own answer in the batch.
      const out = await scores(model, stack([probe!, ...others]));
      for (let i = 0; i < others.length; i++) {
        const row = out.subarray((i + 1) * classes, (i + 2) * classes);
        expect(bitwiseEqual(row, await scores(model, others[i]!)), `other ${i}`).toBe(true);
      }
      model.dispose();
    });

    it("threads 1, 2 and 4 give the same bits", async () => {
      const x = stack(images(2, SIDE, 400));
      const results: Float32Array[] = [];
      for (const threads of [1, 2, 4]) {
        const model = await loadModel(bytes(), { engine, threads, backend });
        expect(model.threads ?? 1).toBe(engine === "ghostnet" ? threads : 1);
        expect(model.backend).toBe(backend);
        results.push(await scores(model, x));
        await model.dispose();
      }
      expect(bitwiseEqual(results[1]!, results[0]!)).toBe(true);
      expect(bitwiseEqual(results[2]!, results[0]!)).toBe(true);
    });
  });
}

let x05At224: Uint8Array | undefined;

describe("determinism: GhostNet x0.5 at 224×224 (the real size, where kernels take their large-size paths)", () => {
  for (const backend of BACKENDS) {
    it(`${backend}: one image alone and at positions 0, 3 and 7 of a batch of 8: the same bits`, async () => {
      const bytes = (x05At224 ??= makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 21, classCount: 1000, calibrationBatch: 2, calibrationSize: 224 }));
      const model = await loadModel(bytes, { backend });
      expect(model.backend).toBe(backend);
      const others = images(7, 224, 600);
      const [probe] = images(1, 224, 700);
      const alone = await scores(model, probe!);
      for (const position of [0, 3, 7]) {
        const list = [...others];
        list.splice(position, 0, probe!);
        const out = await scores(model, stack(list));
        expect(bitwiseEqual(out.subarray(position * 1000, (position + 1) * 1000), alone), `position ${position}`).toBe(true);
      }
      // And on 2 threads (planes from 28×28 up are split by rows there): the same bits.
      const threaded = await loadModel(bytes, { threads: 2, backend });
      expect(threaded.threads).toBe(2);
      const list = [...others];
      list.splice(3, 0, probe!);
      expect(bitwiseEqual(await scores(threaded, stack(list)), await scores(model, stack(list)))).toBe(true);
      expect(bitwiseEqual(await scores(threaded, probe!), alone)).toBe(true);
      await threaded.dispose();
      // Without the float64 weight copies (packWeights: false) the kernels read the float32
      // weights: the same bits, alone and in the batch.
      const lean = await loadModel(bytes, { packWeights: false, backend });
      expect(bitwiseEqual(await scores(lean, probe!), alone)).toBe(true);
      expect(bitwiseEqual(await scores(lean, stack(list)), await scores(model, stack(list)))).toBe(true);
      lean.dispose();
      model.dispose();
    });
  }

  // The float64 weight copies are the js kernels' (the wasm backend packs its own).
  it("js: switching the weight packing off and on in one GhostNet keeps the bits (the copies are dropped and remade)", async () => {
    const bytes = makeGhostNetFixture({ scale: 0.25, style: "legacy", seed: 5, classCount: 1000, calibrationBatch: 1, calibrationSize: 224 });
    const model = (await loadModel(bytes, { engine: "ghostnet", backend: "js" })) as GhostNetEngine;
    const [x] = images(1, 224, 800);
    const packed = Float32Array.from(await scores(model, x!));
    model.ghostnet.setWeightPacking(false);
    expect(bitwiseEqual(await scores(model, x!), packed)).toBe(true);
    model.ghostnet.setWeightPacking(true);
    expect(bitwiseEqual(await scores(model, x!), packed)).toBe(true);
    model.dispose();
  });
});

describe("determinism: the graph executor's weight layouts", () => {
  it("js: packWeights true (fc heads on B's columns as float64 rows) and false give the same bits: MatMul and Gemm heads, batches 1, 3 and 4", async () => {
    for (const style of ["legacy", "fused"] as const) {
      // legacy: the fc layers as MatMul + Add; fused: as Gemm.
      const bytes = makeGhostNetFixture({ scale: 0.25, style, seed: 9, classCount: 1000, calibrationBatch: 1, calibrationSize: 224 });
      const packed = await loadModel(bytes, { engine: "graph", backend: "js" });
      const plain = await loadModel(bytes, { engine: "graph", packWeights: false, backend: "js" });
      const list = images(4, 224, 900);
      for (const batch of [1, 3, 4]) {
        const x = stack(list.slice(0, batch));
        expect(bitwiseEqual(await scores(packed, x), await scores(plain, x)), `${style}, batch ${batch}`).toBe(true);
      }
      packed.dispose();
      plain.dispose();
    }
  });
});

describe("determinism: classifier", () => {
  for (const backend of BACKENDS) {
    it(`${backend}: classifyBatch of 8 images equals classify of each alone, scores included`, async () => {
      const model = await loadModel(smallGhostNetBytes(), { backend });
      expect(model.backend).toBe(backend);
      const classifier = createClassifier(model, { topk: 10 });
      const list = images(8, SIDE, 500);
      const batch = await classifier.classifyBatch(list);
      for (let i = 0; i < list.length; i++) expect(batch[i]).toEqual(await classifier.classify(list[i]!));
      model.dispose();
    });
  }
});
