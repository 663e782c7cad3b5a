/**
 * The built-in zlib/DEFLATE decompressor (src/image/inflate.ts) against Node's zlib:
 * every compression level and strategy inflates to the original bytes; malformed,
 * truncated, tampered and over-long streams fail fast with one ImageDecodeError line.
 */
import { constants, deflateRawSync, deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ImageDecodeError } from "../../src/errors.js";
import { adler32, inflateZlib } from "../../src/image/inflate.js";

/** Seeded bytes: `randomness` of them random, the rest copies of earlier runs (so LZ77 finds matches). */
function testBytes(length: number, seed: number, randomness = 0.3): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  const next = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  for (let i = 0; i < length; ) {
    if (i < 16 || next() / 2 ** 32 < randomness) {
      out[i++] = next() >>> 24;
    } else {
      const distance = 1 + (next() % Math.min(i, 40000));
      const run = 3 + (next() % 200);
      for (let k = 0; k < run && i < length; k++, i++) out[i] = out[i - distance]!;
    }
  }
  return out;
}

/** Runs `inflate`, expects an ImageDecodeError with a one-line message; returns the message. */
function expectDecodeError(inflate: () => unknown, pattern?: RegExp): string {
  let caught: unknown;
  try {
    inflate();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected an ImageDecodeError").toBeInstanceOf(ImageDecodeError);
  const message = (caught as Error).message;
  expect(message).not.toContain("\n");
  if (pattern !== undefined) expect(message).toMatch(pattern);
  return message;
}

const STRATEGIES = {
  default: constants.Z_DEFAULT_STRATEGY, filtered: constants.Z_FILTERED, huffmanOnly: constants.Z_HUFFMAN_ONLY,
  rle: constants.Z_RLE, fixed: constants.Z_FIXED,
} as const;

describe("inflate equals zlib", () => {
  const data = testBytes(150_000, 7);
  const cases = Object.entries(STRATEGIES).flatMap(([name, strategy]) =>
    Array.from({ length: 10 }, (_, level) => [name, level, strategy] as const));
  it.each(cases)("strategy %s, level %i", (_name, level, strategy) => {
    const compressed = new Uint8Array(deflateSync(data, { level, strategy }));
    expect(Buffer.from(inflateZlib(compressed, data.length)).equals(Buffer.from(data))).toBe(true);
  });

  it("incompressible random bytes and highly repetitive ones", () => {
    for (const bytes of [testBytes(70_000, 3, 1), new Uint8Array(3_000_000).fill(0xab), testBytes(300_000, 5, 0.001)]) {
      for (const level of [1, 6, 9]) {
        const compressed = new Uint8Array(deflateSync(bytes, { level }));
        expect(Buffer.from(inflateZlib(compressed, bytes.length)).equals(Buffer.from(bytes))).toBe(true);
      }
    }
  });

  it("empty input: zlib's 8-byte stream 78 9c 03 00 00 00 00 01 (one empty fixed block, Adler-32 = 1)", () => {
    const compressed = new Uint8Array(deflateSync(new Uint8Array(0)));
    expect(Array.from(compressed)).toEqual([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    expect(inflateZlib(compressed, 0).length).toBe(0);
  });

  it("stored blocks longer than one block's 65535 bytes, and small windows (windowBits 9)", () => {
    const bytes = testBytes(200_000, 11, 1);
    const stored = new Uint8Array(deflateSync(bytes, { level: 0 }));
    expect(Buffer.from(inflateZlib(stored, bytes.length)).equals(Buffer.from(bytes))).toBe(true);
    const small = new Uint8Array(deflateSync(testBytes(50_000, 2), { windowBits: 9 }));
    expect(Buffer.from(inflateZlib(small, 50_000)).equals(Buffer.from(testBytes(50_000, 2)))).toBe(true);
  });

  it("Adler-32 of known strings (RFC 1950 §8.2): 'Wikipedia' → 0x11e60398", () => {
    expect(adler32(new TextEncoder().encode("Wikipedia"))).toBe(0x11e60398);
    expect(adler32(new Uint8Array(0))).toBe(1);
    const big = new Uint8Array(100_000).fill(255); // sums reduced mod 65521 along the way
    let a = 1;
    let b = 0;
    for (const byte of big) {
      a = (a + byte) % 65521;
      b = (b + a) % 65521;
    }
    expect(adler32(big)).toBe(((b << 16) | a) >>> 0);
  });
});

/** Writes bits LSB-first as DEFLATE packs them; Huffman codes go in MSB-first (RFC 1951 §3.1.1). */
class BitWriter {
  private bytes: number[] = [];
  private bitCount = 0;
  bits(value: number, count: number): this {
    for (let i = 0; i < count; i++) this.push((value >> i) & 1);
    return this;
  }
  code(code: number, length: number): this {
    for (let i = length - 1; i >= 0; i--) this.push((code >> i) & 1);
    return this;
  }
  private push(bit: number): void {
    if (this.bitCount % 8 === 0) this.bytes.push(0);
    this.bytes[this.bytes.length - 1]! |= bit << this.bitCount % 8;
    this.bitCount++;
  }
  /** The zlib stream: header 78 9c, these bits, then the Adler-32 of `content`. */
  zlib(content: Uint8Array): Uint8Array {
    const adler = adler32(content);
    return Uint8Array.from([0x78, 0x9c, ...this.bytes, adler >>> 24, (adler >> 16) & 255, (adler >> 8) & 255, adler & 255]);
  }
}

describe("hand-made streams (RFC 1951 §3.2.6 fixed codes)", () => {
  it("a fixed block: literal 'a' (code 0x30 + 0x61, 8 bits), <length 3, distance 1>, end of block", () => {
    // Literals 0..143 have 8-bit codes 0x30..0xbf; length 3 is symbol 257, 7-bit code 1;
    // distance 1 is distance code 0, 5 bits; end of block is symbol 256, 7-bit code 0.
    const bits = new BitWriter().bits(1, 1).bits(1, 2).code(0x30 + 0x61, 8).code(1, 7).code(0, 5).code(0, 7);
    const expected = new TextEncoder().encode("aaaa");
    expect(Array.from(inflateZlib(bits.zlib(expected), 4))).toEqual(Array.from(expected));
  });

  it("a back-reference before the start of the data", () => {
    const bits = new BitWriter().bits(1, 1).bits(1, 2).code(0x30 + 0x61, 8).code(1, 7).code(1, 5).code(0, 7); // distance 2 at byte 1
    expectDecodeError(() => inflateZlib(bits.zlib(new Uint8Array(4)), 4), /refers 2 bytes back, before the start of the data \(at byte 1\)/);
  });

  it("reserved block type 3, and length symbol 286 (which fixed codes can express but RFC 1951 forbids)", () => {
    expectDecodeError(() => inflateZlib(new BitWriter().bits(1, 1).bits(3, 2).zlib(new Uint8Array(0)), 0), /reserved type 3/);
    const bad = new BitWriter().bits(1, 1).bits(1, 2).code(0xc6, 8); // symbols 280..287 have codes 0xc0..0xc7
    expectDecodeError(() => inflateZlib(bad.zlib(new Uint8Array(0)), 10), /invalid length symbol 286/);
  });

  it("an over-subscribed dynamic code (all 19 code-length codes of length 1)", () => {
    const bits = new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(15, 4);
    for (let i = 0; i < 19; i++) bits.bits(1, 3);
    expectDecodeError(() => inflateZlib(bits.zlib(new Uint8Array(0)), 10), /over-subscribed code-length Huffman code/);
  });

  it("a stored block whose NLEN is not LEN's complement", () => {
    const stream = Uint8Array.of(0x78, 0x9c, 0x01, 0x03, 0x00, 0xfc, 0xfe, 1, 2, 3, 0, 0, 0, 0);
    expectDecodeError(() => inflateZlib(stream, 3), /stored block whose length 3 does not match its check 65276/);
  });
});

describe("malformed streams fail fast with ImageDecodeError", () => {
  const original = testBytes(40_000, 21);
  const compressed = new Uint8Array(deflateSync(original, { level: 6 }));

  it("truncated at every offset", () => {
    const start = performance.now();
    for (let cut = 0; cut < compressed.length; cut++) {
      expectDecodeError(() => inflateZlib(compressed.subarray(0, cut), original.length), /^truncated PNG: |^corrupt PNG: /);
    }
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it("truncation inside the deflate data is reported as truncation, not as corruption", () => {
    for (const cut of [3, 100, Math.floor(compressed.length / 2), compressed.length - 5]) {
      expectDecodeError(() => inflateZlib(compressed.subarray(0, cut), original.length), /^truncated PNG: /);
    }
  });

  it("a flipped bit anywhere: an error, or (a bit zlib ignores, e.g. padding) the same bytes", () => {
    let errors = 0;
    for (let bit = 0; bit < compressed.length * 8; bit += 13) {
      const tampered = compressed.slice();
      tampered[bit >> 3]! ^= 1 << (bit & 7);
      let result: Uint8Array | undefined;
      try {
        result = inflateZlib(tampered, original.length);
      } catch (error) {
        expect(error).toBeInstanceOf(ImageDecodeError);
        errors++;
      }
      if (result !== undefined) expect(Buffer.from(result).equals(Buffer.from(original))).toBe(true);
    }
    expect(errors).toBeGreaterThan((compressed.length * 8) / 13 - 5);
  });

  it("a wrong Adler-32", () => {
    const tampered = compressed.slice();
    tampered[tampered.length - 1]! ^= 0x01;
    expectDecodeError(() => inflateZlib(tampered, original.length), /fails its Adler-32 check \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/);
  });

  it("bad zlib headers: not deflate, bad check bits, a preset dictionary", () => {
    expectDecodeError(() => inflateZlib(Uint8Array.of(0x79, 0x9c, 3, 0), 0), /not a zlib deflate stream/);
    expectDecodeError(() => inflateZlib(Uint8Array.of(0x78, 0x9d, 3, 0), 0), /bad zlib header check/);
    expectDecodeError(() => inflateZlib(Uint8Array.of(0x78, 0xbb, 3, 0), 0), /preset zlib dictionary/);
    expectDecodeError(() => inflateZlib(Uint8Array.of(0x78), 0), /too short for a zlib header/);
  });

  it("a decompression bomb: 20 MB of zeros into a 1000-byte buffer is refused at once", () => {
    const bomb = new Uint8Array(deflateSync(new Uint8Array(20_000_000)));
    const start = performance.now();
    expectDecodeError(() => inflateZlib(bomb, 1000), /inflates to more than the 1000 bytes the header needs/);
    expect(performance.now() - start).toBeLessThan(100);
    // Also with stored blocks, and by one byte only.
    expectDecodeError(() => inflateZlib(new Uint8Array(deflateSync(new Uint8Array(5000), { level: 0 })), 4999), /more than the 4999 bytes/);
    expectDecodeError(() => inflateZlib(new Uint8Array(deflateSync(original)), original.length - 1), /more than/);
  });

  it("data too short to fill the expected size is refused before the output is allocated", () => {
    // 1032 bytes per byte is DEFLATE's ceiling (258-byte copies for 2 bits); zlib gets close.
    const zeros = new Uint8Array(deflateSync(new Uint8Array(10_000_000), { level: 9 }));
    expect(10_000_000 / zeros.length).toBeGreaterThan(1000);
    expect(inflateZlib(zeros, 10_000_000).length).toBe(10_000_000);
    const start = performance.now();
    expectDecodeError(() => inflateZlib(zeros, 2_000_000_000), new RegExp(`^truncated PNG: ${zeros.length} bytes of image data cannot inflate to the 2000000000 bytes`));
    expect(performance.now() - start).toBeLessThan(20);
  });

  it("data that inflates to fewer bytes than expected", () => {
    expectDecodeError(() => inflateZlib(compressed, original.length + 1), new RegExp(`inflates to ${original.length} bytes, the header needs ${original.length + 1}`));
  });

  it("random bytes after a valid header never throw anything but ImageDecodeError, and never hang", () => {
    let state = 12345;
    const start = performance.now();
    for (let trial = 0; trial < 2000; trial++) {
      const length = 3 + (trial % 200);
      const stream = new Uint8Array(length);
      for (let i = 0; i < length; i++) stream[i] = (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24;
      stream[0] = 0x78;
      stream[1] = 0x9c;
      try {
        inflateZlib(stream, 1 + (trial % 5000));
      } catch (error) {
        expect(error).toBeInstanceOf(ImageDecodeError);
      }
    }
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it("a raw deflate stream without the zlib wrapper is refused", () => {
    const raw = new Uint8Array(deflateRawSync(original));
    expectDecodeError(() => inflateZlib(raw, original.length), /^corrupt PNG: /);
  });
});
