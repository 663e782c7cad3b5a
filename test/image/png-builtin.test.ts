/**
 * The built-in PNG decoder (inflate.ts + png-filters.ts, no Node) against the pngjs path
 * and against the pixels drawn: every colour type × bit depth × interlacing × filter
 * type, files written by pngjs's encoder, split image data, and broken files.
 */
import { build } from "esbuild";
import { runInNewContext } from "node:vm";
import { deflateSync } from "node:zlib";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { ImageDecodeError, LimitError } from "../../src/errors.js";
import { decodePng, setPngDecoder } from "../../src/image/png.js";
import { pngjsDecoder } from "../../src/image/png-node.js";
import { concatBytes, FIXTURES, pngChunk, readBytes, samplePattern } from "./helpers.js";

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

// helpers.ts installs pngjs for the other image tests; here the default, built-in decoder runs.
setPngDecoder(undefined);

const builtIn = (bytes: Uint8Array): Uint8Array => decodePng(bytes, undefined, undefined).data;
const viaPngjs = (bytes: Uint8Array): Uint8Array => decodePng(bytes, undefined, pngjsDecoder).data;

interface PngSpec {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  /** Row-major samples, CHANNELS[colorType] per pixel, each 0..2^depth−1. */
  samples: ArrayLike<number>;
  interlaced?: boolean;
  /** Filter type (0–4) for the n-th row written, counting rows across Adam7 passes. */
  filterOf?: (row: number) => number;
  extraChunks?: Uint8Array[];
  /** Splits the zlib stream into IDAT chunks at these offsets. */
  idatSplits?: number[];
}

/**
 * An independent PNG encoder (PNG spec §7–9): packs each (sub-)image row MSB-first or
 * big-endian, applies the filter asked for, deflates with Node's zlib.
 */
function encodePng(spec: PngSpec): Uint8Array {
  const { width, height, depth, colorType, samples } = spec;
  const channels = CHANNELS[colorType]!;
  const bitsPerPixel = channels * depth;
  const unit = Math.max(1, bitsPerPixel >> 3);
  const passes = spec.interlaced ? ADAM7 : [[0, 0, 1, 1]];
  const rows: number[] = [];
  let rowNumber = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const passWidth = Math.ceil((width - x0!) / dx!);
    const passHeight = Math.ceil((height - y0!) / dy!);
    if (passWidth <= 0 || passHeight <= 0) continue;
    const rowBytes = Math.ceil((passWidth * bitsPerPixel) / 8);
    let prior = new Array<number>(rowBytes).fill(0);
    for (let r = 0; r < passHeight; r++) {
      const raw = new Array<number>(rowBytes).fill(0);
      const y = y0! + r * dy!;
      for (let p = 0; p < passWidth; p++) {
        const x = x0! + p * dx!;
        for (let c = 0; c < channels; c++) {
          const v = samples[(y * width + x) * channels + c]!;
          const i = p * channels + c;
          if (depth === 16) {
            raw[2 * i] = v >> 8;
            raw[2 * i + 1] = v & 255;
          } else if (depth === 8) raw[i] = v;
          else raw[(i * depth) >> 3]! |= v << (8 - depth - ((i * depth) & 7));
        }
      }
      const filter = spec.filterOf ? spec.filterOf(rowNumber++) : 0;
      rows.push(filter);
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= unit ? raw[i - unit]! : 0;
        const b = prior[i]!;
        const c = i >= unit ? prior[i - unit]! : 0;
        const p = a + b - c;
        const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
        const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
        rows.push((raw[i]! - predictor) & 255);
      }
      prior = raw;
    }
  }
  const compressed = new Uint8Array(deflateSync(Uint8Array.from(rows)));
  const cuts = [0, ...(spec.idatSplits ?? []), compressed.length];
  const idats = cuts.slice(1).map((end, i) => pngChunk("IDAT", compressed.subarray(cuts[i]!, end)));
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([depth, colorType, 0, 0, spec.interlaced ? 1 : 0], 8);
  return concatBytes([SIGNATURE, pngChunk("IHDR", ihdr), ...(spec.extraChunks ?? []), ...idats, pngChunk("IEND", new Uint8Array(0))]);
}

/** RGB by OpenCV's rules, from the samples drawn. */
function expectedRgb(spec: PngSpec, palette?: ArrayLike<number>): number[] {
  const { width, height, depth, colorType, samples } = spec;
  const channels = CHANNELS[colorType]!;
  const to8 = (v: number): number => (depth === 16 ? v >> 8 : depth < 8 ? (v * 255) / ((1 << depth) - 1) : v);
  const out: number[] = [];
  for (let p = 0; p < width * height; p++) {
    const s = (i: number): number => samples[p * channels + i]!;
    if (colorType === 3) out.push(palette![s(0) * 3] ?? 0, palette![s(0) * 3 + 1] ?? 0, palette![s(0) * 3 + 2] ?? 0);
    else if (colorType === 0 || colorType === 4) out.push(to8(s(0)), to8(s(0)), to8(s(0)));
    else out.push(to8(s(0)), to8(s(1)), to8(s(2)));
  }
  return out;
}

function expectDecodeError(decode: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    decode();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected an ImageDecodeError").toBeInstanceOf(ImageDecodeError);
  expect((caught as Error).message).toMatch(pattern);
  expect((caught as Error).message).not.toContain("\n");
}

describe("every colour type × bit depth × interlacing × filter", () => {
  const formats: [number, number][] = [
    [0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [2, 8], [2, 16], [3, 1], [3, 2], [3, 4], [3, 8], [4, 8], [4, 16], [6, 8], [6, 16],
  ];
  const cases = formats.flatMap(([colorType, depth]) => [false, true].map((interlaced) => [colorType, depth, interlaced] as const));
  it.each(cases)("colour type %i, %i-bit, interlaced %s", (colorType, depth, interlaced) => {
    // Sizes that leave Adam7 passes empty or ragged, rows whose bits end mid-byte.
    for (const [width, height] of [[1, 1], [3, 2], [13, 11], [37, 9]] as const) {
      const channels = CHANNELS[colorType]!;
      const max = colorType === 3 ? Math.min((1 << depth) - 1, 200) : (1 << depth) - 1;
      const seed = colorType * 1000 + depth * 10 + width;
      const spec: PngSpec = {
        width, height, depth, colorType, interlaced, samples: samplePattern(width * height * channels, max, seed),
        filterOf: (row) => (row * 7 + width) % 5,
      };
      let palette: number[] | undefined;
      if (colorType === 3) {
        palette = samplePattern(3 * Math.min(1 << depth, 201), 255, seed + 1);
        spec.extraChunks = [pngChunk("PLTE", Uint8Array.from(palette)), pngChunk("tRNS", Uint8Array.of(0, 128))];
      }
      const bytes = encodePng(spec);
      const decoded = Array.from(builtIn(bytes));
      expect(decoded).toEqual(expectedRgb(spec, palette));
      expect(decoded).toEqual(Array.from(viaPngjs(bytes)));
    }
  });

  it.each([0, 1, 2, 3, 4])("filter %i on every row, 16-bit RGBA (filter unit 8 bytes)", (filter) => {
    const spec: PngSpec = { width: 19, height: 7, depth: 16, colorType: 6, samples: samplePattern(19 * 7 * 4, 65535, filter), filterOf: () => filter };
    expect(Array.from(builtIn(encodePng(spec)))).toEqual(expectedRgb(spec));
  });
});

describe("files from other encoders", () => {
  it.each(["grey8.png", "interlaced.png", "palette8.png", "rgb16.png", "rgb8.png", "rgba8.png"])("fixture %s equals the pngjs path", (name) => {
    const bytes = readBytes(`${FIXTURES}${name}`);
    expect(Buffer.from(builtIn(bytes)).equals(Buffer.from(viaPngjs(bytes)))).toBe(true);
  });

  const pngjsOptions = [
    { colorType: 0, bitDepth: 8 }, { colorType: 2, bitDepth: 8 }, { colorType: 4, bitDepth: 8 }, { colorType: 6, bitDepth: 8 },
    { colorType: 0, bitDepth: 16 }, { colorType: 2, bitDepth: 16 }, { colorType: 6, bitDepth: 16 },
  ] as const;
  it.each(pngjsOptions)("written by pngjs: colour type $colorType, $bitDepth-bit, adaptive filters", ({ colorType, bitDepth }) => {
    const png = new PNG({ width: 33, height: 21, colorType, bitDepth, inputColorType: 6, inputHasAlpha: true });
    // pngjs's encoder takes RGBA input (16-bit: a Uint16Array) and converts it.
    const rgba = samplePattern(33 * 21 * 4, bitDepth === 16 ? 65535 : 255, colorType + bitDepth);
    const data = bitDepth === 16 ? Uint16Array.from(rgba) : Uint8Array.from(rgba);
    (png as unknown as { data: Uint8Array | Uint16Array }).data = data;
    const bytes = new Uint8Array(PNG.sync.write(png, { colorType, bitDepth, inputColorType: 6, inputHasAlpha: true, filterType: -1 }));
    expect(Buffer.from(builtIn(bytes)).equals(Buffer.from(viaPngjs(bytes)))).toBe(true);
  });
});

describe("chunk handling", () => {
  const spec: PngSpec = { width: 40, height: 30, depth: 8, colorType: 2, samples: samplePattern(40 * 30 * 3, 255, 4), filterOf: (r) => r % 5 };

  it("image data split over several IDAT chunks (one of them empty) decodes the same", () => {
    const whole = Array.from(builtIn(encodePng(spec)));
    expect(Array.from(builtIn(encodePng({ ...spec, idatSplits: [1, 2, 2, 100, 1000] })))).toEqual(whole);
    expect(whole).toEqual(expectedRgb(spec));
  });

  it("a palette index past the PLTE entries is black, as libpng's zero-filled palette gives (pngjs throws)", () => {
    const bytes = encodePng({ width: 3, height: 1, depth: 8, colorType: 3, samples: [0, 1, 2], extraChunks: [pngChunk("PLTE", Uint8Array.of(10, 20, 30, 40, 50, 60))] });
    expect(Array.from(builtIn(bytes))).toEqual([10, 20, 30, 40, 50, 60, 0, 0, 0]);
  });

  it("ancillary chunks (tEXt, even with a bad CRC) are skipped; a PLTE on an RGB image is ignored", () => {
    const text = pngChunk("tEXt", new TextEncoder().encode("Comment\0hello"));
    text[text.length - 1]! ^= 1;
    const bytes = encodePng({ ...spec, extraChunks: [text, pngChunk("PLTE", Uint8Array.of(1, 2, 3))] });
    expect(Array.from(builtIn(bytes))).toEqual(expectedRgb(spec));
  });
});

describe("broken files fail with one ImageDecodeError line", () => {
  const spec: PngSpec = { width: 40, height: 30, depth: 8, colorType: 2, samples: samplePattern(40 * 30 * 3, 255, 4), filterOf: (r) => r % 5 };
  const good = encodePng(spec);
  const idatAt = 8 + 25; // after the signature and IHDR
  const withIdat = (payload: Uint8Array): Uint8Array => concatBytes([good.subarray(0, idatAt), pngChunk("IDAT", payload), pngChunk("IEND", new Uint8Array(0))]);
  const rawRows = (rows: number[][]): Uint8Array => new Uint8Array(deflateSync(Uint8Array.from(rows.flat())));

  it("a critical chunk whose CRC is wrong", () => {
    const bad = good.slice();
    bad[idatAt + 20]! ^= 0x10;
    expectDecodeError(() => builtIn(bad), /^corrupt PNG: chunk IDAT at byte 33 fails its CRC check$/);
  });

  it("an unknown filter type", () => {
    const oneRow = (filter: number): number[] => [filter, ...new Array<number>(120).fill(0)];
    const rows = Array.from({ length: 30 }, (_, y) => oneRow(y === 4 ? 5 : 0));
    expectDecodeError(() => builtIn(withIdat(rawRows(rows))), /^corrupt PNG: row 4 has unknown filter type 5/);
  });

  it("image data that ends early, runs past the image, or is cut inside the compressed stream", () => {
    const row = [0, ...new Array<number>(120).fill(9)];
    // 40×30 RGB: 30 rows of 1 filter byte + 120 sample bytes = 3630; 29 rows are 3509.
    expectDecodeError(() => builtIn(withIdat(rawRows(new Array(29).fill(row)))), /inflates to 3509 bytes, the header needs 3630/);
    expectDecodeError(() => builtIn(withIdat(rawRows(new Array(31).fill(row)))), /inflates to more than the 3630 bytes the header needs/);
    const compressed = new Uint8Array(deflateSync(Uint8Array.from(new Array(30).fill(row).flat())));
    expectDecodeError(() => builtIn(withIdat(compressed.subarray(0, compressed.length - 6))), /^truncated PNG: image data ends/);
  });

  it("a decompression bomb behind a tiny header, plain or interlaced, is refused fast", () => {
    const bomb = new Uint8Array(deflateSync(new Uint8Array(20_000_000)));
    for (const interlaced of [false, true]) {
      const header = encodePng({ width: 4, height: 4, depth: 8, colorType: 2, samples: new Array(48).fill(0), interlaced });
      const bytes = concatBytes([header.subarray(0, idatAt), pngChunk("IDAT", bomb), pngChunk("IEND", new Uint8Array(0))]);
      const start = performance.now();
      expectDecodeError(() => builtIn(bytes), /inflates to more than the \d+ bytes the header needs/);
      expect(performance.now() - start).toBeLessThan(100);
    }
  });

  it("a 48-megapixel header over 8 bytes of image data is refused before 144 MB are allocated", () => {
    const header = encodePng({ width: 1, height: 1, depth: 8, colorType: 2, samples: [0, 0, 0] }).subarray(0, idatAt);
    const ihdr = header.slice(8, 33);
    new DataView(ihdr.buffer).setUint32(8, 30_000);
    new DataView(ihdr.buffer).setUint32(12, 1_600);
    const tiny = Uint8Array.of(0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01);
    const bytes = concatBytes([SIGNATURE, pngChunk("IHDR", ihdr.subarray(8, 21)), pngChunk("IDAT", tiny), pngChunk("IEND", new Uint8Array(0))]);
    const start = performance.now();
    expectDecodeError(() => builtIn(bytes), /^truncated PNG: 8 bytes of image data cannot inflate to the 144001600 bytes the header needs$/);
    expect(performance.now() - start).toBeLessThan(50);
  });

  it("a palette image without PLTE, a PLTE of 4 bytes, an unknown critical chunk", () => {
    const palette = { width: 2, height: 2, depth: 8, colorType: 3, samples: [0, 0, 0, 0] };
    expectDecodeError(() => builtIn(encodePng(palette)), /palette image \(colour type 3\) without a PLTE chunk/);
    expectDecodeError(() => builtIn(encodePng({ ...palette, extraChunks: [pngChunk("PLTE", new Uint8Array(4))] })), /PLTE has 4 bytes/);
    expectDecodeError(() => builtIn(encodePng({ ...spec, extraChunks: [pngChunk("ABCD", new Uint8Array(2))] })), /unknown critical chunk "ABCD" at byte 33/);
  });

  it("random damage to the image data (CRC made right again) gives ImageDecodeError or pixels, nothing else", () => {
    const payloadStart = idatAt + 8;
    const payloadLength = good.length - 12 - payloadStart - 12 + 8;
    let state = 99;
    const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const start = performance.now();
    for (let trial = 0; trial < 300; trial++) {
      const payload = good.slice(payloadStart, payloadStart + payloadLength);
      for (let k = 0; k <= trial % 4; k++) payload[next() % payload.length]! ^= 1 << (next() % 8);
      const bytes = withIdat(payload);
      try {
        expect(builtIn(bytes).length).toBe(40 * 30 * 3);
      } catch (error) {
        expect(error).toBeInstanceOf(ImageDecodeError);
      }
    }
    expect(performance.now() - start).toBeLessThan(3000);
  });

  it("limits are still checked before anything is inflated", () => {
    const bytes = encodePng({ width: 300, height: 300, depth: 8, colorType: 0, samples: new Array(90_000).fill(0) });
    expect(() => decodePng(bytes, { maxPixels: 1000 }, undefined)).toThrow(LimitError);
  });
});

describe("without Node", () => {
  it("the bundled image core decodes a PNG in a bare V8 context (no Buffer, no zlib)", async () => {
    const bundle = await build({
      entryPoints: [new URL("../../src/image/index.ts", import.meta.url).pathname],
      bundle: true, platform: "browser", format: "iife", globalName: "ghostnetImage", write: false, logLevel: "silent",
    });
    const code = bundle.outputFiles[0]!.text;
    expect(code).not.toMatch(/require\("(node:)?(zlib|buffer)"\)/);
    const spec: PngSpec = { width: 21, height: 13, depth: 8, colorType: 6, samples: samplePattern(21 * 13 * 4, 255, 8), interlaced: true, filterOf: (r) => r % 5 };
    const result = runInNewContext(`${code}; ({ hasBuffer: typeof Buffer !== "undefined", rgb: ghostnetImage.decodeImage(png).data })`, {
      png: encodePng(spec),
    }) as { hasBuffer: boolean; rgb: Uint8Array };
    expect(result.hasBuffer).toBe(false);
    expect(Array.from(result.rgb)).toEqual(expectedRgb(spec));
  });
});
