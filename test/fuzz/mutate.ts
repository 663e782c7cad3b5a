/**
 * A small seeded mutator for fuzzing file decoders: every mutation is a pure function of
 * (input bytes, seed), so a failing case is reproduced by its seed alone.
 *
 *   byte level      bit flips, byte overwrites with "interesting" values, truncation,
 *                   chunk deletion / duplication / random insertion
 *   protobuf level  the wire format is walked once (walkProtobuf) to find every varint,
 *                   then a varint is made huge (10 bytes, up to 2^64 − 1), negative, zero,
 *                   or a length prefix is made to overrun / underrun its message
 *   image level     JPEG: a marker segment's length or the SOF height/width/components;
 *                   PNG: IHDR fields or a chunk's bytes with the CRC fixed up afterwards,
 *                   so the mutation reaches the decoder instead of the CRC check
 */

import { crc32 } from "../../src/image/png.js";

/** mulberry32: a seeded uniform generator with a few helpers. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** One mutated input and a one-line description of what was done to it. */
export interface Mutant {
  bytes: Uint8Array;
  what: string;
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

// ── Byte-level mutations ──────────────────────────────────────────────────────────────

export function flipBits(bytes: Uint8Array, rng: Rng, count = 1 + rng.int(8)): Mutant {
  const out = new Uint8Array(bytes); // a copy, also of a Node Buffer (whose slice is a view)
  const at: number[] = [];
  for (let k = 0; k < count; k++) {
    const i = rng.int(out.length);
    out[i]! ^= 1 << rng.int(8);
    at.push(i);
  }
  return { bytes: out, what: `flip ${count} bit(s) at ${at.slice(0, 4).join(",")}` };
}

export function overwriteBytes(bytes: Uint8Array, rng: Rng): Mutant {
  const out = new Uint8Array(bytes); // a copy, also of a Node Buffer (whose slice is a view)
  const i = rng.int(out.length);
  const n = 1 + rng.int(4);
  for (let k = 0; k < n && i + k < out.length; k++) out[i + k] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
  return { bytes: out, what: `overwrite ${n} byte(s) at ${i}` };
}

export function truncate(bytes: Uint8Array, rng: Rng): Mutant {
  const end = rng.int(bytes.length);
  return { bytes: new Uint8Array(bytes.subarray(0, end)), what: `truncate to ${end} of ${bytes.length}` };
}

export function deleteChunk(bytes: Uint8Array, rng: Rng): Mutant {
  const start = rng.int(bytes.length);
  const length = 1 + rng.int(Math.min(64, bytes.length - start));
  const out = new Uint8Array(bytes.length - length);
  out.set(bytes.subarray(0, start));
  out.set(bytes.subarray(start + length), start);
  return { bytes: out, what: `delete ${length} byte(s) at ${start}` };
}

export function duplicateChunk(bytes: Uint8Array, rng: Rng): Mutant {
  const start = rng.int(bytes.length);
  const length = 1 + rng.int(Math.min(64, bytes.length - start));
  const at = rng.int(bytes.length + 1);
  return { bytes: splice(bytes, at, 0, bytes.slice(start, start + length)), what: `copy ${length} byte(s) from ${start} to ${at}` };
}

export function insertRandom(bytes: Uint8Array, rng: Rng): Mutant {
  const at = rng.int(bytes.length + 1);
  const inserted = new Uint8Array(1 + rng.int(16));
  for (let k = 0; k < inserted.length; k++) inserted[k] = rng.int(256);
  return { bytes: splice(bytes, at, 0, inserted), what: `insert ${inserted.length} random byte(s) at ${at}` };
}

/** bytes with `remove` bytes at `at` replaced by `insert`. */
export function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

const BYTE_MUTATIONS = [flipBits, overwriteBytes, truncate, deleteChunk, duplicateChunk, insertRandom];

export function mutateAnyBytes(bytes: Uint8Array, rng: Rng): Mutant {
  return rng.pick(BYTE_MUTATIONS)(bytes, rng);
}

// ── Protobuf wire format ──────────────────────────────────────────────────────────────

/** A varint in the file: [start, end) and whether it is a length prefix (wire type 2). */
export interface VarintSite {
  start: number;
  end: number;
  isLength: boolean;
  isKey: boolean;
}

/**
 * Every varint of a protobuf message, nested messages included (a length-delimited field
 * is walked as a message when its bytes parse as one to the end; otherwise it is data).
 * Bounded: at most `maxSites` sites, so a 10 MB file is walked in milliseconds.
 */
export function walkProtobuf(bytes: Uint8Array, maxSites = 200_000): VarintSite[] {
  const sites: VarintSite[] = [];
  const walk = (start: number, end: number, depth: number, dryRun: boolean): boolean => {
    let p = start;
    const local: VarintSite[] = [];
    while (p < end) {
      const key = readVarint(bytes, p, end);
      if (key === undefined || key.value === 0) return false;
      local.push({ start: p, end: key.next, isLength: false, isKey: true });
      p = key.next;
      const wireType = key.value % 8;
      if (wireType === 0) {
        const v = readVarint(bytes, p, end);
        if (v === undefined) return false;
        local.push({ start: p, end: v.next, isLength: false, isKey: false });
        p = v.next;
      } else if (wireType === 1) {
        p += 8;
      } else if (wireType === 5) {
        p += 4;
      } else if (wireType === 2) {
        const len = readVarint(bytes, p, end);
        if (len === undefined || len.next + len.value > end) return false;
        local.push({ start: p, end: len.next, isLength: true, isKey: false });
        p = len.next + len.value;
        // Payloads over 64 KiB are tensor data, not messages: skip them.
        if (!dryRun && depth < 8 && len.value > 1 && len.value < 65_536 && walk(len.next, p, depth + 1, true)) {
          walk(len.next, p, depth + 1, false);
        }
      } else {
        return false;
      }
      if (p > end) return false;
    }
    if (!dryRun) for (const s of local) if (sites.length < maxSites) sites.push(s);
    return true;
  };
  walk(0, bytes.length, 0, false);
  return sites;
}

function readVarint(bytes: Uint8Array, at: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let p = at; p < end && p < at + 10; p++) {
    const b = bytes[p]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return { value, next: p + 1 };
  }
  return undefined;
}

/** A varint's encoding; `big` as a bigint so 2^64 − 1 and negative (two's complement) fit. */
export function encodeVarint(big: bigint): Uint8Array {
  let v = BigInt.asUintN(64, big);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

const HUGE_VALUES: readonly bigint[] = [
  0n,
  1n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  2n ** 53n,
  2n ** 63n - 1n,
  2n ** 64n - 1n,
  -1n,
  -(2n ** 31n),
];

/** Replaces one varint (a value, a key or a length prefix) with a huge, negative or odd one. */
export function mutateVarint(bytes: Uint8Array, sites: readonly VarintSite[], rng: Rng): Mutant {
  if (sites.length === 0) return flipBits(bytes, rng);
  const site = rng.pick(sites);
  const old = bytes.subarray(site.start, site.end);
  let value: bigint;
  if (site.isLength && rng.chance(0.5)) {
    // A length that overruns or underruns its message by a little.
    const current = readVarint(bytes, site.start, site.end)!.value;
    value = BigInt(Math.max(0, current + rng.pick([-3, -1, 1, 2, 1000])));
  } else if (site.isKey) {
    // Same field number, another wire type, or another field.
    const key = readVarint(bytes, site.start, site.end)!.value;
    value = rng.chance(0.5) ? BigInt(key - (key % 8) + rng.pick([0, 1, 2, 3, 4, 5, 6, 7])) : BigInt(1 + rng.int(40)) * 8n + BigInt(rng.int(6));
  } else {
    value = rng.pick(HUGE_VALUES);
  }
  const replacement = encodeVarint(value);
  const kind = site.isKey ? "key" : site.isLength ? "length" : "value";
  return {
    bytes: splice(bytes, site.start, old.length, replacement),
    what: `varint ${kind} at ${site.start} → ${value}`,
  };
}

// ── Image containers ──────────────────────────────────────────────────────────────────

/** JPEG: rewrite a marker segment's length, or the frame header's size/component fields. */
export function mutateJpegStructure(bytes: Uint8Array, rng: Rng): Mutant {
  const segments: { marker: number; at: number }[] = [];
  for (let p = 2; p + 4 <= bytes.length; ) {
    if (bytes[p] !== 0xff) break;
    const marker = bytes[p + 1]!;
    const length = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    segments.push({ marker, at: p });
    if (marker === 0xda) break; // entropy-coded data follows the scan header
    p += 2 + length;
  }
  if (segments.length === 0) return flipBits(bytes, rng);
  const out = new Uint8Array(bytes); // a copy, also of a Node Buffer (whose slice is a view)
  const frame = segments.find((s) => s.marker >= 0xc0 && s.marker <= 0xcf && s.marker !== 0xc4 && s.marker !== 0xc8 && s.marker !== 0xcc);
  if (frame !== undefined && rng.chance(0.6)) {
    // SOFn: FF Cn, length(2), precision(1), height(2), width(2), components(1), …
    const field = rng.pick(["height", "width", "precision", "components", "sampling"] as const);
    const at = frame.at + 4;
    const v16 = rng.pick([0, 1, 0x7fff, 0xffff, 0x4000 + rng.int(0xc000)]);
    if (field === "height") out.set([v16 >> 8, v16 & 0xff], at + 1);
    else if (field === "width") out.set([v16 >> 8, v16 & 0xff], at + 3);
    else if (field === "precision") out[at] = rng.pick([0, 1, 12, 16, 255]);
    else if (field === "components") out[at + 5] = rng.pick([0, 2, 4, 5, 255]);
    else if (at + 7 < out.length) out[at + 7] = rng.pick([0x00, 0x44, 0xff, 0x11, 0x22]);
    return { bytes: out, what: `JPEG SOF ${field} rewritten` };
  }
  const segment = rng.pick(segments);
  const length = rng.pick([0, 1, 2, 0xffff, rng.int(0x10000)]);
  out.set([length >> 8, length & 0xff], segment.at + 2);
  return { bytes: out, what: `JPEG segment FF${segment.marker.toString(16)} at ${segment.at} length → ${length}` };
}


/** PNG: mutate IHDR fields or bytes inside a chunk, then fix the chunk's CRC. */
export function mutatePngStructure(bytes: Uint8Array, rng: Rng): Mutant {
  const chunks: { type: string; at: number; length: number }[] = [];
  for (let p = 8; p + 12 <= bytes.length; ) {
    const length = ((bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!) >>> 0;
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    if (p + 12 + length > bytes.length) break;
    chunks.push({ type, at: p, length });
    p += 12 + length;
  }
  if (chunks.length === 0) return flipBits(bytes, rng);
  const out = new Uint8Array(bytes); // a copy, also of a Node Buffer (whose slice is a view)
  const view = new DataView(out.buffer);
  let what: string;
  const ihdr = chunks.find((c) => c.type === "IHDR");
  const chunk = ihdr !== undefined && rng.chance(0.5) ? ihdr : rng.pick(chunks);
  const data = chunk.at + 8;
  if (chunk.type === "IHDR" && chunk.length >= 13) {
    const field = rng.pick(["width", "height", "depth", "colour", "interlace", "filter"] as const);
    const v32 = rng.pick([0, 1, 0x7fffffff, 0xffffffff, 65_536, 20_000, 1 + rng.int(5000)]);
    if (field === "width") view.setUint32(data, v32);
    else if (field === "height") view.setUint32(data + 4, v32);
    else if (field === "depth") out[data + 8] = rng.pick([0, 1, 2, 3, 4, 8, 16, 32]);
    else if (field === "colour") out[data + 9] = rng.pick([0, 1, 2, 3, 4, 5, 6, 7]);
    else if (field === "interlace") out[data + 12] = rng.pick([0, 1, 2]);
    else out[data + 11] = rng.pick([0, 1, 5]);
    what = `PNG IHDR ${field} rewritten`;
  } else if (chunk.length > 0 && rng.chance(0.7)) {
    const n = 1 + rng.int(4);
    for (let k = 0; k < n; k++) out[data + rng.int(chunk.length)] = rng.int(256);
    what = `PNG ${chunk.type} data: ${n} byte(s) changed`;
  } else {
    view.setUint32(chunk.at, rng.pick([0, 0x7fffffff, 0xffffffff, chunk.length + 1, Math.max(0, chunk.length - 1)]));
    return { bytes: out, what: `PNG ${chunk.type} length rewritten` };
  }
  view.setUint32(data + chunk.length, crc32(out.subarray(chunk.at + 4, data + chunk.length)));
  return { bytes: out, what };
}
