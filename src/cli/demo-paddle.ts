/**
 * The demo's third part: a real PaddleClas classifier run straight from Paddle 3's own
 * files — PP-LCNet_x0_25_textline_ori (inference.json + inference.pdiparams +
 * inference.yml, shipped in data/models) — with the preprocessing and labels its
 * inference.yml gives, on the text line part 2 drew, upright and turned 180°.
 */
import { createClassifier } from "../classifier.js";
import { runImagePipeline } from "../image/pipeline.js";
import type { RgbImage } from "../image/rgb-image.js";
import { loadModel } from "../load-model.js";
import type { PipelineStep } from "../image/pipeline.js";
import { packageDataPath } from "../node/data.js";
import { readModelPath } from "../node/model-path.js";
import { formatShape } from "../tensor/tensor.js";
import type { EngineSettings } from "./common.js";
import { formatDuration } from "./common.js";

/** The shipped Paddle 3 model folder (provenance and licence in its NOTICE.md). */
export function textlineModelFolder(): string {
  return packageDataPath("models", "PP-LCNet_x0_25_textline_ori");
}

/** One line per step, as the inference.yml says it. */
function describeSteps(steps: readonly PipelineStep[]): string {
  return steps
    .map((s) =>
      s.op === "resize" ? `resize to ${s.width}×${s.height}` :
      s.op === "resize-short" ? `short side to ${s.short}` :
      s.op === "crop" ? `centre crop ${s.width}×${s.height}` :
      s.op === "normalize" ? `(x·${+s.scale.toFixed(6)} − mean) / std` :
      s.op === "to-chw" ? "CHW" : s.toRgb ? "RGB" : "BGR",
    )
    .join(", ");
}

/** Prints part 3 through `out`; the lines are part 2's drawing, upright and turned. */
export async function paddleDemoPart(out: (text: string) => void, settings: EngineSettings, upright: RgbImage, turned: RgbImage): Promise<void> {
  const folder = textlineModelFolder();
  out("\n3. Straight from Paddle 3's own files: PP-LCNet_x0_25_textline_ori (inference.json + inference.pdiparams + inference.yml; no ONNX, no Python)");
  const started = performance.now();
  const { source, inferenceConfig } = await readModelPath(folder);
  if (inferenceConfig === undefined) throw new Error(`the demo's model folder ${folder} has no inference.yml (it ships with the package; reinstall it)`);
  // Not a GhostNet: "auto" hands it to the graph executor whatever --engine said for part 1.
  const model = await loadModel(source, { engine: "auto", threads: settings.threads, packWeights: settings.packWeights, backend: settings.backend });
  try {
    const labels = inferenceConfig.labels ?? ["0_degree", "180_degree"];
    out(`   read and translated in ${formatDuration(performance.now() - started)} (${model.engine} engine); its inference.yml: ${describeSteps(inferenceConfig.preprocess)}; labels ${labels.join(", ")}`);
    const inputs = [upright, turned].map((line) => runImagePipeline(line, inferenceConfig.preprocess));
    const classifier = createClassifier(model, { labels, topk: 1 });
    const [answers, ms] = await timedAsync(() => classifier.classifyBatch(inputs));
    out(`   the same two lines → ${formatShape([2, ...inputs[0]!.shape.slice(1)])}; one run in ${formatDuration(ms)}:`);
    const expected = ["0_degree", "180_degree"];
    ["upright", "turned 180°"].forEach((name, i) => {
      const best = answers[i]![0]!;
      const verdict = best.label === expected[i] ? "right" : `wrong (expected ${expected[i]})`;
      out(`   ${name.padEnd(12)} → ${best.label.padEnd(10)} score ${best.score.toFixed(4)}  (${verdict})`);
    });
  } finally {
    model.dispose();
  }
}

async function timedAsync<T>(f: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await f();
  return [result, performance.now() - started];
}
