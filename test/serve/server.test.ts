/**
 * The real server: `serveNode(createHandler(…))` on a loopback port, spoken to over HTTP.
 * Answers equal `classifier.classify`; 64 concurrent requests are batched and all right;
 * every error status comes from a request that earns it; a hostile set (garbage,
 * truncated, empty, a 64 MB upload, a PNG header claiming 65536×65536, wrong types, a
 * client gone mid-body, clients too slow) leaves the server healthy and its answers unchanged.
 */
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Classifier, createClassifier } from "../../src/classifier.js";
import { loadModel } from "../../src/load-model.js";
import type { Model } from "../../src/model.js";
import { type NodeServer, serveNode } from "../../src/node/serve-node.js";
import { createHandler } from "../../src/serve.js";
import { fakeModel, garbage, multipartBody, pngClaiming, sampleImages, scoresClassifier, smallGhostNetBytes, smallJpeg } from "./helpers.js";

const MAX_BODY = 4 * 1024 * 1024;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with node:http (so a test controls the body as it is written). */
function send(server: NodeServer, method: string, path: string, body?: Uint8Array | string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: server.host, port: server.port, method, path, headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function errorCode(answer: Answer): string {
  return (JSON.parse(answer.body) as { error: { code: string } }).error.code;
}

/** Streams `total` bytes (chunked, no Content-Length) until the server answers or hangs up. */
function upload(server: NodeServer, total: number, headers: Record<string, string>): Promise<{ status?: number; written: number; error?: string }> {
  return new Promise((resolve) => {
    let written = 0;
    let settled = false;
    const done = (result: { status?: number; error?: string }): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve({ ...result, written });
    };
    const req = httpRequest({ host: server.host, port: server.port, method: "POST", path: "/v1/classify", headers, agent: false }, (res) => {
      res.resume();
      done({ status: res.statusCode });
    });
    req.on("error", (error) => done({ error: (error as NodeJS.ErrnoException).code ?? error.message }));
    const chunk = new Uint8Array(256 * 1024).fill(7);
    const pump = (): void => {
      while (!settled && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!settled) req.end();
    };
    pump();
  });
}

/** A raw socket that sends `text` and then waits (a slow or vanishing client). */
function rawClient(server: NodeServer, text: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, server.host, () => {
      socket.write(text);
      resolve(socket);
    });
    socket.on("error", reject);
  });
}

/** Everything the server sends on `socket` until it closes (or `ms` pass). */
function readUntilClosed(socket: Socket, ms: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = "";
    const timer = setTimeout(() => resolve({ text, closed: false }), ms);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

describe("ghostnet's server on a loopback port (GhostNet x0.5)", () => {
  let model: Model;
  let classifier: Classifier;
  let server: NodeServer;
  const sockets: Socket[] = [];
  const images = sampleImages();

  beforeAll(async () => {
    model = await loadModel(smallGhostNetBytes());
    classifier = createClassifier(model, { topk: 5 });
    const handler = createHandler(model, { maxBatch: 8, maxDelayMs: 5, maxBodyBytes: MAX_BODY, queueLimit: 256 });
    // serveNode takes the handler's body limit (handler.limits) as its own.
    server = await serveNode(handler, { host: "127.0.0.1", port: 0 });
    server.server.on("connection", (socket) => sockets.push(socket));
  }, 30_000);
  afterAll(async () => {
    await server?.close();
    await model?.dispose();
  });

  it("answers like classifier.classify on the sample photos (one image, and multipart)", async () => {
    for (const image of images) {
      const answer = await send(server, "POST", "/v1/classify", image.bytes, { "content-type": "image/jpeg" });
      expect(answer.status, image.name).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ top: await classifier.classify(image.bytes) });
    }
    const { body, contentType } = multipartBody(images);
    const answer = await send(server, "POST", "/v1/classify?topk=3", body, { "content-type": contentType });
    const expected = [];
    for (const image of images) expected.push({ image: image.name, top: (await classifier.classify(image.bytes)).slice(0, 3) });
    expect(JSON.parse(answer.body)).toEqual(expected);
  });

  it("answers 64 concurrent requests, each right, in batches larger than one", async () => {
    const jpegs = Array.from({ length: 8 }, (_, i) => smallJpeg(i));
    const expected = await Promise.all(jpegs.map((bytes) => classifier.classify(bytes)));
    const answers = await Promise.all(
      Array.from({ length: 64 }, (_, i) => fetch(`${server.url}/v1/classify`, { method: "POST", body: jpegs[i % 8], headers: { "content-type": "image/jpeg" } }).then(async (r) => ({ status: r.status, body: await r.json() }))),
    );
    answers.forEach((answer, i) => {
      expect(answer.status, `request ${i}`).toBe(200);
      expect(answer.body, `request ${i}`).toEqual({ top: expected[i % 8] });
    });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const single = Number(/^ghostnet_batch_size_bucket\{le="1"\} (\d+)$/m.exec(metrics)![1]);
    const runs = Number(/^ghostnet_batch_size_count (\d+)$/m.exec(metrics)![1]);
    expect(runs - single, "model runs with more than one image").toBeGreaterThan(0);
    expect(Number(/^ghostnet_requests_total\{route="\/v1\/classify",status="200"\} (\d+)$/m.exec(metrics)![1])).toBeGreaterThanOrEqual(64);
  }, 30_000);

  it("earns 400, 404, 405, 413 and 415 over HTTP", async () => {
    expect(errorCode(await send(server, "POST", "/v1/classify", garbage(300), { "content-type": "image/jpeg" }))).toBe("bad_image");
    expect((await send(server, "POST", "/v1/classify?topk=zero", images[0]!.bytes, { "content-type": "image/jpeg" })).status).toBe(400);
    expect((await send(server, "GET", "/nowhere")).status).toBe(404);
    const wrong = await send(server, "DELETE", "/v1/models");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe("GET, HEAD");
    const big = await send(server, "POST", "/v1/classify", new Uint8Array(MAX_BODY + 1), { "content-type": "image/png" });
    expect(big.status).toBe(413);
    expect(errorCode(big)).toBe("payload_too_large");
    expect((await send(server, "POST", "/v1/classify", "<svg/>", { "content-type": "image/svg+xml" })).status).toBe(415);
  });

  it("stays healthy through a hostile set, and answers as before afterwards", async () => {
    const statuses: Record<string, number | string | undefined> = {};
    const post = async (name: string, body: Uint8Array | string, type?: string): Promise<void> => {
      statuses[name] = (await send(server, "POST", "/v1/classify", body, type === undefined ? {} : { "content-type": type })).status;
    };
    await post("garbage", garbage(100_000, 3), "image/jpeg");
    await post("truncated jpeg", images[1]!.bytes.subarray(0, 2000), "image/jpeg");
    await post("truncated png", pngClaiming(64, 64).subarray(0, 30), "image/png");
    await post("empty", new Uint8Array(0), "image/png");
    await post("png claiming 65536x65536", pngClaiming(65536, 65536), "image/png");
    await post("wrong type", images[0]!.bytes, "application/pdf");
    await post("no type", images[0]!.bytes);
    await post("bad multipart", "--x\r\nnope", "multipart/form-data; boundary=x");
    expect(statuses).toEqual({
      garbage: 400,
      "truncated jpeg": 400,
      "truncated png": 400,
      empty: 400,
      "png claiming 65536x65536": 400,
      "wrong type": 415,
      "no type": 415,
      "bad multipart": 400,
    });

    // 64 MB streamed without a Content-Length: refused at the limit, the rest never read.
    const before = sockets.length;
    const streamed = await upload(server, 64 * 1024 * 1024, { "content-type": "image/jpeg" });
    expect(streamed.status ?? streamed.error, "413, or the connection closed on the uploader").toSatisfy((s: unknown) => s === 413 || typeof s === "string");
    expect(sockets.length, "the upload's connection").toBeGreaterThan(before);
    const read = Math.max(...sockets.slice(before).map((s) => s.bytesRead));
    expect(read, "bytes the server read of the 64 MB upload").toBeLessThan(MAX_BODY + 4 * 1024 * 1024);
    // 64 MB declared: refused before reading.
    const declared = await upload(server, 64 * 1024 * 1024, { "content-type": "image/jpeg", "content-length": String(64 * 1024 * 1024) });
    expect(declared.status ?? declared.error).toSatisfy((s: unknown) => s === 413 || typeof s === "string");

    // A client that stops mid-body: announces 100 kB, sends 1 kB, goes away.
    const quitter = await rawClient(server, `POST /v1/classify HTTP/1.1\r\nhost: x\r\ncontent-type: image/jpeg\r\ncontent-length: 100000\r\n\r\n${"x".repeat(1000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    quitter.destroy();

    // Garbage instead of HTTP.
    const babbler = await rawClient(server, "\x00\x01NOT HTTP AT ALL\r\n\r\n");
    expect((await readUntilClosed(babbler, 2000)).text).toMatch(/^HTTP\/1\.1 400/);

    expect((await send(server, "GET", "/healthz")).status).toBe(200);
    expect((await send(server, "GET", "/readyz")).status).toBe(200);
    const after = await send(server, "POST", "/v1/classify", images[2]!.bytes, { "content-type": "image/jpeg" });
    expect(JSON.parse(after.body)).toEqual({ top: await classifier.classify(images[2]!.bytes) });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^ghostnet_queue_depth 0$/m);
  }, 30_000);
});

describe("ghostnet's server under pressure (a slow fake model)", () => {
  it("503 with Retry-After when the queue is full, 504 past the deadline", async () => {
    const handler = createHandler(scoresClassifier(fakeModel(4, 400)), { queueLimit: 1, maxBatch: 1, timeoutMs: 200 });
    const server = await serveNode(handler, { port: 0, timeoutMs: 200 });
    try {
      const first = send(server, "POST", "/v1/classify", new Uint8Array([1, 2, 3, 4]), { "content-type": "image/png" });
      await new Promise((resolve) => setTimeout(resolve, 60));
      const refused = await send(server, "POST", "/v1/classify", new Uint8Array([1, 2, 3, 4]), { "content-type": "image/png" });
      expect(refused.status).toBe(503);
      expect(refused.headers["retry-after"]).toBe("1");
      expect(errorCode(refused)).toBe("overloaded");
      const late = await first;
      expect(late.status).toBe(504);
      expect(errorCode(late)).toBe("timeout");
    } finally {
      await server.close();
    }
  });

  it("a client that disconnects while its request waits costs no model time", async () => {
    const model = fakeModel(4, 200);
    const handler = createHandler(scoresClassifier(model), { maxBatch: 1 });
    const server = await serveNode(handler, { port: 0 });
    try {
      const first = send(server, "POST", "/v1/classify", new Uint8Array([1, 2, 3, 4]), { "content-type": "image/png" });
      await new Promise((resolve) => setTimeout(resolve, 30));
      const leaver = await rawClient(server, "POST /v1/classify HTTP/1.1\r\nhost: x\r\ncontent-type: image/png\r\ncontent-length: 4\r\n\r\n\x05\x06\x07\x08");
      await new Promise((resolve) => setTimeout(resolve, 30));
      leaver.destroy();
      expect((await first).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(model.runs, "only the first request ran").toEqual([1]);
      expect(handler.metrics.requestCount("/v1/classify", 499)).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("times out slow clients: a body that stalls gets 408, headers that stall are cut off", async () => {
    const handler = createHandler(scoresClassifier(fakeModel()), { timeoutMs: 300 });
    const server = await serveNode(handler, { port: 0, timeoutMs: 300 });
    try {
      const slowBody = await rawClient(server, "POST /v1/classify HTTP/1.1\r\nhost: x\r\ncontent-type: image/png\r\ncontent-length: 10\r\n\r\n12");
      const body = await readUntilClosed(slowBody, 3000);
      expect(body.text).toMatch(/^HTTP\/1\.1 408/);
      expect(body.text).toMatch(/request_timeout/);
      const slowHeaders = await rawClient(server, "GET /healthz HTTP/1.1\r\nhost: x\r\n");
      const headers = await readUntilClosed(slowHeaders, 3000);
      expect(headers.closed, "a client that never finishes its headers is disconnected").toBe(true);
      expect((await send(server, "GET", "/healthz")).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
