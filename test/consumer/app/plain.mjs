// A plain JavaScript ESM consumer in Node: makes the fixture every other consumer runs
// (fixture.onnx, written here), runs the job through `ghostnet-ts/node` (worker_threads), and
// prints its result as one line of JSON.
import { writeFile } from "node:fs/promises";
import * as lib from "ghostnet-ts/node";
import { runJob } from "./web/job.mjs";

const bytes = lib.makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 5, classCount: 10, calibrationBatch: 1, calibrationSize: 64, inputSize: "dynamic" });
await writeFile("fixture.onnx", bytes);
const result = await runJob(lib, bytes);
console.log(JSON.stringify({ ...result, threadProvider: lib.threadProviderName() }));
