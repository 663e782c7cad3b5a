/**
 * The decoded picture every image function passes around: 8-bit RGB, row-major, 3 bytes
 * per pixel, pixel (x, y) at data[(y·width + x)·3 + {0: R, 1: G, 2: B}].
 */
import { ImageDecodeError, LimitError } from "../errors.js";

/** A decoded image: 8-bit RGB pixels, interleaved, rows top to bottom. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width·height·3 bytes: R, G, B per pixel, rows top to bottom. */
  readonly data: Uint8Array;
}

/** Raw RGBA pixels as a browser's canvas gives them (`ImageData`), or any look-alike. */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  /** width·height·4 bytes: R, G, B, A per pixel. */
  readonly data: Uint8ClampedArray | Uint8Array;
}

/** Limits checked against an image's header before any pixel memory is allocated. */
export interface DecodeLimits {
  /** Largest width·height accepted (default 50 megapixels). */
  maxPixels?: number;
  /** Largest width or height accepted (default 65535). */
  maxDimension?: number;
  /** Memory cap handed to jpeg-js (default 1024 MB). */
  maxMemoryMB?: number;
}

/** The limits images are decoded under unless a caller sets others. */
export const DEFAULT_DECODE_LIMITS: Required<DecodeLimits> = {
  maxPixels: 50_000_000,
  maxDimension: 65_535,
  maxMemoryMB: 1024,
};

export function resolveLimits(limits: DecodeLimits | undefined): Required<DecodeLimits> {
  return { ...DEFAULT_DECODE_LIMITS, ...limits };
}

/**
 * Refuses a header size before anything is allocated: zero sizes are not images, and
 * sizes over the limits would take more memory than anyone meant to give.
 */
export function checkImageSize(width: number, height: number, format: string, limits: Required<DecodeLimits>): void {
  if (width === 0 || height === 0) {
    throw new ImageDecodeError(`${format} header declares an empty image (${width}×${height})`);
  }
  if (width > limits.maxDimension || height > limits.maxDimension) {
    throw new LimitError(`${format} image is ${width}×${height}; each side may be at most ${limits.maxDimension} pixels`);
  }
  if (width * height > limits.maxPixels) {
    const megapixels = ((width * height) / 1e6).toFixed(1);
    throw new LimitError(
      `${format} image is ${width}×${height} (${megapixels} MP); the limit is ${(limits.maxPixels / 1e6).toFixed(1)} MP`,
    );
  }
}

/**
 * RGB from RGBA pixels (a canvas `ImageData`): alpha is dropped, not composited, which
 * is what OpenCV's `imread(IMREAD_COLOR)` does with a transparent PNG.
 */
export function fromImageData(pixels: RgbaPixels, limits?: DecodeLimits): RgbImage {
  const { width, height, data } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new ImageDecodeError(`ImageData has an invalid size ${width}×${height}`);
  }
  checkImageSize(width, height, "ImageData", resolveLimits(limits));
  if (data.length !== width * height * 4) {
    throw new ImageDecodeError(`ImageData of ${width}×${height} needs ${width * height * 4} bytes (RGBA), got ${data.length}`);
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let pixel = 0, src = 0, dst = 0; pixel < width * height; pixel++, src += 4, dst += 3) {
    rgb[dst] = data[src]!;
    rgb[dst + 1] = data[src + 1]!;
    rgb[dst + 2] = data[src + 2]!;
  }
  return { width, height, data: rgb };
}
