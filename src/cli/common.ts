/**
 * Pieces the subcommands share: loading a model file, the seeded fixture model used when
 * no --model is given (cached in the OS temp folder, since making one runs a calibration
 * pass), and the classifier with ImageNet (or the user's) labels.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Classifier, createClassifier } from "../classifier.js";
import { pipelinePreprocessor } from "../image/pipeline.js";
import { type FixtureStyle, makeGhostNetFixture } from "../ghostnet/fixture.js";
import { loadModel } from "../load-model.js";
import type { Model } from "../model.js";
import type { InferenceConfig } from "../loader/paddle/inference-config.js";
import { loadImageNetLabels, readLabelFile } from "../node/data.js";
import { readModelPath } from "../node/model-path.js";
import type { BackendChoice, CommandIO, EngineChoice } from "./args.js";

export interface EngineSettings {
  engine: EngineChoice;
  /** --backend: the kernels (loadModel's `backend`; absent means "auto"). */
  backend?: BackendChoice;
  threads: number;
  /** false with --low-memory (loadModel's packWeights). */
  packWeights: boolean;
}

/**
 * Reads and loads the model at `path`: a .onnx, a .pdparams checkpoint, a .tar, a Paddle
 * program with its parameters beside it, or an inference folder (src/node/model-path.ts).
 */
export async function loadModelFile(path: string, settings: EngineSettings): Promise<Model> {
  return (await loadModelAndConfig(path, settings)).model;
}

/** The model at `path` and the inference.yml found with it (preprocessing and labels), if any. */
export async function loadModelAndConfig(path: string, settings: EngineSettings): Promise<{ model: Model; inferenceConfig?: InferenceConfig }> {
  const { source, inferenceConfig } = await readModelPath(path);
  const model = await loadModel(source, { engine: settings.engine, backend: settings.backend, threads: settings.threads, packWeights: settings.packWeights });
  return inferenceConfig === undefined ? { model } : { model, inferenceConfig };
}

/** The synthetic model used when no --model is given. */
export const DEFAULT_FIXTURE = { scale: 1.0, style: "legacy" as FixtureStyle, seed: 7 };

/** The modules whose code decides a fixture's bytes; their text keys the cache. */
const FIXTURE_SOURCES = ["../ghostnet/fixture.js", "../ghostnet/onnx-export.js", "../ghostnet/config.js", "../loader/writer.js"];

/** FNV-1a over the fixture generator's code, so a changed generator never reuses an old file. */
async function fixtureCodeStamp(): Promise<string> {
  let hash = 0x811c9dc5;
  for (const source of FIXTURE_SOURCES) {
    let text = "";
    try {
      text = await readFile(fileURLToPath(new URL(source, import.meta.url)), "utf8");
    } catch {
      // Sources run through a .ts loader: no stamp for this file.
    }
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

const fixtureCacheFolder = join(tmpdir(), "ghostnet-ts");

function fixtureFileSuffix(scale: number, style: FixtureStyle, seed: number): string {
  return `-x${scale}-${style}-seed${seed}.onnx`;
}

export async function fixtureCachePath(scale: number, style: FixtureStyle, seed: number): Promise<string> {
  return join(fixtureCacheFolder, `fixture-${await fixtureCodeStamp()}${fixtureFileSuffix(scale, style, seed)}`);
}

/**
 * The bytes of a seeded GhostNet fixture: from the temp-folder cache when there, otherwise
 * made (a calibration pass, some seconds) and cached. `fromCache` says which.
 */
export async function fixtureModelBytes(
  scale = DEFAULT_FIXTURE.scale,
  style = DEFAULT_FIXTURE.style,
  seed = DEFAULT_FIXTURE.seed,
): Promise<{ bytes: Uint8Array; fromCache: boolean; path: string }> {
  const path = await fixtureCachePath(scale, style, seed);
  try {
    const buffer = await readFile(path);
    return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), fromCache: true, path };
  } catch {
    // Not cached yet (or unreadable): make it.
  }
  const bytes = makeGhostNetFixture({ scale, style, seed });
  try {
    await mkdir(fixtureCacheFolder, { recursive: true });
    // Files an older generator made for the same fixture are stale: remove them.
    const suffix = fixtureFileSuffix(scale, style, seed);
    for (const name of await readdir(fixtureCacheFolder)) {
      if (name.startsWith("fixture-") && name.endsWith(suffix)) await rm(join(fixtureCacheFolder, name), { force: true });
    }
    // Write then rename, so a concurrent reader never sees half a file.
    const partial = `${path}.${process.pid}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, path);
  } catch {
    // A cache we cannot write is only slower next time.
  }
  return { bytes, fromCache: false, path };
}

export const SYNTHETIC_WEIGHTS_NOTE =
  "note: no --model given, so this uses a GhostNet with synthetic (seeded random) weights and its answers mean nothing; " +
  "use --model with a real PaddleClas GhostNet ONNX for real answers, e.g. ghostnet classify photo.jpg --model GhostNet_x1_0.onnx";

/**
 * The model for classify/eval: the file at `modelPath`, or (none given) the seeded fixture,
 * saying so on stderr.
 */
export async function loadClassifierModel(
  modelPath: string | undefined,
  settings: EngineSettings,
  io: CommandIO,
): Promise<{ model: Model; synthetic: boolean; inferenceConfig?: InferenceConfig }> {
  if (modelPath !== undefined) return { ...(await loadModelAndConfig(modelPath, settings)), synthetic: false };
  io.err(SYNTHETIC_WEIGHTS_NOTE);
  const { bytes } = await fixtureModelBytes();
  return { model: await loadModel(bytes, settings), synthetic: true };
}

/**
 * A classifier with the labels in `labelsPath` (PaddleClas's `id label` lines), else the
 * model's inference.yml label_list, else ImageNet-1k's; and the inference.yml's
 * preprocessing when there is one (PaddleClas's default otherwise).
 */
export async function labelledClassifier(model: Model, topk: number, labelsPath?: string, inferenceConfig?: InferenceConfig): Promise<Classifier> {
  const labels =
    labelsPath !== undefined ? await readLabelFile(labelsPath) : (inferenceConfig?.labels ?? (await loadImageNetLabels()));
  if (inferenceConfig === undefined) return createClassifier(model, { labels, topk });
  return createClassifier(model, { labels, topk, preprocess: pipelinePreprocessor(inferenceConfig.preprocess) });
}

/** Seconds as "1.23 s" or milliseconds as "45.6 ms". */
export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/** A plain text table: columns padded to their widest cell; `right` marks right-aligned columns. */
export function formatTable(header: string[], rows: string[][], right: readonly number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Splits `items` into consecutive groups of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
