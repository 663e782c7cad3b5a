/**
 * One loaded model serving many overlapping calls. Hundreds of `run` and `classify`
 * calls are started together (Promise.all), each after a random number of event-loop
 * turns, on inputs of different sizes and batch sizes (so plans and pooled buffers are
 * switched back and forth); every result must equal, bit for bit, what the same call
 * gives when the calls are made one after another. Results are compared only after all
 * calls have finished, so an output that a later call overwrote (a scratch buffer handed
 * out as an output) is caught too.
 *
 * `threads: 2`: the worker_threads pool is registered (src/node/threads.ts, as the Node
 * entry does), so the typed GhostNet runs on 2 threads (asserted); the graph executor runs
 * on the calling thread whatever the option says.
 *
 * Every model runs on both kernel backends ("js" and "wasm"): the wasm backend's runs share
 * one WebAssembly.Memory per model, so overlapping calls must not share its activations.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { createClassifier, type Prediction } from "../../src/classifier.js";
import { imageLikeBatch } from "../../src/ghostnet/fixture.js";
import { decodeImage } from "../../src/image/decode.js";
import { setPngDecoder } from "../../src/image/png.js";
import { preprocess } from "../../src/image/preprocess.js";
import { fromImageData } from "../../src/image/rgb-image.js";
import { pngjsDecoder } from "../../src/image/png-node.js";
import { loadModel } from "../../src/load-model.js";
import type { Model } from "../../src/model.js";
import "../../src/node/threads.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { Rng } from "../fuzz/mutate.js";
import { bitwiseEqual, smallGhostNetBytes, tinyGraphBytes } from "./models.js";

beforeAll(() => setPngDecoder(pngjsDecoder));

/** Inputs of several batch sizes and spatial sizes: [n, 3, s, s]. */
function mixedInputs(): Tensor[] {
  const shapes: [number, number][] = [[1, 32], [1, 48], [2, 32], [1, 64], [3, 40], [1, 32], [2, 48], [1, 56]];
  return shapes.map(([n, s], i) => imageLikeBatch(n, 100 + i, s));
}

/** Resolves after `turns` trips through the event loop (macrotasks), so calls interleave. */
async function yieldTurns(turns: number): Promise<void> {
  for (let t = 0; t < turns; t++) await new Promise((resolve) => setImmediate(resolve));
}

async function firstOutput(model: Model, x: Tensor): Promise<Float32Array> {
  return Object.values(await model.run({ x }))[0]!.data;
}

const BACKENDS = ["js", "wasm"] as const;

const setups = BACKENDS.flatMap((backend) => [
  { title: `graph executor, tiny graph, ${backend}`, bytes: tinyGraphBytes, engine: "graph" as const, calls: 400, backend },
  { title: `graph executor, GhostNet x0.25, ${backend}`, bytes: smallGhostNetBytes, engine: "graph" as const, calls: 200, backend },
  { title: `typed GhostNet x0.25, ${backend}`, bytes: smallGhostNetBytes, engine: "ghostnet" as const, calls: 200, backend },
]);

for (const { title, bytes, engine, calls, backend } of setups) {
  describe(`concurrency: ${title}`, () => {
    for (const threads of [1, 2]) {
      it(`${calls} overlapping run() calls (threads: ${threads}) equal sequential calls, bit for bit`, async () => {
        const model = await loadModel(bytes(), { engine, threads, backend });
        expect(model.threads ?? 1).toBe(engine === "ghostnet" ? threads : 1);
        expect(model.backend).toBe(backend);
        const inputs = mixedInputs();
        const expected: Float32Array[] = [];
        for (const x of inputs) expected.push((await firstOutput(model, x)).slice());

        const rng = new Rng(threads * 1000 + calls);
        const order = Array.from({ length: calls }, () => rng.int(inputs.length));
        const delays = order.map(() => rng.int(4));
        const inputsBefore = inputs.map((x) => x.data.slice());
        const results = await Promise.all(
          order.map(async (k, call) => {
            await yieldTurns(delays[call]!);
            return firstOutput(model, inputs[k]!);
          }),
        );
        const wrong = results.flatMap((out, call) => (bitwiseEqual(out, expected[order[call]!]!) ? [] : [call]));
        expect(wrong, `calls whose output differs from the sequential one: ${wrong.slice(0, 10).join(", ")}`).toEqual([]);
        // Every call got its own output buffer, and no feed was written to.
        expect(new Set(results.map((r) => r.buffer)).size).toBe(calls);
        inputs.forEach((x, k) => expect(bitwiseEqual(x.data, inputsBefore[k]!)).toBe(true));
        await model.dispose();
      });
    }
  });
}

// The classifier on the default backend (wasm in Node): its own code is the same on both,
// and the run() calls above cover the js kernels under overlap.
describe("concurrency: classifier", () => {
  it("200 overlapping classify / classifyBatch calls on bytes, pixels and tensors equal sequential calls", async () => {
    const model = await loadModel(smallGhostNetBytes());
    expect(model.backend).toBe("wasm");
    // PaddleClas's preprocessing at 64×64 instead of 224×224 (for speed), made asynchronous
    // so that calls really interleave between decoding and running.
    const classifier = createClassifier(model, {
      topk: 4,
      preprocess: async (input) => {
        await yieldTurns(1);
        const image = input instanceof Uint8Array ? decodeImage(input) : fromImageData(input);
        return preprocess(image, { resizeShort: 72, cropSize: 64 });
      },
    });
    const files = ["progressive.jpg", "exif6.jpg", "palette8.png", "rgba8.png", "grey8.png"];
    const encoded = files.map((f) => new Uint8Array(readFileSync(`test/fixtures/images/${f}`)));
    const pixels = { width: 40, height: 30, data: Uint8Array.from({ length: 40 * 30 * 4 }, (_, i) => (i * 37) % 256) };
    const tensors = [imageLikeBatch(1, 1, 64), imageLikeBatch(1, 2, 64)];
    const inputs = [...encoded, pixels, ...tensors];

    const single: Prediction[][] = [];
    for (const input of inputs) single.push(await classifier.classify(input));
    const batchOf = (ks: number[]) => ks.map((k) => inputs[k]!);
    const batches = [[0, 1, 2], [3, 4, 5, 6, 7], [7, 0]];
    const batched: Prediction[][][] = [];
    for (const b of batches) batched.push(await classifier.classifyBatch(batchOf(b)));

    const rng = new Rng(42);
    const jobs = Array.from({ length: 200 }, (_, call) => {
      const useBatch = rng.chance(0.2);
      const k = useBatch ? rng.int(batches.length) : rng.int(inputs.length);
      const delay = rng.int(4);
      return { call, useBatch, k, delay };
    });
    const results = await Promise.all(
      jobs.map(async ({ useBatch, k, delay }) => {
        await yieldTurns(delay);
        return useBatch ? classifier.classifyBatch(batchOf(batches[k]!)) : classifier.classify(inputs[k]!);
      }),
    );
    jobs.forEach(({ call, useBatch, k }) => {
      expect(results[call], `call ${call}`).toEqual(useBatch ? batched[k] : single[k]);
    });
    // And a batch's rows are the single-image answers.
    batches.forEach((b, i) => b.forEach((k, row) => expect(batched[i]![row]).toEqual(single[k])));
    model.dispose();
  });
});
