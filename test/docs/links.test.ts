/**
 * The docs cannot rot silently: every relative link in README.md, CONTRIBUTING.md,
 * CHANGELOG.md and docs/*.md points at a file or folder of the tree; a link's #anchor is a
 * heading of the Markdown file it points at, a line (#L12) within the file, or a symbol
 * (#GhostModule) that appears in the source file; and every code span naming a file of the
 * tree (`src/ops/depthwise.ts`, `src/x.ts:12`, `src/x.ts#symbol`) holds the same way.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { anchors, codeReferences, docFiles, fileHasSymbol, fromRoot, lineCount, links, root, slug } from "./markdown.js";

/** What is wrong with a reference to `path` (relative to the root) and its fragment, or undefined. */
function problem(path: string, fragment: string | undefined): string | undefined {
  const absolute = join(root, path);
  if (!absolute.startsWith(root) || !existsSync(absolute)) return `${path} does not exist`;
  if (fragment === undefined || fragment === "") return undefined;
  if (statSync(absolute).isDirectory()) return `${path} is a folder, it has no #${fragment}`;
  if (path.endsWith(".md")) return anchors(path).has(fragment) ? undefined : `${path} has no heading #${fragment}`;
  const lines = /^L(\d+)(?:-L(\d+))?$/.exec(fragment);
  if (lines) {
    const count = lineCount(path);
    const last = Number(lines[2] ?? lines[1]);
    return last <= count ? undefined : `${path} has ${count} lines, not ${last}`;
  }
  return fileHasSymbol(path, fragment) ? undefined : `${path} does not mention ${fragment}`;
}

describe("links and references in the docs", () => {
  const files = docFiles();

  it("covers the README and the docs folder", () => {
    expect(files).toContain("README.md");
    expect(files).toContain("docs/how-ghostnet-runs.md");
    expect(files).toContain("docs/kernels.md");
    expect(files).toContain("docs/architecture.md");
    expect(files).toContain("docs/performance.md");
  });

  for (const file of files) {
    it(`${file}: every relative link resolves`, () => {
      const bad: string[] = [];
      for (const link of links(file)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) continue; // https:, mailto:
        const [rawPath, fragment] = link.target.split("#", 2) as [string, string | undefined];
        const path = rawPath === "" ? file : fromRoot(normalize(join(root, dirname(file), decodeURI(rawPath))));
        const why = problem(path, fragment);
        if (why !== undefined) bad.push(`${file}:${link.line}: (${link.target}) ${why}`);
      }
      expect(bad).toEqual([]);
    });

    it(`${file}: every code-span path, path:line and path#symbol exists`, () => {
      const bad: string[] = [];
      for (const ref of codeReferences(file)) {
        const fragment = ref.lineNumber !== undefined ? `L${ref.lineNumber}` : ref.symbol;
        const why = problem(ref.path, fragment);
        if (why !== undefined) bad.push(`${file}:${ref.line}: \`${ref.text}\` ${why}`);
      }
      expect(bad).toEqual([]);
    });
  }

  it("the checker itself: GitHub's anchors, missing files, lines and symbols are told apart", () => {
    expect(slug("Ghost module 1: a 1×1 conv and its cheap shadow")).toBe("ghost-module-1-a-11-conv-and-its-cheap-shadow");
    expect(slug("Op by op against onnxruntime-web")).toBe("op-by-op-against-onnxruntime-web");
    expect(problem("src/ghostnet/layers.ts", "GhostModule")).toBeUndefined();
    expect(problem("src/ghostnet/layers.ts", "GhostModul")).toMatch(/does not mention/);
    expect(problem("src/ghostnet/layers.ts", "L1")).toBeUndefined();
    expect(problem("src/ghostnet/layers.ts", "L999999")).toMatch(/lines/);
    expect(problem("src/no-such-file.ts", undefined)).toMatch(/does not exist/);
    expect(problem("README.md", "no-such-heading")).toMatch(/no heading/);
  });
});
