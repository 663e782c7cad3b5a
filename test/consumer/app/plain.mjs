// A plain JavaScript ESM consumer in Node: makes the fixture and input every other consumer
// runs (fixture.onnx, input.f32, written here; calibrated on 6 images, so its softmax is not
// saturated), runs the job through `ghostnet-ts/node` (worker_threads), and prints its
// result as one line of JSON.
import { writeFile } from "node:fs/promises";
import * as lib from "ghostnet-ts/node";
import { runJob } from "./web/job.mjs";

const bytes = lib.makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 5, classCount: 10, calibrationBatch: 6, calibrationSize: 64, inputSize: "dynamic" });
const input = lib.imageLikeBatch(1, 11, 64);
await writeFile("fixture.onnx", bytes);
await writeFile("input.f32", new Uint8Array(input.data.buffer));
const result = await runJob(lib, bytes, input);
console.log(JSON.stringify({ ...result, threadProvider: lib.threadProviderName() }));
