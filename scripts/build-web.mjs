// Builds the browser artefacts with esbuild, no shims and no polyfills:
//   web/dist/ghostnet.js   the library (src/index.ts) as one minified ES module
//   web/dist/app.js        the demo page's script (web/src/app.ts)
//   web/dist/worker.js     the demo's Web Worker, which runs the model (web/src/worker.ts)
//   web/dist/index.html, style.css, labels.txt, samples/*  copied as they are (+ samples.json)
// `platform: "browser"` makes any Node built-in reachable from the core a build error.
import { build } from "esbuild";
import { copyFile, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const root = fileURLToPath(new URL("../", import.meta.url));
export const webDist = join(root, "web", "dist");

const browserOptions = {
  bundle: true,
  platform: "browser",
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
};

/** Bundles the package's default entry (or `entry`, e.g. "paddle.ts") for browsers; `write: false` returns the bytes. */
export async function bundleLibrary({ outfile, write = true, metafile = false, entry = "index.ts" } = {}) {
  return build({ ...browserOptions, entryPoints: [join(root, "src", entry)], outfile, write, metafile });
}

/** Builds the whole demo into web/dist. */
export async function buildWeb() {
  await rm(webDist, { recursive: true, force: true });
  await mkdir(join(webDist, "samples"), { recursive: true });
  await bundleLibrary({ outfile: join(webDist, "ghostnet.js") });
  await build({
    ...browserOptions,
    entryPoints: { app: join(root, "web", "src", "app.ts"), worker: join(root, "web", "src", "worker.ts") },
    outdir: webDist,
    sourcemap: true,
  });
  for (const file of ["index.html", "style.css"]) await copyFile(join(root, "web", file), join(webDist, file));
  await copyFile(join(root, "data", "imagenet1k_label_list.txt"), join(webDist, "labels.txt"));
  const samples = (await readdir(join(root, "data", "images"))).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  for (const file of samples) await copyFile(join(root, "data", "images", file), join(webDist, "samples", file));
  await writeFile(join(webDist, "samples.json"), JSON.stringify(samples));
  return { dist: webDist, samples };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { dist, samples } = await buildWeb();
  console.log(`built ${dist} (${samples.length} sample images)`);
}
