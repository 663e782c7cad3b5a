/**
 * The API reference builds: TypeDoc (typedoc.config.mjs: every entry of package.json's
 * "exports", warnings as errors) runs over the sources into a temporary folder. It fails
 * on an exported symbol without a doc comment, a public signature naming a type that is
 * not exported, or a broken {@link}. Type errors are the build's to report
 * (`npm test` builds first), so TypeDoc skips its own type check here.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { root } from "./markdown.js";

const run = promisify(execFile);

describe("the API reference", () => {
  it("TypeDoc documents every package entry without a warning", async () => {
    const out = await mkdtemp(join(tmpdir(), "ghostnet-typedoc-"));
    try {
      const typedoc = join(root, "node_modules", "typedoc", "bin", "typedoc");
      let output: string;
      try {
        const result = await run(process.execPath, [typedoc, "--out", out, "--skipErrorChecking"], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
        output = result.stdout + result.stderr;
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
      }
      const problems = output
        .replace(/\x1b\[[0-9;]*m/g, "")
        .split("\n")
        .filter((line) => /\[(warning|error)\]/.test(line));
      expect(problems).toEqual([]);
      expect(existsSync(join(out, "index.html"))).toBe(true);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);
});
