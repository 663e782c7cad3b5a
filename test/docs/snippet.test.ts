/**
 * The walkthrough's "Try it" script runs as printed: its TypeScript block is run with tsx
 * from the repository root (the package name mapped to src/index.ts), and what it prints
 * is what the page says it prints, and what `summarizeGhostNet` says those layers output.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ghostNetConfig, summarizeGhostNet } from "../../src/index.js";
import { readDoc, root } from "./markdown.js";

const run = promisify(execFile);
const DOC = "docs/how-ghostnet-runs.md";

/** The section's TypeScript block and the `name [dims]` pairs its "It prints" sentence lists. */
function trySection(text: string): { code: string; claimed: string[] } {
  const section = /^## Try it[^\n]*\n([\s\S]*?)(?=^## )/m.exec(text)?.[1];
  if (section === undefined) throw new Error(`${DOC} has no "## Try it" section`);
  const code = /^```ts\n([\s\S]*?)^```/m.exec(section)?.[1];
  if (code === undefined) throw new Error(`${DOC}: the "Try it" section has no ts block`);
  const sentence = /It prints ([\s\S]*?)\./.exec(section)?.[1] ?? "";
  const claimed = [...sentence.matchAll(/`([\w]+ \[[\d,]+\])`/g)].map((m) => m[1]!);
  return { code, claimed };
}

describe("the walkthrough's script", () => {
  it("prints what the page says, and the shapes are the summary's", async () => {
    const { code, claimed } = trySection(readDoc(DOC));
    expect(claimed.length).toBeGreaterThanOrEqual(3);
    const folder = await mkdtemp(join(tmpdir(), "ghostnet-snippet-"));
    try {
      const script = join(folder, "try-it.mts");
      await writeFile(script, code.replace(/from "ghostnet-ts"/g, `from ${JSON.stringify(pathToFileURL(join(root, "src", "index.ts")).href)}`));
      const { stdout } = await run(process.execPath, [join(root, "node_modules", "tsx", "dist", "cli.mjs"), script], { cwd: root, timeout: 100_000 });
      const printed = stdout.trim().split("\n").map((line) => line.trim());
      expect(printed).toEqual(claimed);
      const summary = summarizeGhostNet(ghostNetConfig(1, 1000));
      for (const line of printed) {
        const [name, dims] = line.split(" ") as [string, string];
        expect(JSON.stringify(summary.layers.find((row) => row.name === name)?.outputShape), line).toBe(dims);
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
