/**
 * Preprocessing on worker threads gives the very tensors `prepareImage` gives on the main
 * thread, refuses what it refuses with the same error codes, and, behind the handler,
 * the same answers as `classifier.classify`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClassifier, prepareImage } from "../../src/classifier.js";
import { GhostnetError } from "../../src/errors.js";
import { loadModel } from "../../src/load-model.js";
import { type PreprocessPool, createPreprocessPool } from "../../src/node/preprocess-pool.js";
import { createHandler } from "../../src/serve.js";
import { garbage, pngClaiming, sampleImages, smallGhostNetBytes, smallJpeg } from "./helpers.js";

describe("createPreprocessPool", () => {
  let pool: PreprocessPool;
  beforeAll(async () => {
    pool = await createPreprocessPool(2, { maxPixels: 1_000_000 });
  }, 30_000);
  afterAll(async () => {
    await pool.close();
  });

  it("gives prepareImage's tensors bit for bit, many at once", async () => {
    const inputs = [...sampleImages().slice(0, 2).map((i) => i.bytes), smallJpeg(1)];
    const fromPool = await Promise.all(inputs.map((bytes) => pool.preprocess(bytes)));
    for (const [i, bytes] of inputs.entries()) {
      const expected = await prepareImage(bytes);
      expect(fromPool[i]!.shape).toEqual(expected.shape);
      expect(Buffer.from(fromPool[i]!.data.buffer).equals(Buffer.from(expected.data.buffer)), `image ${i}`).toBe(true);
    }
  }, 30_000);

  it("refuses garbage and over-limit images with the library's error codes; the bytes given stay intact", async () => {
    const bytes = garbage(200);
    const copy = bytes.slice();
    await expect(pool.preprocess(bytes)).rejects.toSatisfy((e: unknown) => e instanceof GhostnetError && e.code === "IMAGE_DECODE");
    expect(bytes).toEqual(copy);
    await expect(pool.preprocess(pngClaiming(2000, 2000))).rejects.toSatisfy((e: unknown) => e instanceof GhostnetError && e.code === "LIMIT");
  });

  it("behind the handler: the same answers as classifier.classify", async () => {
    const model = await loadModel(smallGhostNetBytes());
    const handler = createHandler(model, { preprocess: pool.preprocess, maxBatch: 4, maxDelayMs: 10 });
    const classifier = createClassifier(model);
    const images = sampleImages();
    const answers = await Promise.all(
      images.map((image) => handler.fetch(new Request("http://x/v1/classify", { method: "POST", body: image.bytes, headers: { "content-type": "image/jpeg" } })).then((r) => r.json())),
    );
    for (const [i, image] of images.entries()) expect(answers[i]).toEqual({ top: await classifier.classify(image.bytes) });
    const refused = await handler.fetch(new Request("http://x/v1/classify", { method: "POST", body: garbage(99), headers: { "content-type": "image/png" } }));
    expect(refused.status).toBe(400);
    await handler.close();
    await model.dispose();
  }, 30_000);
});
