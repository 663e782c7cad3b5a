/**
 * EXIF orientation: cameras store the sensor's pixels as they came and record in a tag
 * how to turn them upright. OpenCV's `imread` (without IMREAD_IGNORE_ORIENTATION) applies
 * the tag, so PaddleClas sees the photo upright and so must we.
 *
 * Tag value → what to do with the stored pixels (OpenCV's ApplyExifOrientation):
 *   1 nothing         2 mirror left↔right    3 rotate 180°          4 mirror top↔bottom
 *   5 transpose       6 rotate 90° clockwise 7 transverse           8 rotate 90° anticlockwise
 */
import type { RgbImage } from "./rgb-image.js";

/** An EXIF orientation: 1 is upright; 2–8 are the mirrored and rotated variants. */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/**
 * The orientation tag (0x0112) of IFD0 in an EXIF block (the APP1 payload after
 * "Exif\0\0": a TIFF header, then IFDs). Anything malformed or missing reads as 1:
 * a broken tag should not make a photo unreadable.
 */
export function readExifOrientation(tiff: Uint8Array): Orientation {
  if (tiff.length < 8) return 1;
  const littleEndian = tiff[0] === 0x49 && tiff[1] === 0x49; // "II"
  const bigEndian = tiff[0] === 0x4d && tiff[1] === 0x4d; // "MM"
  if (!littleEndian && !bigEndian) return 1;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (view.getUint16(2, littleEndian) !== 42) return 1;
  const ifd0 = view.getUint32(4, littleEndian);
  if (ifd0 + 2 > tiff.length) return 1;
  const entries = view.getUint16(ifd0, littleEndian);
  for (let i = 0; i < entries; i++) {
    const entry = ifd0 + 2 + 12 * i;
    if (entry + 12 > tiff.length) return 1;
    if (view.getUint16(entry, littleEndian) !== 0x0112) continue;
    const type = view.getUint16(entry + 2, littleEndian);
    if (type !== 3 /* SHORT */) return 1;
    const value = view.getUint16(entry + 8, littleEndian);
    return value >= 1 && value <= 8 ? (value as Orientation) : 1;
  }
  return 1;
}

/** The upright image: `image` turned as its orientation tag says (a new image unless 1). */
export function applyOrientation(image: RgbImage, orientation: Orientation): RgbImage {
  if (orientation === 1) return image;
  const { width: w, height: h, data } = image;
  const swapsSides = orientation >= 5;
  const outWidth = swapsSides ? h : w;
  const outHeight = swapsSides ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      // Source pixel (sx, sy) that lands on output pixel (x, y).
      let sx: number, sy: number;
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;
        case 4: sx = x; sy = h - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = h - 1 - x; break;
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;
        default: sx = w - 1 - y; sy = x; break; // 8
      }
      const from = (sy * w + sx) * 3;
      const to = (y * outWidth + x) * 3;
      out[to] = data[from]!;
      out[to + 1] = data[from + 1]!;
      out[to + 2] = data[from + 2]!;
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}
