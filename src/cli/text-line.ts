/**
 * A tiny text renderer for the demo: a 5×7 bitmap font (capitals, digits, a little
 * punctuation) drawn with square "pixels" of `scale`×`scale` into an RGB image, dark
 * ink on white paper. Enough to make a text line the PaddleOCR direction classifier
 * can read, without shipping an image or a font file.
 */

import type { RgbImage } from "../image/rgb-image.js";

/** Each glyph: 7 rows of 5 columns, `#` = ink. */
const GLYPH_ROWS: Record<string, string> = {
  A: ".###. #...# #...# ##### #...# #...# #...#",
  B: "####. #...# #...# ####. #...# #...# ####.",
  C: ".###. #...# #.... #.... #.... #...# .###.",
  D: "###.. #..#. #...# #...# #...# #..#. ###..",
  E: "##### #.... #.... ####. #.... #.... #####",
  F: "##### #.... #.... ####. #.... #.... #....",
  G: ".###. #...# #.... #.### #...# #...# .####",
  H: "#...# #...# #...# ##### #...# #...# #...#",
  I: ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  J: "..### ...#. ...#. ...#. ...#. #..#. .##..",
  K: "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
  L: "#.... #.... #.... #.... #.... #.... #####",
  M: "#...# ##.## #.#.# #.#.# #...# #...# #...#",
  N: "#...# #...# ##..# #.#.# #..## #...# #...#",
  O: ".###. #...# #...# #...# #...# #...# .###.",
  P: "####. #...# #...# ####. #.... #.... #....",
  Q: ".###. #...# #...# #...# #.#.# #..#. .##.#",
  R: "####. #...# #...# ####. #.#.. #..#. #...#",
  S: ".#### #.... #.... .###. ....# ....# ####.",
  T: "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
  U: "#...# #...# #...# #...# #...# #...# .###.",
  V: "#...# #...# #...# #...# #...# .#.#. ..#..",
  W: "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
  X: "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
  Y: "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
  Z: "##### ....# ...#. ..#.. .#... #.... #####",
  "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
  "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
  "2": ".###. #...# ....# ...#. ..#.. .#... #####",
  "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
  "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
  "5": "##### #.... ####. ....# ....# #...# .###.",
  "6": "..##. .#... #.... ####. #...# #...# .###.",
  "7": "##### ....# ...#. ..#.. .#... .#... .#...",
  "8": ".###. #...# #...# .###. #...# #...# .###.",
  "9": ".###. #...# #...# .#### ....# ...#. .##..",
  " ": "..... ..... ..... ..... ..... ..... .....",
  ".": "..... ..... ..... ..... ..... .##.. .##..",
  ",": "..... ..... ..... ..... .##.. ..#.. .#...",
  "-": "..... ..... ..... ##### ..... ..... .....",
  ":": "..... .##.. .##.. ..... .##.. .##.. .....",
  "!": "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
  "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
};

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** One blank column between letters. */
export const GLYPH_ADVANCE = GLYPH_WIDTH + 1;

/** The font's characters (after upper-casing). */
export const FONT_CHARACTERS: string = Object.keys(GLYPH_ROWS).join("");

function glyphBits(char: string): boolean[][] {
  const rows = GLYPH_ROWS[char] ?? GLYPH_ROWS["?"]!;
  return rows.split(" ").map((row) => Array.from(row, (c) => c === "#"));
}

export interface TextLineOptions {
  /** Side of one font pixel in image pixels (default 4). */
  scale?: number;
  /** Blank border left and right of the text, in image pixels (default: 1.5 font pixels). */
  margin?: number;
  /** Image height; the text is centred vertically (default: 7·scale + 2·margin). */
  height?: number;
  /** Ink and paper grey levels (default 20 on 255). */
  ink?: number;
  paper?: number;
}

/**
 * Draws `text` (upper-cased; unknown characters as `?`) on one line:
 * width = 2·margin + (chars·6 − 1)·scale, height = `height` or 2·margin + 7·scale.
 */
export function renderTextLine(text: string, options: TextLineOptions = {}): RgbImage {
  const scale = options.scale ?? 4;
  const margin = options.margin ?? Math.round(1.5 * scale);
  const ink = options.ink ?? 20;
  const paper = options.paper ?? 255;
  const chars = Array.from(text.toUpperCase());
  const width = 2 * margin + Math.max(0, chars.length * GLYPH_ADVANCE - 1) * scale;
  const height = options.height ?? 2 * margin + GLYPH_HEIGHT * scale;
  const top = Math.floor((height - GLYPH_HEIGHT * scale) / 2);
  const data = new Uint8Array(width * height * 3).fill(paper);
  chars.forEach((char, index) => {
    const bits = glyphBits(char);
    const left = margin + index * GLYPH_ADVANCE * scale;
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (!bits[gy]![gx]) continue;
        for (let y = top + gy * scale; y < top + (gy + 1) * scale; y++) {
          const row = y * width;
          for (let x = left + gx * scale; x < left + (gx + 1) * scale; x++) {
            data.fill(ink, (row + x) * 3, (row + x) * 3 + 3);
          }
        }
      }
    }
  });
  return { width, height, data };
}

/** The image turned by 180°: pixel (x, y) moves to (w−1−x, h−1−y). */
export function rotate180(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  const pixels = width * height;
  for (let p = 0; p < pixels; p++) {
    const q = pixels - 1 - p;
    out[q * 3] = data[p * 3]!;
    out[q * 3 + 1] = data[p * 3 + 1]!;
    out[q * 3 + 2] = data[p * 3 + 2]!;
  }
  return { width, height, data: out };
}

/** A picture of `image` in characters: one per cell×cell block, `#` where the block is mostly ink. */
export function asciiArt(image: RgbImage, cell: number): string {
  const lines: string[] = [];
  for (let top = 0; top + cell <= image.height; top += cell) {
    let line = "";
    for (let left = 0; left + cell <= image.width; left += cell) {
      let sum = 0;
      for (let y = top; y < top + cell; y++) {
        for (let x = left; x < left + cell; x++) sum += image.data[(y * image.width + x) * 3]!;
      }
      line += sum / (cell * cell) < 128 ? "#" : " ";
    }
    if (line.trim() !== "") lines.push(line.trimEnd());
  }
  return lines.join("\n");
}
