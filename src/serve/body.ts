/**
 * Reading a request body with a size limit, without ever holding more than the limit:
 *
 *   Content-Length over the limit → refused before a byte is read (413)
 *   otherwise the stream is read chunk by chunk; the chunk that crosses the limit cancels
 *   the stream (the rest is never read) and the request is refused (413)
 *
 * A declared Content-Length is not trusted as the real size (a client may lie either way):
 * the chunks are counted as they come, and the buffer is allocated once at the end from
 * the bytes really received.
 */
import { HttpError } from "./errors.js";

/** 413 for a body over `maxBytes`. */
export function bodyTooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "payload_too_large", `the request body is over the limit of ${maxBytes} bytes`);
}

/**
 * Bytes of request bodies held at once, across requests: `used` grows as chunks arrive;
 * past `limit` a request is refused with 503 (the server is full, not the request wrong).
 * Whoever read a body gives its bytes back (`used -= body.length`) when done with it.
 */
export interface BodyBudget {
  used: number;
  readonly limit: number;
}

/**
 * The whole body of `request` as one Uint8Array, at most `maxBytes` long (413 otherwise).
 * `timeout` (a promise that rejects at the request's deadline) stops a body that trickles in.
 * `budget`, when given, counts the bytes against all bodies held (on success the caller
 * releases `body.length`; on failure they are released here).
 */
export async function readBody(request: Request, maxBytes: number, timeout?: Promise<never>, budget?: BodyBudget): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) {
    // Refused unread; cancelling tells the runtime it may drop the rest of the upload.
    request.body?.cancel().catch(() => {});
    throw bodyTooLarge(maxBytes);
  }
  if (request.body === null) return new Uint8Array(0);

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const next = reader.read();
      const { done, value } = await (timeout === undefined ? next : Promise.race([next, timeout]));
      if (done) break;
      received += value.byteLength;
      if (budget !== undefined) budget.used += value.byteLength;
      if (received > maxBytes) throw bodyTooLarge(maxBytes);
      if (budget !== undefined && budget.used > budget.limit) {
        throw new HttpError(503, "overloaded", `the server holds ${budget.limit} bytes of request bodies already; retry later`, { "retry-after": "1" });
      }
      chunks.push(value);
    }
  } catch (error) {
    // Whatever stopped the reading (limit, deadline, a client gone mid-body): read no more.
    if (budget !== undefined) budget.used -= received;
    reader.cancel().catch(() => {});
    throw error;
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
