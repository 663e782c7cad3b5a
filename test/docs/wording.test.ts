/**
 * The README and docs speak to users and learners: README.md stays at most 300 lines, and
 * no page talks about the project's own bookkeeping (work sessions, issue numbers, who
 * did what when). Code spans and fenced blocks are left out of the word check, so API
 * names such as onnxruntime's `InferenceSession` do not trip it.
 */
import { describe, expect, it } from "vitest";
import { docFiles, lineCount, proseOnly, readDoc } from "./markdown.js";

const README_MAX_LINES = 300;

/** Words that belong to the project's bookkeeping, not to a page a user can act on. */
const BANNED: { pattern: RegExp; why: string }[] = [
  { pattern: /\bsessions?\b/i, why: "a work session" },
  // "issue" as a tracker item; the verb ("the server issues a 503") is fine.
  { pattern: /\bissues?\s*(#\s*)?\d+|\b(this|that|the|an|open|closed|known|github|our)\s+issues?\b|\bissues?\s+(tracker|list|number)\b/i, why: "an issue tracker" },
  { pattern: /(^|[\s(])#\d+\b/, why: "an issue or pull-request number" },
  { pattern: /\bprevious (session|run of work|attempt)\b/i, why: "history" },
  { pattern: /\bTODO\b|\bFIXME\b/, why: "a note to the authors" },
  { pattern: /\bthe lead\b/i, why: "who works on what" },
];

/** "file:line: the line" for every banned word in the prose of `text`. */
function bannedWords(file: string, text: string): string[] {
  const found: string[] = [];
  proseOnly(text).split("\n").forEach((line, i) => {
    for (const { pattern, why } of BANNED) {
      const m = pattern.exec(line);
      if (m) found.push(`${file}:${i + 1}: "${m[0].trim()}" (${why}): ${line.trim().slice(0, 100)}`);
    }
  });
  return found;
}

describe("the docs speak to their readers", () => {
  it(`README.md has at most ${README_MAX_LINES} lines`, () => {
    expect(lineCount("README.md")).toBeLessThanOrEqual(README_MAX_LINES);
  });

  for (const file of docFiles()) {
    it(`${file}: no words about sessions, issues or who did what`, () => {
      expect(bannedWords(file, readDoc(file))).toEqual([]);
    });
  }

  it("the word check finds what it should and skips code", () => {
    expect(bannedWords("x.md", "Fixed in the previous session.").length).toBeGreaterThan(0);
    expect(bannedWords("x.md", "See issue 6 and #19.")).toHaveLength(2);
    expect(bannedWords("x.md", "As the issue says, this is open.")).toHaveLength(1);
    expect(bannedWords("x.md", "The handler issues a 503 with Retry-After.")).toEqual([]);
    expect(bannedWords("x.md", "onnxruntime's `InferenceSession` and `session.run(feeds)`")).toEqual([]);
    expect(bannedWords("x.md", "```js\nconst session = await InferenceSession.create(bytes);\n```")).toEqual([]);
    expect(bannedWords("x.md", "The heading [links](other.md#where-the-time-goes) are fine.")).toEqual([]);
  });
});
