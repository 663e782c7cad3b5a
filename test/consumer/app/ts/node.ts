// A strict TypeScript consumer in Node (with @types/node): the core job, then the Node entry's
// helpers and package data (labels, sample image, the shipped real model), threads on
// worker_threads. Prints one line of JSON.
import { readFile } from "node:fs/promises";
import {
  createClassifier,
  listImages,
  loadImageNetLabels,
  loadModel,
  makeGhostNetFixture,
  packageDataPath,
  readModelFile,
  type Prediction,
} from "ghostnet-ts/node";
import { coreJob } from "./core.js";

const core = await coreJob();

const labels: string[] = await loadImageNetLabels();
const images: string[] = await listImages(packageDataPath("images"));
const fixture = makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 5, classCount: 10, calibrationBatch: 1, calibrationSize: 64, inputSize: "dynamic" });
const ghostnet = await loadModel(fixture, { threads: 2, backend: "js" });
const classifier = createClassifier(ghostnet, { labels: labels.slice(0, 10), topk: 1 });
const photo: Prediction[] = await classifier.classify(new Uint8Array(await readFile(images[0]!)));
const threads = ghostnet.threads;
await ghostnet.dispose();

// The real model the package ships (PaddleOCR's text-direction classifier).
const direction = await loadModel(await readModelFile(packageDataPath("models", "ch_ppocr_mobile_v2.0_cls_infer.onnx")));
const blank = { shape: [1, 3, 48, 192], data: new Float32Array(3 * 48 * 192) };
const directionOutput = Object.values(await direction.run([blank]))[0]!;
direction.dispose();

console.log(JSON.stringify({ core, labels: labels.length, images: images.length, photo, threads, direction: { shape: directionOutput.shape, sum: directionOutput.data[0]! + directionOutput.data[1]! } }));
