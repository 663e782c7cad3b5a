/**
 * `serveNode(handler, { host, port })`: a fetch handler (ghostnet-ts/serve) served over
 * `node:http`, since Node has Request and Response but no fetch server of its own.
 *
 *   node:http request ──▶ WHATWG Request (headers copied; the body streamed, counted as it
 *                          comes: past `maxBodyBytes` the stream errors with 413 and the
 *                          socket stops being read) ──▶ handler.fetch ──▶ Response ──▶ res
 *
 * Slow clients: headers must arrive within `headersTimeoutMs` and the whole request within
 * `timeoutMs` (Node answers 408 and closes); the handler's own deadline covers a body that
 * trickles in. `close()` stops accepting connections, lets the handler finish what it
 * admitted, waits for those responses to be written, then closes the idle connections.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpError, errorResponse } from "../serve/errors.js";
import { bodyTooLarge } from "../serve/body.js";
import type { ServeHandler } from "../serve/handler.js";

/** Options of the Node HTTP adapter: where to listen, and its limits. */
/** Where serveNode listens, and its limits for slow or large requests. */
export interface ServeNodeOptions {
  /** Interface to listen on (default "127.0.0.1": loopback only; "0.0.0.0" for every interface). */
  host?: string;
  /** Port (default 8080; 0 picks a free one, see `port` on the result). */
  port?: number;
  /** Largest request body in bytes, enforced while streaming (default: the handler's, `handler.limits`). */
  maxBodyBytes?: number;
  /** The whole request (headers and body) must arrive within this many ms (default: the handler's deadline). */
  timeoutMs?: number;
  /** The request headers must arrive within this many ms (default 10 000, at most timeoutMs). */
  headersTimeoutMs?: number;
  /**
   * How long an idle keep-alive connection stays open, ms (default 65 000: longer than the
   * common load balancers' 60 s idle timeout, so they never send a request on a connection
   * this server is closing).
   */
  keepAliveTimeoutMs?: number;
}

/** A listening server. */
export interface NodeServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish and their responses go out, then closes. */
  close(): Promise<void>;
}

/** The request body as a byte stream that refuses (413) to go past `maxBytes`, with backpressure. */
function bodyStream(req: IncomingMessage, maxBytes: number): ReadableStream<Uint8Array> {
  let received = 0;
  let stopped = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on("data", (chunk: Buffer) => {
          if (stopped) return;
          received += chunk.length;
          if (received > maxBytes) {
            stopped = true;
            req.pause();
            controller.error(bodyTooLarge(maxBytes));
            return;
          }
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
          if ((controller.desiredSize ?? 1) <= 0) req.pause();
        });
        req.on("end", () => {
          if (stopped) return;
          stopped = true;
          controller.close();
        });
        const gone = (): void => {
          if (stopped) return;
          stopped = true;
          controller.error(new HttpError(400, "incomplete_body", "the client closed the connection before the body ended"));
        };
        req.on("error", gone);
        req.on("close", () => {
          if (!req.complete) gone();
        });
      },
      pull() {
        if (!stopped) req.resume();
      },
      cancel() {
        stopped = true;
        req.pause();
      },
    },
    { highWaterMark: 4 },
  );
}

/** The node:http request as a WHATWG Request; `signal` aborts when the client goes away. */
function toRequest(req: IncomingMessage, maxBodyBytes: number, signal: AbortSignal): Request {
  let url: URL;
  try {
    url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
  } catch {
    url = new URL(req.url?.startsWith("/") ? req.url : "/", "http://localhost");
  }
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    } catch {
      // A header value the WHATWG Headers refuses is left out.
    }
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  // `duplex: "half"` is what Node's Request needs for a streamed body (not in the DOM types).
  const init = { method, headers, body: hasBody ? bodyStream(req, maxBodyBytes) : null, duplex: "half", signal } as RequestInit;
  return new Request(url, init);
}

/** Writes a WHATWG Response to node:http's response. */
async function sendResponse(response: Response, res: ServerResponse, closeAfter: boolean): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  if (closeAfter) headers.connection = "close";
  const body = response.body === null ? undefined : new Uint8Array(await response.arrayBuffer());
  if (body !== undefined) headers["content-length"] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

/** Serves `handler` on `host:port`; resolves once listening. */
export async function serveNode(handler: ServeHandler, options: ServeNodeOptions = {}): Promise<NodeServer> {
  const host = options.host ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? handler.limits.maxBodyBytes;
  const timeoutMs = options.timeoutMs ?? handler.limits.timeoutMs;
  const headersTimeoutMs = Math.min(options.headersTimeoutMs ?? 10_000, timeoutMs);
  let active = 0;
  let closing = false;
  let allAnswered: (() => void) | undefined;
  let shutdown: Promise<void> | undefined;

  const server = createServer(
    {
      requestTimeout: timeoutMs,
      headersTimeout: headersTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 65_000,
      connectionsCheckingInterval: Math.min(1000, timeoutMs),
    },
    (req, res) => {
      active++;
      // The response closing before it was written means the client went away: the
      // handler then drops the request's queued work (request.signal).
      const clientGone = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) clientGone.abort();
        active--;
        if (active === 0) allAnswered?.();
      });
      const request = toRequest(req, maxBodyBytes, clientGone.signal);
      handler
        .fetch(request)
        .catch((error: unknown) => errorResponse(error))
        .then((response) => {
          // A body not read to its end (refused, or over the limit) is not drained: the connection closes instead.
          const unread = !req.complete;
          if (unread) req.pause();
          return sendResponse(response, res, unread || closing);
        })
        .catch(() => res.destroy());
    },
  );
  // What node:http refuses before a request exists: unparsable HTTP (400), headers too large
  // (431), a request slower than the timeouts (408). One JSON error, then the connection closes.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const [status, reason, code, message] =
      error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "request_timeout", `the request did not arrive within ${timeoutMs} ms`]
        : error.code === "HPE_HEADER_OVERFLOW"
          ? [431, "Request Header Fields Too Large", "headers_too_large", "the request headers are too large"]
          : [400, "Bad Request", "bad_http", "the request is not valid HTTP/1.1"];
    const body = JSON.stringify({ error: { code, message } });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    server,
    host: address.address,
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    close() {
      // Idempotent: every caller waits for the same shutdown.
      shutdown ??= (async () => {
        closing = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await handler.close();
        if (active > 0) await new Promise<void>((resolve) => (allAnswered = resolve));
        server.closeIdleConnections();
        await closed;
      })();
      return shutdown;
    },
  };
}
