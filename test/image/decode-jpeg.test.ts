/**
 * JPEG decoding: baseline and progressive, EXIF orientation, CMYK. Agreement with
 * OpenCV's pixels is measured in preprocess.test.ts (references from real cv2).
 */
import jpegJs from "jpeg-js";
import { describe, expect, it } from "vitest";
import { decodeImage } from "../../src/image/decode.js";
import { readJpegInfo } from "../../src/image/jpeg.js";
import { applyOrientation, readExifOrientation, type Orientation } from "../../src/image/orientation.js";
import { DEFAULT_DECODE_LIMITS, type RgbImage } from "../../src/image/rgb-image.js";
import { concatBytes, FIXTURES, readBytes, SAMPLES } from "./helpers.js";

/** An APP1 "Exif" segment holding only the orientation tag. */
function exifSegment(orientation: number, littleEndian: boolean): Uint8Array {
  const tiff = new Uint8Array(26);
  const view = new DataView(tiff.buffer);
  tiff.set(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]);
  view.setUint16(2, 42, littleEndian);
  view.setUint32(4, 8, littleEndian); // IFD0 at 8
  view.setUint16(8, 1, littleEndian); // one entry
  view.setUint16(10, 0x0112, littleEndian); // Orientation
  view.setUint16(12, 3, littleEndian); // SHORT
  view.setUint32(14, 1, littleEndian); // count
  view.setUint16(18, orientation, littleEndian);
  const payload = concatBytes([new TextEncoder().encode("Exif\0\0"), tiff]);
  return concatBytes([Uint8Array.of(0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 255), payload]);
}

/** A JPEG written by jpeg-js with `segment` inserted right after SOI. */
function jpegWith(segment: Uint8Array, width = 16, height = 8): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rgba.set([x * 15, y * 30, (x * y) & 255, 255], (y * width + x) * 4);
  }
  const encoded = new Uint8Array(jpegJs.encode({ width, height, data: rgba }, 95).data);
  return concatBytes([encoded.subarray(0, 2), segment, encoded.subarray(2)]);
}

function channel0(image: RgbImage): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < image.height; y++) {
    rows.push(Array.from({ length: image.width }, (_, x) => image.data[(y * image.width + x) * 3]!));
  }
  return rows;
}

describe("baseline and progressive JPEG", () => {
  it.each([
    ["ILSVRC2012_val_00000010.jpeg", 500, 375], ["ILSVRC2012_val_00010010.jpeg", 500, 375],
    ["ILSVRC2012_val_00020010.jpeg", 375, 500], ["ILSVRC2012_val_00030010.jpeg", 500, 333], ["whl_demo.jpg", 650, 647],
  ])("sample photo %s decodes to %i×%i", (name, width, height) => {
    const bytes = readBytes(`${SAMPLES}${name}`);
    expect(readJpegInfo(bytes, DEFAULT_DECODE_LIMITS).progressive).toBe(false);
    const image = decodeImage(bytes);
    expect([image.width, image.height, image.data.length]).toEqual([width, height, width * height * 3]);
  });

  it("a progressive file (cjpeg -progressive) gives the same pixels as its baseline twin", () => {
    // Both files come from the same picture at the same quality, so they hold the same
    // quantised coefficients; exif6.jpg is the baseline one, tagged "rotate 90° clockwise".
    const progressiveBytes = readBytes(`${FIXTURES}progressive.jpg`);
    expect(readJpegInfo(progressiveBytes, DEFAULT_DECODE_LIMITS).progressive).toBe(true);
    const progressive = decodeImage(progressiveBytes);
    const baselineUpright = decodeImage(readBytes(`${FIXTURES}exif6.jpg`));
    expect([progressive.width, progressive.height]).toEqual([301, 203]);
    expect([baselineUpright.width, baselineUpright.height]).toEqual([203, 301]);
    expect(Array.from(applyOrientation(progressive, 6).data)).toEqual(Array.from(baselineUpright.data));
  });

  it("an Adobe CMYK JPEG (ImageMagick) is converted to RGB", () => {
    const bytes = readBytes(`${FIXTURES}cmyk.jpg`);
    expect(readJpegInfo(bytes, DEFAULT_DECODE_LIMITS).components).toHaveLength(4);
    const image = decodeImage(bytes);
    expect([image.width, image.height]).toEqual([120, 81]);
  });
});

describe("EXIF orientation", () => {
  // A 3×2 picture with red = 10·y + x:   0  1  2
  //                                     10 11 12
  const picture: RgbImage = {
    width: 3, height: 2,
    data: Uint8Array.from([0, 1, 2, 10, 11, 12].flatMap((v) => [v, 0, 0])),
  };
  const upright: Record<Orientation, number[][]> = {
    1: [[0, 1, 2], [10, 11, 12]],
    2: [[2, 1, 0], [12, 11, 10]], // mirrored
    3: [[12, 11, 10], [2, 1, 0]], // rotated 180°
    4: [[10, 11, 12], [0, 1, 2]], // flipped top to bottom
    5: [[0, 10], [1, 11], [2, 12]], // transposed
    6: [[10, 0], [11, 1], [12, 2]], // rotated 90° clockwise
    7: [[12, 2], [11, 1], [10, 0]], // transversed
    8: [[2, 12], [1, 11], [0, 10]], // rotated 90° anticlockwise
  };
  it.each([1, 2, 3, 4, 5, 6, 7, 8] as Orientation[])("orientation %i by hand", (orientation) => {
    expect(channel0(applyOrientation(picture, orientation))).toEqual(upright[orientation]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])("a JPEG tagged %i decodes upright (big- and little-endian EXIF)", (orientation) => {
    const stored = decodeImage(jpegWith(new Uint8Array(0)));
    for (const littleEndian of [false, true]) {
      const tagged = decodeImage(jpegWith(exifSegment(orientation, littleEndian)));
      expect(tagged).toEqual(applyOrientation(stored, orientation as Orientation));
    }
  });

  it("orientation 6 agrees with OpenCV (exif6.jpg: stored 301×203, OpenCV reads 203×301)", () => {
    // The pixel comparison with cv2 is in preprocess.test.ts; here the geometry.
    const bytes = readBytes(`${FIXTURES}exif6.jpg`);
    expect(readJpegInfo(bytes, DEFAULT_DECODE_LIMITS).orientation).toBe(6);
    const image = decodeImage(bytes);
    expect([image.width, image.height]).toEqual([203, 301]);
  });

  it("a missing, malformed or out-of-range tag reads as 1", () => {
    expect(readExifOrientation(new Uint8Array(0))).toBe(1);
    expect(readExifOrientation(Uint8Array.of(0x49, 0x49, 42, 0, 200, 0, 0, 0))).toBe(1); // IFD past the end
    const nine = exifSegment(9, true).subarray(10); // the TIFF part with value 9
    expect(readExifOrientation(nine)).toBe(1);
    expect(readExifOrientation(exifSegment(8, true).subarray(10))).toBe(8);
    const broken = jpegWith(Uint8Array.of(0xff, 0xe1, 0x00, 0x08, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00)); // "Exif" and nothing
    expect(decodeImage(broken).width).toBe(16);
  });
});
