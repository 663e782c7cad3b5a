/**
 * A tiny pickle writer for tests: a paddle.save-style state dict (name → float32 array,
 * plus a name table) in protocol 4 opcodes, the way numpy 1.x pickles arrays
 * (`_reconstruct(ndarray, (0,), b'b')` + BUILD with (1, shape, dtype('<f4'), False, raw)).
 *
 * Only for what Python cannot give the tests cheaply (checkpoints of many scales): the
 * unpickler's correctness is checked against pickles Python itself wrote
 * (test/fixtures/paddle, scripts/make-paddle-checkpoints.py).
 */

import { concatBytes } from "./bytes.js";
const enc = (text: string): number[] => Array.from(new TextEncoder().encode(text));

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function str(text: string): number[] {
  const bytes = enc(text);
  return bytes.length < 256 ? [0x8c, bytes.length, ...bytes] : [0x58, ...u32(bytes.length), ...bytes];
}

const DTYPE_F4 = [
  ...enc("cnumpy\ndtype\n"), ...str("f4"), 0x89, 0x88, 0x87, 0x52,
  0x28, 0x4b, 3, ...str("<"), 0x4e, 0x4e, 0x4e, 0x4a, ...u32(0xffffffff), 0x4a, ...u32(0xffffffff), 0x4b, 0, 0x74, 0x62,
];

/** A protocol 4 pickle of { name: float32 array, …, "StructuredToParameterName@@": table }. */
export function pickleStateDict(arrays: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>, table: ReadonlyMap<string, string>): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from([0x80, 4, 0x7d, 0x28])];
  for (const [name, { shape, data }] of arrays) {
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    parts.push(
      Uint8Array.from([
        ...str(name),
        ...enc("cnumpy.core.multiarray\n_reconstruct\n"), ...enc("cnumpy\nndarray\n"), 0x4b, 0, 0x85, 0x43, 1, 0x62, 0x87, 0x52,
        0x28, 0x4b, 1, 0x28, ...shape.flatMap((d) => [0x4a, ...u32(d)]), 0x74, ...DTYPE_F4, 0x89, 0x42, ...u32(raw.length),
      ]),
      raw.slice(),
      Uint8Array.from([0x74, 0x62]),
    );
  }
  parts.push(Uint8Array.from([...str("StructuredToParameterName@@"), 0x7d, 0x28, ...[...table].flatMap(([k, v]) => [...str(k), ...str(v)]), 0x75]));
  parts.push(Uint8Array.from([0x75, 0x2e]));
  return concatBytes(parts);
}
