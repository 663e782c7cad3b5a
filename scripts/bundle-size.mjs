// Prints the size of the package's default entry bundled for browsers (esbuild, minified),
// raw and gzipped, and the biggest inputs. The README quotes the gzipped figure.
import { gzipSync } from "node:zlib";
import { bundleLibrary } from "./build-web.mjs";

const result = await bundleLibrary({ write: false, metafile: true });
const code = result.outputFiles[0].contents;
const gzipped = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`src/index.ts for browsers: ${kb(code.length)} minified, ${kb(gzipped)} minified+gzipped`);

const inputs = Object.values(result.metafile.outputs)[0].inputs;
const byPackage = new Map();
for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  const key = match ? match[1] : path.split("/").slice(0, 2).join("/");
  byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
}
for (const [key, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`  ${kb(bytes).padStart(9)}  ${key}`);
}
// Optional entries that register themselves (not counted against the default entry's budget):
// each one's own size is its bundle minus the default entry's.
for (const entry of ["paddle.ts"]) {
  const own = (await bundleLibrary({ write: false, entry })).outputFiles[0].contents;
  const ownGzipped = gzipSync(own, { level: 9 }).length;
  console.log(`src/${entry} for browsers (includes the default entry): ${kb(own.length)} minified, ${kb(ownGzipped)} minified+gzipped (+${kb(ownGzipped - gzipped)})`);
}
if (process.argv.includes("--check") && gzipped > 100 * 1024) {
  console.error(`over the 100 KB budget`);
  process.exit(1);
}
