/**
 * PNG decoding to the pixels OpenCV's `imread(IMREAD_COLOR)` gives (libpng underneath):
 * every colour type and bit depth becomes 8-bit RGB —
 *   grey → the grey value in all three channels (1/2/4-bit grey scaled by 255/max),
 *   palette → the palette colour, 16-bit samples → their high byte (v >> 8),
 *   alpha (an alpha channel or a tRNS chunk) → dropped, not composited,
 *   an EXIF orientation (eXIf chunk) → applied, as OpenCV 4.6 does for PNG too.
 *
 * The core decodes every PNG by itself, in any runtime: the chunk walk here checks the
 * header against the limits before anything is inflated and refuses truncated files;
 * inflate.ts decompresses the image data into a buffer of exactly the size the header
 * implies (so a decompression bomb is refused), and png-filters.ts unfilters,
 * de-interlaces and converts to RGB. Another decoder can be injected (`setPngDecoder`,
 * e.g. pngjs from png-node.ts); it is handed the bytes without the tRNS chunk (pngjs
 * would otherwise blacken "transparent" colours, which OpenCV keeps).
 */
import { ImageDecodeError } from "../errors.js";
import { inflateZlib } from "./inflate.js";
import { pngDataToRgb } from "./png-filters.js";
import { applyOrientation, readExifOrientation, type Orientation } from "./orientation.js";
import { checkImageSize, type DecodeLimits, type RgbImage, resolveLimits } from "./rgb-image.js";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < SIGNATURE.length) return false;
  return SIGNATURE.every((byte, i) => bytes[i] === byte);
}

/** A PNG's decoded samples, as pngjs's `PNG.sync.read(bytes, { skipRescale: true })` returns them. */
export interface DecodedPng {
  width: number;
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  depth: number;
  /** PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
  /**
   * RGBA, 4 samples per pixel, unscaled: 0..2^depth−1 (palette entries are 8-bit colours);
   * a Uint16Array for 16-bit images.
   */
  data: Uint8Array | Uint16Array;
}

/** Decodes the (already checked) PNG bytes into samples; see `DecodedPng`. */
export type PngDecoder = (bytes: Uint8Array, header: PngHeader) => DecodedPng;

let installedDecoder: PngDecoder | undefined;

/**
 * Installs a PNG decoder to use instead of the built-in one (e.g. `pngjsDecoder` from
 * png-node.ts); `undefined` goes back to the built-in decoder.
 */
export function setPngDecoder(decoder: PngDecoder | undefined): void {
  installedDecoder = decoder;
}

/** A PNG's IHDR fields. */
export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

const VALID_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/**
 * Walks the chunks (length, type, payload, CRC) from the signature to IEND, checks IHDR
 * against the limits, and returns the header plus the bytes without any tRNS chunk.
 */
export function readPngStructure(
  bytes: Uint8Array, limits: Required<DecodeLimits>,
): { header: PngHeader; cleaned: Uint8Array; orientation: Orientation } {
  if (!isPng(bytes)) throw new ImageDecodeError("not a PNG file (no PNG signature)");
  let header: PngHeader | undefined;
  let pos = SIGNATURE.length;
  let sawImageData = false;
  let transparencyChunk: { start: number; end: number } | undefined;
  let orientation: Orientation | undefined;
  for (;;) {
    if (pos + 8 > bytes.length) throw new ImageDecodeError(`truncated PNG: no IEND chunk (file ends at byte ${bytes.length})`);
    const length = ((bytes[pos]! << 24) | (bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!) >>> 0;
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    const end = pos + 12 + length;
    if (end > bytes.length) {
      throw new ImageDecodeError(`truncated PNG: chunk ${JSON.stringify(type)} at byte ${pos} needs ${length + 12} bytes, file ends at byte ${bytes.length}`);
    }
    if (header === undefined && type !== "IHDR") throw new ImageDecodeError(`corrupt PNG: first chunk is ${JSON.stringify(type)}, not IHDR`);
    if (type === "IHDR") {
      if (header !== undefined) throw new ImageDecodeError("corrupt PNG: two IHDR chunks");
      header = readHeader(bytes.subarray(pos + 8, pos + 8 + length), limits);
    } else if (type === "IDAT") {
      sawImageData = true;
    } else if (type === "tRNS") {
      transparencyChunk = { start: pos, end };
    } else if (type === "eXIf" && orientation === undefined) {
      orientation = readExifOrientation(bytes.subarray(pos + 8, pos + 8 + length));
    } else if (type === "IEND") {
      break;
    }
    pos = end;
  }
  if (!sawImageData) throw new ImageDecodeError("corrupt PNG: no image data (IDAT) before IEND");
  let cleaned = bytes;
  if (transparencyChunk !== undefined) {
    cleaned = new Uint8Array(bytes.length - (transparencyChunk.end - transparencyChunk.start));
    cleaned.set(bytes.subarray(0, transparencyChunk.start), 0);
    cleaned.set(bytes.subarray(transparencyChunk.end), transparencyChunk.start);
  }
  return { header: header!, cleaned, orientation: orientation ?? 1 };
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7's seven passes: first column and row, column and row steps. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/**
 * Bytes the inflated image data must have: one filter byte plus the packed samples per
 * row, for the whole image or for each of Adam7's seven sub-images.
 */
export function inflatedSize(header: PngHeader): number {
  const bitsPerPixel = CHANNELS[header.colorType]! * header.depth;
  const rowsOf = (width: number, height: number): number =>
    width > 0 && height > 0 ? height * (1 + Math.ceil((width * bitsPerPixel) / 8)) : 0;
  if (!header.interlaced) return rowsOf(header.width, header.height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    total += rowsOf(Math.ceil((header.width - x0) / dx), Math.ceil((header.height - y0) / dy));
  }
  return total;
}

function readHeader(payload: Uint8Array, limits: Required<DecodeLimits>): PngHeader {
  if (payload.length !== 13) throw new ImageDecodeError(`corrupt PNG: IHDR has ${payload.length} bytes, expected 13`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const depth = payload[8]!;
  const colorType = payload[9]!;
  const compression = payload[10]!; // PNG defines only method 0 (deflate)
  const filterMethod = payload[11]!; // PNG defines only method 0 (the five adaptive filters)
  const interlace = payload[12]!; // 0 none, 1 Adam7
  checkImageSize(width, height, "PNG", limits);
  const depths = VALID_DEPTHS[colorType];
  if (depths === undefined) throw new ImageDecodeError(`corrupt PNG: unknown colour type ${colorType}`);
  if (!depths.includes(depth)) throw new ImageDecodeError(`corrupt PNG: bit depth ${depth} is not allowed for colour type ${colorType}`);
  if (compression !== 0) throw new ImageDecodeError(`corrupt PNG: unknown compression method ${compression}`);
  if (filterMethod !== 0) throw new ImageDecodeError(`corrupt PNG: unknown filter method ${filterMethod}`);
  if (interlace > 1) throw new ImageDecodeError(`corrupt PNG: unknown interlace method ${interlace}`);
  return { width, height, depth, colorType, interlaced: interlace === 1 };
}

/** Decodes a PNG to 8-bit RGB the way OpenCV does (see the file comment). */
export function decodePng(bytes: Uint8Array, limits?: DecodeLimits, decoder: PngDecoder | undefined = installedDecoder): RgbImage {
  const { header, cleaned, orientation } = readPngStructure(bytes, resolveLimits(limits));
  if (decoder === undefined) return applyOrientation(decodePngBuiltIn(bytes, header), orientation);
  let decoded: DecodedPng;
  try {
    decoded = decoder(cleaned, header);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ImageDecodeError(`corrupt PNG: ${message}`, { cause: error });
  }
  const { width, height } = header;
  if (decoded.width !== width || decoded.height !== height || decoded.data.length !== width * height * 4) {
    throw new ImageDecodeError(`corrupt PNG: decoder returned ${decoded.data.length} samples for ${width}×${height}`);
  }
  return applyOrientation(rgbFromSamples(decoded.data, width, height, header), orientation);
}

/** Drops alpha and brings samples to 8 bits: v >> 8 for 16-bit, v·255/max for 1/2/4-bit grey. */
function rgbFromSamples(samples: Uint8Array | Uint16Array, width: number, height: number, header: PngHeader): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  const { depth, colorType } = header;
  const lowBitGrey = depth < 8 && colorType !== 3;
  const scale = lowBitGrey ? 255 / ((1 << depth) - 1) : 1; // 255, 85 or 17: exact integers
  const shift = depth === 16 ? 8 : 0;
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = (samples[p * 4 + c]! >> shift) * scale;
  }
  return { width, height, data: rgb };
}

/**
 * The built-in decoder: checks the CRC of every critical chunk (IHDR, PLTE, IDAT, IEND)
 * and refuses unknown critical ones, as libpng does (ancillary chunks are not checked:
 * libpng only warns about those); then inflates the concatenated IDAT payloads to exactly
 * `inflatedSize(header)` bytes and converts them to RGB (tRNS is never read).
 * `bytes` went through `readPngStructure`, so every chunk up to IEND lies inside it.
 */
function decodePngBuiltIn(bytes: Uint8Array, header: PngHeader): RgbImage {
  const imageData: Uint8Array[] = [];
  let palette: Uint8Array | undefined;
  for (let pos = SIGNATURE.length; ; ) {
    // readPngStructure has walked these chunks; this test only keeps the loop finite.
    if (pos + 12 > bytes.length) throw new ImageDecodeError(`truncated PNG: no IEND chunk (file ends at byte ${bytes.length})`);
    const length = readUint32(bytes, pos);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    const payload = bytes.subarray(pos + 8, pos + 8 + length);
    const critical = (bytes[pos + 4]! & 0x20) === 0; // upper-case first letter (PNG spec §5.4)
    if (critical && !["IHDR", "PLTE", "IDAT", "IEND"].includes(type)) {
      throw new ImageDecodeError(`corrupt PNG: unknown critical chunk ${JSON.stringify(type)} at byte ${pos}`);
    }
    if (critical && crc32(bytes, pos + 4, pos + 8 + length) !== readUint32(bytes, pos + 8 + length)) {
      throw new ImageDecodeError(`corrupt PNG: chunk ${type} at byte ${pos} fails its CRC check`);
    }
    if (type === "IDAT") imageData.push(payload);
    else if (type === "PLTE" && palette === undefined) palette = payload;
    else if (type === "IEND") break;
    pos += 12 + length;
  }
  if (header.colorType === 3 && palette !== undefined && (palette.length % 3 !== 0 || palette.length === 0 || palette.length > 768)) {
    throw new ImageDecodeError(`corrupt PNG: PLTE has ${palette.length} bytes, expected 3 per colour for 1 to 256 colours`);
  }
  const compressed = imageData.length === 1 ? imageData[0]! : concatenate(imageData);
  const inflated = inflateZlib(compressed, inflatedSize(header));
  return { width: header.width, height: header.height, data: pngDataToRgb(inflated, header, palette) };
}

/** The big-endian 32-bit unsigned integer at `bytes[at..at+4)` (PNG spec §7.1). */
function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function concatenate(parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/** CRC-32 (ISO 3309, polynomial 0xEDB88320 reflected), over the chunk type and payload (PNG spec §5.5). */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
