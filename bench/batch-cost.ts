/**
 * What a batch costs per image: the model alone (no HTTP, no decoding), batch sizes
 * interleaved round by round on each backend, medians of the per-image times. It tells
 * whether dynamic batching in `ghostnet serve` can raise throughput: only if an image
 * costs less inside a batch than alone.
 *
 *   npx tsx bench/batch-cost.ts [--scale 1] [--batches 1,2,4,8] [--rounds 7] [--backends js,wasm]
 *
 * The model is the seeded synthetic GhostNet (same cost as real weights); the input one
 * preprocessed photo, repeated. A benchmark: prints a table, never fails on time.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClassifier } from "../src/classifier.js";
import { fixtureModelBytes } from "../src/cli/common.js";
import { loadModel } from "../src/load-model.js";
import { KNOWN_OPTIONS } from "../src/load-options.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({
  options: {
    scale: { type: "string", default: "1" },
    batches: { type: "string", default: "1,2,4,8" },
    rounds: { type: "string", default: "7" },
    backends: { type: "string" },
  },
});
const batches = values.batches!.split(",").map(Number);
const rounds = Number(values.rounds);
const backends = values.backends?.split(",") ?? ("backend" in KNOWN_OPTIONS ? ["js", "wasm"] : ["js"]);
const photo = new Uint8Array(readFileSync(join(root, "data", "images", "ILSVRC2012_val_00010010.jpeg")));
const { bytes } = await fixtureModelBytes(Number(values.scale));

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`batch cost per image, GhostNet x${values.scale} (synthetic weights), ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, medians of ${rounds} interleaved rounds`);
console.log("");
console.log(`| backend | ${batches.map((b) => `batch ${b}`).join(" | ")} |`);
console.log(`| --- | ${batches.map(() => "---:").join(" | ")} |`);
for (const backend of backends) {
  const model = await loadModel(bytes, "backend" in KNOWN_OPTIONS ? ({ backend } as object) : {});
  const classifier = createClassifier(model);
  const image = await classifier.preprocess(photo);
  const times = new Map<number, number[]>(batches.map((b) => [b, []]));
  for (const b of batches) await classifier.classifyBatch(new Array(b).fill(image)); // warm-up: plans, kernels
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? batches : batches.slice().reverse();
    for (const b of order) {
      const started = performance.now();
      await classifier.classifyBatch(new Array(b).fill(image));
      times.get(b)!.push((performance.now() - started) / b);
    }
  }
  const base = median(times.get(batches[0]!)!);
  console.log(`| ${backend} | ${batches.map((b) => { const m = median(times.get(b)!); return `${m.toFixed(1)} ms (${(base / m).toFixed(2)}×)`; }).join(" | ")} |`);
  await model.dispose();
}
console.log("");
console.log(`(×: images per second relative to batch ${batches[0]}; above 1× a batch pays)`);
