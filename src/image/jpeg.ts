/**
 * JPEG decoding that gives the pixels OpenCV's `imread` gives (OpenCV uses libjpeg-turbo
 * with its defaults): jpeg-js does the entropy decoding and the inverse DCT, and we do the
 * rest the libjpeg way —
 *  1. our own walk over the marker segments, before any decoding: the frame size is
 *     checked against the limits (a 60000×60000 header is refused without allocating),
 *     a file that ends before its end-of-image marker is called truncated, and the EXIF
 *     orientation and Adobe colour-transform flags are read;
 *  2. jpeg-js decodes the components without converting colours;
 *  3. subsampled chroma is upsampled with libjpeg's "fancy" triangle filter (jpeg-js
 *     would repeat samples), and YCbCr becomes RGB with libjpeg's fixed-point tables
 *     (jpeg-js would truncate a float formula);
 *  4. the EXIF orientation turns the picture upright.
 * What still differs from libjpeg is jpeg-js's inverse DCT, by a level here and there.
 */
import decodeJpegData from "jpeg-js/lib/decoder.js";
import { ImageDecodeError, LimitError } from "../errors.js";
import { applyOrientation, readExifOrientation, type Orientation } from "./orientation.js";
import { checkImageSize, type DecodeLimits, type RgbImage, resolveLimits } from "./rgb-image.js";

/** Whether the bytes start with a JPEG signature (FF D8 FF). */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** What the marker walk learns about a JPEG file. */
export interface JpegInfo {
  width: number;
  height: number;
  progressive: boolean;
  /** Frame components in file order: id and sampling factors. */
  components: { id: number; h: number; v: number }[];
  orientation: Orientation;
  jfif: boolean;
  /** Adobe APP14 transform code (0: none/CMYK/RGB, 1: YCbCr, 2: YCCK) and where it sits. */
  adobe?: { transform: number; offset: number };
}

const MARKER_NAMES: Record<number, string> = {
  0xc3: "lossless (SOF3)", 0xc5: "differential (SOF5)", 0xc6: "differential progressive (SOF6)",
  0xc7: "differential lossless (SOF7)", 0xc9: "arithmetic-coded (SOF9)", 0xca: "arithmetic progressive (SOF10)",
  0xcb: "arithmetic lossless (SOF11)", 0xcd: "arithmetic differential (SOF13)",
  0xce: "arithmetic differential progressive (SOF14)", 0xcf: "arithmetic differential lossless (SOF15)",
};

/**
 * Walks the JPEG's segments (SOI, then `FF xx` markers with big-endian lengths; entropy-coded
 * data after each SOS up to the next marker) and returns the frame header's facts.
 * Throws ImageDecodeError for a broken structure and LimitError for a frame over the limits.
 */
export function readJpegInfo(bytes: Uint8Array, limits: Required<DecodeLimits>): JpegInfo {
  if (!isJpeg(bytes)) throw new ImageDecodeError("not a JPEG file (no FF D8 start-of-image marker)");
  let info: JpegInfo | undefined;
  let orientation: Orientation = 1;
  let jfif = false;
  let adobe: JpegInfo["adobe"];
  let pos = 2;
  const truncated = (what: string): ImageDecodeError =>
    new ImageDecodeError(`truncated JPEG: ${what} (file ends at byte ${bytes.length})`);

  for (;;) {
    if (pos >= bytes.length) throw truncated("no end-of-image marker");
    if (bytes[pos] !== 0xff) throw new ImageDecodeError(`corrupt JPEG: expected a marker at byte ${pos}, found 0x${bytes[pos]!.toString(16)}`);
    while (pos < bytes.length && bytes[pos] === 0xff) pos++; // fill bytes
    if (pos >= bytes.length) throw truncated("no end-of-image marker");
    const marker = bytes[pos++]!;
    if (marker === 0xd9) break; // EOI
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no payload
    if (pos + 2 > bytes.length) throw truncated(`segment FF${hex(marker)} has no length`);
    const length = (bytes[pos]! << 8) | bytes[pos + 1]!;
    if (length < 2) throw new ImageDecodeError(`corrupt JPEG: segment FF${hex(marker)} at byte ${pos - 2} has length ${length}`);
    const start = pos + 2;
    const end = pos + length;
    if (end > bytes.length) throw truncated(`segment FF${hex(marker)} at byte ${pos - 2} needs ${length} bytes`);
    const segment = bytes.subarray(start, end);

    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      if (info !== undefined) throw new ImageDecodeError("corrupt JPEG: more than one frame header (SOF)");
      info = readFrameHeader(segment, marker === 0xc2, limits);
    } else if (MARKER_NAMES[marker] !== undefined) {
      throw new ImageDecodeError(`unsupported JPEG coding: ${MARKER_NAMES[marker]}; only baseline and progressive Huffman JPEGs are decoded`);
    } else if (marker === 0xe0 && startsWith(segment, "JFIF\0")) {
      jfif = true;
    } else if (marker === 0xe1 && startsWith(segment, "Exif\0") && orientation === 1) {
      orientation = readExifOrientation(segment.subarray(6));
    } else if (marker === 0xee && startsWith(segment, "Adobe") && segment.length >= 12) {
      adobe = { transform: segment[11]!, offset: start + 11 };
    }
    pos = end;

    if (marker === 0xda) {
      if (info === undefined) throw new ImageDecodeError("corrupt JPEG: scan data (SOS) before the frame header (SOF)");
      // Entropy-coded data: runs until an FF that is neither stuffing (FF 00) nor a restart marker.
      for (;;) {
        while (pos < bytes.length && bytes[pos] !== 0xff) pos++;
        if (pos + 1 >= bytes.length) throw truncated("scan data ends without an end-of-image marker");
        const next = bytes[pos + 1]!;
        if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) pos += next === 0xff ? 1 : 2;
        else break;
      }
    }
  }
  if (info === undefined) throw new ImageDecodeError("corrupt JPEG: no frame header (SOF) before the end-of-image marker");
  return { ...info, orientation, jfif, adobe };
}

function readFrameHeader(segment: Uint8Array, progressive: boolean, limits: Required<DecodeLimits>): JpegInfo {
  if (segment.length < 6) throw new ImageDecodeError("corrupt JPEG: frame header (SOF) too short");
  const precision = segment[0]!;
  const height = (segment[1]! << 8) | segment[2]!;
  const width = (segment[3]! << 8) | segment[4]!;
  const count = segment[5]!;
  if (precision !== 8) throw new ImageDecodeError(`unsupported JPEG: ${precision}-bit samples (only 8-bit JPEGs are decoded)`);
  checkImageSize(width, height, "JPEG", limits);
  if (count !== 1 && count !== 3 && count !== 4) {
    throw new ImageDecodeError(`unsupported JPEG: ${count} colour components (expected 1 grey, 3 colour or 4 CMYK)`);
  }
  if (segment.length < 6 + 3 * count) throw new ImageDecodeError("corrupt JPEG: frame header (SOF) too short for its components");
  const components: JpegInfo["components"] = [];
  for (let i = 0; i < count; i++) {
    const id = segment[6 + 3 * i]!;
    const sampling = segment[7 + 3 * i]!;
    const h = sampling >> 4;
    const v = sampling & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) throw new ImageDecodeError(`corrupt JPEG: component ${id} has sampling factors ${h}×${v}`);
    components.push({ id, h, v });
  }
  return { width, height, progressive, components, orientation: 1, jfif: false };
}

/** Decodes a JPEG to upright 8-bit RGB (see the file comment for how it matches OpenCV). */
export function decodeJpeg(bytes: Uint8Array, limits?: DecodeLimits): RgbImage {
  const resolved = resolveLimits(limits);
  const info = readJpegInfo(bytes, resolved);
  const count = info.components.length;
  if (count === 4 && info.adobe === undefined) {
    throw new ImageDecodeError("unsupported JPEG: 4 components (CMYK) without an Adobe APP14 marker to say how to read them");
  }
  let colourSpace: "grey" | "rgb" | "ycbcr" | "cmyk" = "cmyk";
  if (count === 1) colourSpace = "grey";
  if (count === 3) colourSpace = threeComponentSpace(info);

  let input = bytes;
  if (count === 3 && info.adobe !== undefined && info.adobe.transform !== 0) {
    // jpeg-js converts YCbCr itself when the Adobe flag asks for it; clear the flag in a
    // copy so that we get the raw components and convert them the libjpeg way.
    input = bytes.slice();
    input[info.adobe.offset] = 0;
  }
  let raw: Uint8Array;
  try {
    raw = decodeJpegData(input, {
      useTArray: true,
      formatAsRGBA: false,
      colorTransform: false,
      // Our own header check above enforces maxPixels exactly; jpeg-js's copy of it is given
      // one pixel of slack, since maxPixels / 1e6 · 1e6 can round below maxPixels (61103 →
      // 61102.99…) and would refuse an image of exactly the limit.
      maxResolutionInMP: (resolved.maxPixels + 1) / 1e6,
      maxMemoryUsageInMB: resolved.maxMemoryMB,
    }).data;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/maxResolutionInMP|maxMemoryUsageInMB|allocate/.test(message)) {
      throw new LimitError(`JPEG ${info.width}×${info.height} needs more memory than allowed: ${message}`);
    }
    throw new ImageDecodeError(`corrupt JPEG: ${message}`, { cause: error });
  }
  if (raw.length !== info.width * info.height * 3) {
    throw new ImageDecodeError(`corrupt JPEG: decoder returned ${raw.length} bytes for ${info.width}×${info.height}`);
  }
  // jpeg-js has already made grey three equal channels, and CMYK RGB (naive inversion,
  // as OpenCV does, give or take rounding).
  const image: RgbImage =
    colourSpace === "ycbcr" ? ycbcrToRgb(raw, info) : { width: info.width, height: info.height, data: raw };
  return applyOrientation(image, info.orientation);
}

/** libjpeg's guess of a 3-component JPEG's colour space (jdapimin.c default_decompress_parms). */
function threeComponentSpace(info: JpegInfo): "rgb" | "ycbcr" {
  if (info.jfif) return "ycbcr";
  if (info.adobe !== undefined) return info.adobe.transform === 0 ? "rgb" : "ycbcr";
  const [a, b, c] = info.components;
  if (a!.id === 0x52 && b!.id === 0x47 && c!.id === 0x42) return "rgb"; // 'R', 'G', 'B'
  return "ycbcr";
}

// ---------------------------------------------------------------------------------------
// Chroma upsampling and colour conversion, as libjpeg-turbo does them (jdsample.c, jdcolor.c).

/**
 * Full-resolution RGB from jpeg-js's raw output (Y, Cb, Cr per pixel, chroma repeated
 * over each subsampling block).
 */
function ycbcrToRgb(raw: Uint8Array, info: JpegInfo): RgbImage {
  const { width, height, components } = info;
  const maxH = Math.max(...components.map((c) => c.h));
  const maxV = Math.max(...components.map((c) => c.v));
  const planes: Uint8Array[] = [];
  for (let ci = 1; ci <= 2; ci++) {
    const { h, v } = components[ci]!;
    const expandX = maxH / h;
    const expandY = maxV / v;
    const planeWidth = Math.ceil((width * h) / maxH);
    const planeHeight = Math.ceil((height * v) / maxV);
    const fancy =
      (expandX === 2 && expandY === 1 && planeWidth > 2) ||
      (expandX === 1 && expandY === 2) ||
      (expandX === 2 && expandY === 2 && planeWidth > 2);
    if (!fancy) {
      // Full-resolution chroma, or a ratio libjpeg upsamples by repetition, like jpeg-js.
      planes.push(extractChannel(raw, width, height, ci));
      continue;
    }
    // The subsampled plane: one sample per block, read back from the repeated output.
    const plane = new Uint8Array(planeWidth * planeHeight);
    for (let y = 0; y < planeHeight; y++) {
      for (let x = 0; x < planeWidth; x++) plane[y * planeWidth + x] = raw[((y * expandY) * width + x * expandX) * 3 + ci]!;
    }
    planes.push(fancyUpsample(plane, planeWidth, planeHeight, expandX, expandY, width, height));
  }
  const [cbPlane, crPlane] = planes as [Uint8Array, Uint8Array];
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const y = raw[p * 3]!;
    const cb = cbPlane[p]!;
    const cr = crPlane[p]!;
    rgb[p * 3] = clamp255(y + CR_TO_R[cr]!);
    rgb[p * 3 + 1] = clamp255(y + ((CB_TO_G[cb]! + CR_TO_G[cr]!) >> SCALE_BITS));
    rgb[p * 3 + 2] = clamp255(y + CB_TO_B[cb]!);
  }
  return { width, height, data: rgb };
}

function extractChannel(raw: Uint8Array, width: number, height: number, channel: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let p = 0; p < out.length; p++) out[p] = raw[p * 3 + channel]!;
  return out;
}

/**
 * libjpeg's triangle-filter upsampling by 2 (h2v1, h1v2, h2v2): each output sample is
 * 3/4 of the nearer input sample plus 1/4 of the farther one, per direction, with
 * libjpeg's alternating rounding biases; edge rows and columns are replicated.
 * Output: a width×height plane (the padded tail of the last block is cut off).
 */
function fancyUpsample(
  plane: Uint8Array, planeWidth: number, planeHeight: number,
  expandX: number, expandY: number, width: number, height: number,
): Uint8Array {
  const out = new Uint8Array(width * height);
  const at = (x: number, y: number): number => plane[y * planeWidth + x]!;
  const put = (x: number, y: number, value: number): void => {
    if (x < width && y < height) out[y * width + x] = value;
  };
  for (let row = 0; row < planeHeight; row++) {
    for (let half = 0; half < expandY; half++) {
      // The neighbouring input row this output row leans towards (none for h2v1).
      const neighbourRow =
        expandY === 1 ? row : half === 0 ? Math.max(row - 1, 0) : Math.min(row + 1, planeHeight - 1);
      const outY = row * expandY + half;
      if (expandX === 1) {
        // h1v2: (3·near + far + bias) >> 2, bias 1 for the upper output row, 2 for the lower.
        const bias = half === 0 ? 1 : 2;
        for (let x = 0; x < planeWidth; x++) put(x, outY, (3 * at(x, row) + at(x, neighbourRow) + bias) >> 2);
      } else if (expandY === 1) {
        // h2v1: columns only, (3·near + far + 1 or 2) >> 2; first and last samples copied.
        put(0, outY, at(0, row));
        put(1, outY, (3 * at(0, row) + at(1, row) + 2) >> 2);
        for (let x = 1; x < planeWidth - 1; x++) {
          put(2 * x, outY, (3 * at(x, row) + at(x - 1, row) + 1) >> 2);
          put(2 * x + 1, outY, (3 * at(x, row) + at(x + 1, row) + 2) >> 2);
        }
        const last = planeWidth - 1;
        put(2 * last, outY, (3 * at(last, row) + at(last - 1, row) + 1) >> 2);
        put(2 * last + 1, outY, at(last, row));
      } else {
        // h2v2: column sums s(x) = 3·near row + far row, then (3·s(x) + s(x±1) + 8 or 7) >> 4.
        const sum = (x: number): number => 3 * at(x, row) + at(x, neighbourRow);
        put(0, outY, (4 * sum(0) + 8) >> 4);
        put(1, outY, (3 * sum(0) + sum(1) + 7) >> 4);
        for (let x = 1; x < planeWidth - 1; x++) {
          put(2 * x, outY, (3 * sum(x) + sum(x - 1) + 8) >> 4);
          put(2 * x + 1, outY, (3 * sum(x) + sum(x + 1) + 7) >> 4);
        }
        const last = planeWidth - 1;
        put(2 * last, outY, (3 * sum(last) + sum(last - 1) + 8) >> 4);
        put(2 * last + 1, outY, (4 * sum(last) + 7) >> 4);
      }
    }
  }
  return out;
}

// libjpeg's YCbCr → RGB tables (jdcolor.c): 16-bit fixed point, FIX(x) = round(x·2^16).
const SCALE_BITS = 16;
const ONE_HALF = 1 << (SCALE_BITS - 1);
const fix = (x: number): number => Math.floor(x * (1 << SCALE_BITS) + 0.5);
const CR_TO_R = new Int32Array(256);
const CB_TO_B = new Int32Array(256);
const CR_TO_G = new Int32Array(256);
const CB_TO_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_TO_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALE_BITS;
  CB_TO_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALE_BITS;
  CR_TO_G[i] = -fix(0.71414) * x;
  CB_TO_G[i] = -fix(0.34414) * x + ONE_HALF;
}

function clamp255(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

function startsWith(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, "0");
}
