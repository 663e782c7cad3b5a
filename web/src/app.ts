/**
 * The demo page: picks a model and an image, hands them to the worker, draws what comes
 * back (the preprocessed crop, the top-5 as bars, the time per layer as a chart).
 * `document.body.dataset.state` says "idle", "busy", "done" or "error" for tests.
 */
import type { LayerTiming } from "../../src/index.js";
import type { ClassifyResult, Reply, Request } from "./messages.js";

const worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function send(request: Request, transfer: Transferable[] = []): void {
  setState("busy");
  worker.postMessage(request, transfer);
}

function setState(state: "idle" | "busy" | "done" | "error", text?: string): void {
  document.body.dataset.state = state;
  const status = $("status");
  status.classList.toggle("error", state === "error");
  if (text !== undefined) status.textContent = text;
}

let modelReady = false;
let pendingImage: { bytes: Uint8Array; name: string } | undefined;

worker.onmessage = (event: MessageEvent<Reply>) => {
  const message = event.data;
  switch (message.type) {
    case "status":
      setState("busy", message.text);
      break;
    case "model": {
      const { info } = message;
      modelReady = true;
      $("model-info").textContent =
        `${info.name}: ${(info.bytes / 1e6).toFixed(1)} MB, engine "${info.engine}", ` +
        `input ${info.inputNames.join(", ")} → ${info.outputNames.join(", ")}, loaded in ${info.loadMs.toFixed(0)} ms`;
      setState("idle", "model ready: pick an image");
      if (pendingImage) void classify(pendingImage.bytes, pendingImage.name);
      break;
    }
    case "result":
      showResult(message.result);
      setState("done", `done: ${message.result.name}`);
      break;
    case "error":
      setState("error", `error: ${message.message}`);
      break;
  }
};
worker.onerror = (event) => setState("error", `worker failed: ${event.message}`);

// ---- images ---------------------------------------------------------------------------

function isJpegOrPng(bytes: Uint8Array): boolean {
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  const png = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  return jpeg || png;
}

/** JPEG and PNG go to the worker as bytes (the library decodes them as Node does); other formats are decoded by the browser. */
async function classify(bytes: Uint8Array, name: string): Promise<void> {
  if (!modelReady) {
    pendingImage = { bytes, name };
    setState("idle", "image ready: now load a model or make a fixture");
    return;
  }
  pendingImage = { bytes, name };
  if (isJpegOrPng(bytes)) {
    send({ type: "classify", image: bytes.slice(), name });
    return;
  }
  try {
    const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext("2d")!;
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height);
    send({ type: "classify", image: { width: pixels.width, height: pixels.height, data: pixels.data }, name }, [pixels.data.buffer]);
  } catch {
    setState("error", `error: ${name} is not an image this browser can decode`);
  }
}

async function classifyFile(file: File): Promise<void> {
  await classify(new Uint8Array(await file.arrayBuffer()), file.name);
}

$<HTMLInputElement>("image-file").addEventListener("change", (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void classifyFile(file);
});

const dropZone = $("drop-zone");
dropZone.addEventListener("dragover", (event) => {
  event.preventDefault();
  dropZone.classList.add("over");
});
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("over"));
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropZone.classList.remove("over");
  const file = event.dataTransfer?.files[0];
  if (file) void classifyFile(file);
});

async function listSamples(): Promise<void> {
  const samples = (await (await fetch("samples.json")).json()) as string[];
  for (const name of samples) {
    const button = document.createElement("button");
    button.textContent = name;
    button.dataset.sample = name;
    button.addEventListener("click", async () => {
      const bytes = new Uint8Array(await (await fetch(`samples/${name}`)).arrayBuffer());
      await classify(bytes, name);
    });
    $("samples").append(button);
  }
}

// ---- models ---------------------------------------------------------------------------

$("make-fixture").addEventListener("click", () => {
  modelReady = false;
  const scale = Number($<HTMLSelectElement>("fixture-scale").value);
  const seed = Number($<HTMLInputElement>("fixture-seed").value) >>> 0;
  send({ type: "make-fixture", scale, seed });
});

$<HTMLInputElement>("model-file").addEventListener("change", async (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (!file) return;
  modelReady = false;
  const bytes = new Uint8Array(await file.arrayBuffer());
  send({ type: "load-model", bytes, name: file.name }, [bytes.buffer]);
});

// ---- results --------------------------------------------------------------------------

function showResult(result: ClassifyResult): void {
  const crop = $<HTMLCanvasElement>("crop");
  crop.width = result.crop.width;
  crop.height = result.crop.height;
  crop.getContext("2d")!.putImageData(new ImageData(result.crop.data, result.crop.width, result.crop.height), 0, 0);
  $("image-name").textContent = `${result.name}, as the model sees it (${result.crop.width}×${result.crop.height})`;

  const list = $("top5");
  list.replaceChildren();
  const best = result.top[0]?.score ?? 1;
  for (const { classId, label, score } of result.top) {
    const item = document.createElement("li");
    item.dataset.classId = String(classId);
    item.dataset.score = String(score);
    item.innerHTML = `<div class="label"><span></span><span></span></div><div class="bar"><span></span></div>`;
    const [name, value] = item.querySelectorAll<HTMLSpanElement>(".label span");
    name!.textContent = `${classId} · ${label}`;
    value!.textContent = `${(score * 100).toFixed(2)} %`;
    item.querySelector<HTMLSpanElement>(".bar span")!.style.width = `${Math.max(1, (score / best) * 100)}%`;
    list.append(item);
  }
  $("timing").textContent = `preprocess ${result.preprocessMs.toFixed(1)} ms · run ${result.runMs.toFixed(1)} ms`;
  drawLayerChart(result.layers);
}

const KIND_COLOURS: Record<string, string> = {
  stem: "#8c564b",
  pointwise: "#3a6fd8",
  depthwise: "#2ca02c",
  se: "#ff7f0e",
  residual: "#9467bd",
  pool: "#17becf",
  fc: "#d62728",
  softmax: "#7f7f7f",
};

/** One bar per layer in execution order, coloured by kind; a legend with the total per kind. */
function drawLayerChart(layers: readonly LayerTiming[]): void {
  const canvas = $<HTMLCanvasElement>("layer-chart");
  const scale = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = width * scale;
  canvas.height = height * scale;
  const g = canvas.getContext("2d")!;
  g.scale(scale, scale);
  g.clearRect(0, 0, width, height);
  g.font = "12px system-ui, sans-serif";
  if (layers.length === 0) {
    g.fillStyle = "#667";
    g.fillText("per-layer times come from the typed GhostNet engine; this model runs on the graph executor", 8, 20);
    $("layer-summary").textContent = "";
    return;
  }
  const top = 28;
  const bottom = height - 18;
  const left = 64;
  const maxMs = Math.max(...layers.map((l) => l.ms), 1e-3);
  const barWidth = (width - left - 8) / layers.length;
  g.fillStyle = "#667";
  g.fillText(`${maxMs.toFixed(2)} ms`, 0, top + 4);
  g.fillText("0", left - 12, bottom);
  g.fillText(`${layers.length} layers in execution order →`, left, height - 4);
  layers.forEach((layer, i) => {
    const h = ((bottom - top) * layer.ms) / maxMs;
    g.fillStyle = KIND_COLOURS[layer.kind] ?? "#333";
    g.fillRect(left + i * barWidth, bottom - h, Math.max(1, barWidth - 1), h);
  });

  const byKind = new Map<string, number>();
  for (const layer of layers) byKind.set(layer.kind, (byKind.get(layer.kind) ?? 0) + layer.ms);
  let x = left;
  for (const [kind, ms] of byKind) {
    const text = `${kind} ${ms.toFixed(1)} ms`;
    g.fillStyle = KIND_COLOURS[kind] ?? "#333";
    g.fillRect(x, 8, 10, 10);
    g.fillStyle = "#1d2433";
    g.fillText(text, x + 14, 17);
    x += g.measureText(text).width + 30;
  }
  const slowest = layers.reduce((a, b) => (b.ms > a.ms ? b : a));
  $("layer-summary").textContent =
    `total ${layers.reduce((s, l) => s + l.ms, 0).toFixed(1)} ms over ${layers.length} layers; slowest: ${slowest.name} (${slowest.ms.toFixed(2)} ms)`;
}

setState("idle", "make a fixture or load a model, then pick an image");
void listSamples();
