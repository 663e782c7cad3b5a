/**
 * .npy read/write. The reference files below were written by NumPy 2.4 (np.save /
 * np.lib.format.write_array) and embedded as base64, so both directions are checked
 * against NumPy's own bytes.
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { readNpy, writeNpy } from "../src/tensor/npy.js";
import { IntTensor, Tensor } from "../src/tensor/tensor.js";
import { randomFloats } from "./helpers/compare.js";

const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));

const numpy = {
  // np.save(np.array([[1.5, -2, 3], [4, 5, 6.25]], dtype=np.float32))
  float32x2x3: fromBase64(
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAQEAAAIBAAACgQAAAyEA=",
  ),
  // np.save(np.array([1, -1, 2**53 - 1], dtype=np.int64))
  int64x3: fromBase64(
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAAAAAP//////////////////HwA=",
  ),
  // the float32 array above with write_array(version=(2, 0))
  float32Version2: fromBase64(
    "k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAQEAAAIBAAACgQAAAyEA=",
  ),
  // np.save(np.asfortranarray([[1, 2], [3, 4]], dtype=np.float32))
  fortran: fromBase64(
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AABAQAAAAEAAAIBA",
  ),
  // np.save(np.array([1, 2], dtype=np.float64))
  float64: fromBase64(
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADwPwAAAAAAAABA",
  ),
  // np.save(np.array(7.0, dtype=np.float32)): a 0-d array
  scalar: fromBase64(
    "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAOBA",
  ),
};

describe("readNpy", () => {
  it("reads NumPy's float32 file (version 1.0) in C order", () => {
    const t = readNpy(numpy.float32x2x3);
    expect(t).toBeInstanceOf(Tensor);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1.5, -2, 3, 4, 5, 6.25]);
  });

  it("reads version 2.0 headers", () => {
    const t = readNpy(numpy.float32Version2);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1.5, -2, 3, 4, 5, 6.25]);
  });

  it("reads int64 shape tensors exactly, up to 2^53 - 1", () => {
    const t = readNpy(numpy.int64x3);
    expect(t).toBeInstanceOf(IntTensor);
    expect(t.dtype).toBe("int64");
    expect(Array.from(t.data)).toEqual([1, -1, 2 ** 53 - 1]);
  });

  it("reads a 0-d array as a scalar tensor", () => {
    const t = readNpy(numpy.scalar);
    expect(t.shape).toEqual([]);
    expect(Array.from(t.data)).toEqual([7]);
  });

  it("reads data that sits at an odd byte offset of a larger buffer", () => {
    const padded = new Uint8Array(numpy.float32x2x3.length + 3);
    padded.set(numpy.float32x2x3, 3);
    const t = readNpy(padded.subarray(3));
    expect(Array.from(t.data)).toEqual([1.5, -2, 3, 4, 5, 6.25]);
  });
});

describe("writeNpy", () => {
  it("writes the same bytes NumPy writes", () => {
    const t = new Tensor([2, 3], Float32Array.of(1.5, -2, 3, 4, 5, 6.25));
    expect(Buffer.from(writeNpy(t)).toString("base64")).toBe(Buffer.from(numpy.float32x2x3).toString("base64"));
    const ints = IntTensor.fromValues([1, -1, 2 ** 53 - 1]);
    expect(Buffer.from(writeNpy(ints)).toString("base64")).toBe(Buffer.from(numpy.int64x3).toString("base64"));
  });

  it("round-trips float32 tensors of several ranks", () => {
    for (const shape of [[], [5], [1, 3, 4, 7], [2, 0, 3]]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const t = new Tensor(shape, randomFloats(size, 42));
      const back = readNpy(writeNpy(t));
      expect(back.shape).toEqual(shape);
      expect(back.data).toEqual(t.data);
      // Header + preamble are padded to a multiple of 64 bytes, as NumPy does.
      expect((writeNpy(t).length - 4 * size) % 64).toBe(0);
    }
  });
});

describe("bad .npy files", () => {
  const bad = (bytes: Uint8Array, pattern: RegExp): void => {
    expect(() => readNpy(bytes, "x.npy")).toThrow(InputError);
    expect(() => readNpy(bytes, "x.npy")).toThrow(pattern);
  };

  it("refuses Fortran order", () => bad(numpy.fortran, /Fortran order/));
  it("refuses other dtypes, naming them", () => bad(numpy.float64, /'<f8'/));
  it("refuses a file that is not .npy", () => bad(new TextEncoder().encode("hello, world"), /not a \.npy file/));
  it("refuses truncated data at every cut", () => {
    for (let cut = 0; cut < numpy.float32x2x3.length; cut++) {
      expect(() => readNpy(numpy.float32x2x3.subarray(0, cut), "x.npy"), `cut at ${cut}`).toThrow(InputError);
    }
  });
  it("refuses extra bytes after the data", () => {
    const longer = new Uint8Array(numpy.float32x2x3.length + 4);
    longer.set(numpy.float32x2x3);
    bad(longer, /extra bytes/);
  });
  it("refuses a header whose shape promises more than the file holds, without allocating it", () => {
    const text = new TextDecoder("latin1").decode(numpy.float32x2x3);
    const huge = new Uint8Array(Buffer.from(text.replace("(2, 3), }        ", "(99999999999,), }"), "latin1"));
    expect(huge.length).toBe(numpy.float32x2x3.length);
    bad(huge, /truncated: shape \(99999999999\)/);
  });
  it("refuses an unknown format version", () => {
    const v9 = numpy.float32x2x3.slice();
    v9[6] = 9;
    bad(v9, /version 9/);
  });
});
