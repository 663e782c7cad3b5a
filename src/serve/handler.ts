/**
 * `createHandler(model | classifier, options)`: the HTTP interface as one WHATWG fetch
 * handler, `(request: Request) => Promise<Response>`, which Deno.serve, Bun.serve, workers
 * and service workers take as it is (Node through src/node/serve-node.ts). Routes:
 *
 *   POST /v1/classify?topk=K   image/jpeg | image/png → { top: [{ classId, label, score }] }
 *                              multipart/form-data    → [{ image, top }] in the parts' order
 *   POST /v1/run               application/x-npy → .npy, application/json { shape, data } → JSON
 *   GET  /v1/models            the model: name, engine, backend, threads, inputs, outputs
 *   GET  /healthz              alive                          200
 *   GET  /readyz               model loaded, queue not full   200, else 503
 *   GET  /metrics              Prometheus text (metrics.ts)
 *
 * A classify or run request goes: admission (queue limit, else 503 + Retry-After) → body
 * read under the size limit (413) → images decoded and preprocessed as each request's body
 * arrives → the scheduler (scheduler.ts) batches them into model runs → answer. The whole
 * request has a deadline (`timeoutMs`): a body still arriving then gets 408, an answer not
 * ready then gets 504 (and its images leave the queue if they have not run).
 *
 * Runtime-neutral: only Request, Response, Headers, ReadableStream, setTimeout.
 */
import { type Classifier, type Prediction, type RgbaPixels, createClassifier } from "../classifier.js";
import { InputError } from "../errors.js";
import type { DecodeLimits } from "../image/rgb-image.js";
import type { Model } from "../model.js";
import { readNpy, writeNpy } from "../tensor/npy.js";
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import { type BodyBudget, readBody } from "./body.js";
import { HttpError, errorResponse, jsonResponse, toHttpError } from "./errors.js";
import { ServerMetrics } from "./metrics.js";
import { type MultipartPart, parseMediaType, parseMultipart } from "./multipart.js";
import { BatchScheduler } from "./scheduler.js";

/** A model input or output as /v1/models lists it (strings in a shape are dynamic dimensions). */
export interface TensorInfo {
  name: string;
  shape?: readonly (number | string)[];
}

/** createHandler's options; every limit is checked at creation (InputError when not a whole number in range). */
export interface HandlerOptions {
  /** Class names by id, when a Model is given (default "class {id}"). */
  labels?: readonly string[];
  /** Image decoding limits, when a Model is given (a Classifier brings its own). */
  imageLimits?: DecodeLimits;
  /**
   * Replaces the decoding and preprocessing of image bytes, when a Model is given: e.g.
   * `createPreprocessPool(n).preprocess` (ghostnet-ts/node) runs them on worker threads,
   * in parallel with the model. Must give what `prepareImage` gives; it applies the limits.
   */
  preprocess?: (bytes: Uint8Array) => Promise<TensorLike>;
  /**
   * Most images per model run (default 8; 1 turns batching off). A model whose input
   * declares a batch of exactly 1 is always run one image at a time.
   */
  maxBatch?: number;
  /** Longest the first image of a batch waits for the batch to fill, ms (default 5). */
  maxDelayMs?: number;
  /** Most classify/run requests admitted at once; beyond, 503 with Retry-After (default 256). */
  queueLimit?: number;
  /** Largest request body in bytes (default 20 MiB); beyond, 413 without reading the rest. */
  maxBodyBytes?: number;
  /** A request's deadline in ms from its arrival (default 30 000): 408 while reading, 504 after. */
  timeoutMs?: number;
  /** Most images in one multipart request (default 64). */
  maxImagesPerRequest?: number;
  /**
   * Most images admitted and not yet answered, across requests (default 512; each holds a
   * preprocessed tensor, 0.6 MB at 224²); a request that would pass it gets 503.
   */
  maxQueuedImages?: number;
  /** Most bytes of request bodies held at once, across requests (default 256 MiB); beyond, 503. */
  maxBufferedBytes?: number;
  /** `topk` when the query gives none (default 5). */
  defaultTopk?: number;
  /** Seconds a client is told to wait in Retry-After when the queue is full (default 1). */
  retryAfterSeconds?: number;
  /** What /v1/models says: the model's name, backend, and its inputs/outputs with shapes. */
  modelInfo?: { name?: string; backend?: string; inputs?: TensorInfo[]; outputs?: TensorInfo[] };
}

/** The handler: a fetch function and a graceful close. */
export interface ServeHandler {
  /** Answers one request (never rejects: every failure is a JSON error response). */
  fetch(request: Request): Promise<Response>;
  /** Stops admitting classify/run requests (503), then resolves once the admitted ones are answered. */
  close(): Promise<void>;
  /** The counters behind /metrics. */
  readonly metrics: ServerMetrics;
  /** The body limit and deadline in force (serveNode takes them as its defaults). */
  readonly limits: { readonly maxBodyBytes: number; readonly timeoutMs: number };
}

/** The most classes a request may ask for. */
export const MAX_TOPK = 1000;

const DEFAULTS = {
  maxBatch: 8,
  maxDelayMs: 5,
  queueLimit: 256,
  maxBodyBytes: 20 * 1024 * 1024,
  timeoutMs: 30_000,
  maxImagesPerRequest: 64,
  maxQueuedImages: 512,
  maxBufferedBytes: 256 * 1024 * 1024,
  defaultTopk: 5,
  retryAfterSeconds: 1,
};

/** Routes and the methods they take. */
const ROUTES: Record<string, string[]> = {
  "/v1/classify": ["POST"],
  "/v1/run": ["POST"],
  "/v1/models": ["GET", "HEAD"],
  "/healthz": ["GET", "HEAD"],
  "/readyz": ["GET", "HEAD"],
  "/metrics": ["GET", "HEAD"],
};

const IMAGE_TYPES = ["image/jpeg", "image/png"];
const NPY_TYPE = "application/x-npy";

function isClassifier(target: Model | Classifier): target is Classifier {
  return typeof (target as Classifier).classifyBatch === "function" && typeof (target as Classifier).preprocess === "function";
}

/** A whole positive number option, or its default; anything else is refused at creation. */
function positiveInteger(options: HandlerOptions, name: keyof typeof DEFAULTS, min = 1): number {
  const value = options[name] ?? DEFAULTS[name];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new InputError(`createHandler: option ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/** One image waiting for the model, with the topk its request asked for. */
interface ImageJob {
  tensor: Tensor;
  topk: number;
}

/**
 * The request's end, whichever comes first: its deadline (one timer; a body still arriving
 * gets 408, anything later 504) or its client going away (`request.signal` aborts: 499,
 * nginx's "client closed request", which no client sees but the metrics count). Either way
 * `expired` rejects, and whatever races it stops waiting (queued images leave the queue).
 */
class Deadline {
  reading = true;
  readonly expired: Promise<never>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private onAbort: (() => void) | undefined;
  constructor(
    ms: number,
    private readonly signal?: AbortSignal,
  ) {
    this.expired = new Promise<never>((_, reject) => {
      this.timer = setTimeout(() => {
        reject(
          this.reading
            ? new HttpError(408, "request_timeout", `the request body did not arrive within ${ms} ms`)
            : new HttpError(504, "timeout", `no answer within the ${ms} ms deadline`),
        );
      }, ms);
      this.onAbort = () => reject(new HttpError(499, "client_closed", "the client closed the connection before the answer"));
      if (signal?.aborted) this.onAbort();
      else signal?.addEventListener("abort", this.onAbort);
    });
    // Nobody may be racing it when it fires; that is not an unhandled rejection.
    this.expired.catch(() => {});
  }
  clear(): void {
    clearTimeout(this.timer);
    if (this.onAbort !== undefined) this.signal?.removeEventListener("abort", this.onAbort);
  }
}

/**
 * The HTTP interface to `target` (a loaded Model, or a Classifier with its own labels,
 * preprocessing and limits) as a WHATWG fetch handler with dynamic batching; see the file
 * comment for the routes and docs/serving.md for the whole story. The caller keeps owning
 * the model: `close()` drains the requests but does not dispose it.
 */
export function createHandler(target: Model | Classifier, options: HandlerOptions = {}): ServeHandler {
  const requestedMaxBatch = positiveInteger(options, "maxBatch");
  const maxDelayMs = positiveInteger(options, "maxDelayMs", 0);
  const queueLimit = positiveInteger(options, "queueLimit");
  const maxBodyBytes = positiveInteger(options, "maxBodyBytes");
  const timeoutMs = positiveInteger(options, "timeoutMs");
  const maxImagesPerRequest = positiveInteger(options, "maxImagesPerRequest");
  const maxQueuedImages = positiveInteger(options, "maxQueuedImages");
  const bodyBudget: BodyBudget = { used: 0, limit: positiveInteger(options, "maxBufferedBytes") };
  const defaultTopk = positiveInteger(options, "defaultTopk");
  const retryAfterSeconds = positiveInteger(options, "retryAfterSeconds");
  if (defaultTopk > MAX_TOPK) throw new InputError(`createHandler: defaultTopk must be at most ${MAX_TOPK}`);

  const model = isClassifier(target) ? target.model : target;
  // A file whose input declares a batch of exactly 1 cannot take batches: no batching then.
  const declaredInput = options.modelInfo?.inputs?.[0]?.shape ?? (model as { inputShape?: readonly (number | string)[] }).inputShape;
  const maxBatch = declaredInput?.[0] === 1 ? 1 : requestedMaxBatch;
  const given = isClassifier(target) ? target : undefined;
  // With a Model we make the classifiers, one per topk a batch needs (topK(k) is a prefix
  // of topK(k′) for k < k′: ranks are a total order, ties to the lower class id).
  const classifiers = new Map<number, Classifier>();
  const custom = options.preprocess;
  const classifierFor = (k: number): Classifier => {
    if (given !== undefined) return given;
    let classifier = classifiers.get(k);
    if (classifier === undefined) {
      classifier = createClassifier(model, {
        labels: options.labels,
        topk: k,
        imageLimits: options.imageLimits,
        ...(custom === undefined ? {} : { preprocess: (input: Uint8Array | RgbaPixels) => custom(input as Uint8Array) }),
      });
      classifiers.set(k, classifier);
    }
    return classifier;
  };
  // Checks the image limits now, so a bad option fails at creation, not at the first request.
  const preprocessor = classifierFor(defaultTopk);

  const metrics = new ServerMetrics();
  const scheduler = new BatchScheduler<ImageJob, Prediction[]>(
    async (jobs) => {
      const k = Math.max(...jobs.map((job) => job.topk));
      const results = await classifierFor(k).classifyBatch(jobs.map((job) => job.tensor));
      return results.map((top, i) => top.slice(0, jobs[i]!.topk));
    },
    // A batch waits for more images only while other requests' images are on their way.
    { maxBatch, maxDelayMs, onBatch: (size) => metrics.recordBatch(size), moreExpected: () => arriving > 0 },
  );

  let admitted = 0;
  let queuedImages = 0;
  /** Classify requests admitted whose images are not queued yet (being read or decoded). */
  let arriving = 0;
  let closing = false;
  let drained: (() => void) | undefined;
  let closed: Promise<void> | undefined;

  /** Admits a classify/run request, or refuses it (closing, queue full). */
  function admit(): void {
    if (closing) throw new HttpError(503, "shutting_down", "the server is shutting down", { "retry-after": String(retryAfterSeconds) });
    if (admitted >= queueLimit) {
      throw new HttpError(503, "overloaded", `the queue is full (${queueLimit} requests); retry later`, {
        "retry-after": String(retryAfterSeconds),
      });
    }
    admitted++;
  }

  function release(): void {
    admitted--;
    if (closing && admitted === 0) drained?.();
  }

  // ── POST /v1/classify ──
  async function classify(request: Request, url: URL, deadline: Deadline): Promise<Response> {
    arriving++;
    const arrival = { pending: true };
    try {
      return await classifyArriving(request, url, deadline, arrival);
    } finally {
      if (arrival.pending) arriving--;
    }
  }

  /** Marks a request's images as queued: it no longer counts as arriving. */
  function arrived(arrival: { pending: boolean }): void {
    if (arrival.pending) arriving--;
    arrival.pending = false;
  }

  async function classifyArriving(request: Request, url: URL, deadline: Deadline, arrival: { pending: boolean }): Promise<Response> {
    const topk = parseTopk(url.searchParams, defaultTopk);
    const mediaType = parseMediaType(request.headers.get("content-type"));
    const multipart = mediaType.type === "multipart/form-data";
    if (!multipart && !IMAGE_TYPES.includes(mediaType.type)) {
      throw new HttpError(
        415,
        "unsupported_media_type",
        `POST /v1/classify takes image/jpeg, image/png or multipart/form-data, got '${mediaType.type || "no Content-Type"}'`,
      );
    }
    const body = await readBody(request, maxBodyBytes, deadline.expired, bodyBudget);
    try {
      deadline.reading = false;
      return await classifyBody(body, multipart, mediaType.params, topk, deadline, arrival);
    } finally {
      bodyBudget.used -= body.length;
    }
  }

  async function classifyBody(
    body: Uint8Array,
    multipart: boolean,
    params: Record<string, string>,
    topk: number,
    deadline: Deadline,
    arrival: { pending: boolean },
  ): Promise<Response> {
    if (body.length === 0) throw new HttpError(400, "empty_body", "the request body is empty; send the image's bytes");

    if (!multipart) {
      return withImages(1, async () => {
        const tensor = await preprocessImage(body, "the image");
        const [top] = await awaitImages([tensor], topk, deadline, arrival);
        return jsonResponse(200, { top });
      });
    }
    const parts = parseMultipart(body, params, { maxParts: maxImagesPerRequest, maxHeaderBytes: 8192 });
    if (parts.length === 0) throw new HttpError(400, "empty_body", "the multipart body holds no parts");
    for (const [i, part] of parts.entries()) {
      checkPartType(part, i);
      if (part.data.length === 0) throw new HttpError(400, "empty_body", `part ${i} (${partName(part, i)}) is empty`);
    }
    return withImages(parts.length, async () => {
      // Decoded concurrently (in parallel where `preprocess` runs on worker threads).
      const tensors = await Promise.all(parts.map((part, i) => preprocessImage(part.data, `part ${i} (${partName(part, i)})`)));
      const tops = await awaitImages(tensors, topk, deadline, arrival);
      return jsonResponse(
        200,
        parts.map((part, i) => ({ image: partName(part, i), top: tops[i] })),
      );
    });
  }

  /** Runs `work` with `count` images counted against maxQueuedImages (503 when they do not fit). */
  async function withImages<T>(count: number, work: () => Promise<T>): Promise<T> {
    if (queuedImages > 0 && queuedImages + count > maxQueuedImages) {
      throw new HttpError(503, "overloaded", `the server holds ${queuedImages} images already (limit ${maxQueuedImages}); retry later`, {
        "retry-after": String(retryAfterSeconds),
      });
    }
    queuedImages += count;
    try {
      return await work();
    } finally {
      queuedImages -= count;
    }
  }

  /** Decodes and preprocesses one image; a library error names `what` (400). */
  async function preprocessImage(bytes: Uint8Array, what: string): Promise<Tensor> {
    try {
      return await preprocessor.preprocess(bytes);
    } catch (error) {
      const http = toHttpError(error);
      if (http.status === 400) throw new HttpError(400, http.code, `${what}: ${http.message}`);
      throw error;
    }
  }

  /** Queues the images (one batchable job each) and waits for them, or for the deadline. */
  async function awaitImages(tensors: Tensor[], topk: number, deadline: Deadline, arrival: { pending: boolean }): Promise<Prediction[][]> {
    arrived(arrival);
    const tickets = tensors.map((tensor) => scheduler.submit({ tensor, topk }, tensor.shape.join("x")));
    try {
      return await Promise.race([Promise.all(tickets.map((t) => t.result)), deadline.expired]);
    } finally {
      // Past the deadline (or failed): images not yet run leave the queue.
      for (const ticket of tickets) ticket.cancel();
    }
  }

  // ── POST /v1/run ──
  async function run(request: Request, deadline: Deadline): Promise<Response> {
    const mediaType = parseMediaType(request.headers.get("content-type"));
    if (mediaType.type !== NPY_TYPE && mediaType.type !== "application/json") {
      throw new HttpError(
        415,
        "unsupported_media_type",
        `POST /v1/run takes ${NPY_TYPE} or application/json, got '${mediaType.type || "no Content-Type"}'`,
      );
    }
    const body = await readBody(request, maxBodyBytes, deadline.expired, bodyBudget);
    deadline.reading = false;
    let input: TensorLike;
    try {
      if (body.length === 0) throw new HttpError(400, "empty_body", "the request body is empty");
      input = mediaType.type === NPY_TYPE ? npyInput(body) : jsonInput(body);
    } finally {
      bodyBudget.used -= body.length;
    }
    const ticket = scheduler.exclusive(() => model.run([input]));
    let outputs: Awaited<ReturnType<Model["run"]>>;
    try {
      outputs = await Promise.race([ticket.result, deadline.expired]);
    } finally {
      ticket.cancel();
    }
    const name = model.outputNames[0]!;
    const output = outputs[name]!;
    if (mediaType.type === NPY_TYPE) {
      return new Response(writeNpy(output) as Uint8Array<ArrayBuffer>, { status: 200, headers: { "content-type": NPY_TYPE, "x-output-name": encodeURIComponent(name) } });
    }
    return jsonResponse(200, { name, shape: output.shape, data: Array.from(output.data) });
  }

  // ── GET /v1/models, /healthz, /readyz, /metrics ──
  function describeModel(): Response {
    const info = options.modelInfo ?? {};
    const inputShape = (model as { inputShape?: readonly (number | string)[] }).inputShape;
    const entry = {
      name: info.name ?? "model",
      engine: model.engine,
      backend: info.backend ?? model.backend ?? "js",
      threads: model.threads ?? 1,
      inputs: info.inputs ?? model.inputNames.map((name, i) => (i === 0 && inputShape ? { name, shape: inputShape } : { name })),
      outputs: info.outputs ?? model.outputNames.map((name) => ({ name })),
      maxBatch,
      maxDelayMs,
    };
    return jsonResponse(200, { models: [entry] });
  }

  function ready(): Response {
    if (closing) return jsonResponse(503, { status: "shutting down" });
    if (admitted >= queueLimit) return jsonResponse(503, { status: "queue full", queueDepth: admitted });
    return jsonResponse(200, { status: "ready", queueDepth: admitted });
  }

  async function route(request: Request, url: URL, deadline: Deadline): Promise<Response> {
    const methods = ROUTES[url.pathname];
    if (methods === undefined) throw new HttpError(404, "not_found", `no route ${url.pathname}; see GET /v1/models`);
    if (!methods.includes(request.method)) {
      throw new HttpError(405, "method_not_allowed", `${url.pathname} takes ${methods.join(", ")}, not ${request.method}`, {
        allow: methods.join(", "),
      });
    }
    switch (url.pathname) {
      case "/healthz":
        return jsonResponse(200, { status: "ok" });
      case "/readyz":
        return ready();
      case "/metrics":
        return new Response(metrics.render({ queueDepth: admitted, queueLimit }), {
          status: 200,
          headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        });
      case "/v1/models":
        return describeModel();
    }
    admit();
    try {
      return url.pathname === "/v1/classify" ? await classify(request, url, deadline) : await run(request, deadline);
    } finally {
      release();
    }
  }

  async function fetch(request: Request): Promise<Response> {
    const started = performance.now();
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      url = new URL("http://invalid/");
    }
    const deadline = new Deadline(timeoutMs, request.signal);
    let response: Response;
    try {
      response = await route(request, url, deadline);
    } catch (error) {
      response = errorResponse(error);
      // A body left unread (refused before reading) is dropped, so the runtime can discard it.
      if (request.body !== null && !request.bodyUsed) request.body.cancel().catch(() => {});
    } finally {
      deadline.clear();
    }
    const routeLabel = ROUTES[url.pathname] !== undefined ? url.pathname : "other";
    metrics.recordRequest(routeLabel, response.status, (performance.now() - started) / 1000);
    if (request.method === "HEAD") return new Response(null, { status: response.status, headers: response.headers });
    return response;
  }

  return {
    fetch,
    metrics,
    limits: { maxBodyBytes, timeoutMs },
    close() {
      // Idempotent: every caller waits for the same drain.
      closed ??= (async () => {
        closing = true;
        if (admitted > 0) await new Promise<void>((resolve) => (drained = resolve));
        await scheduler.idle();
      })();
      return closed;
    },
  };
}

/** `topk` from the query: absent → the default; otherwise an integer from 1 to MAX_TOPK (400). */
function parseTopk(params: URLSearchParams, fallback: number): number {
  const text = params.get("topk");
  if (text === null) return fallback;
  const k = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(k) || k < 1 || k > MAX_TOPK) {
    throw new HttpError(400, "bad_query", `topk must be an integer from 1 to ${MAX_TOPK}, got '${text.slice(0, 40)}'`);
  }
  return k;
}

/** A part's name in answers and messages: its file name, else its field name, else its index. */
function partName(part: MultipartPart, index: number): string {
  return part.filename ?? (part.name !== "" ? part.name : `part ${index}`);
}

/** A part must be an image (or say nothing, or octet-stream: the bytes tell the format). */
function checkPartType(part: MultipartPart, index: number): void {
  const type = part.contentType;
  if (type === undefined || type === "application/octet-stream" || IMAGE_TYPES.includes(type)) return;
  throw new HttpError(415, "unsupported_media_type", `part ${index} (${partName(part, index)}) is '${type}'; parts must be image/jpeg or image/png`);
}

/** A float32 .npy body as a tensor (400 otherwise). */
function npyInput(body: Uint8Array): Tensor {
  const tensor = readNpy(body, "the request's .npy");
  if (!(tensor instanceof Tensor)) throw new HttpError(400, "bad_input", `the request's .npy holds ${tensor.dtype} values; /v1/run takes float32`);
  return tensor;
}

/** A JSON body `{ "shape": [...], "data": [...] }` as a tensor, checked before allocating. */
function jsonInput(body: Uint8Array): TensorLike {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new HttpError(400, "bad_json", "the request body is not valid JSON");
  }
  const { shape, data } = (value ?? {}) as { shape?: unknown; data?: unknown };
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new HttpError(400, "bad_input", 'the JSON body needs "shape": an array of non-negative integers');
  }
  if (!Array.isArray(data) || !data.every((v) => typeof v === "number")) {
    throw new HttpError(400, "bad_input", 'the JSON body needs "data": an array of numbers');
  }
  // The product is compared with a length that exists, so no size from the body is trusted.
  let size = 1;
  for (const d of shape as number[]) size *= d;
  if (size !== data.length) {
    throw new HttpError(400, "bad_shape", `shape [${shape.join(", ")}] needs ${size} values, "data" has ${data.length}`);
  }
  return new Tensor(shape as number[], Float32Array.from(data as number[]));
}
