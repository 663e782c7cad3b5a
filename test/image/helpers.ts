/**
 * Helpers for the image tests: fixture paths, a tiny .npy reader for the uint8 and
 * float32 references, and a PNG writer that can make every colour type and bit depth
 * (pngjs writes only some of them).
 */
import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { crc32, setPngDecoder } from "../../src/image/png.js";
import { pngjsDecoder } from "../../src/image/png-node.js";

// Every image test decodes PNGs the way the Node entry does.
setPngDecoder(pngjsDecoder);

export const FIXTURES = fileURLToPath(new URL("../fixtures/images/", import.meta.url));
export const SAMPLES = fileURLToPath(new URL("../../data/images/", import.meta.url));

export function readBytes(path: string): Uint8Array {
  const buffer = readFileSync(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export interface NpyArray {
  shape: number[];
  data: Uint8Array | Float32Array;
}

/** Reads a C-order .npy of dtype |u1 or <f4 (format versions 1 and 2). */
export function readNpyFile(path: string): NpyArray {
  const bytes = readBytes(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(1, 6)) !== "NUMPY") throw new Error(`${path}: not a .npy file`);
  const major = bytes[6]!;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1]!;
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)![1]!.split(",").filter((s) => s.trim() !== "").map(Number);
  const start = headerStart + headerLength;
  const count = shape.reduce((a, b) => a * b, 1);
  if (descr === "|u1") return { shape, data: bytes.slice(start, start + count) };
  if (descr === "<f4") return { shape, data: new Float32Array(bytes.slice(start, start + 4 * count).buffer) };
  throw new Error(`${path}: dtype ${descr} not supported`);
}

// ---- PNG writing -------------------------------------------------------------------------


export function pngChunk(type: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(payload, 8);
  view.setUint32(8 + payload.length, crc32(out.subarray(4, 8 + payload.length)));
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function pngHeader(width: number, height: number, depth: number, colorType: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  return pngChunk("IHDR", ihdr);
}

const SAMPLES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * A non-interlaced PNG from samples (row-major, `SAMPLES_PER_PIXEL[colorType]` per pixel,
 * each 0..2^depth−1), packed MSB-first for depths below 8, big-endian for 16.
 */
export function writePng(
  width: number, height: number, depth: number, colorType: number, samples: ArrayLike<number>,
  extraChunks: Uint8Array[] = [],
): Uint8Array {
  const perPixel = SAMPLES_PER_PIXEL[colorType]!;
  const rowBytes = Math.ceil((width * perPixel * depth) / 8);
  const raw = new Uint8Array((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (rowBytes + 1) + 1; // filter byte 0 before each row
    for (let i = 0; i < width * perPixel; i++) {
      const v = samples[y * width * perPixel + i]!;
      if (depth === 16) {
        raw[row + 2 * i] = v >> 8;
        raw[row + 2 * i + 1] = v & 255;
      } else if (depth === 8) {
        raw[row + i] = v;
      } else {
        const bit = i * depth;
        raw[row + (bit >> 3)]! |= v << (8 - depth - (bit & 7));
      }
    }
  }
  const signature = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  return concatBytes([
    signature, pngHeader(width, height, depth, colorType), ...extraChunks,
    pngChunk("IDAT", new Uint8Array(deflateSync(raw))), pngChunk("IEND", new Uint8Array(0)),
  ]);
}

/** Deterministic sample values 0..max for tests. */
export function samplePattern(count: number, max: number, seed = 1): number[] {
  const out: number[] = [];
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.push(state % (max + 1));
  }
  return out;
}
