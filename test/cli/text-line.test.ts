/**
 * The demo's text renderer and PaddleOCR direction-classifier input, checked by hand.
 */
import { describe, expect, it } from "vitest";
import { directionInput } from "../../src/cli/direction.js";
import { asciiArt, renderTextLine, rotate180 } from "../../src/cli/text-line.js";

describe("renderTextLine", () => {
  it("draws 5×7 glyphs of scale×scale pixels with a margin", () => {
    const image = renderTextLine("T1", { scale: 2, margin: 3 });
    // width = 2·3 + (2·6 − 1)·2 = 28, height = 2·3 + 7·2 = 20
    expect([image.width, image.height]).toEqual([28, 20]);
    expect(asciiArt(image, 1)).toBe(
      [
        "   ##########      ##",
        "   ##########      ##",
        "       ##        ####",
        "       ##        ####",
        "       ##          ##",
        "       ##          ##",
        "       ##          ##",
        "       ##          ##",
        "       ##          ##",
        "       ##          ##",
        "       ##          ##",
        "       ##          ##",
        "       ##        ######",
        "       ##        ######",
      ].join("\n"),
    );
  });

  it("centres the text vertically when given a height; rotate180 turns it upside down", () => {
    const image = renderTextLine("L", { scale: 1, margin: 0, height: 11 });
    expect(asciiArt(image, 1)).toBe(["#", "#", "#", "#", "#", "#", "#####"].join("\n"));
    expect(image.data[(2 * 5 + 0) * 3]).toBe(20); // first ink row is y = 2
    const turned = rotate180(image);
    expect(asciiArt(turned, 1)).toBe(["#####", "    #", "    #", "    #", "    #", "    #", "    #"].join("\n"));
    expect(rotate180(turned).data).toEqual(image.data);
  });
});

describe("directionInput (PaddleOCR cls preprocessing)", () => {
  it("keeps the ratio at height 48, maps paper to +1 and ink towards −1, zero-pads to 192", () => {
    // 96×24 (ratio 4) → 192 wide would be exact; 48×24 (ratio 2) → 96 wide then zeros.
    const line = renderTextLine("A", { scale: 2, margin: 19, height: 24 });
    expect([line.width, line.height]).toEqual([48, 24]);
    const x = directionInput([line]);
    expect(Array.from(x.shape)).toEqual([1, 3, 48, 192]);
    const at = (c: number, y: number, xx: number): number => x.data[(c * 48 + y) * 192 + xx]!;
    expect(at(0, 0, 0)).toBeCloseTo(1, 6); // white paper: (255/255 − 0.5)/0.5
    expect(at(2, 47, 95)).toBeCloseTo(1, 6);
    expect(at(1, 10, 96)).toBe(0); // padding
    expect(at(0, 47, 191)).toBe(0);
    let min = Infinity;
    for (let i = 0; i < 48 * 96; i++) min = Math.min(min, at(0, Math.floor(i / 96), i % 96));
    expect(min).toBeCloseTo(20 / 127.5 - 1, 6); // the darkest ink
  });
});
