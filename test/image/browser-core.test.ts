/**
 * The image core runs without Node: bundled for the browser by esbuild and run in a bare
 * V8 context (no Buffer, require, process), it decodes a JPEG and preprocesses it to the
 * same tensor as under Node. PNG needs an injected decoder there (see png.ts).
 */
import { build } from "esbuild";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { decodeImage } from "../../src/image/decode.js";
import { preprocess } from "../../src/image/preprocess.js";
import { readBytes, SAMPLES, writePng } from "./helpers.js";

describe("image core in a browser-like context", () => {
  it("bundles without Node built-ins and gives the same tensor", async () => {
    const bundle = await build({
      entryPoints: [new URL("../../src/image/index.ts", import.meta.url).pathname],
      bundle: true, platform: "browser", format: "iife", globalName: "ghostnetImage", write: false, logLevel: "silent",
    });
    const code = bundle.outputFiles[0]!.text;
    expect(code).not.toMatch(/require\("(node:)?(fs|zlib|buffer|path)"\)/);

    const jpeg = readBytes(`${SAMPLES}ILSVRC2012_val_00010010.jpeg`);
    const png = writePng(1, 1, 8, 0, [7]);
    const sandbox: Record<string, unknown> = { jpeg: Uint8Array.from(jpeg), png: Uint8Array.from(png) };
    const result = runInNewContext(
      `${code}
      const image = ghostnetImage.decodeImage(jpeg);
      const pngPixels = Array.from(ghostnetImage.decodeImage(png).data);
      ({ hasBuffer: typeof Buffer !== "undefined", tensor: ghostnetImage.preprocess(image).data, pngPixels })`,
      sandbox,
    ) as { hasBuffer: boolean; tensor: Float32Array; pngPixels: number[] };

    expect(result.hasBuffer).toBe(false);
    expect(Array.from(result.tensor)).toEqual(Array.from(preprocess(decodeImage(jpeg)).data));
    expect(result.pngPixels).toEqual([7, 7, 7]); // grey 7 replicated to RGB, decoded without Node's zlib
  });
});
