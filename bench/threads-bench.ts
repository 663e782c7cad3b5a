/**
 * Threads, 1 vs N (not a test): `npx tsx bench/threads-bench.ts [scale] [batch] [rounds] [threads]`.
 * Builds the typed GhostNet from a seeded fixture, runs it through ThreadedGhostNet on a
 * 1-thread and an N-thread pool, interleaved, checks the outputs are bitwise identical to
 * GhostNet.forward, and prints medians; also the public API, `loadModel(bytes, { threads })`
 * with 1 and N threads (the worker_threads pool registered as the Node entry does).
 * The machine is shared: the load average is printed.
 */
import { loadavg } from "node:os";
import { buildGhostNet } from "../src/ghostnet/bind.js";
import { makeGhostNetFixture } from "../src/ghostnet/fixture.js";
import { loadModel } from "../src/load-model.js";
import { decodeModel } from "../src/loader/decode.js";
import "../src/node/threads.js";
import { Tensor } from "../src/tensor/tensor.js";
import { createNodePool } from "../src/threads/node-pool.js";
import { ThreadedGhostNet } from "../src/threads/threaded-ghostnet.js";

const scale = Number(process.argv[2] ?? 1);
const batch = Number(process.argv[3] ?? 1);
const rounds = Number(process.argv[4] ?? 15);
const threads = Number(process.argv[5] ?? 2);

const bytes = makeGhostNetFixture({ scale, style: "modern", seed: 7 });
const { net } = buildGhostNet(decodeModel(bytes));
const input = new Tensor([batch, 3, 224, 224]);
for (let i = 0; i < input.size; i++) input.data[i] = Math.sin(i * 0.0007) * 1.5;

const reference = net.forward(input).logits.data;
const one = new ThreadedGhostNet(net, await createNodePool(1));
const many = new ThreadedGhostNet(net, await createNodePool(threads));
const same = (a: Float32Array): boolean => a.every((v, i) => Object.is(v, reference[i]));
console.log(`bitwise equal to GhostNet.forward: 1 thread ${same(one.forward(input).logits.data)}, ${threads} threads ${same(many.forward(input).logits.data)}`);
const apiOne = await loadModel(bytes, { threads: 1 });
const apiMany = await loadModel(bytes, { threads });
const apiRun = async (model: typeof apiOne): Promise<Float32Array> => Object.values(await model.run([input]))[0]!.data;
const softmaxReference = net.forward(input).probabilities.data;
const sameProbabilities = (a: Float32Array): boolean => a.every((v, i) => Object.is(v, softmaxReference[i]));
console.log(`loadModel: threads ${apiMany.threads} really used; bitwise equal to GhostNet.forward: 1 thread ${sameProbabilities(await apiRun(apiOne))}, ${threads} threads ${sameProbabilities(await apiRun(apiMany))}`);

const median = (v: number[]): number => v.slice().sort((a, b) => a - b)[v.length >> 1]!;
const min = (v: number[]): number => Math.min(...v);
const t1: number[] = [];
const tn: number[] = [];
const ts: number[] = [];
const a1: number[] = [];
const an: number[] = [];
for (let i = 0; i < 3; i++) { one.forward(input); many.forward(input); await apiRun(apiOne); await apiRun(apiMany); }
const load0 = loadavg()[0]!;
for (let r = 0; r < rounds; r++) {
  let t = performance.now(); net.forward(input); ts.push(performance.now() - t);
  t = performance.now(); one.forward(input); t1.push(performance.now() - t);
  t = performance.now(); many.forward(input); tn.push(performance.now() - t);
  t = performance.now(); await apiRun(apiOne); a1.push(performance.now() - t);
  t = performance.now(); await apiRun(apiMany); an.push(performance.now() - t);
}
console.log(`GhostNet x${scale} batch ${batch}, ${rounds} interleaved rounds, load average ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`);
// Medians, and minima: on a shared machine the fastest run is the one least disturbed.
console.log(`                        median      min`);
console.log(`  GhostNet.forward      ${median(ts).toFixed(1).padStart(6)}   ${min(ts).toFixed(1).padStart(6)} ms`);
console.log(`  threaded, 1 thread    ${median(t1).toFixed(1).padStart(6)}   ${min(t1).toFixed(1).padStart(6)} ms`);
console.log(`  threaded, ${threads} threads   ${median(tn).toFixed(1).padStart(6)}   ${min(tn).toFixed(1).padStart(6)} ms   speed-up ${(median(t1) / median(tn)).toFixed(2)}× (medians), ${(min(t1) / min(tn)).toFixed(2)}× (minima)`);
console.log(`  loadModel, 1 thread   ${median(a1).toFixed(1).padStart(6)}   ${min(a1).toFixed(1).padStart(6)} ms`);
console.log(`  loadModel, ${threads} threads  ${median(an).toFixed(1).padStart(6)}   ${min(an).toFixed(1).padStart(6)} ms   speed-up ${(median(a1) / median(an)).toFixed(2)}× (medians), ${(min(a1) / min(an)).toFixed(2)}× (minima)`);
apiOne.dispose();
await apiMany.dispose();
await one.pool.dispose();
await many.pool.dispose();
