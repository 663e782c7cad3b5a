/**
 * A zlib (RFC 1950) / DEFLATE (RFC 1951) decompressor for PNG image data, written for a
 * caller that knows the exact inflated size in advance (PNG does: see `inflatedSize`).
 *
 * The output buffer is allocated once at that size; a stream that would write past it (a
 * decompression bomb) or that ends before filling it is refused, as is every malformed
 * stream — each with one ImageDecodeError line, never another exception. Every loop
 * either writes output (bounded by the buffer) or consumes input (bounded by the data,
 * with at most a few zero bytes of look-ahead past the end), so none can spin forever.
 *
 * Huffman codes are decoded through lookup tables (RFC 1951 §3.2.2 canonical codes,
 * read bit-reversed since DEFLATE packs bits LSB-first): a primary table indexed by the
 * next PRIMARY bits of input, whose entries for longer codes point at a subtable indexed
 * by the bits that follow.
 */
import { ImageDecodeError } from "../errors.js";

/** Table entry layout: symbol << 16 | SUBTABLE flag | code length (bits 0..3; 0 = no such code). */
const SUBTABLE = 0x10;
const LITERAL_PRIMARY_BITS = 10;
const DISTANCE_PRIMARY_BITS = 8;
const MAX_CODE_BITS = 15;

// RFC 1951 §3.2.5: lengths 3..258 (symbols 257..285) and distances 1..32768 (codes 0..29),
// each a base plus that many extra bits.
const LENGTH_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
const LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
const DISTANCE_BASE = Uint16Array.of(
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
);
const DISTANCE_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);

/** RFC 1951 §3.2.7: the order in which the code-length code's lengths are sent. */
const CODE_LENGTH_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/** Zero bytes the bit reader may look ahead past the end of the data before it is "truncated". */
const LOOKAHEAD_SLACK = 8;

/**
 * A Huffman decoding table: `entries` holds the primary table (2^primaryBits entries)
 * followed by subtables; built from code lengths by `buildTable`.
 */
interface HuffmanTable {
  entries: Int32Array;
  primaryBits: number;
}

function newTable(primaryBits: number, symbols: number): HuffmanTable {
  // Worst case: every symbol a long code with its own subtable of 2^(15 − primaryBits) entries.
  return { entries: new Int32Array((1 << primaryBits) + symbols * (1 << (MAX_CODE_BITS - primaryBits))), primaryBits };
}

/**
 * Fills `table` for the canonical Huffman code with `lengths[first..first+count)` (RFC 1951 §3.2.2):
 * codes are assigned in order of length, then symbol. Over-subscribed lengths are refused;
 * an incomplete code only when it is a single one-bit code (as zlib allows), and an
 * all-zero code (no symbols) leaves every entry invalid. Returns nothing; throws on a bad code.
 */
function buildTable(
  table: HuffmanTable, lengths: Uint8Array, first: number, count: number, scratch: Uint16Array, what: string,
): void {
  const { entries, primaryBits } = table;
  // scratch[0..16): codes per length, scratch[16..32): next code per length.
  scratch.fill(0, 0, 32);
  let maxLength = 0;
  for (let s = 0; s < count; s++) {
    const length = lengths[first + s]!;
    scratch[length]!++;
    if (length > maxLength) maxLength = length;
  }
  scratch[0] = 0;
  let available = 1; // codes still free at the current length
  let code = 0;
  for (let length = 1; length <= MAX_CODE_BITS; length++) {
    available = (available << 1) - scratch[length]!;
    if (available < 0) throw new ImageDecodeError(`corrupt PNG: image data has an over-subscribed ${what} Huffman code`);
    code = (code + scratch[length - 1]!) << 1;
    scratch[16 + length] = code;
  }
  if (available > 0 && maxLength > 1) throw new ImageDecodeError(`corrupt PNG: image data has an incomplete ${what} Huffman code`);

  const subBits = Math.max(0, maxLength - primaryBits);
  const primarySize = 1 << primaryBits;
  entries.fill(0, 0, primarySize);
  let nextSubtable = primarySize;
  for (let symbol = 0; symbol < count; symbol++) {
    const length = lengths[first + symbol]!;
    if (length === 0) continue;
    const reversed = reverseBits(scratch[16 + length]!++, length);
    if (length <= primaryBits) {
      // Every index whose low `length` bits are this code.
      for (let i = reversed; i < primarySize; i += 1 << length) entries[i] = (symbol << 16) | length;
      continue;
    }
    // Long code: the low primaryBits bits pick the primary entry, the rest index its subtable.
    const prefix = reversed & (primarySize - 1);
    let pointer = entries[prefix]!;
    if ((pointer & SUBTABLE) === 0) {
      pointer = (nextSubtable << 16) | SUBTABLE | subBits;
      entries[prefix] = pointer;
      entries.fill(0, nextSubtable, nextSubtable + (1 << subBits));
      nextSubtable += 1 << subBits;
    }
    const base = pointer >>> 16;
    const rest = reversed >>> primaryBits;
    const restLength = length - primaryBits;
    for (let i = rest; i < 1 << subBits; i += 1 << restLength) entries[base + i] = (symbol << 16) | length;
  }
}

function reverseBits(code: number, length: number): number {
  let reversed = 0;
  for (let i = 0; i < length; i++) {
    reversed = (reversed << 1) | (code & 1);
    code >>>= 1;
  }
  return reversed;
}

/** The fixed Huffman codes of RFC 1951 §3.2.6, built once on first use. */
let fixedTables: { literal: HuffmanTable; distance: HuffmanTable } | undefined;

function getFixedTables(scratch: Uint16Array): { literal: HuffmanTable; distance: HuffmanTable } {
  if (fixedTables === undefined) {
    const lengths = new Uint8Array(288);
    lengths.fill(8, 0, 144);
    lengths.fill(9, 144, 256);
    lengths.fill(7, 256, 280);
    lengths.fill(8, 280, 288);
    const literal = newTable(LITERAL_PRIMARY_BITS, 288);
    buildTable(literal, lengths, 0, 288, scratch, "literal/length");
    const distance = newTable(DISTANCE_PRIMARY_BITS, 32);
    buildTable(distance, new Uint8Array(32).fill(5), 0, 32, scratch, "distance");
    fixedTables = { literal, distance };
  }
  return fixedTables;
}

/**
 * Inflates the zlib stream `input` into exactly `expectedSize` bytes and checks its
 * Adler-32. Throws ImageDecodeError when the stream is malformed, ends early, would
 * inflate past `expectedSize`, or inflates to fewer bytes.
 */
export function inflateZlib(input: Uint8Array, expectedSize: number): Uint8Array {
  // RFC 1950 §2.2: CMF (method 8 = deflate, window ≤ 32K), FLG (check bits, no preset dictionary).
  if (input.length < 2) throw new ImageDecodeError(`truncated PNG: image data is ${input.length} bytes, too short for a zlib header`);
  const cmf = input[0]!;
  const flg = input[1]!;
  if ((cmf & 15) !== 8 || cmf >> 4 > 7) throw new ImageDecodeError(`corrupt PNG: image data is not a zlib deflate stream (header byte 0x${cmf.toString(16)})`);
  if (((cmf << 8) | flg) % 31 !== 0) throw new ImageDecodeError("corrupt PNG: image data has a bad zlib header check");
  if (flg & 0x20) throw new ImageDecodeError("corrupt PNG: image data asks for a preset zlib dictionary, which PNG does not allow");

  const output = new Uint8Array(expectedSize);
  const written = inflateRaw(input, 2, output);
  const end = written.inputEnd;
  if (written.size < expectedSize) {
    throw new ImageDecodeError(`corrupt PNG: image data inflates to ${written.size} bytes, the header needs ${expectedSize}`);
  }
  // RFC 1950 §2.2: ADLER32 of the uncompressed data, big-endian, after the deflate stream.
  if (end + 4 > input.length) throw new ImageDecodeError("truncated PNG: image data ends before its Adler-32 checksum");
  const stored = ((input[end]! << 24) | (input[end + 1]! << 16) | (input[end + 2]! << 8) | input[end + 3]!) >>> 0;
  const computed = adler32(output);
  if (stored !== computed) {
    throw new ImageDecodeError(`corrupt PNG: image data fails its Adler-32 check (stored ${hex(stored)}, computed ${hex(computed)})`);
  }
  return output;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}

/** RFC 1950 §8.2: two sums mod 65521, reduced every 5552 bytes so they stay exact in 32 bits. */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let start = 0; start < bytes.length; start += 5552) {
    const end = Math.min(start + 5552, bytes.length);
    for (let i = start; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Decodes the raw DEFLATE blocks (RFC 1951 §3.2.3) of `input` from byte `start` into
 * `output`. Returns the bytes written and the input offset just after the last block.
 *
 * The bit reader keeps up to 32 bits in `bits` (next bit = bit 0) and `bitCount`; reading
 * past the data feeds zero bytes (so the hot loop needs no bounds test), and any use of
 * them is reported as truncation.
 */
function inflateRaw(input: Uint8Array, start: number, output: Uint8Array): { size: number; inputEnd: number } {
  const inputLength = input.length;
  const outputLength = output.length;
  let pos = start;
  let bits = 0;
  let bitCount = 0;
  let out = 0;

  const scratch = new Uint16Array(32);
  const lengths = new Uint8Array(288 + 32);
  const codeLengthTable = newTable(7, 19);
  const dynamicLiteral = newTable(LITERAL_PRIMARY_BITS, 288);
  const dynamicDistance = newTable(DISTANCE_PRIMARY_BITS, 32);

  /** True once bits beyond the data (the zero look-ahead) have been consumed. */
  const overran = (): boolean => pos * 8 - bitCount > inputLength * 8;
  const truncated = (): ImageDecodeError =>
    new ImageDecodeError(`truncated PNG: image data ends inside the compressed stream (after ${out} of ${outputLength} bytes)`);
  const failure = (message: string): ImageDecodeError => (overran() ? truncated() : new ImageDecodeError(`corrupt PNG: ${message}`));
  const tooLarge = (): ImageDecodeError =>
    overran() ? truncated() : new ImageDecodeError(`corrupt PNG: image data inflates to more than the ${outputLength} bytes the header needs`);

  /** Tops the bit buffer up to at least 25 bits. */
  const refill = (): void => {
    while (bitCount <= 24) {
      if (pos >= inputLength + LOOKAHEAD_SLACK) throw truncated();
      bits |= (pos < inputLength ? input[pos]! : 0) << bitCount;
      pos++;
      bitCount += 8;
    }
  };
  const readBits = (count: number): number => {
    if (bitCount < count) refill();
    const value = bits & ((1 << count) - 1);
    bits >>>= count;
    bitCount -= count;
    return value;
  };
  /** Decodes one symbol with `table`; the caller has refilled to ≥ 15 bits. */
  const decodeSymbol = (table: HuffmanTable): number => {
    const entries = table.entries;
    let entry = entries[bits & ((1 << table.primaryBits) - 1)]!;
    if (entry & SUBTABLE) entry = entries[(entry >>> 16) + ((bits >>> table.primaryBits) & ((1 << (entry & 15)) - 1))]!;
    const length = entry & 15;
    if (length === 0) throw failure("image data has an invalid Huffman code");
    bits >>>= length;
    bitCount -= length;
    return entry >>> 16;
  };
  /** Drops the bits up to the next byte boundary and hands whole buffered bytes back to `pos`. */
  const alignToByte = (): void => {
    pos -= bitCount >> 3;
    bits = 0;
    bitCount = 0;
  };

  let final = false;
  while (!final) {
    final = readBits(1) === 1;
    const type = readBits(2);
    if (type === 0) {
      // §3.2.4 stored block: LEN, NLEN (one's complement), then LEN literal bytes.
      alignToByte();
      if (pos + 4 > inputLength) throw truncated();
      const length = input[pos]! | (input[pos + 1]! << 8);
      const check = input[pos + 2]! | (input[pos + 3]! << 8);
      pos += 4;
      if ((length ^ 0xffff) !== check) throw failure(`image data has a stored block whose length ${length} does not match its check ${check}`);
      if (pos + length > inputLength) throw truncated();
      if (out + length > outputLength) throw tooLarge();
      output.set(input.subarray(pos, pos + length), out);
      pos += length;
      out += length;
      continue;
    }
    let literalTable: HuffmanTable;
    let distanceTable: HuffmanTable;
    if (type === 1) {
      ({ literal: literalTable, distance: distanceTable } = getFixedTables(scratch));
    } else if (type === 2) {
      readDynamicCodes();
      literalTable = dynamicLiteral;
      distanceTable = dynamicDistance;
    } else {
      throw failure("image data has a deflate block of reserved type 3");
    }

    // §3.2.5 compressed block: literals, <length, distance> back-references, end-of-block (256).
    const literalEntries = literalTable.entries;
    const literalMask = (1 << literalTable.primaryBits) - 1;
    for (;;) {
      if (bitCount < 15) refill();
      let entry = literalEntries[bits & literalMask]!;
      if (entry & SUBTABLE) entry = literalEntries[(entry >>> 16) + ((bits >>> LITERAL_PRIMARY_BITS) & ((1 << (entry & 15)) - 1))]!;
      const codeLength = entry & 15;
      if (codeLength === 0) throw failure("image data has an invalid literal/length Huffman code");
      bits >>>= codeLength;
      bitCount -= codeLength;
      let symbol = entry >>> 16;
      if (symbol < 256) {
        if (out >= outputLength) throw tooLarge();
        output[out++] = symbol;
        continue;
      }
      if (symbol === 256) break;
      symbol -= 257;
      if (symbol >= 29) throw failure(`image data has an invalid length symbol ${symbol + 257}`);
      const length = LENGTH_BASE[symbol]! + readBits(LENGTH_EXTRA[symbol]!);
      if (bitCount < 15) refill();
      const distanceSymbol = decodeSymbol(distanceTable);
      if (distanceSymbol >= 30) throw failure(`image data has an invalid distance symbol ${distanceSymbol}`);
      const distance = DISTANCE_BASE[distanceSymbol]! + readBits(DISTANCE_EXTRA[distanceSymbol]!);
      if (distance > out) throw failure(`image data refers ${distance} bytes back, before the start of the data (at byte ${out})`);
      if (out + length > outputLength) throw tooLarge();
      // The copy may overlap itself (distance < length repeats a pattern): byte by byte.
      for (let from = out - distance, end = out + length; out < end; ) output[out++] = output[from++]!;
    }
  }
  if (overran()) throw truncated();
  alignToByte();
  return { size: out, inputEnd: pos };

  /** §3.2.7: HLIT, HDIST, HCLEN, the code-length code, then both codes' lengths run-length coded. */
  function readDynamicCodes(): void {
    const literalCount = readBits(5) + 257;
    const distanceCount = readBits(5) + 1;
    const codeLengthCount = readBits(4) + 4;
    if (literalCount > 286) throw failure(`image data declares ${literalCount} literal/length codes (at most 286)`);
    if (distanceCount > 30) throw failure(`image data declares ${distanceCount} distance codes (at most 30)`);
    lengths.fill(0, 0, 19);
    for (let i = 0; i < codeLengthCount; i++) lengths[CODE_LENGTH_ORDER[i]!] = readBits(3);
    if (overran()) throw truncated();
    buildTable(codeLengthTable, lengths, 0, 19, scratch, "code-length");

    const total = literalCount + distanceCount;
    for (let i = 0; i < total; ) {
      if (bitCount < 15) refill();
      const symbol = decodeSymbol(codeLengthTable);
      if (symbol < 16) {
        lengths[i++] = symbol;
        continue;
      }
      let repeat: number;
      let value = 0;
      if (symbol === 16) {
        if (i === 0) throw failure("image data repeats a previous code length before the first one");
        value = lengths[i - 1]!;
        repeat = 3 + readBits(2);
      } else if (symbol === 17) {
        repeat = 3 + readBits(3);
      } else {
        repeat = 11 + readBits(7);
      }
      if (i + repeat > total) throw failure("image data's code lengths run past the declared number of codes");
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (overran()) throw truncated();
    if (lengths[256] === 0) throw failure("image data's Huffman code has no end-of-block symbol");
    buildTable(dynamicLiteral, lengths, 0, literalCount, scratch, "literal/length");
    buildTable(dynamicDistance, lengths, literalCount, distanceCount, scratch, "distance");
  }
}
