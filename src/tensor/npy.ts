/**
 * NumPy `.npy` files (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 *
 *   "\x93NUMPY" | major | minor | header length (uint16 LE in 1.0, uint32 LE in 2.0/3.0)
 *   | header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }
 *     padded with spaces and ending in '\n'
 *   | data: the array's values, C order
 *
 * Supported: little-endian float32 ('<f4') as a `Tensor`, int64 ('<i8') and int32 ('<i4')
 * as an `IntTensor` (shape tensors). Anything else is refused with a clear `InputError`.
 * Sizes read from the header are checked against the bytes present before allocating.
 */
import { InputError } from "../errors.js";
import { IntTensor, Tensor, type AnyTensor, type TensorLike } from "./tensor.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Element types we read: descr → bytes per element and the tensor it becomes. */
const descrs: Record<string, { bytes: number; kind: "float32" | "int64" | "int32" }> = {
  "<f4": { bytes: 4, kind: "float32" },
  "<i8": { bytes: 8, kind: "int64" },
  "<i4": { bytes: 4, kind: "int32" },
};

/** Reads a .npy file. `label` names the file in error messages. */
export function readNpy(bytes: Uint8Array | ArrayBuffer, label = "npy file"): AnyTensor {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.length < 10 || MAGIC.some((b, i) => u8[i] !== b)) {
    throw new InputError(`${label} is not a .npy file (it does not start with "\\x93NUMPY")`);
  }
  const major = u8[6]!;
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (u8.length < 12) throw new InputError(`${label} is truncated inside its .npy preamble`);
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new InputError(`${label} has .npy format version ${major}.${u8[7]}; versions 1.0, 2.0 and 3.0 are supported`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > u8.length) {
    throw new InputError(`${label} is truncated: its header needs ${headerLength} bytes but the file ends first`);
  }
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(u8.subarray(headerStart, dataStart));
  const { descr, fortranOrder, shape } = parseHeader(header, label);

  const type = descrs[descr];
  if (type === undefined) {
    throw new InputError(`${label} holds dtype '${descr}'; supported are float32 ('<f4'), int64 ('<i8') and int32 ('<i4')`);
  }
  if (fortranOrder) {
    throw new InputError(`${label} is in Fortran order; save it in C order (numpy.ascontiguousarray) and try again`);
  }
  let size = 1;
  for (const d of shape) size *= d;
  const dataBytes = u8.length - dataStart;
  if (dataBytes !== size * type.bytes) {
    const what = dataBytes < size * type.bytes ? "is truncated" : "has extra bytes";
    throw new InputError(
      `${label} ${what}: shape (${shape.join(", ")}) of '${descr}' needs ${size * type.bytes} data bytes, found ${dataBytes}`,
    );
  }

  // Copy into a fresh buffer (the data may sit at any byte offset), then view or convert.
  const copy = new Uint8Array(dataBytes);
  copy.set(u8.subarray(dataStart));
  const dataView = new DataView(copy.buffer);
  if (type.kind === "float32") {
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = dataView.getFloat32(4 * i, true);
    return new Tensor(shape, data);
  }
  const data = new Float64Array(size);
  if (type.kind === "int64") {
    for (let i = 0; i < size; i++) data[i] = dataView.getInt32(8 * i + 4, true) * 4294967296 + dataView.getUint32(8 * i, true);
  } else {
    for (let i = 0; i < size; i++) data[i] = dataView.getInt32(4 * i, true);
  }
  return new IntTensor(type.kind, shape, data);
}

/** Parses the header dict. Only the three keys NumPy writes are read. */
function parseHeader(header: string, label: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new InputError(`${label} has an unreadable .npy header: ${JSON.stringify(header.trim().slice(0, 120))}`);
  }
  const shape: number[] = [];
  for (const part of shapeText.split(",")) {
    const text = part.trim().replace(/L$/, "");
    if (text === "") continue;
    const d = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(d)) {
      throw new InputError(`${label} has an invalid dimension '${part.trim()}' in its shape (${shapeText})`);
    }
    shape.push(d);
  }
  return { descr, fortranOrder: fortran === "True", shape };
}

/**
 * Writes a tensor as .npy (version 1.0, or 2.0 when the header needs more than 64 KiB):
 * float32 tensors as '<f4', integer tensors as '<i8'.
 */
export function writeNpy(tensor: TensorLike | IntTensor): Uint8Array {
  const isInt = tensor instanceof IntTensor;
  const shape = tensor.shape;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${isInt ? "<i8" : "<f4"}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so that preamble + header + '\n' is a multiple of 64 bytes.
  let preamble = 10;
  if (header.length + 1 + preamble > 0xffff) preamble = 12;
  const total = Math.ceil((preamble + header.length + 1) / 64) * 64;
  header = header.padEnd(total - preamble - 1, " ") + "\n";
  const itemBytes = isInt ? 8 : 4;
  const out = new Uint8Array(total + tensor.data.length * itemBytes);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = preamble === 10 ? 1 : 2;
  out[7] = 0;
  if (preamble === 10) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  const data = tensor.data;
  if (isInt) {
    for (let i = 0; i < data.length; i++) view.setBigInt64(total + 8 * i, BigInt(Math.trunc(data[i]!)), true);
  } else {
    for (let i = 0; i < data.length; i++) view.setFloat32(total + 4 * i, data[i]!, true);
  }
  return out;
}
