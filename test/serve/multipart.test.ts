/**
 * The multipart parser against random inputs (fast-check): any parts serialised the way
 * browsers and curl do come back unchanged, and arbitrary bytes are either parsed or
 * refused with an HttpError (400 or 413), never anything else.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/serve/errors.js";
import { parseMultipart } from "../../src/serve/multipart.js";
import { concat } from "./helpers.js";

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Serialises parts as RFC 7578 multipart/form-data. */
function serialise(parts: { name: string; filename?: string; type?: string; data: Uint8Array }[], boundary: string, preamble: string): Uint8Array {
  const pieces: Uint8Array[] = [text(preamble === "" ? "" : `${preamble}\r\n`)];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? "" : `; filename="${part.filename}"`}`;
    pieces.push(text(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.type === undefined ? "" : `Content-Type: ${part.type}\r\n`}\r\n`), part.data, text("\r\n"));
  }
  pieces.push(text(`--${boundary}--\r\n`));
  return concat(pieces);
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

const word = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/);
const boundaryArb = fc.stringMatching(/^[A-Za-z0-9'()+_,.\/:=?-]{1,40}$/);
const partArb = fc.record({
  name: word,
  filename: fc.option(word, { nil: undefined }),
  type: fc.option(fc.constantFrom("image/jpeg", "image/png", "application/octet-stream"), { nil: undefined }),
  // Bytes that often look like the syntax: CR, LF, dashes.
  data: fc.uint8Array({ maxLength: 200 }).map((bytes) => bytes.map((b) => [13, 10, 45, b][b % 4]!)),
});

describe("parseMultipart on random input", () => {
  it("gives back the parts it was given", () => {
    fc.assert(
      fc.property(fc.array(partArb, { minLength: 1, maxLength: 6 }), boundaryArb, fc.constantFrom("", "this is the preamble"), (parts, boundary, preamble) => {
        // A boundary must not occur in the content (a sender picks one that does not) — including
        // where the content begins, right after the blank line that ends the part's headers:
        // content "---" after "\r\n" reads as the delimiter "\r\n---" of boundary "-".
        fc.pre(parts.every((p) => !contains(concat([text("\r\n"), p.data]), text(`\r\n--${boundary}`))));
        const parsed = parseMultipart(serialise(parts, boundary, preamble), { boundary }, { maxParts: 10, maxHeaderBytes: 1000 });
        expect(parsed.map((p) => ({ name: p.name, filename: p.filename, type: p.contentType, data: Array.from(p.data) }))).toEqual(
          parts.map((p) => ({ name: p.name, filename: p.filename, type: p.type, data: Array.from(p.data) })),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("parses or refuses arbitrary bytes with an HttpError, nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }).map((bytes) => bytes.map((b) => [13, 10, 45, 98, b][b % 5]!)), (bytes) => {
        try {
          parseMultipart(bytes, { boundary: "b" }, { maxParts: 4, maxHeaderBytes: 64 });
        } catch (error) {
          expect(error).toBeInstanceOf(HttpError);
          expect([400, 413]).toContain((error as HttpError).status);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
