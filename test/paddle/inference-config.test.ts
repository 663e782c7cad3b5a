/**
 * inference.yml preprocessing (src/loader/paddle/inference-config.ts → src/image/pipeline.ts)
 * against hand-computed tensors, and the real PP-LCNet textline file.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { prepareImage } from "../../src/classifier.js";
import { InputError, LimitError } from "../../src/errors.js";
import { setPngDecoder } from "../../src/image/png.js";
import { pngjsDecoder } from "../../src/image/png-node.js";
import { pipelinePreprocessor, runImagePipeline } from "../../src/image/pipeline.js";
import type { RgbImage } from "../../src/image/rgb-image.js";
import { parseInferenceConfig } from "../../src/loader/paddle/inference-config.js";
import { writePng } from "../image/helpers.js";

beforeAll(() => setPngDecoder(pngjsDecoder));

const f = Math.fround;
/** NumPy's float32 (x·scale − mean) / std, one rounding per operation. */
const norm = (x: number, scale: number, mean: number, std: number): number => f(f(f(x * f(scale)) - f(mean)) / f(std));

/** A w×h RGB image whose pixel (x, y) channel c is `value(x, y, c)`. */
function image(width: number, height: number, value: (x: number, y: number, c: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = value(x, y, c);
  return { width, height, data };
}

const yml = (ops: string, post = ""): string => `PreProcess:\n  transform_ops:\n${ops}${post}`;

describe("inference.yml → preprocessing, hand-computed", () => {
  it("CropImage [w, h] picks the centred window; NormalizeImage with a '1.0/255.0' scale", () => {
    // 6×4 image, crop [2, 2]: columns (6−2)//2 = 2..3, rows (4−2)//2 = 1..2.
    const config = parseInferenceConfig(
      yml("  - CropImage:\n      size: [2, 2]\n  - NormalizeImage:\n      scale: 1.0/255.0\n      mean: [0.5, 0.5, 0.5]\n      std: [0.25, 0.5, 1.0]\n      order: ''\n  - ToCHWImage:\n"),
    );
    const rgb = image(6, 4, (x, y, c) => 10 * x + 60 * y + c);
    const tensor = runImagePipeline(rgb, config.preprocess);
    expect(tensor.shape).toEqual([1, 3, 2, 2]);
    const expected: number[] = [];
    const [means, stds] = [[0.5, 0.5, 0.5], [0.25, 0.5, 1.0]];
    for (let c = 0; c < 3; c++) for (let y = 1; y <= 2; y++) for (let x = 2; x <= 3; x++) expected.push(norm(10 * x + 60 * y + c, 1 / 255, means[c]!, stds[c]!));
    expect(Array.from(tensor.data)).toEqual(expected);
  });

  it("ResizeImage size [w, h] halving both sides is OpenCV's 2×2 mean (rounded); DecodeImage to_rgb: false swaps to BGR", () => {
    const config = parseInferenceConfig(
      yml("  - DecodeImage:\n      to_rgb: false\n  - ResizeImage:\n      size: [2, 1]\n  - NormalizeImage:\n      scale: 1\n      mean: [0, 0, 0]\n      std: [1, 1, 1]\n  - ToCHWImage: null\n"),
    );
    // 4×2 image: the 2×2 block means, (a + b + c + d + 2) >> 2.
    const values = [
      [1, 2, 10, 13],
      [4, 4, 20, 30],
    ];
    const rgb = image(4, 2, (x, y, c) => values[y]![x]! * (c + 1));
    const tensor = runImagePipeline(rgb, config.preprocess);
    expect(tensor.shape).toEqual([1, 3, 1, 2]);
    const block = (c: number, bx: number): number => {
      const sum = [0, 1].flatMap((dy) => [0, 1].map((dx) => values[dy]![2 * bx + dx]! * (c + 1))).reduce((a, b) => a + b, 0);
      return (sum + 2) >> 2;
    };
    // BGR: channel 0 of the tensor is the image's blue (c = 2).
    expect(Array.from(tensor.data)).toEqual([block(2, 0), block(2, 1), block(1, 0), block(1, 1), block(0, 0), block(0, 1)]);
  });

  it("ResizeImage resize_short + CropImage equal PaddleClas's defaults (the existing preprocess)", async () => {
    const config = parseInferenceConfig(
      yml(
        "  - ResizeImage:\n      resize_short: 256\n  - CropImage:\n      size: 224\n  - NormalizeImage:\n      scale: 0.00392157\n" +
          "      mean: [0.485, 0.456, 0.406]\n      std: [0.229, 0.224, 0.225]\n      order: ''\n  - ToCHWImage:\n",
      ),
    );
    const png = writePng(300, 260, 8, 2, Array.from({ length: 300 * 260 * 3 }, (_, i) => (i * 7919) % 251));
    const ours = await prepareImage(png, pipelinePreprocessor(config.preprocess));
    const paddleClas = await prepareImage(png);
    expect(ours.shape).toEqual([1, 3, 224, 224]);
    expect(Array.from(ours.data)).toEqual(Array.from(paddleClas.data));
  });

  it("the real PP-LCNet_x0_25_textline_ori inference.yml (anchors, PaddleX layout)", () => {
    const config = parseInferenceConfig(readFileSync(new URL("../../data/models/PP-LCNet_x0_25_textline_ori/inference.yml", import.meta.url), "utf8"));
    expect(config.modelName).toBe("PP-LCNet_x0_25_textline_ori");
    expect(config.preprocess).toEqual([
      { op: "resize", width: 160, height: 80 },
      { op: "normalize", scale: 0.00392156862745098, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      { op: "to-chw" },
    ]);
    expect(config.labels).toEqual(["0_degree", "180_degree"]);
    expect(config.topk).toBe(1);
  });

  it("image limits reach the pipeline's decoder; a huge resize_short result is refused", async () => {
    const steps = parseInferenceConfig(yml("  - ResizeImage:\n      resize_short: 5000\n  - NormalizeImage: {}\n")).preprocess;
    const png = writePng(4000, 2, 8, 2, new Array(4000 * 2 * 3).fill(9));
    await expect(prepareImage(png, pipelinePreprocessor(steps), { maxPixels: 100 })).rejects.toThrow(LimitError);
    await expect(prepareImage(png, pipelinePreprocessor(steps))).rejects.toThrow(/more than 50000000 pixels/);
  });
});

describe("inference.yml errors: one InputError line each", () => {
  const cases: [string, string, RegExp][] = [
    ["not YAML", "PreProcess: [unclosed", /not readable YAML/],
    ["no transform_ops", "PostProcess: {}\n", /transform_ops is missing/],
    ["an unknown step", yml("  - RandomFlip: {}\n"), /RandomFlip .* is not supported/],
    ["steps out of order", yml("  - NormalizeImage: {}\n  - ResizeImage:\n      size: 4\n"), /must run decode → resize/],
    ["no normalize", yml("  - ResizeImage:\n      size: 4\n"), /no normalize step/],
    ["a zero std", yml("  - NormalizeImage:\n      std: [1, 0, 1]\n"), /non-zero stds/],
    ["a bad size", yml("  - ResizeImage:\n      size: [1, 2, 3]\n  - NormalizeImage: {}\n"), /size must be a number or \[width, height\]/],
    ["CHW order before ToCHW", yml("  - NormalizeImage:\n      order: chw\n"), /order "chw" is not supported/],
    ["pil backend", yml("  - ResizeImage:\n      size: 4\n      backend: pil\n  - NormalizeImage: {}\n"), /backend "pil"/],
  ];
  for (const [what, text, pattern] of cases) {
    it(what, () => {
      expect(() => parseInferenceConfig(text)).toThrow(InputError);
      expect(() => parseInferenceConfig(text)).toThrow(pattern);
    });
  }
  it("a python tag constructs nothing (it is only a string)", () => {
    const config = parseInferenceConfig(yml("  - NormalizeImage: {}\n", "Global:\n  model_name: !!python/object/apply:os.system [echo]\n"));
    expect(config.modelName).toBeUndefined();
  });
});
