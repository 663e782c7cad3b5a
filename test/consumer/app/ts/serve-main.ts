// A strict TypeScript consumer of ghostnet-ts/serve (compiled only when the package exports
// it): the fetch handler answering in-process requests, then served over HTTP by the Node
// entry's serveNode. Prints one line of JSON.
import { readFile } from "node:fs/promises";
import { loadModel, makeGhostNetFixture, packageDataPath, serveNode } from "ghostnet-ts/node";
import { createHandler, type ServeHandler } from "ghostnet-ts/serve";

const fixture = makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 5, classCount: 10, calibrationBatch: 1, calibrationSize: 64, inputSize: "dynamic" });
const model = await loadModel(fixture);
const handler: ServeHandler = createHandler(model, { labels: Array.from({ length: 10 }, (_, i) => `class ${i}`), maxBatch: 2 });

const photo = new Uint8Array(await readFile(packageDataPath("images", "whl_demo.jpg")));
const classified: Response = await handler.fetch(
  new Request("http://localhost/v1/classify?topk=2", { method: "POST", headers: { "content-type": "image/jpeg" }, body: photo }),
);
const classifyBody = (await classified.json()) as { top: { classId: number; label: string; score: number }[] };
const wrongType = await handler.fetch(new Request("http://localhost/v1/classify", { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" }));

const server = await serveNode(handler, { host: "127.0.0.1", port: 0 });
const health = await fetch(new URL("/healthz", server.url));
await server.close();
await handler.close();
model.dispose();

console.log(JSON.stringify({ classifyStatus: classified.status, top: classifyBody.top, wrongTypeStatus: wrongType.status, healthStatus: health.status }));
