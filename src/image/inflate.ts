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
 * next 10 bits of input (8 for distances), whose entries for longer codes point at a
 * subtable indexed by the bits that follow. One lookup decodes almost every symbol.
 *
 * Map: inflateZlib (RFC 1950 wrapper, size checks, Adler-32) → inflateRaw (the block
 * loop, §3.2.3) → copyStoredBlock (§3.2.4), readDynamicCodes (§3.2.7) + buildTable
 * (§3.2.2), inflateCodes (§3.2.5, the hot loop).
 */
import { ImageDecodeError, LimitError } from "../errors.js";

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

/** Most output bytes one byte of DEFLATE data can produce: 258 bytes per 2 bits. */
const MAX_EXPANSION = 1032;

/**
 * The data is copied into a buffer with this many zero bytes after it, so the bit reader
 * may look ahead past the end without a bounds test per byte (see BitReader).
 */
const PADDING = 32;

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
    if (available < 0) {
      throw new ImageDecodeError(`corrupt PNG: image data has an over-subscribed ${what} Huffman code`);
    }
    code = (code + scratch[length - 1]!) << 1;
    scratch[16 + length] = code;
  }
  if (available > 0 && maxLength > 1) {
    throw new ImageDecodeError(`corrupt PNG: image data has an incomplete ${what} Huffman code`);
  }

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
 * inflate past `expectedSize`, or inflates to fewer bytes; LimitError when the engine
 * cannot allocate `expectedSize` bytes.
 */
export function inflateZlib(input: Uint8Array, expectedSize: number): Uint8Array {
  // RFC 1950 §2.2: CMF (method 8 = deflate, window ≤ 32K), FLG (check bits, no preset dictionary).
  if (input.length < 2) {
    throw new ImageDecodeError(`truncated PNG: image data is ${input.length} bytes, too short for a zlib header`);
  }
  const cmf = input[0]!;
  const flg = input[1]!;
  if ((cmf & 15) !== 8 || cmf >> 4 > 7) {
    throw new ImageDecodeError(`corrupt PNG: image data is not a zlib deflate stream (header byte 0x${cmf.toString(16)})`);
  }
  if (((cmf << 8) | flg) % 31 !== 0) throw new ImageDecodeError("corrupt PNG: image data has a bad zlib header check");
  if (flg & 0x20) {
    throw new ImageDecodeError("corrupt PNG: image data asks for a preset zlib dictionary, which PNG does not allow");
  }

  // Each 258-byte back-reference costs at least 2 bits (a length and a distance code of one
  // bit each, §3.2.5), so n bytes of deflate data never inflate past 1032·n bytes: data too
  // short for the header's size is refused before the output is allocated.
  if (expectedSize > input.length * MAX_EXPANSION) {
    throw new ImageDecodeError(
      `truncated PNG: ${input.length} bytes of image data cannot inflate to the ${expectedSize} bytes the header needs`,
    );
  }
  let output: Uint8Array;
  try {
    output = new Uint8Array(expectedSize);
  } catch {
    throw new LimitError(`PNG image data needs ${expectedSize} bytes of memory, more than could be allocated`);
  }
  const padded = new Uint8Array(input.length + PADDING);
  padded.set(input);
  const written = inflateRaw(padded, input.length, 2, output);
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

/** RFC 1950 §8.2: two sums mod 65521, reduced every 5552 bytes (zlib's NMAX) so they stay below 2^32. */
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
 * Reads DEFLATE's bit stream: bits are packed LSB-first (RFC 1951 §3.1.1), so the next bit
 * is bit 0 of `bits`, which holds `bitCount` (up to 32) bits ahead of byte `pos`. `input`
 * is the data (`length` bytes) followed by PADDING zero bytes: the reader may look ahead
 * into them, so decoding needs no bounds test per byte; consuming any of those zeros is
 * reported as truncation.
 *
 * The hot loop (`inflateCodes`) copies `pos`, `bits` and `bitCount` into locals and writes
 * them back when it is done; the methods serve the block headers.
 */
class BitReader {
  pos: number;
  bits = 0;
  bitCount = 0;
  /** Output bytes written so far, for error messages. */
  written = 0;

  constructor(readonly input: Uint8Array, readonly length: number, start: number, readonly outputLength: number) {
    this.pos = start;
  }

  /** Tops the buffer up to at least 25 bits. */
  refill(): void {
    const input = this.input;
    while (this.bitCount <= 24) {
      if (this.pos >= this.length + 4) throw this.truncated(); // 4 zero bytes: more is never needed
      this.bits |= input[this.pos]! << this.bitCount;
      this.pos++;
      this.bitCount += 8;
    }
  }

  read(count: number): number {
    if (this.bitCount < count) this.refill();
    const value = this.bits & ((1 << count) - 1);
    this.bits >>>= count;
    this.bitCount -= count;
    return value;
  }

  /** Decodes one symbol of `table` (§3.2.2). */
  decode(table: HuffmanTable): number {
    if (this.bitCount < MAX_CODE_BITS) this.refill();
    const { entries, primaryBits } = table;
    let entry = entries[this.bits & ((1 << primaryBits) - 1)]!;
    if (entry & SUBTABLE) entry = entries[(entry >>> 16) + ((this.bits >>> primaryBits) & ((1 << (entry & 15)) - 1))]!;
    const length = entry & 15;
    if (length === 0) throw this.corrupt("image data has an invalid Huffman code");
    this.bits >>>= length;
    this.bitCount -= length;
    return entry >>> 16;
  }

  /** Drops the bits up to the next byte boundary and hands whole buffered bytes back to `pos`. */
  alignToByte(): void {
    this.pos -= this.bitCount >> 3;
    this.bits = 0;
    this.bitCount = 0;
  }

  /** True once bits beyond the data (the zero look-ahead) have been consumed. */
  overran(): boolean {
    return this.pos * 8 - this.bitCount > this.length * 8;
  }

  truncated(): ImageDecodeError {
    return new ImageDecodeError(
      `truncated PNG: image data ends inside the compressed stream (after ${this.written} of ${this.outputLength} bytes)`,
    );
  }

  /** A corrupt-data error — or truncation, if the bad bits were the zeros read past the end. */
  corrupt(message: string): ImageDecodeError {
    return this.overran() ? this.truncated() : new ImageDecodeError(`corrupt PNG: ${message}`);
  }

  tooLarge(): ImageDecodeError {
    return this.corrupt(`image data inflates to more than the ${this.outputLength} bytes the header needs`);
  }
}

/** Tables and buffers for dynamic blocks, allocated once per stream. */
interface DynamicCodes {
  lengths: Uint8Array;
  scratch: Uint16Array;
  codeLength: HuffmanTable;
  literal: HuffmanTable;
  distance: HuffmanTable;
}

/**
 * Decodes the raw DEFLATE blocks (RFC 1951 §3.2.3) of `input` from byte `start` into
 * `output`. Returns the bytes written and the input offset just after the last block.
 */
function inflateRaw(input: Uint8Array, length: number, start: number, output: Uint8Array): { size: number; inputEnd: number } {
  const reader = new BitReader(input, length, start, output.length);
  const dynamic: DynamicCodes = {
    lengths: new Uint8Array(288 + 32),
    scratch: new Uint16Array(32),
    codeLength: newTable(7, 19),
    literal: newTable(LITERAL_PRIMARY_BITS, 288),
    distance: newTable(DISTANCE_PRIMARY_BITS, 32),
  };
  let final = false;
  while (!final) {
    final = reader.read(1) === 1;
    const type = reader.read(2);
    if (type === 0) {
      copyStoredBlock(reader, output);
    } else if (type === 1) {
      const fixed = getFixedTables(dynamic.scratch);
      reader.written = inflateCodes(reader, output, reader.written, fixed.literal, fixed.distance);
    } else if (type === 2) {
      readDynamicCodes(reader, dynamic);
      reader.written = inflateCodes(reader, output, reader.written, dynamic.literal, dynamic.distance);
    } else {
      throw reader.corrupt("image data has a deflate block of reserved type 3");
    }
  }
  if (reader.overran()) throw reader.truncated();
  reader.alignToByte();
  return { size: reader.written, inputEnd: reader.pos };
}

/** §3.2.4 stored block: to a byte boundary, LEN and NLEN (its one's complement), then LEN bytes. */
function copyStoredBlock(reader: BitReader, output: Uint8Array): void {
  reader.alignToByte();
  const { input, pos } = reader;
  if (pos + 4 > reader.length) throw reader.truncated();
  const length = input[pos]! | (input[pos + 1]! << 8);
  const check = input[pos + 2]! | (input[pos + 3]! << 8);
  if ((length ^ 0xffff) !== check) {
    throw reader.corrupt(`image data has a stored block whose length ${length} does not match its check ${check}`);
  }
  if (pos + 4 + length > reader.length) throw reader.truncated();
  if (reader.written + length > output.length) throw reader.tooLarge();
  output.set(input.subarray(pos + 4, pos + 4 + length), reader.written);
  reader.pos = pos + 4 + length;
  reader.written += length;
}

/** §3.2.7: HLIT, HDIST, HCLEN, the code-length code, then both codes' lengths, run-length coded. */
function readDynamicCodes(reader: BitReader, codes: DynamicCodes): void {
  const { lengths, scratch } = codes;
  const literalCount = reader.read(5) + 257;
  const distanceCount = reader.read(5) + 1;
  const codeLengthCount = reader.read(4) + 4;
  if (literalCount > 286) {
    throw reader.corrupt(`image data declares ${literalCount} literal/length codes (at most 286)`);
  }
  if (distanceCount > 30) throw reader.corrupt(`image data declares ${distanceCount} distance codes (at most 30)`);
  lengths.fill(0, 0, 19);
  for (let i = 0; i < codeLengthCount; i++) lengths[CODE_LENGTH_ORDER[i]!] = reader.read(3);
  if (reader.overran()) throw reader.truncated();
  buildTable(codes.codeLength, lengths, 0, 19, scratch, "code-length");

  const total = literalCount + distanceCount;
  for (let i = 0; i < total; ) {
    const symbol = reader.decode(codes.codeLength);
    if (symbol < 16) {
      lengths[i++] = symbol;
      continue;
    }
    let repeat: number;
    let value = 0;
    if (symbol === 16) {
      if (i === 0) throw reader.corrupt("image data repeats a previous code length before the first one");
      value = lengths[i - 1]!;
      repeat = 3 + reader.read(2);
    } else if (symbol === 17) {
      repeat = 3 + reader.read(3);
    } else {
      repeat = 11 + reader.read(7);
    }
    if (i + repeat > total) throw reader.corrupt("image data's code lengths run past the declared number of codes");
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  if (reader.overran()) throw reader.truncated();
  if (lengths[256] === 0) throw reader.corrupt("image data's Huffman code has no end-of-block symbol");
  buildTable(codes.literal, lengths, 0, literalCount, scratch, "literal/length");
  buildTable(codes.distance, lengths, literalCount, distanceCount, scratch, "distance");
}

/**
 * §3.2.5: decodes one Huffman-coded block's literals and <length, distance> back-references
 * up to its end-of-block symbol (256), writing from `output[out]`; returns the new `out`.
 * The bit reader's state lives in locals here (V8 keeps them in registers); each refill
 * loop below is BitReader.refill written out.
 */
function inflateCodes(
  reader: BitReader, output: Uint8Array, out: number, literalTable: HuffmanTable, distanceTable: HuffmanTable,
): number {
  const input = reader.input;
  // Checked once per symbol: past this, bits beyond the data have been consumed (the
  // buffer holds at most 4 bytes). Each symbol reads at most 12 more bytes, into the padding.
  const lastPos = reader.length + 4;
  const outputLength = output.length;
  const literals = literalTable.entries;
  const distances = distanceTable.entries;
  const literalMask = (1 << LITERAL_PRIMARY_BITS) - 1;
  const distanceMask = (1 << DISTANCE_PRIMARY_BITS) - 1;
  let { pos, bits, bitCount } = reader;

  for (;;) {
    // A literal/length code (≤ 15 bits) and its extra bits (≤ 5) need ≤ 20 bits buffered.
    if (pos > lastPos) throw handBack(reader, pos, bits, bitCount, out).truncated();
    if (bitCount < 20) {
      while (bitCount <= 24) {
        bits |= input[pos++]! << bitCount;
        bitCount += 8;
      }
    }
    let entry = literals[bits & literalMask]!;
    if (entry & SUBTABLE) entry = literals[(entry >>> 16) + ((bits >>> LITERAL_PRIMARY_BITS) & ((1 << (entry & 15)) - 1))]!;
    const codeLength = entry & 15;
    if (codeLength === 0) {
      throw handBack(reader, pos, bits, bitCount, out).corrupt("image data has an invalid literal/length Huffman code");
    }
    bits >>>= codeLength;
    bitCount -= codeLength;
    let symbol = entry >>> 16;
    if (symbol < 256) {
      if (out >= outputLength) throw handBack(reader, pos, bits, bitCount, out).tooLarge();
      output[out++] = symbol;
      continue;
    }
    if (symbol === 256) break;

    // A back-reference: length symbol 257..285 and its ≤ 5 extra bits, then, after a
    // refill, a distance code (≤ 15 bits) and its ≤ 13 extra bits (refilled if needed).
    symbol -= 257;
    if (symbol >= 29) {
      throw handBack(reader, pos, bits, bitCount, out).corrupt(`image data has an invalid length symbol ${symbol + 257}`);
    }
    const lengthExtra = LENGTH_EXTRA[symbol]!;
    const length = LENGTH_BASE[symbol]! + (bits & ((1 << lengthExtra) - 1));
    bits >>>= lengthExtra;
    bitCount -= lengthExtra;

    while (bitCount <= 24) {
      bits |= input[pos++]! << bitCount;
      bitCount += 8;
    }
    entry = distances[bits & distanceMask]!;
    if (entry & SUBTABLE) entry = distances[(entry >>> 16) + ((bits >>> DISTANCE_PRIMARY_BITS) & ((1 << (entry & 15)) - 1))]!;
    const distanceCodeLength = entry & 15;
    if (distanceCodeLength === 0) {
      throw handBack(reader, pos, bits, bitCount, out).corrupt("image data has an invalid distance Huffman code");
    }
    bits >>>= distanceCodeLength;
    bitCount -= distanceCodeLength;
    const distanceSymbol = entry >>> 16;
    if (distanceSymbol >= 30) {
      throw handBack(reader, pos, bits, bitCount, out).corrupt(`image data has an invalid distance symbol ${distanceSymbol}`);
    }
    const distanceExtra = DISTANCE_EXTRA[distanceSymbol]!;
    if (bitCount < distanceExtra) {
      while (bitCount <= 24) {
        bits |= input[pos++]! << bitCount;
        bitCount += 8;
      }
    }
    const distance = DISTANCE_BASE[distanceSymbol]! + (bits & ((1 << distanceExtra) - 1));
    bits >>>= distanceExtra;
    bitCount -= distanceExtra;

    if (distance > out) {
      throw handBack(reader, pos, bits, bitCount, out).corrupt(`image data refers ${distance} bytes back, before the start of the data (at byte ${out})`);
    }
    if (out + length > outputLength) throw handBack(reader, pos, bits, bitCount, out).tooLarge();
    // The copy may overlap itself (distance < length repeats the last `distance` bytes):
    // byte by byte, except for long runs of one byte and long copies that do not overlap,
    // which the engine's fill and copyWithin do faster.
    if (length >= 32 && distance === 1) {
      output.fill(output[out - 1]!, out, out + length);
      out += length;
    } else if (length >= 32 && distance >= length) {
      output.copyWithin(out, out - distance, out - distance + length);
      out += length;
    } else {
      for (let from = out - distance, end = out + length; out < end; ) output[out++] = output[from++]!;
    }
  }
  handBack(reader, pos, bits, bitCount, out);
  return out;
}

/**
 * Stores the hot loop's state back in the reader (for the next block, or for an error
 * message). A plain function, not a closure: a closure over the loop's variables would
 * make V8 keep them in a heap context instead of registers.
 */
function handBack(reader: BitReader, pos: number, bits: number, bitCount: number, written: number): BitReader {
  reader.pos = pos;
  reader.bits = bits;
  reader.bitCount = bitCount;
  reader.written = written;
  return reader;
}
