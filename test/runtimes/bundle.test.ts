/**
 * The package's default entry bundles for browsers with no shims: esbuild with
 * platform "browser" fails on any Node built-in reachable from src/index.ts, and the
 * result stays under the README's budget of 100 KB minified and gzipped.
 */
import { describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
// @ts-expect-error plain .mjs build scripts
import { bundleLibrary } from "../../scripts/build-web.mjs";

describe("the browser bundle of src/index.ts", () => {
  it("builds without Node built-ins and is under 100 KB gzipped", async () => {
    const result = await bundleLibrary({ write: false, metafile: true });
    const inputs = Object.keys(result.metafile.inputs as Record<string, unknown>);
    expect(inputs.filter((path) => /^node:|(^|\/)(fs|path|zlib|stream|buffer|worker_threads)$/.test(path))).toEqual([]);
    expect(inputs.filter((path) => path.includes("node_modules/pngjs")), "pngjs (Node streams, zlib, Buffer)").toEqual([]);
    const code: Uint8Array = result.outputFiles[0].contents;
    const gzipped = gzipSync(code, { level: 9 }).length;
    expect(gzipped, "minified+gzipped bytes").toBeLessThan(100 * 1024);
  }, 30_000);
});
