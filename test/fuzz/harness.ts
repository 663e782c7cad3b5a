/**
 * The fuzz harness: runs one mutated input through the public API and sorts the result.
 *
 *   accepted   the input loaded (and, for models, ran on a small feed) and every output
 *              is well formed (shape of non-negative integers, data length = product)
 *   rejected   a GhostnetError subclass was thrown (counted by its `code`)
 *   failure    anything else: another exception type, a malformed output, a case slower
 *              than the time bound, or external memory grown past the budget
 *
 * Failures are collected, not thrown, so one run reports every distinct crash; with
 * GHOSTNET_FUZZ_SAVE=dir each failing input is written there to become a regression file.
 */
import { GhostnetError } from "../../src/errors.js";
import { decodeImage } from "../../src/image/decode.js";
import { preprocess } from "../../src/image/preprocess.js";
import type { DecodeLimits } from "../../src/image/rgb-image.js";
import { decodeModel } from "../../src/loader/decode.js";
import { loadModel, type LoadModelOptions } from "../../src/load-model.js";
import type { OnnxValueInfo } from "../../src/loader/model.js";
import type { TensorLike } from "../../src/tensor/tensor.js";
import { Rng } from "./mutate.js";

export interface FuzzFailure {
  source: string;
  what: string;
  stage: string;
  error: string;
  bytes: Uint8Array;
}

export interface FuzzBudget {
  /** Longest wall time one case may take (sync work cannot be interrupted; it is measured). */
  caseMs: number;
  /** Largest growth of external (ArrayBuffer) memory seen right after a case. */
  arrayBufferBytes: number;
}

export class FuzzLog {
  cases = 0;
  accepted = 0;
  /** Accepted cases that also ran: a model run, or an image preprocessed. */
  ran = 0;
  readonly rejectedByCode = new Map<string, number>();
  readonly failures: FuzzFailure[] = [];
  slowestMs = 0;
  slowestWhat = "";
  peakArrayBufferGrowth = 0;
  private readonly baseline = process.memoryUsage().arrayBuffers;
  private readonly started = performance.now();

  constructor(readonly budget: FuzzBudget) {}

  /** Longest rejection message seen (messages are one line; a long one lists many problems). */
  longestMessage = 0;
  /** Rejections whose message spans several lines (the errors promise one line). */
  readonly multiLineMessages: string[] = [];

  reject(error: GhostnetError): void {
    this.rejectedByCode.set(error.code, (this.rejectedByCode.get(error.code) ?? 0) + 1);
    this.longestMessage = Math.max(this.longestMessage, error.message.length);
    if (error.message.includes("\n")) this.multiLineMessages.push(error.message.slice(0, 200));
  }

  /** Runs `body` as one case; a non-Ghostnet exception or a broken bound becomes a failure. */
  async run(source: string, what: string, bytes: Uint8Array, body: (stage: { name: string }) => Promise<void> | void): Promise<void> {
    this.cases++;
    // Let the event loop breathe now and then (the test runner talks to its workers there).
    if (this.cases % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
    const stage = { name: "load" };
    const start = performance.now();
    try {
      await body(stage);
      this.accepted++;
    } catch (error) {
      if (error instanceof GhostnetError) this.reject(error);
      else this.fail({ source, what, stage: stage.name, error: describe(error), bytes });
    }
    const ms = performance.now() - start;
    if (ms > this.slowestMs) {
      this.slowestMs = ms;
      this.slowestWhat = `${source}: ${what}`;
    }
    if (ms > this.budget.caseMs) this.fail({ source, what, stage: stage.name, error: `took ${ms.toFixed(0)} ms`, bytes });
    const growth = process.memoryUsage().arrayBuffers - this.baseline;
    this.peakArrayBufferGrowth = Math.max(this.peakArrayBufferGrowth, growth);
    if (growth > this.budget.arrayBufferBytes) {
      this.fail({ source, what, stage: stage.name, error: `external memory grew by ${(growth / 2 ** 20).toFixed(0)} MB`, bytes });
    }
  }

  private fail(failure: FuzzFailure): void {
    this.failures.push(failure);
    const dir = process.env.GHOSTNET_FUZZ_SAVE;
    if (dir !== undefined) void saveFailure(dir, failure, this.failures.length);
  }

  /** One paragraph for the test log: counts, outcome codes, slowest case, peak memory. */
  summary(title: string): string {
    const codes = [...this.rejectedByCode].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(", ");
    return (
      `${title}: ${this.cases} cases in ${((performance.now() - this.started) / 1000).toFixed(1)} s; ` +
      `accepted ${this.accepted} (ran ${this.ran}), rejected {${codes}}, failures ${this.failures.length}; ` +
      `slowest ${this.slowestMs.toFixed(0)} ms (${this.slowestWhat}); peak external growth ${(this.peakArrayBufferGrowth / 2 ** 20).toFixed(0)} MB; ` +
      `longest message ${this.longestMessage} chars, multi-line messages ${this.multiLineMessages.length}`
    );
  }

  /** The distinct failures, one line each (for the assertion message). */
  distinctFailures(): string[] {
    const seen = new Map<string, string>();
    for (const f of this.failures) {
      const key = `${f.stage}: ${f.error.split("\n")[0]}`;
      if (!seen.has(key)) seen.set(key, `${key}  [${f.source}: ${f.what}]`);
    }
    return [...seen.values()];
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const frame = error.stack?.split("\n").find((l) => l.includes("/src/")) ?? "";
    return `${error.constructor.name}: ${error.message} ${frame.trim()}`;
  }
  return `non-Error thrown: ${String(error)}`;
}

async function saveFailure(dir: string, failure: FuzzFailure, index: number): Promise<void> {
  const { mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync(dir, { recursive: true });
  const base = `${dir}/${index}-${failure.source.replace(/[^a-z0-9.]+/gi, "_")}`;
  writeFileSync(`${base}.bin`, failure.bytes);
  writeFileSync(`${base}.txt`, `${failure.what}\n${failure.stage}\n${failure.error}\n`);
}

// ── Models ────────────────────────────────────────────────────────────────────────────

export interface ModelCaseOptions {
  load: LoadModelOptions;
  /** Largest feed (elements) a decoded model is run on; larger declared inputs are not run. */
  maxFeedElements: number;
  /** Side used for dynamic spatial dims. */
  dynamicSide: number;
}

/**
 * Loads `bytes`; when that succeeds, runs the model once on a small seeded feed built
 * from the declared inputs (dynamic dims: batch 1, other dims `dynamicSide`), then checks
 * that every output is well formed.
 */
export async function loadAndRun(bytes: Uint8Array, options: ModelCaseOptions, stage: { name: string }, log: FuzzLog): Promise<void> {
  stage.name = "load";
  const model = await loadModel(bytes, options.load);
  try {
    stage.name = "feeds";
    const declared = new Map<string, OnnxValueInfo>(decodeModel(bytes, options.load).graph.inputs.map((i) => [i.name, i]));
    const feeds: Record<string, TensorLike> = {};
    for (const name of model.inputNames) {
      const feed = feedFor(declared.get(name), options);
      if (feed === undefined) return;
      feeds[name] = feed;
    }
    stage.name = "run";
    const outputs = await model.run(feeds);
    log.ran++;
    stage.name = "outputs";
    for (const [name, t] of Object.entries(outputs)) {
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || t.data.length !== size) {
        throw new Error(`output '${name}' is malformed: shape [${t.shape.join(", ")}], ${t.data.length} values`);
      }
    }
  } finally {
    model.dispose();
  }
}

function feedFor(input: OnnxValueInfo | undefined, options: ModelCaseOptions): TensorLike | undefined {
  const dims = input?.shape ?? [1, 3, options.dynamicSide, options.dynamicSide];
  const shape = dims.map((d, k) => (typeof d === "number" ? d : k === 0 ? 1 : options.dynamicSide));
  const size = shape.reduce((a, b) => a * b, 1);
  if (!(size >= 0 && size <= options.maxFeedElements)) return undefined;
  const rng = new Rng(size);
  if (input !== undefined && input.dtype !== "float32") {
    return { shape, data: Int32Array.from({ length: size }, () => rng.int(3)) as unknown as Float32Array };
  }
  return { shape, data: Float32Array.from({ length: size }, () => rng.next() * 4 - 2) };
}

// ── Images ────────────────────────────────────────────────────────────────────────────

/** Decodes `bytes` within `limits`; when it decodes, checks the pixels and (optionally) preprocesses. */
export function decodeAndPreprocess(bytes: Uint8Array, limits: DecodeLimits, stage: { name: string }, withPreprocess: boolean, log?: FuzzLog): void {
  stage.name = "decode";
  const image = decodeImage(bytes, limits);
  if (!(Number.isSafeInteger(image.width) && Number.isSafeInteger(image.height) && image.width > 0 && image.height > 0)) {
    throw new Error(`decoded image has size ${image.width}×${image.height}`);
  }
  if (image.data.length !== image.width * image.height * 3) {
    throw new Error(`decoded ${image.width}×${image.height} image holds ${image.data.length} bytes, not w·h·3`);
  }
  if (!withPreprocess) return;
  stage.name = "preprocess";
  const tensor = preprocess(image);
  if (tensor.shape.join(",") !== "1,3,224,224" || tensor.data.some((v) => !Number.isFinite(v))) {
    throw new Error(`preprocess gave shape [${tensor.shape.join(", ")}] or non-finite values`);
  }
  if (log !== undefined) log.ran++;
}
