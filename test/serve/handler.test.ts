/**
 * The fetch handler alone (no network): WHATWG Requests in, Responses out.
 *
 * Answers are checked against the library itself: `classifier.classify` on the same image
 * and `model.run` on the same tensor, bit for bit (the engine is deterministic across
 * batch positions, so a batched answer must equal the answer alone). Errors are produced
 * by requests that earn them, each checked for its status and JSON body.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Classifier, createClassifier } from "../../src/classifier.js";
import { imageLikeBatch } from "../../src/ghostnet/fixture.js";
import { loadModel } from "../../src/load-model.js";
import type { Model } from "../../src/model.js";
import { createHandler, type ServeHandler } from "../../src/serve.js";
import { parseMediaType, parseMultipart } from "../../src/serve/multipart.js";
import { readNpy, writeNpy } from "../../src/tensor/npy.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { fakeModel, garbage, scoresClassifier, multipartBody, pngClaiming, sampleImages, smallGhostNetBytes } from "./helpers.js";

const BASE = "http://serve.test";

function post(path: string, body: BodyInit | null, contentType?: string, extra: Record<string, string> = {}): Request {
  const headers: Record<string, string> = { ...extra };
  if (contentType !== undefined) headers["content-type"] = contentType;
  return new Request(`${BASE}${path}`, { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

async function expectError(response: Response, status: number, code?: string): Promise<{ code: string; message: string }> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const { error } = (await response.json()) as { error: { code: string; message: string } };
  expect(typeof error.message).toBe("string");
  expect(error.message.length).toBeGreaterThan(0);
  if (code !== undefined) expect(error.code).toBe(code);
  return error;
}

describe("the handler on a real GhostNet (x0.5, 100 classes)", () => {
  let model: Model;
  let classifier: Classifier;
  let handler: ServeHandler;
  const images = sampleImages();
  const labels = Array.from({ length: 100 }, (_, i) => `label ${i}`);

  beforeAll(async () => {
    model = await loadModel(smallGhostNetBytes());
    classifier = createClassifier(model, { labels, topk: 5 });
    handler = createHandler(model, { labels, maxBatch: 4, maxDelayMs: 40 });
  });
  afterAll(async () => {
    await handler.close();
    await model.dispose();
  });

  it("classifies one image exactly as classifier.classify does", async () => {
    const image = images[0]!;
    const response = await handler.fetch(post("/v1/classify", image.bytes, "image/jpeg"));
    expect(response.status).toBe(200);
    const { top } = (await response.json()) as { top: unknown };
    const alone = await classifier.classify(image.bytes);
    expect(top).toEqual(alone);
    // Not a saturated softmax, so equality of scores means something.
    expect(alone[0]!.score).toBeLessThan(0.9);
  });

  it("honours ?topk=K (the first K of the answer alone)", async () => {
    const image = images[1]!;
    const response = await handler.fetch(post("/v1/classify?topk=2", image.bytes, "image/jpeg"));
    const { top } = (await response.json()) as { top: unknown[] };
    expect(top).toEqual((await classifier.classify(image.bytes)).slice(0, 2));
    const many = await handler.fetch(post("/v1/classify?topk=8", image.bytes, "image/jpeg"));
    const eight = createClassifier(model, { labels, topk: 8 });
    expect(((await many.json()) as { top: unknown }).top).toEqual(await eight.classify(image.bytes));
  });

  it("answers multipart/form-data with an array in the parts' order, as `ghostnet classify --json` prints", async () => {
    const files = [images[2]!, images[0]!, images[1]!].map((i) => ({ name: i.name, bytes: i.bytes }));
    const { body, contentType } = multipartBody(files);
    const response = await handler.fetch(post("/v1/classify", body, contentType));
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { image: string; top: unknown }[];
    const expected = [];
    for (const file of files) expected.push({ image: file.name, top: await classifier.classify(file.bytes) });
    expect(answer).toEqual(expected);
  });

  it("batches concurrent requests, and each answer is the answer alone whatever its batch position", async () => {
    const before = model.run;
    const batchSizes: number[] = [];
    // Watch the model's batch sizes without changing its answers.
    (model as { run: Model["run"] }).run = (feeds) => {
      batchSizes.push((feeds as Tensor[])[0]!.shape[0]!);
      return before.call(model, feeds);
    };
    try {
      // Twelve requests: the three photos in rotating order, so each lands at several batch positions.
      const order = Array.from({ length: 12 }, (_, i) => images[(i * 2 + Math.floor(i / 3)) % 3]!);
      const answers = await Promise.all(order.map((image) => handler.fetch(post("/v1/classify", image.bytes, "image/jpeg")).then((r) => r.json())));
      const alone = new Map<string, unknown>();
      for (const image of images) alone.set(image.name, await classifier.classify(image.bytes));
      order.forEach((image, i) => expect(answers[i], `request ${i} (${image.name})`).toEqual({ top: alone.get(image.name) }));
      expect(Math.max(...batchSizes), `batch sizes ${batchSizes.join(",")}`).toBeGreaterThan(1);
      expect(Math.max(...batchSizes)).toBeLessThanOrEqual(4);
    } finally {
      (model as { run: Model["run"] }).run = before;
    }
    const metrics = await (await handler.fetch(new Request(`${BASE}/metrics`))).text();
    const atMostOne = Number(/^ghostnet_batch_size_bucket\{le="1"\} (\d+)$/m.exec(metrics)![1]);
    const runs = Number(/^ghostnet_batch_size_count (\d+)$/m.exec(metrics)![1]);
    expect(runs - atMostOne, "runs with more than one image").toBeGreaterThan(0);
  });

  it.each(["js", "wasm"] as const)("with the %s kernels too: batched answers are bitwise the answers alone", async (backend) => {
    const own = await loadModel(smallGhostNetBytes(), { backend });
    expect(own.backend ?? "js").toBe(backend);
    const alone = createClassifier(own, { labels, topk: 5 });
    const served = createHandler(own, { labels, maxBatch: 8, maxDelayMs: 40 });
    const order = Array.from({ length: 8 }, (_, i) => images[(i * 2 + Math.floor(i / 3)) % 3]!);
    const answers = await Promise.all(order.map((image) => served.fetch(post("/v1/classify", image.bytes, "image/jpeg")).then((r) => r.json())));
    for (const [i, image] of order.entries()) expect(answers[i], `request ${i} (${image.name})`).toEqual({ top: await alone.classify(image.bytes) });
    const metrics = await (await served.fetch(new Request(`${BASE}/metrics`))).text();
    expect(Number(/^ghostnet_batch_size_count (\d+)$/m.exec(metrics)![1]), "model runs for 8 images").toBeLessThan(8);
    await served.close();
    await own.dispose();
  });

  it("POST /v1/run: .npy in, .npy out, equal to model.run", async () => {
    const input = imageLikeBatch(1, 11, 64);
    const response = await handler.fetch(post("/v1/run", writeNpy(input) as Uint8Array<ArrayBuffer>, "application/x-npy"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-npy");
    const output = readNpy(new Uint8Array(await response.arrayBuffer()));
    const direct = (await model.run([input]))[model.outputNames[0]!]!;
    expect(output.shape).toEqual(direct.shape);
    expect(Array.from(output.data)).toEqual(Array.from(direct.data));
  });

  it("POST /v1/run: JSON { shape, data } in and out, equal to model.run", async () => {
    const input = imageLikeBatch(1, 12, 32);
    const response = await handler.fetch(post("/v1/run", JSON.stringify({ shape: input.shape, data: Array.from(input.data) }), "application/json"));
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { name: string; shape: number[]; data: number[] };
    const direct = (await model.run([input]))[model.outputNames[0]!]!;
    expect(answer.name).toBe(model.outputNames[0]);
    expect(answer.shape).toEqual(direct.shape);
    expect(answer.data).toEqual(Array.from(direct.data));
  });

  it("GET /v1/models describes the model; /healthz and /readyz answer 200", async () => {
    const { models } = (await (await handler.fetch(new Request(`${BASE}/v1/models`))).json()) as { models: Record<string, unknown>[] };
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ engine: "ghostnet", threads: 1, maxBatch: 4, inputs: [{ name: model.inputNames[0] }], outputs: [{ name: model.outputNames[0] }] });
    expect((models[0]!.inputs as { shape: unknown[] }[])[0]!.shape).toHaveLength(4);
    expect((await handler.fetch(new Request(`${BASE}/healthz`))).status).toBe(200);
    expect((await handler.fetch(new Request(`${BASE}/readyz`))).status).toBe(200);
  });

  it("refuses images it cannot or must not decode with 400, naming what is wrong", async () => {
    const jpeg = images[1]!.bytes;
    await expectError(await handler.fetch(post("/v1/classify", garbage(5000), "image/jpeg")), 400, "bad_image");
    await expectError(await handler.fetch(post("/v1/classify", new Uint8Array(0), "image/png")), 400, "empty_body");
    await expectError(await handler.fetch(post("/v1/classify", jpeg.subarray(0, 600), "image/jpeg")), 400);
    const huge = await expectError(await handler.fetch(post("/v1/classify", pngClaiming(65536, 65536), "image/png")), 400, "over_limit");
    expect(huge.message).toMatch(/65536/);
    // A multipart part that fails names the part.
    const { body, contentType } = multipartBody([{ name: "good.jpg", bytes: jpeg }, { name: "bad.jpg", bytes: garbage(100) }]);
    const part = await expectError(await handler.fetch(post("/v1/classify", body, contentType)), 400, "bad_image");
    expect(part.message).toMatch(/part 1 \(bad\.jpg\)/);
  });
});

describe("the handler's errors and limits (a fake model: scores straight from the request)", () => {
  it("400 for a bad topk, 404 for an unknown path, 405 (with Allow) for a wrong method", async () => {
    const handler = createHandler(scoresClassifier(fakeModel()));
    for (const k of ["0", "abc", "1001", "-1", "2.5"]) {
      await expectError(await handler.fetch(post(`/v1/classify?topk=${k}`, new Uint8Array([1, 2, 3, 4]), "image/png")), 400, "bad_query");
    }
    await expectError(await handler.fetch(new Request(`${BASE}/v2/nothing`)), 404, "not_found");
    const wrong = await handler.fetch(new Request(`${BASE}/v1/classify`));
    expect(wrong.headers.get("allow")).toBe("POST");
    await expectError(wrong, 405, "method_not_allowed");
    await expectError(await handler.fetch(post("/healthz", "x", "text/plain")), 405);
    const head = await handler.fetch(new Request(`${BASE}/metrics`, { method: "HEAD" }));
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await head.text()).toBe("");
  });

  it("415 for a content type it does not take (the request and a multipart part)", async () => {
    const handler = createHandler(scoresClassifier(fakeModel()));
    await expectError(await handler.fetch(post("/v1/classify", "hello", "text/plain")), 415, "unsupported_media_type");
    await expectError(await handler.fetch(post("/v1/classify", new Uint8Array([1, 2, 3, 4]))), 415);
    await expectError(await handler.fetch(post("/v1/run", "{}", "text/csv")), 415);
    const { body, contentType } = multipartBody([{ name: "notes.txt", bytes: new Uint8Array([1, 2, 3, 4]), type: "text/plain" }]);
    await expectError(await handler.fetch(post("/v1/classify", body, contentType)), 415);
  });

  it("413 for a declared Content-Length over the limit, without reading the body", async () => {
    const handler = createHandler(scoresClassifier(fakeModel()), { maxBodyBytes: 1000 });
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new Uint8Array(500));
      },
    });
    await expectError(await handler.fetch(post("/v1/classify", stream, "image/png", { "content-length": "64000000" })), 413, "payload_too_large");
    expect(pulls, "chunks pulled from a refused body").toBeLessThanOrEqual(2);
  });

  it("413 for an undeclared body that grows past the limit: reading stops at the limit", async () => {
    const handler = createHandler(scoresClassifier(fakeModel()), { maxBodyBytes: 10_000 });
    let sent = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 4096;
        controller.enqueue(new Uint8Array(4096));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expectError(await handler.fetch(post("/v1/classify", endless, "image/png")), 413);
    expect(cancelled).toBe(true);
    expect(sent, "bytes produced before the refusal").toBeLessThan(40_000);
  });

  it("503 with Retry-After when the queue is full, and /readyz says so; 200 again once it drains", async () => {
    const handler = createHandler(scoresClassifier(fakeModel(4, 150)), { queueLimit: 2, maxBatch: 1, retryAfterSeconds: 3 });
    const first = handler.fetch(post("/v1/classify", new Uint8Array([1, 2, 3, 4]), "image/png"));
    const second = handler.fetch(post("/v1/classify", new Uint8Array([4, 3, 2, 1]), "image/png"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const refused = await handler.fetch(post("/v1/classify", new Uint8Array([9, 9, 9, 9]), "image/png"));
    expect(refused.headers.get("retry-after")).toBe("3");
    await expectError(refused, 503, "overloaded");
    expect((await handler.fetch(new Request(`${BASE}/readyz`))).status).toBe(503);
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await handler.fetch(new Request(`${BASE}/readyz`))).status).toBe(200);
  });

  it("503 when the images or the request bodies held across requests would pass their limits", async () => {
    const images = createHandler(scoresClassifier(fakeModel(4, 100)), { maxQueuedImages: 3, maxBatch: 1 });
    const holding = images.fetch(post("/v1/classify", multipartBody([1, 2].map((v) => ({ name: `${v}.png`, bytes: new Uint8Array([v, 0, 0, 0]) }))).body, multipartBody([]).contentType));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { body, contentType } = multipartBody([3, 4].map((v) => ({ name: `${v}.png`, bytes: new Uint8Array([v, 0, 0, 0]) })));
    const refused = await images.fetch(post("/v1/classify", body, contentType));
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await expectError(refused, 503, "overloaded")).message).toMatch(/2 images already \(limit 3\)/);
    expect((await holding).status).toBe(200);

    const bodies = createHandler(scoresClassifier(fakeModel()), { maxBufferedBytes: 1500, timeoutMs: 300 });
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(1000));
      },
    });
    const first = bodies.fetch(post("/v1/classify", stalled, "image/png"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expectError(await bodies.fetch(post("/v1/classify", new Uint8Array(1000), "image/png")), 503, "overloaded");
    // The stalled body times out (408) and gives its bytes back: the next body fits again.
    expect((await first).status).toBe(408);
    expect((await bodies.fetch(post("/v1/classify", new Uint8Array([1, 2, 3, 4]), "image/png"))).status).toBe(200);
  });

  it("504 past the deadline; an image still queued then never runs", async () => {
    const model = fakeModel(4, 120);
    const handler = createHandler(scoresClassifier(model), { timeoutMs: 60, maxBatch: 1 });
    const [a, b] = await Promise.all([
      handler.fetch(post("/v1/classify", new Uint8Array([1, 2, 3, 4]), "image/png")),
      handler.fetch(post("/v1/classify", new Uint8Array([5, 6, 7, 8]), "image/png")),
    ]);
    await expectError(a, 504, "timeout");
    await expectError(b, 504, "timeout");
    await handler.close();
    expect(model.runs, "runs: the second image left the queue at its deadline").toEqual([1]);
  });

  it("drops the queued work of a client that went away (request.signal), answering 499 to nobody", async () => {
    const model = fakeModel(4, 100);
    const handler = createHandler(scoresClassifier(model), { maxBatch: 1 });
    const first = handler.fetch(post("/v1/classify", new Uint8Array([1, 2, 3, 4]), "image/png"));
    const leaving = new AbortController();
    const request = new Request(`${BASE}/v1/classify`, { method: "POST", body: new Uint8Array([5, 6, 7, 8]), headers: { "content-type": "image/png" }, signal: leaving.signal });
    const second = handler.fetch(request);
    await new Promise((resolve) => setTimeout(resolve, 30));
    leaving.abort();
    await expectError(await second, 499, "client_closed");
    expect((await first).status).toBe(200);
    await handler.close();
    expect(model.runs, "the second image never ran").toEqual([1]);
    expect(handler.metrics.requestCount("/v1/classify", 499)).toBe(1);
  });

  it("408 for a body that does not arrive before the deadline", async () => {
    const handler = createHandler(scoresClassifier(fakeModel()), { timeoutMs: 50 });
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1, 2]));
      },
    });
    await expectError(await handler.fetch(post("/v1/classify", stalled, "image/png")), 408, "request_timeout");
  });

  it("never batches a model whose input declares a batch of exactly 1", async () => {
    const model = Object.assign(fakeModel(), { inputShape: [1, 1, 1, 4] });
    const handler = createHandler(scoresClassifier(model), { maxBatch: 8, maxDelayMs: 30 });
    const responses = await Promise.all([1, 2, 3].map((v) => handler.fetch(post("/v1/classify", new Uint8Array([v, 0, 0, 0]), "image/png"))));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(model.runs).toEqual([1, 1, 1]);
    const { models } = (await (await handler.fetch(new Request(`${BASE}/v1/models`))).json()) as { models: { maxBatch: number }[] };
    expect(models[0]!.maxBatch).toBe(1);
  });

  it("a failing image in a batch fails alone; its batch-mates get their answers", async () => {
    const model = fakeModel(4, 0, 66);
    const handler = createHandler(scoresClassifier(model), { maxBatch: 8, maxDelayMs: 30 });
    const bodies = [[1, 2, 3, 4], [66, 0, 0, 0], [4, 3, 2, 1]];
    const responses = await Promise.all(bodies.map((b) => handler.fetch(post("/v1/classify?topk=1", new Uint8Array(b), "image/png"))));
    expect(responses.map((r) => r.status)).toEqual([200, 500, 200]);
    expect(((await responses[0]!.json()) as { top: { classId: number }[] }).top[0]!.classId).toBe(3);
    expect(((await responses[2]!.json()) as { top: { classId: number }[] }).top[0]!.classId).toBe(0);
    const failed = await expectError(responses[1]!, 500, "internal");
    expect(failed.message).not.toMatch(/on purpose/); // the server's insides stay inside
    expect(model.runs[0], "the first run held all three").toBe(3);
  });

  it("close() lets admitted requests finish, refuses new ones with 503, then resolves", async () => {
    const handler = createHandler(scoresClassifier(fakeModel(4, 80)), { maxBatch: 2 });
    const inFlight = [1, 2, 3].map((v) => handler.fetch(post("/v1/classify", new Uint8Array([v, 0, 0, 0]), "image/png")));
    await new Promise((resolve) => setTimeout(resolve, 10));
    let closed = false;
    const closing = handler.close().then(() => (closed = true));
    await expectError(await handler.fetch(post("/v1/classify", new Uint8Array([1, 1, 1, 1]), "image/png")), 503, "shutting_down");
    expect((await handler.fetch(new Request(`${BASE}/readyz`))).status).toBe(503);
    expect(closed).toBe(false);
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200, 200]);
    await closing;
    expect(closed).toBe(true);
  });

  it("/v1/run refuses malformed tensors with 400", async () => {
    const handler = createHandler(fakeModel());
    await expectError(await handler.fetch(post("/v1/run", "{not json", "application/json")), 400, "bad_json");
    await expectError(await handler.fetch(post("/v1/run", JSON.stringify({ shape: [2, 2], data: [1, 2, 3] }), "application/json")), 400, "bad_shape");
    await expectError(await handler.fetch(post("/v1/run", JSON.stringify({ shape: [1e12, 1e12], data: [] }), "application/json")), 400, "bad_shape");
    await expectError(await handler.fetch(post("/v1/run", JSON.stringify({ shape: [-1], data: [] }), "application/json")), 400, "bad_input");
    await expectError(await handler.fetch(post("/v1/run", garbage(64), "application/x-npy")), 400, "bad_input");
  });

  it("/metrics is Prometheus text: requests by route and status, cumulative histograms, queue depth, images per second", async () => {
    const handler = createHandler(scoresClassifier(fakeModel()), { maxBatch: 4, maxDelayMs: 20 });
    await Promise.all([1, 2, 3].map((v) => handler.fetch(post("/v1/classify", new Uint8Array([v, 0, 0, 0]), "image/png"))));
    await handler.fetch(new Request(`${BASE}/nope`));
    const response = await handler.fetch(new Request(`${BASE}/metrics`));
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^ghostnet_requests_total\{route="\/v1\/classify",status="200"\} 3$/m);
    expect(text).toMatch(/^ghostnet_requests_total\{route="other",status="404"\} 1$/m);
    expect(text).toMatch(/^ghostnet_batch_size_bucket\{le="2"\} 0$/m);
    expect(text).toMatch(/^ghostnet_batch_size_bucket\{le="4"\} 1$/m);
    expect(text).toMatch(/^ghostnet_batch_size_sum 3$/m);
    expect(text).toMatch(/^ghostnet_images_total 3$/m);
    expect(text).toMatch(/^ghostnet_images_per_second 0\.3$/m);
    expect(text).toMatch(/^ghostnet_queue_depth 0$/m);
    // Every histogram: buckets never decrease and +Inf equals _count.
    const buckets = new Map<string, number[]>();
    for (const [, name, labels, value] of text.matchAll(/^(\w+)_bucket\{(.*?),?le="[^"]+"\} (\d+)$/gm)) {
      const key = `${name}{${labels}}`;
      buckets.set(key, [...(buckets.get(key) ?? []), Number(value)]);
    }
    expect(buckets.size).toBeGreaterThan(2);
    for (const [key, counts] of buckets) {
      for (let i = 1; i < counts.length; i++) expect(counts[i]!, key).toBeGreaterThanOrEqual(counts[i - 1]!);
    }
    // Every line is a comment or `name{labels} value`.
    for (const line of text.trimEnd().split("\n")) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [-+\d.eInfNa]+)$/);
  });
});

describe("the multipart parser", () => {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const limits = { maxParts: 3, maxHeaderBytes: 200 };

  it("reads parts with a preamble, a quoted boundary, parts without headers and binary content", () => {
    const { type, params } = parseMediaType('Multipart/Form-Data; charset=utf-8; boundary="b x"');
    expect(type).toBe("multipart/form-data");
    const body = concatText(["preamble\r\n--b x\r\n", 'Content-Disposition: form-data; name="a"; filename="one;two.png"\r\nContent-Type: IMAGE/PNG\r\n\r\n', "\x00\r\n--\r\n\x01", "\r\n--b x\r\n\r\nplain", "\r\n--b x--\r\nepilogue"]);
    const parts = parseMultipart(body, params, limits);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatchObject({ name: "a", filename: "one;two.png", contentType: "image/png" });
    expect(Array.from(parts[0]!.data)).toEqual([0, 13, 10, 45, 45, 13, 10, 1]);
    expect(new TextDecoder().decode(parts[1]!.data)).toBe("plain");
    expect(parts[1]!.filename).toBeUndefined();
  });

  it("refuses a missing boundary, a truncated body, too many parts and oversized headers", () => {
    const two = text("--b\r\n\r\n1\r\n--b\r\n\r\n2\r\n--b--");
    expect(() => parseMultipart(two, {}, limits)).toThrow(/boundary/);
    expect(() => parseMultipart(two.subarray(0, 18), { boundary: "b" }, limits)).toThrow(/truncated/);
    expect(() => parseMultipart(text("no delimiter here"), { boundary: "b" }, limits)).toThrow(/no boundary/);
    expect(() => parseMultipart(two, { boundary: "b" }, { maxParts: 1, maxHeaderBytes: 200 })).toThrow(expect.objectContaining({ status: 413 }));
    const longHeader = text(`--b\r\nX-Long: ${"a".repeat(300)}\r\n\r\n1\r\n--b--`);
    expect(() => parseMultipart(longHeader, { boundary: "b" }, limits)).toThrow(/over 200 bytes/);
    expect(() => parseMultipart(two, { boundary: "x".repeat(71) }, limits)).toThrow(/1 to 70/);
  });
});

function concatText(pieces: string[]): Uint8Array {
  return Uint8Array.from(pieces.join(""), (c) => c.charCodeAt(0));
}
