/**
 * From a PNG's inflated image data to 8-bit RGB, as OpenCV's `imread(IMREAD_COLOR)`
 * gives it (see png.ts): undo each scanline's filter (PNG spec §9), place Adam7's seven
 * sub-images (§8.2), and turn samples of any colour type and bit depth into RGB —
 * grey replicated (1/2/4-bit scaled by 255/max), palette looked up, 16-bit → high byte,
 * alpha dropped.
 *
 * Inflated layout (§7.2): per row of each (sub-)image, one filter-type byte, then the
 * row's samples packed MSB-first (depths < 8) or big-endian (16-bit), ⌈width·bitsPerPixel/8⌉
 * bytes. The data is unfiltered in place: each row's prior row is already unfiltered.
 */
import { ImageDecodeError } from "../errors.js";
import type { PngHeader } from "./png.js";

/** Samples per pixel for each colour type: grey, RGB, palette, grey+alpha, RGBA. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7 passes (§8.2): first column, first row, column step, row step. A plain image is one pass [0, 0, 1, 1]. */
const ADAM7_PASSES: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];
const SINGLE_PASS: readonly (readonly [number, number, number, number])[] = [[0, 0, 1, 1]];

/**
 * RGB (width·height·3 bytes) from the inflated data of `header`'s image, whose length the
 * caller has checked to be exactly `inflatedSize(header)`. `palette` is the PLTE payload
 * (needed for colour type 3); palette indices past its end give black, as libpng's
 * zero-filled 256-entry palette does. The data is modified (unfiltered in place).
 */
export function pngDataToRgb(data: Uint8Array, header: PngHeader, palette?: Uint8Array): Uint8Array {
  const { width, height, depth, colorType } = header;
  const bitsPerPixel = CHANNELS[colorType]! * depth;
  const filterUnit = Math.max(1, bitsPerPixel >> 3); // bytes back to the "left" byte (§9.2)
  const rgb = new Uint8Array(width * height * 3);
  const colours = colorType === 3 ? fullPalette(palette) : undefined;
  let rowStart = 0;
  for (const [x0, y0, dx, dy] of header.interlaced ? ADAM7_PASSES : SINGLE_PASS) {
    const passWidth = Math.ceil((width - x0) / dx);
    const passHeight = Math.ceil((height - y0) / dy);
    if (passWidth <= 0 || passHeight <= 0) continue; // §8.2: empty passes have no rows, not even filter bytes
    const rowBytes = Math.ceil((passWidth * bitsPerPixel) / 8);
    for (let row = 0; row < passHeight; row++) {
      const prior = row === 0 ? -1 : rowStart - rowBytes; // the previous row's first sample byte
      unfilterRow(data, rowStart, rowBytes, filterUnit, prior, row);
      const y = y0 + row * dy;
      writeRgbRow(data, rowStart + 1, passWidth, header, colours, rgb, (y * width + x0) * 3, dx * 3);
      rowStart += rowBytes + 1;
    }
  }
  return rgb;
}

/** The PLTE entries in a zero-filled 256-colour table (3 bytes each). */
function fullPalette(palette: Uint8Array | undefined): Uint8Array {
  if (palette === undefined) throw new ImageDecodeError("corrupt PNG: palette image (colour type 3) without a PLTE chunk");
  const colours = new Uint8Array(256 * 3);
  colours.set(palette.subarray(0, colours.length));
  return colours;
}

/**
 * Undoes one row's filter in place (§9.2–9.4). Row layout at `start`: the filter type
 * byte, then `rowBytes` bytes; `prior` is the start of the previous row's bytes or −1 for
 * the first row of a pass (whose "up" bytes are all zero). For byte x of the row:
 *   a = the byte `filterUnit` to the left (0 at the row start), b = the byte above,
 *   c = the byte above a; Sub adds a, Up adds b, Average adds ⌊(a + b)/2⌋, Paeth adds
 *   whichever of a, b, c is nearest to a + b − c (ties: a, then b). Sums are mod 256.
 */
function unfilterRow(data: Uint8Array, start: number, rowBytes: number, filterUnit: number, prior: number, row: number): void {
  const filter = data[start]!;
  const line = start + 1;
  const end = line + rowBytes;
  switch (filter) {
    case 0: // None
      return;
    case 1: // Sub
      for (let i = line + filterUnit; i < end; i++) data[i] = data[i]! + data[i - filterUnit]!;
      return;
    case 2: // Up
      if (prior < 0) return;
      for (let i = line, up = prior; i < end; i++, up++) data[i] = data[i]! + data[up]!;
      return;
    case 3: // Average
      if (prior < 0) {
        for (let i = line + filterUnit; i < end; i++) data[i] = data[i]! + (data[i - filterUnit]! >> 1);
        return;
      }
      for (let i = line, up = prior; i < line + filterUnit; i++, up++) data[i] = data[i]! + (data[up]! >> 1);
      for (let i = line + filterUnit, up = prior + filterUnit; i < end; i++, up++) {
        data[i] = data[i]! + ((data[i - filterUnit]! + data[up]!) >> 1);
      }
      return;
    case 4: // Paeth; with no prior row b = c = 0, so the predictor is a (the same as Sub)
      if (prior < 0) {
        for (let i = line + filterUnit; i < end; i++) data[i] = data[i]! + data[i - filterUnit]!;
        return;
      }
      for (let i = line, up = prior; i < line + filterUnit; i++, up++) data[i] = data[i]! + data[up]!; // a = c = 0 → b
      for (let i = line + filterUnit, up = prior + filterUnit; i < end; i++, up++) {
        const a = data[i - filterUnit]!;
        const b = data[up]!;
        const c = data[up - filterUnit]!;
        // With p = a + b − c: |p − a| = |b − c|, |p − b| = |a − c|, |p − c| = |(b − c) + (a − c)|.
        // Branch-free (photos make these choices unpredictable): x >> 31 is −1 when x < 0,
        // and y ^ ((y ^ z) & mask) is z when mask = −1, y when mask = 0.
        let pa = b - c;
        let pb = a - c;
        let pc = pa + pb;
        pa = (pa ^ (pa >> 31)) - (pa >> 31);
        pb = (pb ^ (pb >> 31)) - (pb >> 31);
        pc = (pc ^ (pc >> 31)) - (pc >> 31);
        const bOrC = b ^ ((b ^ c) & ((pc - pb) >> 31)); // pb <= pc ? b : c
        data[i] = data[i]! + (a ^ ((a ^ bOrC) & (((pb - pa) | (pc - pa)) >> 31))); // pa <= pb && pa <= pc ? a : bOrC
      }
      return;
    default:
      throw new ImageDecodeError(`corrupt PNG: row ${row} has unknown filter type ${filter} (0–4 are defined)`);
  }
}

/**
 * Writes `count` pixels of one unfiltered row (samples from `data[src]`) as RGB at
 * `rgb[dst]`, `dstStep` bytes apart (3, or 3·column step for an Adam7 pass).
 */
function writeRgbRow(
  data: Uint8Array, src: number, count: number, header: PngHeader, colours: Uint8Array | undefined,
  rgb: Uint8Array, dst: number, dstStep: number,
): void {
  const { depth, colorType } = header;
  if (depth < 8) {
    // Packed indices or grey levels, MSB first (§7.2).
    const mask = (1 << depth) - 1;
    const scale = 255 / mask; // 255, 85, 17: exact
    for (let p = 0, bit = 0; p < count; p++, bit += depth, dst += dstStep) {
      const value = (data[src + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
      if (colours !== undefined) {
        rgb[dst] = colours[value * 3]!;
        rgb[dst + 1] = colours[value * 3 + 1]!;
        rgb[dst + 2] = colours[value * 3 + 2]!;
      } else {
        const grey = value * scale;
        rgb[dst] = grey;
        rgb[dst + 1] = grey;
        rgb[dst + 2] = grey;
      }
    }
    return;
  }
  if (colours !== undefined) {
    for (let p = 0; p < count; p++, dst += dstStep) {
      const index = data[src + p]! * 3;
      rgb[dst] = colours[index]!;
      rgb[dst + 1] = colours[index + 1]!;
      rgb[dst + 2] = colours[index + 2]!;
    }
    return;
  }
  // 8- or 16-bit samples: a 16-bit sample's high byte comes first, so it is read as if 8-bit
  // with every other byte skipped.
  const sampleBytes = depth >> 3;
  const pixelBytes = CHANNELS[colorType]! * sampleBytes;
  if (colorType === 0 || colorType === 4) {
    for (let p = 0, s = src; p < count; p++, s += pixelBytes, dst += dstStep) {
      const grey = data[s]!;
      rgb[dst] = grey;
      rgb[dst + 1] = grey;
      rgb[dst + 2] = grey;
    }
    return;
  }
  for (let p = 0, s = src; p < count; p++, s += pixelBytes, dst += dstStep) {
    rgb[dst] = data[s]!;
    rgb[dst + 1] = data[s + sampleBytes]!;
    rgb[dst + 2] = data[s + 2 * sampleBytes]!;
  }
}
