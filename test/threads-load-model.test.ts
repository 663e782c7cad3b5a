/**
 * `loadModel(bytes, { threads })` through the Node entry (which registers the
 * worker_threads pool): the typed GhostNet really runs on N threads, its outputs are
 * bitwise identical to one thread's (x0.5 and x1.0, single images and batches, input
 * sizes switched back and forth on one model) and close to onnxruntime's; feeds are
 * checked as on one thread; dispose() stops the workers so that a process ends by itself.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DisposedError, InputError, ShapeError, imageLikeBatch, loadModel, makeGhostNetFixture, ThreadedGhostNetEngine } from "../src/node.js";
import type { Model } from "../src/model.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { runOrt } from "./helpers/ort.js";
import { bitwiseEqual } from "./robustness/models.js";

/** A calibrated GhostNet fixture with a dynamic input size (so 64×64 inputs run fast). */
function fixture(scale: number, seed: number): Uint8Array {
  return makeGhostNetFixture({ scale, style: "modern", seed, classCount: 100, calibrationBatch: 1, calibrationSize: 64, inputSize: "dynamic" });
}

async function output(model: Model, x: Tensor): Promise<Float32Array> {
  return Object.values(await model.run({ [model.inputNames[0]!]: x }))[0]!.data;
}

for (const scale of [0.5, 1.0]) {
  describe(`loadModel threads 2, GhostNet x${scale}`, () => {
    const bytes = fixture(scale, 30 + scale * 10);

    for (const backend of ["wasm", "js"] as const) {
    it(`runs on 2 threads and equals threads 1 bit for bit on the ${backend} kernels (batch 1 and 3, sizes switched back and forth)`, async () => {
      const one = await loadModel(bytes, { threads: 1, backend });
      const two = await loadModel(bytes, { threads: 2, backend });
      expect(two.engine).toBe("ghostnet");
      expect(two.backend).toBe(backend);
      // The plain kernels run on ThreadedGhostNetEngine; the wasm kernels split each layer on the pool.
      expect(two instanceof ThreadedGhostNetEngine, "ThreadedGhostNetEngine").toBe(backend === "js");
      expect(two.threads).toBe(2);
      expect(one.threads ?? 1).toBe(1);
      const inputs = [imageLikeBatch(1, 1, 64), imageLikeBatch(3, 2, 64), imageLikeBatch(1, 3, 48), imageLikeBatch(2, 4, 80), imageLikeBatch(1, 1, 64)];
      for (const [i, x] of inputs.entries()) {
        const expected = await output(one, x);
        const got = await output(two, x);
        expect(got.length).toBe(x.shape[0]! * 100);
        expect(bitwiseEqual(got, expected), `input ${i} [${x.shape.join(", ")}]`).toBe(true);
      }
      one.dispose();
      await two.dispose();
    }, 60_000);
    }

    it("is close to onnxruntime on a batch of 2 (an independent reference)", async () => {
      const model = await loadModel(bytes, { threads: 2 });
      const x = imageLikeBatch(2, 9, 64);
      const got = await output(model, x);
      const ref = Object.values(await runOrt(bytes, { [model.inputNames[0]!]: { shape: x.shape, data: x.data } }))[0]!.data as Float32Array;
      expect(got.length).toBe(ref.length);
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i]! - ref[i]!));
      expect(worst).toBeLessThanOrEqual(1e-4);
      await model.dispose();
    }, 60_000);
  });
}

describe("loadModel threads: feeds, dispose, engines", () => {
  const bytes = fixture(0.5, 7);

  it("refuses the same bad feeds as one thread, with the same errors", async () => {
    const one = await loadModel(bytes, { threads: 1 });
    const two = await loadModel(bytes, { threads: 2 });
    const bad: unknown[] = [{}, { y: imageLikeBatch(1, 1, 32) }, { x: { shape: [1, 4, 32, 32], data: new Float32Array(4 * 32 * 32) } }, [1, 2]];
    for (const feeds of bad) {
      const a = await one.run(feeds as never).catch((e: unknown) => e);
      const b = await two.run(feeds as never).catch((e: unknown) => e);
      expect(b).toBeInstanceOf((a as Error).constructor);
      expect((b as Error).message).toBe((a as Error).message);
    }
    expect(await two.run({ x: { shape: [1, 4, 32, 32], data: new Float32Array(4 * 32 * 32) } }).catch((e: unknown) => e)).toBeInstanceOf(ShapeError);
    one.dispose();
    await two.dispose();
  });

  it("after dispose() run rejects with DisposedError; dispose twice is harmless", async () => {
    const model = await loadModel(bytes, { threads: 2 });
    await output(model, imageLikeBatch(1, 1, 32));
    await model.dispose();
    await expect(model.run({ x: imageLikeBatch(1, 1, 32) })).rejects.toBeInstanceOf(DisposedError);
    await expect(Promise.resolve(model.dispose())).resolves.toBeUndefined();
  });

  it("10 models loaded with threads 2, run and disposed leave no thread behind (Linux: /proc/self/task)", async () => {
    const osThreads = (): number => (existsSync("/proc/self/task") ? readdirSync("/proc/self/task").length : -1);
    const before = osThreads();
    for (let k = 0; k < 10; k++) {
      const model = await loadModel(bytes, { threads: 2 });
      expect(model.threads).toBe(2);
      await output(model, imageLikeBatch(1, k, 32));
      await model.dispose();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Ten workers left running would be 10 more threads; allow for libuv's pool of 4
    // starting meanwhile.
    if (before > 0) expect(osThreads() - before).toBeLessThan(5);
  }, 60_000);

  it("where memory can't be shared (a page that is not cross-origin isolated) threads 2 falls back to 1, same bits", async () => {
    const x = imageLikeBatch(2, 5, 48);
    const expected = await output(await loadModel(bytes, { threads: 1 }), x);
    const scope = globalThis as { crossOriginIsolated?: boolean };
    scope.crossOriginIsolated = false;
    try {
      const model = await loadModel(bytes, { threads: 2 });
      expect(model.threads ?? 1).toBe(1);
      expect(model instanceof ThreadedGhostNetEngine).toBe(false);
      expect(bitwiseEqual(await output(model, x), expected)).toBe(true);
      await model.dispose();
    } finally {
      delete scope.crossOriginIsolated;
    }
  });

  it("the graph executor runs on the calling thread whatever threads says", async () => {
    const model = await loadModel(bytes, { engine: "graph", threads: 2 });
    expect(model.threads).toBe(1);
    model.dispose();
  });

  it("refuses bad thread counts with InputError naming threads", async () => {
    for (const threads of [0, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "4", 1000]) {
      const error = await loadModel(bytes, { threads } as never).catch((e: unknown) => e);
      expect(error, `threads: ${String(threads)}`).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(/threads/);
    }
  });

  it("a child process that loads with threads 2, runs and disposes ends by itself, its worker threads gone", () => {
    const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./threads-dispose-child.mts", import.meta.url))], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(child.error, "the child did not end within 30 s").toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    const report = JSON.parse(child.stdout.trim().split("\n").pop()!) as { threads: number; outputs: number; before: number; loaded: number; disposed: number };
    expect(report.threads).toBe(2);
    expect(report.outputs).toBe(10);
    if (report.before > 0) {
      // A worker is at least one more OS thread while it lives, and none after dispose.
      expect(report.loaded).toBeGreaterThan(report.before);
      expect(report.disposed).toBeLessThan(report.loaded);
    }
  }, 60_000);
});
