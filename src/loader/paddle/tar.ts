/**
 * A small reader of tar archives (POSIX ustar, GNU and pax), enough for the model zoo's
 * `*_infer.tar` (a folder `GhostNet_x1_0_infer/` with `inference.pdmodel`,
 * `inference.pdiparams`, …). Entries come back as views into the archive's bytes: nothing
 * is copied, nothing is written anywhere, so paths are only names here.
 *
 * Layout: 512-byte header blocks, each followed by the entry's data padded to 512 bytes;
 * two zero blocks (or the end of the bytes) close the archive. Header fields used:
 *   name [0, 100)  size [124, 136) (octal text, or GNU base-256 when the first byte has
 *   its high bit set)  checksum [148, 156)  type [156]  magic [257, 263)  prefix [345, 500)
 * Types: '0' / NUL regular file (kept), '5' folder and links (skipped), 'L' GNU long name
 * and 'x' pax header (their `path=` record) name the next entry, 'g' pax global (skipped).
 * Every header's checksum is verified and every size checked against the bytes that remain.
 */
import { ModelFormatError, quoteName } from "../../errors.js";

const BLOCK = 512;

/** Most entries read from one archive (a model folder has a handful). */
export const MAX_TAR_ENTRIES = 100_000;

function text(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  let out = "";
  for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

/** The entry's size field: octal digits, or GNU's base-256 (first byte ≥ 0x80). */
function sizeField(header: Uint8Array, at: number): number {
  if (header[124]! & 0x80) {
    let size = header[124]! & 0x7f;
    for (let i = 125; i < 136; i++) {
      size = size * 256 + header[i]!;
      if (size > Number.MAX_SAFE_INTEGER) throw new ModelFormatError(`tar header at offset ${at}: the entry size is too large`);
    }
    return size;
  }
  const digits = text(header, 124, 12).trim();
  if (!/^[0-7]*$/.test(digits)) throw new ModelFormatError(`tar header at offset ${at}: the size field '${quoteName(digits)}' is not octal`);
  return digits === "" ? 0 : parseInt(digits, 8);
}

/** Checks the header checksum: the sum of all header bytes with the checksum field read as spaces. */
function checksumOk(header: Uint8Array): boolean {
  const stored = text(header, 148, 8).trim();
  if (!/^[0-7]+$/.test(stored)) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === parseInt(stored, 8);
}

/** A pax extended header's `path` record, if any ("LEN path=VALUE\n" records). */
function paxPath(data: Uint8Array): string | undefined {
  const records = new TextDecoder("utf-8", { fatal: false }).decode(data);
  const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records);
  return match?.[1];
}

/** "./a//b/" → "a/b". */
function normalize(path: string): string {
  return path.split("/").filter((p) => p !== "" && p !== ".").join("/");
}

function isZeroBlock(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * The regular files of a tar archive: path → bytes (views into `bytes`). Throws
 * ModelFormatError when a header is damaged or an entry runs past the end.
 */
export function readTar(bytes: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let at = 0;
  let nextName: string | undefined;
  let entries = 0;
  while (at + BLOCK <= bytes.length) {
    if (isZeroBlock(bytes, at)) break;
    if (++entries > MAX_TAR_ENTRIES) throw new ModelFormatError(`the tar archive has more than ${MAX_TAR_ENTRIES} entries`);
    const header = bytes.subarray(at, at + BLOCK);
    if (!checksumOk(header)) throw new ModelFormatError(`not a readable tar archive: the header at offset ${at} has a wrong checksum (the file is damaged or not a tar)`);
    const size = sizeField(header, at);
    const dataStart = at + BLOCK;
    if (size > bytes.length - dataStart) {
      throw new ModelFormatError(`the tar entry at offset ${at} claims ${size} bytes, but only ${bytes.length - dataStart} remain: the archive is truncated`);
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    const type = String.fromCharCode(header[156]!);
    const magic = text(header, 257, 6);
    const prefix = magic.startsWith("ustar") ? text(header, 345, 155) : "";
    const name = nextName ?? (prefix !== "" ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    if (type === "L") nextName = text(data, 0, data.length);
    else if (type === "x") nextName = paxPath(data) ?? nextName;
    else {
      nextName = undefined;
      if (type === "0" || type === "\0" || type === "7") files.set(normalize(name), data);
    }
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (entries === 0) throw new ModelFormatError("the tar archive holds no entries");
  return files;
}
