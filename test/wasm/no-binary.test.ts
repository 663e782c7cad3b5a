/**
 * The repository holds no WebAssembly binary: every module is assembled at run time by
 * src/wasm. This fails if a `.wasm` or `.wat`/`.wast` file is ever committed, or if a
 * tracked text file carries a module's magic bytes ("\0asm") as a byte list, an escaped
 * string or base64.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
  .split("\0")
  .filter((f) => f !== "");

/** The magic as a byte list, an escaped string, or base64 ("AGFzbQ" is base64 of "\0asm"). */
const MAGIC_PATTERNS: RegExp[] = [
  /0x0*0\s*,\s*0x61\s*,\s*0x73\s*,\s*0x6d/i,
  /\b0\s*,\s*97\s*,\s*115\s*,\s*109\b/,
  /\\(x00|0|u0000)asm/i,
  /\\x00\\x61\\x73\\x6d/i,
  /AGFzbQ/,
];

/** Files allowed to spell the pattern out: this test (which defines it) and the assembler's own encoding test. */
const ALLOWED = new Set(["test/wasm/no-binary.test.ts", "test/wasm/assembler.test.ts"]);

describe("no WebAssembly binary in the repository", () => {
  it("has no .wasm, .wat or .wast file", () => {
    expect(tracked.filter((f) => /\.(wasm|wat|wast)$/i.test(f))).toEqual([]);
  });

  it("has no module magic as a literal or base64 in any text file", () => {
    const offenders: string[] = [];
    for (const file of tracked) {
      if (ALLOWED.has(file) || file.startsWith("node_modules/")) continue;
      let text: string;
      try {
        const bytes = readFileSync(join(root, file));
        // A binary file that starts with the magic is a module whatever its name.
        if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d) {
          offenders.push(`${file}: starts with the module magic`);
          continue;
        }
        if (bytes.includes(0)) continue; // other binary files (images, models): not text
        text = bytes.toString("utf8");
      } catch {
        continue; // listed but gone (deleted in the working tree)
      }
      for (const pattern of MAGIC_PATTERNS) if (pattern.test(text)) offenders.push(`${file}: ${pattern}`);
    }
    expect(offenders).toEqual([]);
  });

  it("would notice a module spelled as bytes (the patterns are not dead)", () => {
    const samples = ["[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]", "new Uint8Array([0, 97, 115, 109])", '"\\0asm\\x01"', "AGFzbQEAAAA="];
    for (const sample of samples) expect(MAGIC_PATTERNS.some((p) => p.test(sample)), sample).toBe(true);
  });
});
