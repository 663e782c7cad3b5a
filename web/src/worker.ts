/**
 * The demo's Web Worker: holds the model, makes fixtures, preprocesses and classifies.
 * Images arrive as encoded bytes and are decoded by the library's own JPEG/PNG decoders,
 * so the page gets exactly the numbers Node gets for the same file.
 */
import {
  type GhostNetEngine,
  type LayerTiming,
  type Model,
  loadModel,
  makeGhostNetFixture,
  parseLabelList,
  prepareImage,
  topK,
} from "../../src/index.js";
import type { ClassifyResult, Reply, Request } from "./messages.js";

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

let model: Model | undefined;
let labels: string[] | undefined;

function reply(message: Reply, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(message, transfer);
}

async function imageNetLabels(): Promise<string[]> {
  labels ??= parseLabelList(await (await fetch(new URL("labels.txt", self.location.href))).text());
  return labels;
}

async function useModel(bytes: Uint8Array, name: string): Promise<void> {
  model?.dispose();
  model = undefined;
  reply({ type: "status", text: `loading ${name}…` });
  const started = performance.now();
  model = await loadModel(bytes, { engine: "auto" });
  const loadMs = performance.now() - started;
  reply({
    type: "model",
    info: { name, engine: model.engine, bytes: bytes.length, inputNames: model.inputNames, outputNames: model.outputNames, loadMs },
  });
}

/** [1, 3, H, W] normalised tensor → RGBA pixels: x · std + mean, times 255. */
function tensorToRgba(data: Float32Array, height: number, width: number): Uint8ClampedArray<ArrayBuffer> {
  const plane = height * width;
  const rgba = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.round((data[c * plane + i]! * STD[c]! + MEAN[c]!) * 255);
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

async function classify(request: Extract<Request, { type: "classify" }>): Promise<void> {
  if (model === undefined) throw new Error("load a model or make a fixture first");
  const names = await imageNetLabels();
  let started = performance.now();
  const x = await prepareImage(request.image);
  const preprocessMs = performance.now() - started;
  const [, , height, width] = x.shape as [number, number, number, number];

  const layers: LayerTiming[] = [];
  started = performance.now();
  let scores: Float32Array;
  if (model.engine === "ghostnet") {
    // The typed network reports each layer's time as it runs.
    scores = (model as GhostNetEngine).ghostnet.forward(x, { profile: layers }).probabilities.data;
  } else {
    const outputs = await model.run([x]);
    scores = outputs[model.outputNames[0]!]!.data;
  }
  const runMs = performance.now() - started;

  const crop = { width, height, data: tensorToRgba(x.data, height, width) };
  const result: ClassifyResult = { name: request.name, top: topK(scores, 5, names), crop, preprocessMs, runMs, layers };
  reply({ type: "result", result }, [crop.data.buffer]);
}

async function handle(request: Request): Promise<void> {
  switch (request.type) {
    case "make-fixture": {
      reply({ type: "status", text: `making a GhostNet x${request.scale} fixture (seed ${request.seed})…` });
      const bytes = makeGhostNetFixture({ scale: request.scale, style: "modern", seed: request.seed });
      await useModel(bytes, `fixture GhostNet x${request.scale}, seed ${request.seed}`);
      break;
    }
    case "load-model":
      await useModel(request.bytes, request.name);
      break;
    case "classify":
      reply({ type: "status", text: `classifying ${request.name}…` });
      await classify(request);
      break;
  }
}

// One request at a time, in order.
let queue = Promise.resolve();
self.onmessage = (event: MessageEvent<Request>) => {
  queue = queue.then(() =>
    handle(event.data).catch((error: unknown) => reply({ type: "error", message: error instanceof Error ? error.message : String(error) })),
  );
};
