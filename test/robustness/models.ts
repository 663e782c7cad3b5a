/**
 * Models shared by the robustness suites, built once per test file: the tiny
 * GhostNet-shaped graph (graph executor) and a small GhostNet fixture (both engines).
 */
import { makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { imageLikeBatch } from "../../src/ghostnet/fixture.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { tinyGhostLikeModel } from "../fuzz/onnx-seeds.js";

let ghostnetSmall: Uint8Array | undefined;

/** GhostNet x0.25 in the modern Paddle2ONNX style, 10 classes, dynamic input size (≈1.5 MB); calibrated on two images so the softmax is not saturated at small sizes. */
export function smallGhostNetBytes(): Uint8Array {
  ghostnetSmall ??= makeGhostNetFixture({
    scale: 0.25, style: "modern", seed: 11, classCount: 10, calibrationBatch: 2, calibrationSize: 64, inputSize: "dynamic",
  });
  return ghostnetSmall;
}

export function tinyGraphBytes(): Uint8Array {
  return tinyGhostLikeModel("initializers-opset13");
}

/** `n` seeded image-like inputs [1, 3, size, size], all different. */
export function images(n: number, size: number, seed = 5): Tensor[] {
  return Array.from({ length: n }, (_, i) => imageLikeBatch(1, seed + i, size));
}

/** Bitwise equality of two float arrays (NaN equal to NaN of the same bits). */
export function bitwiseEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
