/**
 * Child process for test/threads-load-model.test.ts: loads a GhostNet with threads 2 through
 * the Node entry, runs it, disposes it, and prints the process's OS thread counts (Linux
 * /proc/self/task) before loading, after loading and after dispose as one JSON line. It
 * does not call process.exit: the test checks that it ends by itself.
 */
import { readdirSync } from "node:fs";
import { imageLikeBatch, loadModel, makeGhostNetFixture } from "../src/node.js";

function osThreads(): number {
  try {
    return readdirSync("/proc/self/task").length;
  } catch {
    return -1;
  }
}

const bytes = makeGhostNetFixture({ scale: 0.25, style: "modern", seed: 4, classCount: 10, calibrationBatch: 1, calibrationSize: 32, inputSize: "dynamic" });
const before = osThreads();
const model = await loadModel(bytes, { threads: 2 });
const loaded = osThreads();
const out = Object.values(await model.run({ x: imageLikeBatch(1, 1, 32) }))[0]!;
await model.dispose();
// Let the terminated workers' OS threads be joined.
await new Promise((resolve) => setTimeout(resolve, 200));
const disposed = osThreads();
console.log(JSON.stringify({ threads: model.threads, outputs: out.data.length, before, loaded, disposed }));
