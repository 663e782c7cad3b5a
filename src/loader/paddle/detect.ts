/**
 * Telling Paddle's files apart from their bytes (and from ONNX), without parsing them:
 *
 *   tar            "ustar" at offset 257 (POSIX and GNU headers)
 *   pickle         0x80, then protocol 2–5 (paddle.save's `.pdparams` checkpoints)
 *   PIR JSON       "{" after optional white space and "base_code" or "pir" in the first 4 KiB
 *   ProgramDesc    first key 0x0a: field 1 (`blocks`), length-delimited. ONNX's field 1
 *                  (`ir_version`) is a varint, so an ONNX file starts with 0x08 instead.
 *   ONNX           anything else (the ONNX decoder then says what is wrong)
 */

export type PaddleFormat = "tar" | "pickle" | "pir-json" | "program-desc";

const WHITE_SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The Paddle format `bytes` are in, or undefined (ONNX or unknown). */
export function detectPaddleFormat(bytes: Uint8Array): PaddleFormat | undefined {
  if (bytes.length >= 263 && bytes[257] === 0x75 && bytes[258] === 0x73 && bytes[259] === 0x74 && bytes[260] === 0x61 && bytes[261] === 0x72) return "tar";
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5) return "pickle";
  if (looksLikePirJson(bytes)) return "pir-json";
  if (bytes.length >= 2 && bytes[0] === 0x0a) return "program-desc";
  return undefined;
}

/** JSON whose start mentions PIR's top-level keys. */
export function looksLikePirJson(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length && i < 1024 && WHITE_SPACE.has(bytes[i]!)) i++;
  if (bytes[i] !== 0x7b) return false;
  const head = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(i, i + 4096));
  return /"(base_code|program|pir)"/.test(head);
}
