/**
 * Bilinear resizing of 8-bit images, computed the way OpenCV's `cv2.resize(...,
 * interpolation=INTER_LINEAR)` computes it, so that our preprocessing gives PaddleClas's
 * numbers, not merely similar ones.
 *
 * Geometry (half-pixel centres): output pixel dx samples the source at
 *     fx = (dx + 0.5)·(srcW/dstW) − 0.5,   sx = floor(fx),   α = fx − sx
 * and blends columns sx and sx+1 with weights (1−α, α); samples left of column 0 or right
 * of the last column take the edge column (α = 0). Rows likewise, with rows clamped.
 *
 * Arithmetic (this is where OpenCV differs from a plain float bilinear):
 *  - fx and α are single-precision floats; weights become 11-bit fixed point,
 *    w = round_half_even(weight·2048), so each pair of weights sums to 2048;
 *  - the horizontal pass is exact integer: H = S[sx]·w0 + S[sx+1]·w1 (scale 2^11);
 *  - the vertical pass rounds to 8 bits the way OpenCV's SIMD code does, with 16-bit
 *    multiplies: out = (((H0>>4)·v0 >> 16) + ((H1>>4)·v1 >> 16) + 2) >> 2. (A textbook
 *    (H0·v0 + H1·v1 + 2^21) >> 22 disagrees by one level now and then.) OpenCV 4.6 on
 *    x86-64 gives this result for every byte of the row, tails included: checked against
 *    cv2.resize on random images of many sizes, byte for byte.
 *  - An exact 2× reduction in both directions is done as OpenCV does it: INTER_AREA,
 *    the rounded mean of each 2×2 block.
 */

/** An 8-bit image with `channels` interleaved samples per pixel. */
export interface PixelImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS; // 2048


/** A rectangle of the resized image: columns [left, left + width), rows [top, top + height). */
export interface ResizeWindow {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Resizes `src` (channels interleaved, 8 bits each) to dstWidth×dstHeight exactly as
 * cv2.resize with INTER_LINEAR does on x86-64.
 *
 * With `window`, only that rectangle of the resized image is computed and returned (each
 * output pixel depends only on its own coordinates, so the bytes equal a crop of the full
 * resize). Preprocessing uses this to resize-then-crop without ever allocating the full
 * resized image, which for a 65535×1 image would be 16,776,960×256 pixels.
 */
export function resizeBilinear(
  src: PixelImage, dstWidth: number, dstHeight: number, channels = 3,
  window: ResizeWindow = { left: 0, top: 0, width: dstWidth, height: dstHeight },
): PixelImage {
  const { width: srcWidth, height: srcHeight } = src;
  const { left, top, width: outWidth, height: outHeight } = window;
  if (left < 0 || top < 0 || left + outWidth > dstWidth || top + outHeight > dstHeight) {
    throw new RangeError(`resize window ${outWidth}×${outHeight} at (${left}, ${top}) is outside ${dstWidth}×${dstHeight}`);
  }
  if (srcWidth === dstWidth && srcHeight === dstHeight) return cropPixels(src, window, channels);
  // OpenCV: inv_scale = dst/src, scale = 1/inv_scale (not src/dst: the last bit can differ).
  const scaleX = 1 / (dstWidth / srcWidth);
  const scaleY = 1 / (dstHeight / srcHeight);
  if (scaleX === 2 && scaleY === 2) return halveByAreaMean(src, window, channels);

  const columns = linearTaps(left, outWidth, srcWidth, scaleX, true);
  const rows = linearTaps(top, outHeight, srcHeight, scaleY, false);

  const rowLength = outWidth * channels;
  const srcRowLength = srcWidth * channels;
  const out = new Uint8Array(rowLength * outHeight);
  // Horizontal pass results for the two source rows in use, cached by source row index.
  let upper = new Int32Array(rowLength);
  let lower = new Int32Array(rowLength);
  let upperRow = -1;
  let lowerRow = -1;

  const horizontal = (sourceRow: number, target: Int32Array): void => {
    const base = sourceRow * srcRowLength;
    for (let dx = 0; dx < outWidth; dx++) {
      const left = base + columns.offset[dx]! * channels;
      const w0 = columns.weight0[dx]!;
      const w1 = columns.weight1[dx]!;
      const o = dx * channels;
      if (w1 === 0) {
        for (let c = 0; c < channels; c++) target[o + c] = src.data[left + c]! * w0;
      } else {
        for (let c = 0; c < channels; c++) target[o + c] = src.data[left + c]! * w0 + src.data[left + channels + c]! * w1;
      }
    }
  };

  for (let dy = 0; dy < outHeight; dy++) {
    const sy = rows.offset[dy]!;
    const row0 = clampIndex(sy, srcHeight);
    const row1 = clampIndex(sy + 1, srcHeight);
    if (row0 === lowerRow && row0 !== upperRow) {
      [upper, lower] = [lower, upper];
      [upperRow, lowerRow] = [lowerRow, upperRow];
    }
    if (row0 !== upperRow) {
      horizontal(row0, upper);
      upperRow = row0;
    }
    if (row1 !== lowerRow) {
      horizontal(row1, lower);
      lowerRow = row1;
    }
    const v0 = rows.weight0[dy]!;
    const v1 = rows.weight1[dy]!;
    const o = dy * rowLength;
    for (let x = 0; x < rowLength; x++) {
      const sum = ((Math.imul(upper[x]! >> 4, v0) >> 16) + (Math.imul(lower[x]! >> 4, v1) >> 16) + 2) >> 2;
      out[o + x] = sum < 0 ? 0 : sum > 255 ? 255 : sum;
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}

/** Source index and fixed-point weights for each output position along one axis. */
interface Taps {
  offset: Int32Array;
  weight0: Int32Array;
  weight1: Int32Array;
}

/**
 * OpenCV's coordinate mapping for one axis. `clampEdges` is the horizontal rule (outside
 * the image: weight 1 on the edge sample); vertically OpenCV keeps α and clamps the rows.
 */
function linearTaps(first: number, count: number, srcSize: number, scale: number, clampEdges: boolean): Taps {
  const offset = new Int32Array(count);
  const weight0 = new Int32Array(count);
  const weight1 = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const d = first + i;
    const f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    let alpha = Math.fround(f - s);
    if (clampEdges) {
      if (s < 0) {
        alpha = 0;
        s = 0;
      }
      if (s >= srcSize - 1) {
        alpha = 0;
        s = srcSize - 1;
      }
    }
    offset[i] = s;
    weight0[i] = roundHalfEven(Math.fround(Math.fround(1 - alpha) * COEF_SCALE));
    weight1[i] = roundHalfEven(Math.fround(alpha * COEF_SCALE));
  }
  return { offset, weight0, weight1 };
}

/**
 * OpenCV's INTER_AREA for an exact 2× reduction: (a + b + c + d + 2) >> 2 per 2×2 block,
 * for the output pixels inside `window`.
 */
function halveByAreaMean(src: PixelImage, window: ResizeWindow, channels: number): PixelImage {
  const { left: x0, top: y0, width: dstWidth, height: dstHeight } = window;
  const out = new Uint8Array(dstWidth * dstHeight * channels);
  const srcRow = src.width * channels;
  for (let dy = 0; dy < dstHeight; dy++) {
    const top = 2 * (y0 + dy) * srcRow;
    const bottom = top + srcRow;
    for (let dx = 0; dx < dstWidth; dx++) {
      for (let c = 0; c < channels; c++) {
        const left = 2 * (x0 + dx) * channels + c;
        const sum = src.data[top + left]! + src.data[top + left + channels]! + src.data[bottom + left]! + src.data[bottom + left + channels]!;
        out[(dy * dstWidth + dx) * channels + c] = (sum + 2) >> 2;
      }
    }
  }
  return { width: dstWidth, height: dstHeight, data: out };
}

/** The pixels of `window` copied out of `src` (a resize to the same size is a copy). */
function cropPixels(src: PixelImage, window: ResizeWindow, channels: number): PixelImage {
  const { left, top, width, height } = window;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * src.width + left) * channels;
    out.set(src.data.subarray(from, from + width * channels), y * width * channels);
  }
  return { width, height, data: out };
}

function clampIndex(index: number, size: number): number {
  return index < 0 ? 0 : index >= size ? size - 1 : index;
}

/** Round to nearest, ties to even (cvRound / lrint under the default rounding mode). */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
