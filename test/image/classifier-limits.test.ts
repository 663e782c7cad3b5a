/**
 * createClassifier's `imageLimits` reach the image decoder: an image over the caller's
 * limit is refused (LimitError) before decoding, the same image passes with the
 * default limits, and bad limit values are refused when the classifier is created.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { createClassifier } from "../../src/classifier.js";
import { InputError, LimitError } from "../../src/errors.js";
import { decodeImage } from "../../src/image/decode.js";
import { loadModel } from "../../src/load-model.js";
import type { Model } from "../../src/model.js";
import { smallGhostNetBytes } from "../robustness/models.js";

const png = new Uint8Array(readFileSync("test/fixtures/images/grey8.png"));
const jpeg = new Uint8Array(readFileSync("test/fixtures/images/exif6.jpg"));

describe("classifier image limits", () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(smallGhostNetBytes());
  });

  for (const [format, bytes] of [["PNG", png], ["JPEG", jpeg]] as const) {
    it(`${format}: maxPixels one below the image's pixel count refuses it; the default accepts it`, async () => {
      const { width, height } = decodeImage(bytes);
      const strict = createClassifier(model, { imageLimits: { maxPixels: width * height - 1 } });
      await expect(strict.classify(bytes)).rejects.toBeInstanceOf(LimitError);
      const exact = createClassifier(model, { imageLimits: { maxPixels: width * height } });
      expect(await exact.classify(bytes)).toHaveLength(5);
      expect(await createClassifier(model).classify(bytes)).toHaveLength(5);
    });

    it(`${format}: maxDimension below the larger side refuses it`, async () => {
      const { width, height } = decodeImage(bytes);
      const strict = createClassifier(model, { imageLimits: { maxDimension: Math.max(width, height) - 1 } });
      await expect(strict.preprocess(bytes)).rejects.toBeInstanceOf(LimitError);
    });
  }

  it("refuses unknown or non-positive limits when the classifier is created", () => {
    expect(() => createClassifier(model, { imageLimits: { maxPixels: 0 } })).toThrow(InputError);
    expect(() => createClassifier(model, { imageLimits: { maxPixels: Number.NaN } })).toThrow(InputError);
    expect(() => createClassifier(model, { imageLimits: { maxPixel: 5 } as never })).toThrow(/unknown image limit 'maxPixel'/);
  });
});
