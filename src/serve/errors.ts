/**
 * The serving layer's errors: every refusal is an `HttpError` with the status a client can
 * act on and a JSON body `{ "error": { "code", "message" } }`. `errorResponse` turns any
 * thrown value into that response: the library's own errors (GhostnetError) by their code,
 * anything else as a 500 whose message says nothing about the server's insides.
 */
import { GhostnetError } from "../errors.js";

/** A request refused (or failed) with `status`; `code` is a stable word for programs. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (e.g. `Allow`, `Retry-After`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** A JSON response with the given status. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/**
 * The library's error codes (src/errors.ts) as HTTP: what the client sent is wrong → 400.
 * Anything not listed (a model that cannot run, a bug) is the server's fault → 500.
 */
const LIBRARY_ERRORS: Record<string, { status: number; code: string }> = {
  IMAGE_DECODE: { status: 400, code: "bad_image" },
  LIMIT: { status: 400, code: "over_limit" },
  INPUT: { status: 400, code: "bad_input" },
  SHAPE: { status: 400, code: "bad_shape" },
};

/** Any thrown value as an HttpError (library input errors → 400, everything else → 500). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof GhostnetError) {
    const known = LIBRARY_ERRORS[error.code];
    if (known !== undefined) return new HttpError(known.status, known.code, error.message);
    return new HttpError(500, "model_error", error.message);
  }
  return new HttpError(500, "internal", "the server failed to answer this request");
}

/** `{ "error": { "code", "message" } }` with the error's status and headers. */
export function errorResponse(error: unknown): Response {
  const http = toHttpError(error);
  return jsonResponse(http.status, { error: { code: http.code, message: http.message } }, http.headers);
}
