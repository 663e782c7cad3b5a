/**
 * The wasm backend on threads: each layer's kernel split across a worker_threads pool over
 * one shared WebAssembly.Memory. Every output element is computed by one thread with the
 * same instructions as on one thread, so every thread count gives the same bits; and
 * dispose() stops the workers.
 */
import { describe, expect, it } from "vitest";
import "../../src/node/threads.js";
import { imageLikeBatch, makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { loadModel } from "../../src/load-model.js";
import type { Model } from "../../src/model.js";

async function output(model: Model, x: { shape: readonly number[]; data: Float32Array }): Promise<Float32Array> {
  return Object.values(await model.run([x]))[0]!.data;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe("wasm kernels on threads", () => {
  const bytes = makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 3, classCount: 10, inputSize: "dynamic" });

  it("give the same bits on 1, 2 and 3 threads (x0.5, batch 2, 96×96 and 64×64)", async () => {
    const models = [await loadModel(bytes, { backend: "wasm" }), await loadModel(bytes, { backend: "wasm", threads: 2 }), await loadModel(bytes, { backend: "wasm", threads: 3 })];
    try {
      expect(models.map((m) => [m.backend, m.threads])).toEqual([["wasm", 1], ["wasm", 2], ["wasm", 3]]);
      for (const size of [96, 64]) {
        const [h, w] = [size, size];
        const x = imageLikeBatch(2, 11, size);
        const [one, two, three] = [await output(models[0]!, x), await output(models[1]!, x), await output(models[2]!, x)];
        expect(sameBits(one, two), `2 threads at ${h}×${w}`).toBe(true);
        expect(sameBits(one, three), `3 threads at ${h}×${w}`).toBe(true);
      }
      // And again on the same models (kernels already shared with the workers).
      const x = imageLikeBatch(1, 12, 96);
      expect(sameBits(await output(models[0]!, x), await output(models[1]!, x))).toBe(true);
    } finally {
      await Promise.all(models.map((m) => m.dispose()));
    }
  });

  it("agree with the plain kernels on threads within DESIGN §6's tolerance", async () => {
    const wasm = await loadModel(bytes, { backend: "wasm", threads: 2 });
    const js = await loadModel(bytes, { backend: "js", threads: 2 });
    try {
      const x = imageLikeBatch(2, 13, 64);
      const a = await output(wasm, x);
      const b = await output(js, x);
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
      expect(diff).toBeLessThanOrEqual(5e-5);
    } finally {
      await Promise.all([wasm.dispose(), js.dispose()]);
    }
  });
});
