/**
 * Image fuzzing: thousands of mutated JPEG and PNG files through `decodeImage` (and, for
 * a share of those that decode, PaddleClas preprocessing). Every case must end in pixels
 * of the declared size or a GhostnetError (ImageDecodeError, LimitError), within a time
 * bound and a memory budget (harness.ts).
 *
 * PNGs go through both decoders, the built-in one (the default) and pngjs.
 *
 * Sources: the small fixtures of test/fixtures/images (baseline, progressive, CMYK and
 * EXIF-rotated JPEGs; grey, palette, RGB, RGBA, 16-bit and interlaced PNGs) and one
 * ImageNet photo from data/images. Mutations: byte-level ones, and container-aware ones
 * (JPEG marker lengths and frame sizes; PNG IHDR fields and chunk bytes with a valid CRC).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { createClassifier } from "../../src/classifier.js";
import { makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { setPngDecoder } from "../../src/image/png.js";
import { loadModel } from "../../src/load-model.js";
import { pngjsDecoder } from "../../src/image/png-node.js";
import { FuzzLog, decodeAndPreprocess } from "./harness.js";
import { Rng, mutateAnyBytes, mutateJpegStructure, mutatePngStructure } from "./mutate.js";

const SCALE = Number(process.env.GHOSTNET_FUZZ_SCALE ?? 1);
const SEED = Number(process.env.GHOSTNET_FUZZ_SEED ?? 20261128);
const count = (n: number): number => Math.max(1, Math.round(n * SCALE));

// Limits tighter than the defaults, so a header that lies costs little: 16 MP, 8192 px a side.
const LIMITS = { maxPixels: 2 ** 24, maxDimension: 8192, maxMemoryMB: 256 };
const BUDGET = { caseMs: 5_000, arrayBufferBytes: 512 * 2 ** 20 };

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(`test/fixtures/images/${name}`));

beforeAll(() => setPngDecoder(pngjsDecoder));

async function fuzzImage(log: FuzzLog, source: string, bytes: Uint8Array, n: number, seed: number, preprocessShare: number): Promise<void> {
  const rng = new Rng(seed);
  const structural = source.endsWith(".png") ? mutatePngStructure : mutateJpegStructure;
  for (let k = 0; k < n; k++) {
    const m = rng.chance(0.5) ? structural(bytes, rng) : mutateAnyBytes(bytes, rng);
    const withPreprocess = rng.chance(preprocessShare);
    await log.run(source, `#${k} ${m.what}`, m.bytes, (stage) => decodeAndPreprocess(m.bytes, LIMITS, stage, withPreprocess, log));
  }
}

function expectNoFailures(log: FuzzLog, title: string): void {
  console.log(log.summary(title));
  expect(log.distinctFailures(), log.summary(title)).toEqual([]);
}

describe("image fuzzing (seeded)", () => {
  it("mutated JPEGs (baseline, progressive, CMYK, EXIF-rotated)", async () => {
    const log = new FuzzLog(BUDGET);
    const sources = ["progressive.jpg", "cmyk.jpg", "exif6.jpg"];
    for (const [i, name] of sources.entries()) await fuzzImage(log, name, fixture(name), count(400), SEED + i, 0.05);
    const photo = new Uint8Array(readFileSync("data/images/whl_demo.jpg"));
    await fuzzImage(log, "whl_demo.jpg", photo, count(60), SEED + 9, 0.1);
    expect(log.accepted).toBeGreaterThan(0);
    expectNoFailures(log, "JPEG");
  });

  it("mutated images end to end through a classifier (decode → preprocess → GhostNet → top-k)", async () => {
    const model = await loadModel(
      makeGhostNetFixture({ scale: 0.1, style: "modern", seed: 9, classCount: 10, calibrationBatch: 1, calibrationSize: 32 }),
    );
    const classifier = createClassifier(model, { topk: 3 });
    const log = new FuzzLog(BUDGET);
    const rng = new Rng(SEED + 40);
    const sources = ["exif6.jpg", "palette8.png", "grey8.png", "progressive.jpg"].map((name) => ({ name, bytes: fixture(name) }));
    for (let k = 0; k < count(120); k++) {
      const { name, bytes } = rng.pick(sources);
      const m = rng.chance(0.5) ? (name.endsWith(".png") ? mutatePngStructure : mutateJpegStructure)(bytes, rng) : mutateAnyBytes(bytes, rng);
      await log.run(name, `#${k} ${m.what}`, m.bytes, async (stage) => {
        stage.name = "classify";
        const top = await classifier.classify(m.bytes);
        if (top.length !== 3 || top.some((p) => !Number.isFinite(p.score) || p.score < 0 || p.score > 1)) {
          throw new Error(`classify gave ${JSON.stringify(top)}`);
        }
        log.ran++;
      });
    }
    model.dispose();
    expect(log.ran).toBeGreaterThan(0);
    expectNoFailures(log, "classifier");
  });

  // Both PNG decoders: the built-in one (the default, runtime-neutral inflate) and pngjs.
  for (const [decoderName, decoder] of [["built-in", undefined], ["pngjs", pngjsDecoder]] as const) {
    it(`mutated PNGs (grey, palette, RGB, RGBA, 16-bit, interlaced), ${decoderName} decoder`, async () => {
      setPngDecoder(decoder);
      try {
        const log = new FuzzLog(BUDGET);
        const sources = ["grey8.png", "palette8.png", "rgb16.png", "interlaced.png", "rgba8.png"];
        for (const [i, name] of sources.entries()) await fuzzImage(log, name, fixture(name), count(300), SEED + 20 + i, 0.05);
        expect(log.accepted).toBeGreaterThan(0);
        expectNoFailures(log, `PNG (${decoderName})`);
      } finally {
        setPngDecoder(pngjsDecoder);
      }
    });
  }
});
