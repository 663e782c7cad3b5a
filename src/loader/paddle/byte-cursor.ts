/**
 * A bounds-checked little-endian reader over a byte array. Every read first checks that
 * the bytes are there and throws a ModelFormatError naming `what` and the offset when they
 * are not, so a length or count from a file is never trusted before it is checked against
 * the bytes that really follow.
 */
import { ModelFormatError } from "../../errors.js";

/** Reads little-endian numbers and byte runs from `bytes`, checking each against what is left. */
export class ByteCursor {
  private readonly view: DataView;
  /** Offset of the next byte to read. */
  pos = 0;

  /** `label` names the file in messages ("the parameter file", "tar entry 'a/b'"). */
  constructor(
    readonly bytes: Uint8Array,
    readonly label: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws unless `count` more bytes are there. */
  need(count: number, what: string): void {
    if (!(Number.isSafeInteger(count) && count >= 0 && count <= this.remaining)) {
      throw new ModelFormatError(`${this.label}: ${what} needs ${count} bytes at offset ${this.pos}, but only ${this.remaining} remain: the file is truncated or not this format`);
    }
  }

  uint32(what: string): number {
    this.need(4, what);
    const value = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return value;
  }

  int32(what: string): number {
    this.need(4, what);
    const value = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return value;
  }

  /** A uint64 as a number (exact below 2^53; larger values come back ≥ 2^53 and fail any size check). */
  uint64(what: string): number {
    this.need(8, what);
    const low = this.view.getUint32(this.pos, true);
    const high = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return high * 4294967296 + low;
  }

  /** A view of the next `count` bytes (no copy). */
  take(count: number, what: string): Uint8Array {
    this.need(count, what);
    const out = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }
}
