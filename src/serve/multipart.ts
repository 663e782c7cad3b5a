/**
 * A small `multipart/form-data` parser (RFC 7578 over RFC 2046's multipart syntax) for a
 * body already read whole under the size limit (body.ts):
 *
 *   preamble CRLF? "--" boundary CRLF
 *     header lines CRLF                  (Content-Disposition: form-data; name="…"; filename="…")
 *     CRLF
 *     content                            (ends right before the next CRLF "--" boundary)
 *   CRLF "--" boundary CRLF … (more parts)
 *   CRLF "--" boundary "--" epilogue
 *
 * Limits, checked as it goes: at most `maxParts` parts, at most `maxHeaderBytes` of headers
 * per part, a boundary of 1–70 characters. A body that ends before the closing delimiter is
 * refused as truncated. The parts' contents are views into the body, not copies.
 */
import { HttpError } from "./errors.js";

/** One part of a multipart body. */
export interface MultipartPart {
  /** The form field's name (Content-Disposition `name`), "" when absent. */
  name: string;
  /** The file name (Content-Disposition `filename`), when the part is a file. */
  filename?: string;
  /** The part's Content-Type, lower-cased without parameters; undefined when absent. */
  contentType?: string;
  /** The part's bytes (a view into the request body). */
  data: Uint8Array;
}

/** Bounds on a multipart/form-data body, checked while parsing. */
/** What one multipart body may hold. */
export interface MultipartLimits {
  /** Most parts accepted (413 beyond). */
  maxParts: number;
  /** Most header bytes per part (400 beyond). */
  maxHeaderBytes: number;
}

/** A media type and its parameters: `multipart/form-data; boundary=x` → { type, params }. */
export interface MediaType {
  /** Lower-cased `type/subtype`, "" when the header is absent or empty. */
  type: string;
  /** Parameters by lower-cased name; quoted values unquoted. */
  params: Record<string, string>;
}

/** Parses a Content-Type header (RFC 9110 §8.3.1) into type and parameters. */
export function parseMediaType(header: string | null): MediaType {
  if (header === null) return { type: "", params: {} };
  const [head, ...rest] = splitParameters(header);
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf("=");
    if (eq <= 0) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, "$1");
    params[name] = value;
  }
  return { type: (head ?? "").trim().toLowerCase(), params };
}

/** Splits at semicolons that are not inside a quoted string. */
function splitParameters(text: string): string[] {
  const pieces: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    if (c === "\\" && quoted && i + 1 < text.length) {
      current += c + text[++i]!;
      continue;
    }
    if (c === ";" && !quoted) {
      pieces.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  pieces.push(current);
  return pieces;
}

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;

function badMultipart(message: string): HttpError {
  return new HttpError(400, "bad_multipart", `multipart body: ${message}`);
}

/** First index ≥ `from` where `needle` occurs in `haystack`, or −1. */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && haystack[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

/** The bytes of an ASCII string. */
function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

/** RFC 2046: 1–70 characters from a restricted set (the last not a space). */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** The parts of a `multipart/form-data` body whose Content-Type parameters are `params`. */
export function parseMultipart(body: Uint8Array, params: Record<string, string>, limits: MultipartLimits): MultipartPart[] {
  const boundary = params.boundary;
  if (boundary === undefined) throw badMultipart("the Content-Type has no boundary parameter");
  if (!BOUNDARY.test(boundary)) throw badMultipart("the boundary must be 1 to 70 characters of RFC 2046's set");
  const delimiter = ascii(`--${boundary}`);
  // Between parts the delimiter follows a line break; only the very first may open the body.
  const separator = ascii(`\r\n--${boundary}`);

  let position: number;
  if (startsWithAt(body, delimiter, 0)) {
    position = delimiter.length;
  } else {
    const found = indexOfBytes(body, separator, 0);
    if (found === -1) throw badMultipart("no boundary delimiter found");
    position = found + separator.length;
  }

  const parts: MultipartPart[] = [];
  for (;;) {
    // After a delimiter: "--" closes the body; otherwise optional blanks, then CRLF.
    if (body[position] === DASH && body[position + 1] === DASH) return parts;
    while (body[position] === 0x20 || body[position] === 0x09) position++;
    if (body[position] !== CR || body[position + 1] !== LF) {
      throw badMultipart(position >= body.length ? "the body is truncated (no closing delimiter)" : "a delimiter is not followed by a line break");
    }
    position += 2;
    const end = indexOfBytes(body, separator, position);
    if (end === -1) throw badMultipart("the body is truncated (no closing delimiter)");
    if (parts.length === limits.maxParts) {
      throw new HttpError(413, "too_many_parts", `multipart body: at most ${limits.maxParts} parts per request`);
    }
    parts.push(readPart(body.subarray(position, end), parts.length, limits.maxHeaderBytes));
    position = end + separator.length;
  }
}

function startsWithAt(bytes: Uint8Array, prefix: Uint8Array, at: number): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

const HEADER_END = ascii("\r\n\r\n");

/** One part: header lines up to the blank line, then the content. */
function readPart(part: Uint8Array, index: number, maxHeaderBytes: number): MultipartPart {
  let headerText: string;
  let data: Uint8Array;
  if (part[0] === CR && part[1] === LF) {
    // No headers at all: the blank line comes first.
    headerText = "";
    data = part.subarray(2);
  } else {
    const end = indexOfBytes(part.subarray(0, maxHeaderBytes + HEADER_END.length), HEADER_END, 0);
    if (end === -1) {
      throw badMultipart(
        part.length > maxHeaderBytes ? `part ${index}'s headers are over ${maxHeaderBytes} bytes` : `part ${index} has no blank line after its headers`,
      );
    }
    headerText = new TextDecoder("utf-8").decode(part.subarray(0, end));
    data = part.subarray(end + HEADER_END.length);
  }

  const result: MultipartPart = { name: "", data };
  for (const line of headerText.split("\r\n")) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw badMultipart(`part ${index} has a malformed header line`);
    const field = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (field === "content-type") {
      result.contentType = parseMediaType(value).type;
    } else if (field === "content-disposition") {
      const disposition = parseMediaType(value);
      result.name = disposition.params.name ?? "";
      if (disposition.params.filename !== undefined) result.filename = disposition.params.filename;
    }
  }
  return result;
}
