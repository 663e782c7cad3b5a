/**
 * `ghostnet classify IMAGE|FOLDER… [--model M] [--topk 5] [--batch N] [--json]`:
 * PaddleClas preprocessing, the model, top-k ImageNet classes per image.
 */
import { basename } from "node:path";
import type { Prediction } from "../classifier.js";
import { GhostnetError } from "../errors.js";
import { expandImageArguments, readFileBytes } from "../node/files.js";
// --threads N: registers the worker_threads pool loadModel opens (every subcommand is loaded with these two).
import "../node/threads.js";
import type { Tensor } from "../tensor/tensor.js";
import {
  type Command,
  ENGINE_OPTIONS,
  UsageError,
  engineOptions,
  engineOptionsHelp,
  integerOption,
  parseCommandLine,
  stringOption,
} from "./args.js";
import { chunks, formatDuration, formatTable, labelledClassifier, loadClassifierModel } from "./common.js";

export interface ImageResult {
  image: string;
  top: Prediction[];
}

/** Prefixes a library error with the file it came from, keeping its type. */
export function inFile(path: string, error: unknown): unknown {
  if (error instanceof GhostnetError && !error.message.includes(path)) error.message = `image '${path}': ${error.message}`;
  return error;
}

export function formatResults(results: readonly ImageResult[]): string {
  return results
    .map(({ image, top }) => {
      const rows = top.map((p, i) => [String(i + 1), String(p.classId), p.score.toFixed(4), p.label]);
      return `${image}\n${formatTable(["rank", "class", "score", "label"], rows, [0, 1, 2])}`;
    })
    .join("\n\n");
}

export const classifyCommand: Command = {
  name: "classify",
  summary: "top-k ImageNet classes for images or folders of images",
  usage: [
    "Usage: ghostnet classify IMAGE|FOLDER... [options]",
    "",
    "Classifies JPEG/PNG images (a folder means the images in it) with PaddleClas's",
    "preprocessing (short side 256, centre crop 224, ImageNet mean/std).",
    "",
    "Options:",
    "  --model M        the model: .onnx, .pdparams checkpoint, *_infer.tar, Paddle inference folder or",
    "                   .pdmodel/.json with its params beside it (default: a seeded GhostNet with synthetic",
    "                   weights); a folder's inference.yml sets the preprocessing and labels",
    "  --topk K         classes per image (default 5, or the model's inference.yml Topk)",
    "  --labels FILE    class names, one `id label` per line (default: ImageNet-1k, PaddleClas's list)",
    "  --batch N        images per model run (default 1)",
    "  --json           print a JSON array: [{ image, top: [{ classId, label, score }] }]",
    ...engineOptionsHelp(19, "auto (default), graph or ghostnet"),
    "",
    "Example: ghostnet classify photo.jpg --model GhostNet_x1_0.onnx",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      model: { type: "string" },
      labels: { type: "string" },
      topk: { type: "string" },
      batch: { type: "string" },
      json: { type: "boolean" },
      ...ENGINE_OPTIONS,
    });
    if (positionals.length === 0) throw new UsageError("missing IMAGE or FOLDER");
    const topk = integerOption(values, "topk", 5, 1, 1000);
    const batch = integerOption(values, "batch", 1, 1, 256);
    const settings = engineOptions(values);
    const json = values.json === true;

    const images = await expandImageArguments(positionals);
    const { model, inferenceConfig } = await loadClassifierModel(stringOption(values, "model"), settings, io);
    try {
      // Without --topk, a model's inference.yml says how many classes to show (PostProcess.Topk.topk).
      const shown = values.topk === undefined ? (inferenceConfig?.topk ?? topk) : topk;
      const classifier = await labelledClassifier(model, shown, stringOption(values, "labels"), inferenceConfig);
      const results: ImageResult[] = [];
      const started = performance.now();
      for (const group of chunks(images, batch)) {
        const tensors: Tensor[] = [];
        for (const path of group) {
          try {
            tensors.push(await classifier.preprocess(await readFileBytes(path, "image")));
          } catch (error) {
            throw inFile(path, error);
          }
        }
        const tops = await classifier.classifyBatch(tensors);
        group.forEach((image, i) => results.push({ image, top: tops[i]! }));
      }
      const elapsed = performance.now() - started;
      if (json) {
        io.out(JSON.stringify(results, null, 2));
      } else {
        io.out(formatResults(results.map((r) => ({ ...r, image: images.length > 1 ? basename(r.image) : r.image }))));
        io.err(`${results.length} image${results.length === 1 ? "" : "s"} in ${formatDuration(elapsed)} (${model.engine} engine, ${model.threads ?? 1} thread${(model.threads ?? 1) === 1 ? "" : "s"})`);
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};
