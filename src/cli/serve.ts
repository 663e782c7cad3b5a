/**
 * `ghostnet serve [--model M] [--host 127.0.0.1] [--port 8080] …`: the HTTP server
 * (src/serve over node:http, src/node/serve-node.ts) until SIGTERM or SIGINT, which stop
 * accepting, finish the requests in flight and exit 0.
 */
import { loadModel } from "../load-model.js";
import type { Model } from "../model.js";
import { loadImageNetLabels, readLabelFile } from "../node/data.js";
import type { ModelSource } from "../loader/formats.js";
import { readModelPath } from "../node/model-path.js";
import { createPreprocessPool } from "../node/preprocess-pool.js";
import { serveNode } from "../node/serve-node.js";
// --threads N: registers the worker_threads pool loadModel opens.
import "../node/threads.js";
import { createHandler } from "../serve/handler.js";
import { modelSignature } from "../serve/signature.js";
import {
  type Command,
  ENGINE_OPTIONS,
  engineOptions,
  engineOptionsHelp,
  expectPositionals,
  integerOption,
  parseCommandLine,
  stringOption,
} from "./args.js";
import { SYNTHETIC_WEIGHTS_NOTE, fixtureModelBytes } from "./common.js";

export const serveCommand: Command = {
  name: "serve",
  summary: "an HTTP server: POST /v1/classify, /v1/run; dynamic batching, /metrics, graceful shutdown",
  usage: [
    "Usage: ghostnet serve [options]",
    "",
    "Serves the model over HTTP until SIGTERM or SIGINT (which finish the requests in flight, then exit 0):",
    "  POST /v1/classify?topk=K   an image (image/jpeg, image/png) or multipart/form-data with several",
    "  POST /v1/run               application/x-npy or JSON { shape, data }: the first output",
    "  GET  /v1/models  /healthz  /readyz  /metrics (Prometheus)",
    "",
    "Options:",
    "  --model M          the model: .onnx, .pdparams, *_infer.tar, Paddle inference folder or program",
    "                     (default: a seeded GhostNet with synthetic weights)",
    "  --labels FILE      class names, one `id label` per line (default: ImageNet-1k)",
    "  --host H           interface to listen on (default 127.0.0.1; 0.0.0.0 for all)",
    "  --port P           port (default 8080; 0 picks a free one)",
    "  --max-batch N      most images per model run (default 8; 1 turns batching off)",
    "  --max-delay-ms D   longest a batch waits to fill, ms (default 5)",
    "  --queue Q          most requests admitted at once; beyond, 503 + Retry-After (default 256)",
    "  --max-body-mb B    largest request body in MiB (default 20); beyond, 413",
    "  --timeout-ms T     a request's deadline (default 30000): 408 while its body arrives, 504 after",
    "  --topk K           classes per image when the query gives no topk (default 5)",
    "  --decode-threads N worker threads that decode and preprocess images while the model runs",
    "                     (default 1; 0 decodes on the main thread, between model runs)",
    ...engineOptionsHelp(21, "auto (default), graph or ghostnet"),
    "",
    "Example: ghostnet serve --model GhostNet_x1_0.onnx --port 8080",
    "         curl -H 'content-type: image/jpeg' --data-binary @photo.jpg http://127.0.0.1:8080/v1/classify",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      model: { type: "string" },
      labels: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      "max-batch": { type: "string" },
      "max-delay-ms": { type: "string" },
      queue: { type: "string" },
      "max-body-mb": { type: "string" },
      "timeout-ms": { type: "string" },
      topk: { type: "string" },
      "decode-threads": { type: "string" },
      ...ENGINE_OPTIONS,
    });
    expectPositionals(positionals, []);
    const host = stringOption(values, "host") ?? "127.0.0.1";
    const port = integerOption(values, "port", 8080, 0, 65535);
    const maxBatch = integerOption(values, "max-batch", 8, 1, 256);
    const maxDelayMs = integerOption(values, "max-delay-ms", 5, 0, 60_000);
    const queueLimit = integerOption(values, "queue", 256, 1, 1 << 20);
    const maxBodyBytes = integerOption(values, "max-body-mb", 20, 1, 4096) * 1024 * 1024;
    const timeoutMs = integerOption(values, "timeout-ms", 30_000, 1, 3_600_000);
    const defaultTopk = integerOption(values, "topk", 5, 1, 1000);
    const decodeThreads = integerOption(values, "decode-threads", 1, 0, 64);
    const settings = engineOptions(values);
    const modelPath = stringOption(values, "model");
    const labelsPath = stringOption(values, "labels");

    // --model: a .onnx, .pdparams, .tar, Paddle program or inference folder (src/node/model-path.ts).
    let source: ModelSource;
    if (modelPath === undefined) {
      io.err(SYNTHETIC_WEIGHTS_NOTE);
      source = (await fixtureModelBytes()).bytes;
    } else {
      source = (await readModelPath(modelPath)).source;
    }
    const model: Model = await loadModel(source, settings);
    const labels = labelsPath === undefined ? await loadImageNetLabels() : await readLabelFile(labelsPath);
    const signature = modelSignature(source);
    const pool = decodeThreads > 0 ? await createPreprocessPool(decodeThreads) : undefined;
    const handler = createHandler(model, {
      labels,
      maxBatch,
      maxDelayMs,
      queueLimit,
      maxBodyBytes,
      timeoutMs,
      defaultTopk,
      ...(pool === undefined ? {} : { preprocess: pool.preprocess }),
      modelInfo: {
        name: modelPath ?? "synthetic GhostNet x1.0 (seeded fixture)",
        ...(signature ?? {}),
      },
    });

    let server;
    try {
      server = await serveNode(handler, { host, port });
    } catch (error) {
      await pool?.close();
      await model.dispose();
      throw error;
    }
    io.out(`listening on ${server.url}`);

    // SIGTERM / SIGINT: stop accepting, finish what is in flight, exit 0.
    const stopped = new Promise<string>((resolve) => {
      process.once("SIGTERM", () => resolve("SIGTERM"));
      process.once("SIGINT", () => resolve("SIGINT"));
    });
    const signal = await stopped;
    io.err(`${signal}: finishing the requests in flight…`);
    await server.close();
    await pool?.close();
    await model.dispose();
    io.err("stopped");
    return 0;
  },
};
