/**
 * The PaddleOCR text-direction classifier (ch_ppocr_mobile_v2.0_cls_infer.onnx, a
 * MobileNetV3 from Paddle2ONNX): given a cropped text line, is it upright ("0") or
 * upside down ("180")? The demo runs it to show a real model giving a real answer.
 *
 * PaddleOCR's preprocessing (ppocr ClsResizeImg / TextClassifier.resize_norm_img),
 * input [N, 3, 48, 192]:
 *   width' = min(192, ceil(48 · width / height)); bilinear resize to width'×48;
 *   x / 255, minus 0.5, divided by 0.5 (so [−1, 1]); CHW; zeros to the right up to 192.
 * PaddleOCR reads images with OpenCV, so the channels are B, G, R; grey text makes that moot,
 * but the order is kept.
 */
import { resizeBilinear } from "../image/resize.js";
import type { RgbImage } from "../image/rgb-image.js";
import { packageDataPath } from "../node/data.js";
import { Tensor } from "../tensor/tensor.js";

export const DIRECTION_INPUT = { height: 48, width: 192 } as const;
/** The classifier's two classes, in output order. */
export const DIRECTION_LABELS = ["0°", "180°"] as const;

const MODEL_FILE = "ch_ppocr_mobile_v2.0_cls_infer.onnx";

/** The model, shipped as package data (data/models; provenance and licence in its NOTICE.md). */
export function directionModelPath(): string {
  return packageDataPath("models", MODEL_FILE);
}

/** Text lines → the classifier's [N, 3, 48, 192] input, as PaddleOCR prepares it. */
export function directionInput(lines: readonly RgbImage[]): Tensor {
  const { height: H, width: W } = DIRECTION_INPUT;
  const batch = new Tensor([lines.length, 3, H, W]);
  lines.forEach((line, n) => {
    const width = Math.min(W, Math.ceil((H * line.width) / line.height));
    const resized = resizeBilinear(line, width, H);
    for (let c = 0; c < 3; c++) {
      const rgbChannel = 2 - c; // B, G, R
      const plane = (n * 3 + c) * H * W;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < width; x++) {
          batch.data[plane + y * W + x] = (resized.data[(y * width + x) * 3 + rgbChannel]! / 255 - 0.5) / 0.5;
        }
      }
    }
  });
  return batch;
}
