/**
 * `ghostnet eval --model M --list LIST [--root DIR] [--batch N]`: top-1 / top-5 accuracy
 * on a labelled image list in PaddleClas's format (one `path label` per line, paths
 * relative to the list's folder or --root), and the throughput in images per second.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { InputError } from "../errors.js";
import { describeFileError, readFileBytes } from "../node/files.js";
import type { Tensor } from "../tensor/tensor.js";
import {
  type Command,
  ENGINE_OPTIONS,
  engineOptions,
  engineOptionsHelp,
  expectPositionals,
  integerOption,
  parseCommandLine,
  requiredOption,
  stringOption,
} from "./args.js";
import { inFile } from "./classify.js";
import { chunks, formatDuration, labelledClassifier, loadClassifierModel } from "./common.js";

export interface LabelledImage {
  path: string;
  classId: number;
  /** 1-based line in the list, for error messages. */
  line: number;
}

/** Parses `path label` lines (the label is the last field, so paths may hold spaces). */
export function parseImageList(text: string, root: string, source: string): LabelledImage[] {
  const items: LabelledImage[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(.+?)\s+(\d+)$/.exec(line);
    if (match === null) throw new InputError(`${source} line ${index + 1}: expected "path label", found "${line.slice(0, 80)}"`);
    items.push({ path: resolve(root, match[1]!), classId: Number(match[2]), line: index + 1 });
  });
  if (items.length === 0) throw new InputError(`${source} lists no images`);
  return items;
}

/** A one-line progress bar: `[#######.............]  35/100  4.2 img/s`. */
export function progressBar(done: number, total: number, imagesPerSecond: number, width = 30): string {
  const filled = Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total}  ${imagesPerSecond.toFixed(1)} img/s`;
}

export const evalCommand: Command = {
  name: "eval",
  summary: "top-1/top-5 accuracy and images per second on a labelled image list",
  usage: [
    "Usage: ghostnet eval --model M --list LIST [--root DIR] [--batch N] [options]",
    "",
    "LIST is PaddleClas's format: one `path label` per line (e.g. `val/ILSVRC2012_val_00000001.JPEG 65`),",
    "paths relative to the list's folder, or to DIR when --root is given.",
    "",
    "Options:",
    "  --model M      the model: .onnx, .pdparams, *_infer.tar, Paddle inference folder or program",
    "                 (default: a GhostNet with synthetic weights)",
    "  --list LIST    the labelled list (required)",
    "  --root DIR     folder the list's paths are relative to",
    "  --batch N      images per model run (default 1)",
    "  --json         print { images, top1, top5, imagesPerSecond } as JSON",
    ...engineOptionsHelp(17, "auto (default), graph or ghostnet"),
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      model: { type: "string" },
      list: { type: "string" },
      root: { type: "string" },
      batch: { type: "string" },
      json: { type: "boolean" },
      ...ENGINE_OPTIONS,
    });
    expectPositionals(positionals, []);
    const listPath = requiredOption(values, "list");
    const batch = integerOption(values, "batch", 1, 1, 256);
    const settings = engineOptions(values);
    let listText: string;
    try {
      listText = await readFile(listPath, "utf8");
    } catch (error) {
      throw describeFileError(error, "image list", listPath);
    }
    const items = parseImageList(listText, stringOption(values, "root") ?? dirname(listPath), `list '${listPath}'`);

    const { model, inferenceConfig } = await loadClassifierModel(stringOption(values, "model"), settings, io);
    try {
      const classifier = await labelledClassifier(model, 5, undefined, inferenceConfig);
      const showProgress = io.stderrIsTTY && values.json !== true;
      let top1 = 0;
      let top5 = 0;
      let done = 0;
      const started = performance.now();
      for (const group of chunks(items, batch)) {
        const tensors: Tensor[] = [];
        for (const item of group) {
          try {
            tensors.push(await classifier.preprocess(await readFileBytes(item.path, `image (list line ${item.line})`)));
          } catch (error) {
            throw inFile(item.path, error);
          }
        }
        const tops = await classifier.classifyBatch(tensors);
        group.forEach((item, i) => {
          const ids = tops[i]!.map((p) => p.classId);
          if (ids[0] === item.classId) top1++;
          if (ids.includes(item.classId)) top5++;
        });
        done += group.length;
        if (showProgress) {
          const rate = done / ((performance.now() - started) / 1000);
          io.progress(`\r${progressBar(done, items.length, rate)}${done === items.length ? "\n" : ""}`);
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const result = { images: items.length, top1: top1 / items.length, top5: top5 / items.length, imagesPerSecond: items.length / seconds };
      if (values.json === true) {
        io.out(JSON.stringify(result, null, 2));
      } else {
        io.out(
          [
            `images:  ${items.length}`,
            `top-1:   ${(100 * result.top1).toFixed(2)}% (${top1}/${items.length})`,
            `top-5:   ${(100 * result.top5).toFixed(2)}% (${top5}/${items.length})`,
            `speed:   ${result.imagesPerSecond.toFixed(2)} images/s (${formatDuration(seconds * 1000)} in all, batch ${batch}, ${model.engine} engine)`,
          ].join("\n"),
        );
      }
      return 0;
    } finally {
      model.dispose();
    }
  },
};
