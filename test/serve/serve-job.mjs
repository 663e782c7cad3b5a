// The serving job for Deno and Bun, with their own HTTP servers:
//   <runtime> serve-job.mjs DIST_FOLDER MODEL.onnx IMAGE… 
// loads the model with the built package (dist/index.js, dist/serve.js), serves
// createHandler(model).fetch with Deno.serve or Bun.serve on a loopback port, sends itself
// requests over HTTP, and prints what came back as one line of JSON.
import { readFile } from "node:fs/promises";
import process from "node:process";
import { pathToFileURL } from "node:url";

const [distFolder, modelPath, ...imagePaths] = process.argv.slice(2);
const lib = await import(pathToFileURL(`${distFolder}/index.js`).href);
const serve = await import(pathToFileURL(`${distFolder}/serve.js`).href);
const model = await lib.loadModel(new Uint8Array(await readFile(modelPath)));
const handler = serve.createHandler(model, { maxBatch: 4, maxDelayMs: 20 });
const images = await Promise.all(imagePaths.map(async (path) => new Uint8Array(await readFile(path))));

/** Starts this runtime's own server; returns its URL and a stop function. */
function start() {
  if (typeof Deno !== "undefined") {
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler.fetch);
    return { runtime: "deno", url: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
  }
  if (typeof Bun !== "undefined") {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler.fetch });
    return { runtime: "bun", url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
  }
  throw new Error("run this with Deno or Bun");
}

const { runtime, url, stop } = start();
const post = (path, body, type) => fetch(`${url}${path}`, { method: "POST", body, headers: type ? { "content-type": type } : {} });

const single = [];
for (const bytes of images) single.push(await (await post("/v1/classify", bytes, "image/jpeg")).json());

const form = new FormData();
images.forEach((bytes, i) => form.append(`image${i}`, new Blob([bytes], { type: "image/jpeg" }), `image-${i}.jpg`));
const multipart = await (await fetch(`${url}/v1/classify?topk=3`, { method: "POST", body: form })).json();

// Eight at once: batched by the handler.
const concurrent = await Promise.all(Array.from({ length: 8 }, (_, i) => post("/v1/classify", images[i % images.length], "image/jpeg").then((r) => r.json())));

const statuses = {
  garbage: (await post("/v1/classify", new Uint8Array(100).fill(3), "image/jpeg")).status,
  wrongType: (await post("/v1/classify", "hello", "text/plain")).status,
  tooBig: (await post("/v1/classify", new Uint8Array(21 * 1024 * 1024), "image/png")).status,
  unknown: (await fetch(`${url}/nope`)).status,
  wrongMethod: (await fetch(`${url}/v1/classify`)).status,
  healthz: (await fetch(`${url}/healthz`)).status,
};
const metrics = await (await fetch(`${url}/metrics`)).text();
const runs = Number(/^ghostnet_batch_size_count (\d+)$/m.exec(metrics)[1]);
const singleRuns = Number(/^ghostnet_batch_size_bucket\{le="1"\} (\d+)$/m.exec(metrics)[1]);

await handler.close();
await stop();
await model.dispose();
console.log(JSON.stringify({ runtime, single, multipart, concurrent, statuses, batchedRuns: runs - singleRuns }));
