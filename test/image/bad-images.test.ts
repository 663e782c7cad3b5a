/**
 * Bad image data on purpose: each case must fail fast with a typed error and one clear
 * line — never a hang, a crash deep inside a decoder, or an allocation sized by an
 * unchecked header.
 */
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ImageDecodeError, LimitError } from "../../src/errors.js";
import { decodeImage } from "../../src/image/decode.js";
import { inflatedSize } from "../../src/image/png.js";
import { fromImageData } from "../../src/image/rgb-image.js";
import { concatBytes, FIXTURES, pngChunk, pngHeader, readBytes, SAMPLES, writePng } from "./helpers.js";

/** Runs `decode`, expects the error class, a one-line message matching `pattern`; returns ms taken. */
function expectFailure(decode: () => unknown, type: typeof ImageDecodeError | typeof LimitError, pattern: RegExp): number {
  const start = performance.now();
  let caught: unknown;
  try {
    decode();
  } catch (error) {
    caught = error;
  }
  const elapsed = performance.now() - start;
  expect(caught, "expected an error").toBeInstanceOf(type);
  const message = (caught as Error).message;
  expect(message).toMatch(pattern);
  expect(message).not.toContain("\n");
  return elapsed;
}

/** A JPEG made of SOI, a frame header (SOF0) and EOI only. */
function jpegHeaderOnly(width: number, height: number, components = 3): Uint8Array {
  const sof = [0xff, 0xc0, 0, 8 + 3 * components, 8, height >> 8, height & 255, width >> 8, width & 255, components];
  for (let i = 0; i < components; i++) sof.push(i + 1, 0x11, 0);
  return Uint8Array.from([0xff, 0xd8, ...sof, 0xff, 0xd9]);
}

const jpeg = readBytes(`${SAMPLES}whl_demo.jpg`);
const png = readBytes(`${FIXTURES}grey8.png`);

describe("not an image", () => {
  it("empty data", () => {
    expectFailure(() => decodeImage(new Uint8Array(0)), ImageDecodeError, /not an image: the data is empty/);
  });
  it("text", () => {
    expectFailure(() => decodeImage(new TextEncoder().encode("hello, world")), ImageDecodeError, /not an image: expected JPEG or PNG data, the first bytes are 68 65 6c 6c/);
  });
  it("a value that is not bytes", () => {
    expectFailure(() => decodeImage([1, 2, 3] as unknown as Uint8Array), ImageDecodeError, /expects the file's bytes as a Uint8Array or ArrayBuffer, got Array/);
  });
  it("an ArrayBuffer is accepted as bytes", () => {
    expect(decodeImage(png.slice().buffer).width).toBe(61);
  });
  it("other formats are named", () => {
    expectFailure(() => decodeImage(new TextEncoder().encode("GIF89a......")), ImageDecodeError, /unsupported image format GIF/);
    expectFailure(() => decodeImage(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 ")), ImageDecodeError, /unsupported image format WebP/);
  });
});

describe("truncated files", () => {
  it.each([3, 4, 20, 100, 620, 5000, Math.floor(jpeg.length / 2), jpeg.length - 2, jpeg.length - 1])(
    "JPEG cut at byte %i", (cut) => {
      const ms = expectFailure(() => decodeImage(jpeg.slice(0, cut)), ImageDecodeError, /^truncated JPEG: .*file ends at byte \d+/);
      expect(ms).toBeLessThan(200); // refused by the marker walk, before decoding
    },
  );

  it.each([8, 12, 20, 33, 40, Math.floor(png.length / 2), png.length - 4, png.length - 1])("PNG cut at byte %i", (cut) => {
    expectFailure(() => decodeImage(png.slice(0, cut)), ImageDecodeError, /^truncated PNG: /);
  });

  it("first bytes only: too short to tell", () => {
    expectFailure(() => decodeImage(jpeg.slice(0, 2)), ImageDecodeError, /not an image/);
    expectFailure(() => decodeImage(png.slice(0, 5)), ImageDecodeError, /not an image/);
  });
});

describe("corrupt files", () => {
  it("PNG image data that fails its CRC", () => {
    const bad = png.slice();
    const idat = findAscii(bad, "IDAT");
    bad[idat + 10] ^= 0xff;
    expectFailure(() => decodeImage(bad), ImageDecodeError, /^corrupt PNG: /);
  });
  it("JPEG with an unsupported coding (lossless SOF3) or 12-bit samples", () => {
    const lossless = jpegHeaderOnly(8, 8);
    lossless[3] = 0xc3;
    expectFailure(() => decodeImage(lossless), ImageDecodeError, /unsupported JPEG coding: lossless \(SOF3\)/);
    const twelveBit = jpegHeaderOnly(8, 8);
    twelveBit[6] = 12;
    expectFailure(() => decodeImage(twelveBit), ImageDecodeError, /12-bit samples/);
  });
  it("JPEG header without scan data", () => {
    expectFailure(() => decodeImage(jpegHeaderOnly(8, 8)), ImageDecodeError, /^corrupt JPEG: /);
  });
});

describe("decompression bombs", () => {
  // 8 MB of zeros deflate to about 8 kB; the header asks for a 4×4 RGB image (a few dozen bytes).
  const bomb = new Uint8Array(deflateSync(new Uint8Array(8_000_000)));
  const header = (interlaced: boolean): Uint8Array => {
    const ihdr = pngHeader(4, 4, 8, 2);
    ihdr[8 + 12] = interlaced ? 1 : 0;
    return pngChunk("IHDR", ihdr.subarray(8, 21));
  };
  const signature = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  it.each([true, false])("interlaced %s: image data inflating far past the header's size is refused", (interlaced) => {
    const bytes = concatBytes([signature, header(interlaced), pngChunk("IDAT", bomb), pngChunk("IEND", new Uint8Array(0))]);
    const ms = expectFailure(() => decodeImage(bytes), ImageDecodeError, /^corrupt PNG: /);
    expect(ms).toBeLessThan(500);
  });
  it("inflatedSize counts filter bytes per row, and per Adam7 pass", () => {
    const plain = { width: 5, height: 3, depth: 8, colorType: 2, interlaced: false };
    expect(inflatedSize(plain)).toBe(3 * (1 + 15));
    expect(inflatedSize({ ...plain, width: 1, height: 1, interlaced: true })).toBe(1 + 3); // pass 1 only
    // 1-bit grey 9×1: 1 + 2 bytes plain; interlaced, passes 1 (x 0, 8), 2 (x 4), 4 (x 2, 6) and
    // 6 (x 1, 3, 5, 7) have one row of 1 + 1 bytes each, passes 3, 5, 7 no rows.
    expect(inflatedSize({ width: 9, height: 1, depth: 1, colorType: 0, interlaced: false })).toBe(3);
    expect(inflatedSize({ width: 9, height: 1, depth: 1, colorType: 0, interlaced: true })).toBe(2 + 2 + 2 + 2);
  });
});

describe("sizes", () => {
  it("a 60000×60000 JPEG header is refused before anything is allocated", () => {
    const ms = expectFailure(() => decodeImage(jpegHeaderOnly(60000, 60000)), LimitError, /JPEG image is 60000×60000 \(3600\.0 MP\); the limit is 50\.0 MP/);
    expect(ms).toBeLessThan(50);
  });

  it("a 60000×60000 PNG header is refused before inflating", () => {
    const bytes = concatBytes([
      Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), pngHeader(60000, 60000, 8, 2),
      pngChunk("IDAT", Uint8Array.of(0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01)), pngChunk("IEND", new Uint8Array(0)),
    ]);
    const ms = expectFailure(() => decodeImage(bytes), LimitError, /PNG image is 60000×60000/);
    expect(ms).toBeLessThan(50);
  });

  it("limits are configurable, and jpeg-js's memory cap surfaces as a LimitError", () => {
    expectFailure(() => decodeImage(jpeg, { maxPixels: 100_000 }), LimitError, /650×647 \(0\.4 MP\); the limit is 0\.1 MP/);
    expectFailure(() => decodeImage(jpeg, { maxDimension: 600 }), LimitError, /each side may be at most 600 pixels/);
    expectFailure(() => decodeImage(jpeg, { maxMemoryMB: 1 }), LimitError, /needs more memory than allowed/);
  });

  it("zero-size images", () => {
    expectFailure(() => decodeImage(jpegHeaderOnly(0, 10)), ImageDecodeError, /JPEG header declares an empty image \(0×10\)/);
    const emptyPng = writePng(1, 1, 8, 0, [0]);
    emptyPng.set(pngHeader(5, 0, 8, 0), 8); // same IHDR length, height 0
    expectFailure(() => decodeImage(emptyPng), ImageDecodeError, /PNG header declares an empty image \(5×0\)/);
  });
});

describe("CMYK JPEG", () => {
  it("without an Adobe marker it is refused clearly", () => {
    const cmyk = readBytes(`${FIXTURES}cmyk.jpg`);
    const adobe = findAscii(cmyk, "Adobe") - 4; // FF EE, length, "Adobe"
    expect(cmyk[adobe + 1]).toBe(0xee);
    const length = (cmyk[adobe + 2]! << 8) | cmyk[adobe + 3]!;
    const stripped = concatBytes([cmyk.subarray(0, adobe), cmyk.subarray(adobe + 2 + length)]);
    expectFailure(() => decodeImage(stripped), ImageDecodeError, /4 components \(CMYK\) without an Adobe APP14 marker/);
  });
  it("with it (as Photoshop and ImageMagick write them) it is converted", () => {
    expect(decodeImage(readBytes(`${FIXTURES}cmyk.jpg`)).width).toBe(120);
  });
});

describe("fromImageData", () => {
  it("drops alpha (no compositing)", () => {
    const rgba = Uint8ClampedArray.of(1, 2, 3, 0, 4, 5, 6, 128);
    expect(Array.from(fromImageData({ width: 2, height: 1, data: rgba }).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it("refuses a buffer of the wrong length and empty sizes", () => {
    expectFailure(() => fromImageData({ width: 2, height: 2, data: new Uint8ClampedArray(12) }), ImageDecodeError, /needs 16 bytes \(RGBA\), got 12/);
    expectFailure(() => fromImageData({ width: 0, height: 2, data: new Uint8ClampedArray(0) }), ImageDecodeError, /empty image/);
  });
});

function findAscii(bytes: Uint8Array, text: string): number {
  outer: for (let i = 0; i + text.length <= bytes.length; i++) {
    for (let j = 0; j < text.length; j++) if (bytes[i + j] !== text.charCodeAt(j)) continue outer;
    return i;
  }
  throw new Error(`${text} not found`);
}
