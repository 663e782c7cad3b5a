/**
 * Label lists (PaddleClas's `id label` lines) and top-k.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { parseLabelList } from "../../src/image/labels.js";
import { topK } from "../../src/image/topk.js";

describe("parseLabelList", () => {
  it("reads the shipped ImageNet-1k list: 1000 names, index = class id", () => {
    const text = readFileSync(new URL("../../data/imagenet1k_label_list.txt", import.meta.url), "utf8");
    const labels = parseLabelList(text);
    expect(labels).toHaveLength(1000);
    expect(labels[0]).toBe("tench, Tinca tinca");
    expect(labels[8]).toBe("hen");
    expect(labels[999]).toBe("toilet tissue, toilet paper, bathroom tissue");
  });

  it("accepts CRLF, blank lines and any order; keeps commas and spaces inside names", () => {
    expect(parseLabelList("1 b, c\r\n\r\n0  a  x\n")).toEqual(["a  x", "b, c"]);
  });

  it("refuses malformed lines, duplicate ids and gaps, naming the line", () => {
    expect(() => parseLabelList("0 a\nb\n")).toThrow(/line 2: expected "id label", found "b"/);
    expect(() => parseLabelList("0 a\n0 b\n")).toThrow(/line 2: class id 0 appears twice/);
    expect(() => parseLabelList("0 a\n2 c\n")).toThrow(/class id 1 is missing/);
    expect(() => parseLabelList("x a")).toThrow(InputError);
  });
});

describe("topK", () => {
  const labels = ["cat", "dog", "fish", "bird"];

  it("returns the k best, best first, with labels", () => {
    expect(topK(Float32Array.of(0.1, 0.6, 0.05, 0.25), 2, labels)).toEqual([
      { classId: 1, label: "dog", score: Math.fround(0.6) },
      { classId: 3, label: "bird", score: Math.fround(0.25) },
    ]);
  });

  it("is stable: equal scores keep the lower class id first", () => {
    const result = topK(Float32Array.of(0.2, 0.3, 0.3, 0.2, 0.3), 4);
    expect(result.map((p) => p.classId)).toEqual([1, 2, 4, 0]);
  });

  it("names missing labels by id; k larger than the vector gives all; NaN ranks last", () => {
    expect(topK([1, 2], 5)).toEqual([
      { classId: 1, label: "class 1", score: 2 },
      { classId: 0, label: "class 0", score: 1 },
    ]);
    expect(topK([Number.NaN, -1, 0], 3).map((p) => p.classId)).toEqual([2, 1, 0]);
  });

  it("agrees with a full sort on random scores", () => {
    let state = 7;
    const scores = Float32Array.from({ length: 1000 }, () => ((state = (state * 48271) % 2147483647) % 1000) / 1000);
    const sorted = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
    expect(topK(scores, 10).map((p) => p.classId)).toEqual(sorted.slice(0, 10));
  });

  it("refuses k < 1", () => {
    expect(() => topK([1], 0)).toThrow(/k must be a positive integer/);
  });
});
