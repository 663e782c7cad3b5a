/**
 * What the serving tests share: a small GhostNet fixture (x0.5, 100 classes, any input
 * size), the sample photos in data/images, hostile bodies (a PNG header claiming
 * 65536×65536, truncated and garbage bytes), multipart bodies, and fake models that are
 * slow or fail on purpose.
 */
import { concatBytes } from "../helpers/bytes.js";
import { readFileSync } from "node:fs";
import jpeg from "jpeg-js";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { type Classifier, createClassifier } from "../../src/classifier.js";
import type { Feeds, Model } from "../../src/model.js";
import { Tensor, type TensorLike } from "../../src/tensor/tensor.js";

export const root = fileURLToPath(new URL("../../", import.meta.url));

/** Bytes over a plain ArrayBuffer (what the DOM types accept as a fetch body). */
export type Bytes = Uint8Array<ArrayBuffer>;

/**
 * GhostNet x0.5 with 100 classes and a dynamic input size (~0.8 s to make), calibrated at
 * 224² so the sample photos give unsaturated softmaxes (top scores 0.18–0.59).
 */
export function smallGhostNetBytes(): Uint8Array {
  fixtureBytes ??= makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 5, classCount: 100, calibrationBatch: 1, calibrationSize: 224, inputSize: "dynamic" });
  return fixtureBytes;
}
let fixtureBytes: Uint8Array | undefined;

/** The sample photos shipped in data/images, by file name. */
export function sampleImages(): { name: string; bytes: Bytes }[] {
  return ["whl_demo.jpg", "ILSVRC2012_val_00010010.jpeg", "ILSVRC2012_val_00000010.jpeg"].map((name) => ({
    name,
    bytes: new Uint8Array(readFileSync(join(root, "data", "images", name))),
  }));
}

/** CRC-32 (the PNG chunk checksum, polynomial 0xEDB88320). */
function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Bytes {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A well-formed PNG header (IHDR with valid CRC) claiming width × height RGB, then IEND; no pixels. */
export function pngClaiming(width: number, height: number): Bytes {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", ihdr), pngChunk("IDAT", new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), pngChunk("IEND", new Uint8Array(0))];
  return concat(parts);
}

export function concat(parts: Uint8Array[]): Bytes {
  return concatBytes(parts);
}

/** Seeded garbage bytes. */
export function garbage(length: number, seed = 1): Bytes {
  const out = new Uint8Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** A multipart/form-data body of files, and its Content-Type. */
export function multipartBody(files: { name: string; bytes: Uint8Array; type?: string }[], boundary = "ghostnet-test-boundary-1234"): { body: Bytes; contentType: string } {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const parts: Uint8Array[] = [];
  files.forEach((file, i) => {
    parts.push(text(`--${boundary}\r\nContent-Disposition: form-data; name="image${i}"; filename="${file.name}"\r\nContent-Type: ${file.type ?? "image/jpeg"}\r\n\r\n`));
    parts.push(file.bytes, text("\r\n"));
  });
  parts.push(text(`--${boundary}--\r\n`));
  return { body: concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * A tiny fake model: output row n = the first `classes` values of image n (so scores are
 * chosen by the input), after waiting `delayMs`; `runs` records each run's batch size;
 * `failOn(x)` makes a run fail when it holds an image whose first value is x.
 */
export function fakeModel(classes = 4, delayMs = 0, failOn?: number): Model & { runs: number[] } {
  const runs: number[] = [];
  return {
    engine: "graph",
    inputNames: ["x"],
    outputNames: ["scores"],
    runs,
    async run(feeds: Feeds) {
      const x = (Array.isArray(feeds) ? feeds[0] : (feeds as Record<string, TensorLike>).x) as TensorLike;
      const n = x.shape[0]!;
      runs.push(n);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const per = x.data.length / n;
      const out = new Tensor([n, classes]);
      for (let i = 0; i < n; i++) {
        if (failOn !== undefined && x.data[i * per] === failOn) throw new Error("the fake model fails on purpose");
        out.data.set(x.data.subarray(i * per, i * per + classes), i * classes);
      }
      return { scores: out };
    },
    dispose() {},
  };
}

/** A small smooth JPEG (width × height, seeded colours), quick to decode: for load, not for answers. */
export function smallJpeg(seed: number, width = 120, height = 96): Bytes {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      data[i] = (128 + 100 * Math.sin((x + seed * 7) / 9)) | 0;
      data[i + 1] = (128 + 100 * Math.cos((y + seed * 3) / 7)) | 0;
      data[i + 2] = ((x * y + seed * 31) % 256) | 0;
      data[i + 3] = 255;
    }
  }
  return new Uint8Array(jpeg.encode({ data, width, height }, 90).data);
}

/** A classifier over a fake model whose "image" is 4 bytes read as the 4 class scores (no decoding). */
export function scoresClassifier(model: Model): Classifier {
  return createClassifier(model, { topk: 4, preprocess: (bytes) => new Tensor([1, 1, 1, 4], Float32Array.from((bytes as Uint8Array).subarray(0, 4))) });
}
