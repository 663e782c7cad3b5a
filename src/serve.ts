/**
 * ghostnet-ts/serve: the HTTP serving layer as a WHATWG fetch handler, for any runtime.
 *
 *   import { loadModel } from "ghostnet-ts";
 *   import { createHandler } from "ghostnet-ts/serve";
 *   const handler = createHandler(await loadModel(bytes), { maxBatch: 8 });
 *   Deno.serve(handler.fetch);            // or Bun.serve({ fetch: handler.fetch }), a worker's fetch, …
 *
 * Node has no fetch server of its own: `serveNode(handler, { port })` from ghostnet-ts/node.
 * A separate entry, so the default browser bundle does not carry the server.
 */
export { createHandler, MAX_TOPK, type HandlerOptions, type ServeHandler, type TensorInfo } from "./serve/handler.js";
export { HttpError, errorResponse, jsonResponse } from "./serve/errors.js";
export { ServerMetrics, DURATION_BUCKETS, BATCH_BUCKETS } from "./serve/metrics.js";
export { BatchScheduler, type SchedulerOptions, type Ticket } from "./serve/scheduler.js";
export { parseMultipart, parseMediaType, type MultipartPart, type MultipartLimits, type MediaType } from "./serve/multipart.js";
export { readBody } from "./serve/body.js";
export { modelSignature } from "./serve/signature.js";
