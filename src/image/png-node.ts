/**
 * The PNG decoder for Node (and Deno/Bun through their Node compatibility): pngjs, which
 * needs Node's Buffer and zlib — hence this file sits outside the runtime-neutral core
 * and is installed by the Node entry with `setPngDecoder(pngjsDecoder)`.
 */
import { Buffer } from "node:buffer";
import { inflateSync } from "node:zlib";
import { PNG } from "pngjs";
import { ImageDecodeError } from "../errors.js";
import { inflatedSize, type DecodedPng, type PngDecoder, type PngHeader } from "./png.js";

/** A PNG decoder on pngjs (Node only), for `setPngDecoder`; the core's own inflate is the default. */
export const pngjsDecoder: PngDecoder = (bytes: Uint8Array, header: PngHeader): DecodedPng => {
  // pngjs caps inflating at the header's size for plain images but not for interlaced
  // ones, so a small file could inflate to gigabytes: check those first, capped.
  if (header.interlaced) checkInflatedSize(bytes, header);
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  const meta = png as unknown as { depth: number; colorType: number; data: Uint8Array | Uint16Array };
  return { width: png.width, height: png.height, depth: meta.depth, colorType: meta.colorType, data: meta.data };
};

/** Inflates the IDAT stream with the output capped at what the header allows. */
function checkInflatedSize(bytes: Uint8Array, header: PngHeader): void {
  const parts: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let pos = 8; pos + 12 <= bytes.length; ) {
    const length = view.getUint32(pos);
    if (String.fromCharCode(...bytes.subarray(pos + 4, pos + 8)) === "IDAT") parts.push(bytes.subarray(pos + 8, pos + 8 + length));
    pos += 12 + length;
  }
  const expected = inflatedSize(header);
  try {
    inflateSync(Buffer.concat(parts), { maxOutputLength: expected + 1 });
  } catch (error) {
    const tooLarge = error instanceof RangeError || (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
    if (tooLarge) {
      throw new ImageDecodeError(`corrupt PNG: image data inflates to more than the ${expected} bytes a ${header.width}×${header.height} image needs`);
    }
    throw error;
  }
}
