/**
 * PNG decoding: every colour type and bit depth, drawn here with known samples, must
 * come back as the RGB that OpenCV's imread(IMREAD_COLOR) gives: grey replicated,
 * low-bit grey scaled to 0..255, 16-bit → high byte, palette looked up, alpha dropped.
 */
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { decodeImage } from "../../src/image/decode.js";
import { decodePng, setPngDecoder } from "../../src/image/png.js";
import { pngjsDecoder } from "../../src/image/png-node.js";
import { concatBytes, pngChunk, readBytes, samplePattern, writePng, FIXTURES } from "./helpers.js";

const W = 5;
const H = 3;

/** Expected RGB from samples by OpenCV's rules. */
function expectedRgb(colorType: number, depth: number, samples: number[], palette?: number[]): number[] {
  const perPixel = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType]!;
  const to8 = (v: number): number => (depth === 16 ? v >> 8 : depth < 8 ? (v * 255) / ((1 << depth) - 1) : v);
  const out: number[] = [];
  for (let p = 0; p < W * H; p++) {
    const s = samples.slice(p * perPixel, (p + 1) * perPixel);
    if (colorType === 3) out.push(...palette!.slice(s[0]! * 3, s[0]! * 3 + 3));
    else if (colorType === 0 || colorType === 4) out.push(to8(s[0]!), to8(s[0]!), to8(s[0]!));
    else out.push(to8(s[0]!), to8(s[1]!), to8(s[2]!));
  }
  return out;
}

describe("PNG colour types and bit depths", () => {
  const cases: [string, number, number][] = [
    ["grey 1-bit", 0, 1], ["grey 2-bit", 0, 2], ["grey 4-bit", 0, 4], ["grey 8-bit", 0, 8], ["grey 16-bit", 0, 16],
    ["RGB 8-bit", 2, 8], ["RGB 16-bit", 2, 16],
    ["grey+alpha 8-bit", 4, 8], ["grey+alpha 16-bit", 4, 16],
    ["RGBA 8-bit", 6, 8], ["RGBA 16-bit", 6, 16],
  ];
  it.each(cases)("%s", (_name, colorType, depth) => {
    const perPixel = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType]!;
    const samples = samplePattern(W * H * perPixel, (1 << depth) - 1, colorType * 100 + depth);
    const image = decodeImage(writePng(W, H, depth, colorType, samples));
    expect([image.width, image.height]).toEqual([W, H]);
    expect(Array.from(image.data)).toEqual(expectedRgb(colorType, depth, samples));
  });

  it.each([1, 2, 4, 8])("palette %i-bit with tRNS: colours looked up, transparency ignored", (depth) => {
    const entries = 1 << Math.min(depth, 4);
    const palette = samplePattern(entries * 3, 255, 7 + depth);
    const indices = samplePattern(W * H, entries - 1, 3 + depth);
    const transparency = Uint8Array.from({ length: entries }, (_, i) => (i * 37) & 255);
    const bytes = writePng(W, H, depth, 3, indices, [pngChunk("PLTE", Uint8Array.from(palette)), pngChunk("tRNS", transparency)]);
    expect(Array.from(decodeImage(bytes).data)).toEqual(expectedRgb(3, depth, indices, palette));
  });

  it("16-bit samples keep their high byte (v >> 8), as OpenCV's strip-16 does, not round(v/257)", () => {
    // 0x80FF: >> 8 gives 128, rounding would give 129.
    const image = decodeImage(writePng(1, 1, 16, 2, [0x80ff, 0x00ff, 0xfeff]));
    expect(Array.from(image.data)).toEqual([0x80, 0x00, 0xfe]);
  });

  it("a colour-key tRNS on RGB keeps the colour, as cv2.imdecode does (pngjs alone would blacken it)", () => {
    const trns = Uint8Array.of(0, 10, 0, 20, 0, 30); // the RGB colour (10, 20, 30) is "transparent"
    const bytes = writePng(2, 1, 8, 2, [10, 20, 30, 1, 2, 3], [pngChunk("tRNS", trns)]);
    expect(Array.from(decodeImage(bytes).data)).toEqual([10, 20, 30, 1, 2, 3]);
  });

  it("files written by pngjs decode to what was drawn (RGBA, alpha dropped)", () => {
    const png = new PNG({ width: 3, height: 2 });
    const rgba = samplePattern(3 * 2 * 4, 255, 99);
    png.data.set(rgba);
    const bytes = new Uint8Array(PNG.sync.write(png));
    const expected = rgba.filter((_, i) => i % 4 !== 3);
    expect(Array.from(decodeImage(bytes).data)).toEqual(expected);
  });

  it("an interlaced (Adam7) PNG decodes like the same picture non-interlaced", () => {
    const interlaced = decodeImage(readBytes(`${FIXTURES}interlaced.png`));
    const plain = decodeImage(readBytes(`${FIXTURES}rgb8.png`));
    expect([interlaced.width, interlaced.height]).toEqual([120, 90]);
    for (const y of [0, 45, 89]) {
      const row = Array.from(interlaced.data.subarray(y * 120 * 3, (y + 1) * 120 * 3));
      expect(row).toEqual(Array.from(plain.data.subarray(y * 403 * 3, y * 403 * 3 + 120 * 3)));
    }
  });

  it.each([true, false])("an eXIf orientation is applied as cv2.imread does (chunk before IDAT: %s)", (before) => {
    // 3×2 RGB with bytes 0..17, orientation 6. Expected: cv2.imread's output (OpenCV 4.6),
    // which turns it to 2×3 — the same rotation as for JPEG.
    const tiff = new Uint8Array(26);
    const view = new DataView(tiff.buffer);
    tiff.set([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6]);
    expect(view.getUint16(18)).toBe(6);
    const samples = Array.from({ length: 18 }, (_, i) => i);
    const exif = pngChunk("eXIf", tiff);
    const plain = writePng(3, 2, 8, 2, samples);
    const iend = plain.length - 12;
    const idat = before ? 33 : iend; // after IHDR, or just before IEND
    const bytes = concatBytes([plain.subarray(0, idat), exif, plain.subarray(idat)]);
    const image = decodeImage(bytes);
    expect([image.width, image.height]).toEqual([2, 3]);
    expect(Array.from(image.data)).toEqual([9, 10, 11, 0, 1, 2, 12, 13, 14, 3, 4, 5, 15, 16, 17, 6, 7, 8]);
  });

  it("without an installed decoder the core decodes PNG with its built-in inflate", () => {
    const bytes = writePng(1, 1, 8, 0, [5]);
    setPngDecoder(undefined);
    try {
      expect(Array.from(decodePng(bytes).data)).toEqual([5, 5, 5]);
    } finally {
      setPngDecoder(pngjsDecoder);
    }
    expect(Array.from(decodePng(bytes).data)).toEqual([5, 5, 5]);
  });
});
