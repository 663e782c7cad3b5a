/**
 * `ghostnet demo`: the whole path, offline, on the package's own data.
 *
 * 1. GhostNet (a seeded fixture: synthetic weights) on the sample photos in data/images:
 *    decode → PaddleClas preprocessing → GhostNet → top-5, each step timed, and the
 *    network's layer summary.
 * 2. A real model getting a real answer: PaddleOCR's text-direction classifier on a text
 *    line the demo draws itself, upright and turned 180°.
 * 3. The same lines through PP-LCNet_x0_25_textline_ori read from its Paddle 3 files.
 */
import { basename } from "node:path";
import { createClassifier } from "../classifier.js";
import { decodeImage } from "../image/decode.js";
import { preprocess as preprocessImage } from "../image/preprocess.js";
import { summarizeGhostNet, type SummaryRow } from "../ghostnet/summary.js";
import { loadModel } from "../load-model.js";
import { loadImageNetLabels, packageDataPath } from "../node/data.js";
import { listImages, readFileBytes } from "../node/files.js";
import { formatShape } from "../tensor/tensor.js";
import { type Command, ENGINE_OPTIONS, engineOptions, engineOptionsHelp, expectPositionals, numberOption, parseCommandLine } from "./args.js";
import { DEFAULT_FIXTURE, fixtureModelBytes, formatDuration, formatTable } from "./common.js";
import { paddleDemoPart } from "./demo-paddle.js";
import { DIRECTION_LABELS, directionInput, directionModelPath } from "./direction.js";
import { asciiArt, renderTextLine, rotate180 } from "./text-line.js";

/** Milliseconds taken by `f`, with its result. */
async function timed<T>(f: () => T | Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await f();
  return [result, performance.now() - started];
}

/** The summary's block-level rows: stem, the 16 bottlenecks (one line each), the head. */
function shortSummary(rows: readonly SummaryRow[]): string {
  const kept = rows.filter((r) => r.block === undefined || r.name === r.block);
  const blockTotals = new Map<string, { params: number; macs: number }>();
  for (const r of rows) {
    if (r.block === undefined) continue;
    const t = blockTotals.get(r.block) ?? { params: 0, macs: 0 };
    t.params += r.params;
    t.macs += r.macs;
    blockTotals.set(r.block, t);
  }
  const table = kept.map((r) => {
    const totals = r.block !== undefined ? blockTotals.get(r.block)! : r;
    const type = r.block !== undefined ? r.type.replace("GhostBottleneck add", "GhostBottleneck") : r.type;
    return [r.name, type, formatShape(r.outputShape), totals.params.toLocaleString("en-US"), totals.macs.toLocaleString("en-US")];
  });
  return formatTable(["layer", "type", "output", "params", "MACs"], table, [3, 4]);
}

/** 1 → "1.0", 0.5 → "0.5": scales as PaddleClas names them (GhostNet_x1_0). */
function scaleName(scale: number): string {
  return Number.isInteger(scale) ? scale.toFixed(1) : String(scale);
}

function indent(text: string, by = "   "): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : by + line))
    .join("\n");
}

export const demoCommand: Command = {
  name: "demo",
  summary: "offline tour: GhostNet on sample photos, then a real PaddleOCR model",
  usage: [
    "Usage: ghostnet demo [--scale S] [--engine E] [--threads N] [--low-memory]",
    "",
    "Runs offline on the package's data:",
    "  1. a GhostNet with synthetic (seeded) weights on the sample photos in data/images:",
    "     decode, PaddleClas preprocessing, GhostNet, top-5, timings and a layer summary;",
    "  2. PaddleOCR's real text-direction classifier (a Paddle2ONNX MobileNetV3, shipped in",
    "     data/models) on a text line drawn by the demo, upright and turned 180°;",
    "  3. PaddleClas's PP-LCNet text-line orientation classifier straight from its Paddle 3",
    "     files (inference.json, .pdiparams, and inference.yml's preprocessing and labels).",
    "",
    "Options:",
    `  --scale S    GhostNet width multiplier for part 1 (default ${DEFAULT_FIXTURE.scale})`,
    ...engineOptionsHelp(15, "auto (default), graph or ghostnet"),
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { scale: { type: "string" }, ...ENGINE_OPTIONS });
    expectPositionals(positionals, []);
    const scale = numberOption(values, "scale") ?? DEFAULT_FIXTURE.scale;
    const settings = engineOptions(values);
    const out = io.out;
    const demoStarted = performance.now();

    out("ghostnet demo: PaddleClas GhostNet in pure TypeScript (Float32Arrays; no native code, no WebAssembly)\n");

    // 1. GhostNet on the sample photos.
    out(`1. GhostNet x${scaleName(scale)} on the sample photos`);
    out(
      "   Its weights are synthetic (seeded random), so its answers mean nothing; for real answers use a " +
        "PaddleClas GhostNet ONNX: ghostnet classify photo.jpg --model GhostNet_x1_0.onnx",
    );
    const [fixture, makeMs] = await timed(() => fixtureModelBytes(scale, DEFAULT_FIXTURE.style, DEFAULT_FIXTURE.seed));
    const [model, loadMs] = await timed(() => loadModel(fixture.bytes, settings));
    out(
      `   model: ${(fixture.bytes.length / 1e6).toFixed(1)} MB Paddle2ONNX-style ONNX (${DEFAULT_FIXTURE.style}), ` +
        `${fixture.fromCache ? "read from the cache" : `made in ${formatDuration(makeMs)} and cached`} at ${fixture.path}; ` +
        `loaded in ${formatDuration(loadMs)} (${model.engine} engine)\n`,
    );
    try {
      const classifier = createClassifier(model, { labels: await loadImageNetLabels(), topk: 5 });
      const images = await listImages(packageDataPath("images"));
      for (const path of images) {
        const bytes = await readFileBytes(path, "image");
        const [rgb, decodeMs] = await timed(() => decodeImage(bytes));
        const [tensor, preprocessMs] = await timed(() => preprocessImage(rgb));
        const [top, inferMs] = await timed(() => classifier.classify(tensor));
        out(
          `   ${basename(path)}  ${rgb.width}×${rgb.height}  decode ${formatDuration(decodeMs)}, ` +
            `preprocess ${formatDuration(preprocessMs)} → ${formatShape(tensor.shape)}, GhostNet ${formatDuration(inferMs)}`,
        );
        out(indent(top.map((p, i) => `${i + 1}. ${p.score.toFixed(4)}  ${String(p.classId).padStart(3)} ${p.label}`).join("\n"), "      "));
      }
    } finally {
      model.dispose();
    }
    const summary = summarizeGhostNet(scale);
    out(
      `\n   GhostNet x${scaleName(scale)}: ${(summary.params / 1e6).toFixed(2)} M parameters, ${(summary.macs / 1e6).toFixed(0)} M multiply-accumulates ` +
        `at 224×224 (full table: ghostnet summary --scale ${scale})`,
    );
    out(indent(shortSummary(summary.layers)));

    // 2. A real model: PaddleOCR's direction classifier.
    out("\n2. A real model: PaddleOCR's text-direction classifier (ch_ppocr_mobile_v2.0_cls_infer.onnx)");
    let clsBytes: Uint8Array;
    try {
      clsBytes = await readFileBytes(directionModelPath(), "model");
    } catch {
      io.err(`ghostnet: error: the demo's model ${directionModelPath()} is missing (it ships with the package; reinstall it)`);
      return 1;
    }
    const text = "HELLO WORLD";
    const fontPixel = 8;
    const upright = renderTextLine(text, { scale: fontPixel, margin: fontPixel }); // margin on the font grid, so the ASCII picture lines up
    const turned = rotate180(upright);
    // Not a GhostNet: "auto" hands it to the graph executor whatever --engine said for part 1.
    const [cls, clsLoadMs] = await timed(() => loadModel(clsBytes, { engine: "auto", threads: settings.threads, packWeights: settings.packWeights, backend: settings.backend }));
    try {
      out(`   loaded in ${formatDuration(clsLoadMs)} (${cls.engine} engine). The demo draws "${text}" (${upright.width}×${upright.height}), and the same line turned 180°:\n`);
      out(indent(asciiArt(upright, fontPixel)));
      out("");
      out(indent(asciiArt(turned, fontPixel)));
      // One [1, 3, 48, 192] tensor per line; the classifier stacks them into one run of [2, 3, 48, 192].
      const inputs = [directionInput([upright]), directionInput([turned])];
      const classifier = createClassifier(cls, { labels: [...DIRECTION_LABELS], topk: 2 });
      const [answers, clsMs] = await timed(() => classifier.classifyBatch(inputs));
      out(`\n   PaddleOCR preprocessing (height 48, width ≤ 192, (x/255 − 0.5)/0.5, zero padding) → [2, 3, 48, 192]; one run in ${formatDuration(clsMs)}:`);
      const expected = ["0°", "180°"];
      ["upright", "turned 180°"].forEach((name, i) => {
        const best = answers[i]![0]!;
        const verdict = best.label === expected[i] ? "right" : `wrong (expected ${expected[i]})`;
        out(`   ${name.padEnd(12)} → ${best.label.padEnd(4)} score ${best.score.toFixed(4)}  (${verdict})`);
      });
    } finally {
      cls.dispose();
    }
    // 3. A PaddleClas classifier straight from Paddle 3's files (demo-paddle.ts).
    await paddleDemoPart(out, settings, upright, turned);
    out(`\nThe whole demo took ${formatDuration(performance.now() - demoStarted)}.`);
    return 0;
  },
};
