/**
 * The PNG decoder for Node (and Deno/Bun through their Node compatibility): pngjs, which
 * needs Node's Buffer and zlib — hence this file sits outside the runtime-neutral core
 * and is installed by the Node entry with `setPngDecoder(pngjsDecoder)`.
 */
import { Buffer } from "node:buffer";
import { PNG } from "pngjs";
import type { DecodedPng, PngDecoder } from "./png.js";

export const pngjsDecoder: PngDecoder = (bytes: Uint8Array): DecodedPng => {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  const meta = png as unknown as { depth: number; colorType: number; data: Uint8Array | Uint16Array };
  return { width: png.width, height: png.height, depth: meta.depth, colorType: meta.colorType, data: meta.data };
};
