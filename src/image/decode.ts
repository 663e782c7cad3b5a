/**
 * Image bytes → 8-bit RGB, the way PaddleClas's `cv2.imread(path)[:, :, ::-1]` reads
 * them: JPEG (baseline, progressive; EXIF orientation applied) and PNG (every colour type
 * and depth; alpha dropped). See jpeg.ts and png.ts for the details that make the
 * pixels OpenCV's.
 */
import { ImageDecodeError } from "../errors.js";
import { decodeJpeg, isJpeg } from "./jpeg.js";
import { decodePng, isPng, type PngDecoder } from "./png.js";
import type { DecodeLimits, RgbImage } from "./rgb-image.js";

export interface DecodeOptions extends DecodeLimits {
  /** PNG decoder to use instead of the installed one (see `setPngDecoder`). */
  pngDecoder?: PngDecoder;
}

/**
 * Decodes JPEG or PNG bytes (a Uint8Array, Node Buffer or ArrayBuffer) to RGB.
 * Throws ImageDecodeError or LimitError, one line each.
 */
export function decodeImage(input: Uint8Array | ArrayBuffer, options: DecodeOptions = {}): RgbImage {
  const bytes = asBytes(input);
  if (bytes.length === 0) throw new ImageDecodeError("not an image: the data is empty (0 bytes)");
  if (isJpeg(bytes)) return decodeJpeg(bytes, options);
  if (isPng(bytes)) return decodePng(bytes, options, options.pngDecoder);
  const other = recogniseOtherFormat(bytes);
  if (other !== undefined) throw new ImageDecodeError(`unsupported image format ${other}: only JPEG and PNG are decoded`);
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new ImageDecodeError(`not an image: expected JPEG or PNG data, the first bytes are ${head}`);
}

/** The bytes as a Uint8Array; checked by tag, not instanceof, so arrays from other realms pass. */
function asBytes(input: unknown): Uint8Array {
  const tag = Object.prototype.toString.call(input);
  if (tag === "[object Uint8Array]") return input as Uint8Array;
  if (tag === "[object ArrayBuffer]") return new Uint8Array(input as ArrayBuffer);
  throw new ImageDecodeError(`decodeImage expects the file's bytes as a Uint8Array or ArrayBuffer, got ${tag.slice(8, -1)}`);
}

/** The format's name when the bytes start like a well-known image format we do not decode. */
function recogniseOtherFormat(bytes: Uint8Array): string | undefined {
  const text = String.fromCharCode(...bytes.subarray(0, 12));
  if (text.startsWith("GIF8")) return "GIF";
  if (text.startsWith("BM")) return "BMP";
  if (text.startsWith("RIFF") && text.slice(8, 12) === "WEBP") return "WebP";
  if (text.startsWith("II*\0") || text.startsWith("MM\0*")) return "TIFF";
  if (text.slice(4, 12) === "ftypavif" || text.slice(4, 12) === "ftypheic") return "AVIF/HEIC";
  return undefined;
}
