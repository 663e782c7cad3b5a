/**
 * OpenCV-compatible bilinear resize: hand-worked cases, then byte-exact agreement with
 * cv2.resize(INTER_LINEAR) on random images (pairs made by
 * scripts/make-preprocess-references.py with OpenCV 4.6).
 */
import { describe, expect, it } from "vitest";
import { resizeBilinear, roundHalfEven } from "../../src/image/resize.js";
import { FIXTURES, readNpyFile } from "./helpers.js";

describe("resizeBilinear", () => {
  it("2×2 → 4×4 by hand: half-pixel centres, edges clamped", () => {
    // Output column dx samples source x = (dx + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25:
    // columns 0 and 3 sit past the edges (the edge value), 1 and 2 mix ¾:¼ and ¼:¾.
    //   row 0 [0, 100]  → 0, 25, 75, 100
    //   row 1 [200, 40] → 200, 160, 80, 40
    // Rows mix the same way: output rows 1 and 2 are ¾·row0 + ¼·row1 and ¼·row0 + ¾·row1,
    // e.g. ¾·25 + ¼·160 = 58.75 → 59 and ¼·75 + ¾·80 = 78.75 → 79. (cv2.resize agrees.)
    const src = { width: 2, height: 2, data: Uint8Array.of(0, 100, 200, 40) };
    const out = resizeBilinear(src, 4, 4, 1);
    expect(Array.from(out.data)).toEqual([
      0, 25, 75, 100,
      50, 59, 76, 85,
      150, 126, 79, 55,
      200, 160, 80, 40,
    ]);
  });

  it("1×1 → 3×2 repeats the pixel; same size is a copy", () => {
    const one = { width: 1, height: 1, data: Uint8Array.of(9, 8, 7) };
    expect(Array.from(resizeBilinear(one, 3, 2).data)).toEqual([9, 8, 7, 9, 8, 7, 9, 8, 7, 9, 8, 7, 9, 8, 7, 9, 8, 7]);
    const same = resizeBilinear(one, 1, 1);
    expect(Array.from(same.data)).toEqual([9, 8, 7]);
    expect(same.data).not.toBe(one.data);
  });

  it("4×2 → 2×1 (exact halving) is OpenCV's INTER_AREA: rounded 2×2 means", () => {
    const src = { width: 4, height: 2, data: Uint8Array.of(0, 1, 10, 20, 2, 2, 30, 41) };
    // (0+1+2+2+2)>>2 = 1 (mean 1.25); (10+20+30+41+2)>>2 = 25 (mean 25.25).
    expect(Array.from(resizeBilinear(src, 2, 1, 1).data)).toEqual([1, 25]);
  });

  it.each(["7x5-to-13x9", "37x23-to-20x31", "50x40-to-33x256"])("equals cv2.resize byte for byte: %s", (name) => {
    const src = readNpyFile(`${FIXTURES}resize-${name}.src.npy`);
    const dst = readNpyFile(`${FIXTURES}resize-${name}.dst.npy`);
    const [h, w] = src.shape as [number, number];
    const [h2, w2] = dst.shape as [number, number];
    const out = resizeBilinear({ width: w, height: h, data: src.data as Uint8Array }, w2, h2, 3);
    expect(out.width).toBe(w2);
    expect(out.height).toBe(h2);
    expect(Array.from(out.data)).toEqual(Array.from(dst.data));
  });

  it("roundHalfEven rounds ties to even like cvRound and Python's round", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6, 1535.5, 1536.5].map(roundHalfEven)).toEqual([0, 2, 2, 0, -2, 2, 3, 1536, 1536]);
  });
});
