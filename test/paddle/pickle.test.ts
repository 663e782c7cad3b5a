/**
 * The restricted unpickler (src/loader/paddle/pickle.ts) on pickles written by Python's
 * own pickle and numpy (scripts/make-paddle-checkpoints.py; expected values are what numpy
 * reported when writing them), and on hand-made hostile ones.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LimitError, ModelFormatError } from "../../src/errors.js";
import { NdArray, PyTuple, unpickle } from "../../src/loader/paddle/pickle.js";
import { float16ToNumber as halfToFloat } from "../../src/loader/tensor-decode.js";

const dir = "test/fixtures/paddle/pickles";
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(`${dir}/${name}`));
const expected = JSON.parse(readFileSync(`${dir}/expected.json`, "utf8")) as Record<
  string,
  Record<string, { shape: number[]; dtype: string; values: number[] }>
>;

/** Bytes from a mix of numbers and latin-1 strings. */
function bytes(...parts: (number | string)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === "number") out.push(p);
    else for (const c of p) out.push(c.charCodeAt(0));
  }
  return Uint8Array.from(out);
}

function expectRefused(data: Uint8Array, pattern: RegExp, type: typeof ModelFormatError | typeof LimitError = ModelFormatError): void {
  let error: unknown;
  try {
    unpickle(data);
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${type.name} matching ${pattern}`).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(pattern);
}

describe("unpickle: numpy arrays as Python wrote them", () => {
  for (const file of Object.keys(expected)) {
    it(`${file}: every array's shape and values`, () => {
      const root = unpickle(read(file));
      expect(root).toBeInstanceOf(Map);
      const dict = root as Map<string, unknown>;
      for (const [key, want] of Object.entries(expected[file]!)) {
        const array = dict.get(key);
        expect(array, key).toBeInstanceOf(NdArray);
        const a = array as NdArray;
        expect(a.shape, key).toEqual(want.shape);
        expect(a.dtype, key).toBe(want.dtype);
        // float32 holds f2/f4 exactly and f8 rounded; integers are exact.
        const wantValues = want.dtype.endsWith("f8") ? want.values.map(Math.fround) : want.values;
        expect(Array.from(a.data!), key).toEqual(wantValues);
      }
    });
  }

  it("protocol 5 arrays come through numpy's _frombuffer; int64 beyond 2^32 stays exact", () => {
    const dict = unpickle(read("p5_types.pkl")) as Map<string, NdArray>;
    expect(dict.get("i8")!.data).toBeInstanceOf(Float64Array);
    expect(Array.from(dict.get("i8")!.data!)).toEqual([-3, 2 ** 40, 7]);
    expect(dict.get("f2")!.data).toBeInstanceOf(Float32Array);
  });

  it("protocol 5 with numpy 2.x's module name (numpy._core.numeric._frombuffer) reads the same", () => {
    // The file Python wrote names numpy.core.numeric (numpy 1.x): respell it as numpy 2 does.
    const original = read("p5_types.pkl");
    const at = Buffer.from(original).indexOf("numpy.core.numeric");
    expect(original[at - 1]).toBe(18); // SHORT_BINUNICODE's length byte
    const renamed = new Uint8Array(original.length + 1);
    renamed.set(original.subarray(0, at - 1));
    renamed.set(bytes(19, "numpy._core.numeric"), at - 1);
    renamed.set(original.subarray(at + 18), at + 19);
    const a = unpickle(original) as Map<string, NdArray>;
    const b = unpickle(renamed) as Map<string, NdArray>;
    for (const key of a.keys()) expect(Array.from(b.get(key)!.data!), key).toEqual(Array.from(a.get(key)!.data!));
  });

  it("plain Python values: lists, nested tuples, bytes, big and negative ints, unicode", () => {
    const dict = unpickle(read("p4_nested.pkl")) as Map<string, unknown>;
    const list = dict.get("list") as unknown[];
    expect(list.slice(0, 3)).toEqual([1, 2.5, "three"]);
    expect(Array.from(list[3] as Uint8Array)).toEqual([..."four"].map((c) => c.charCodeAt(0)));
    expect(list.slice(4)).toEqual([null, true]);
    const tuple = dict.get("tuple") as PyTuple;
    expect(tuple).toBeInstanceOf(PyTuple);
    expect(tuple.items[0]).toBe(1);
    expect((tuple.items[1] as PyTuple).items).toEqual([2, 3]);
    expect(dict.get("big")).toBe(2 ** 40 + 1);
    expect(dict.get("negative")).toBe(-123456789);
    expect(dict.get("text")).toBe("paddle ☃");
  });

  it("an OrderedDict keeps its order", () => {
    const dict = unpickle(read("p2_fortran_ordered.pkl")) as Map<string, unknown>;
    expect([...dict.keys()]).toEqual(["fortran", "empty", "scalar"]);
  });

  it("float16 (the decoder shared with ONNX tensors): hand-computed values", () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });
});

describe("unpickle: hostile pickles are refused, nothing is run", () => {
  it("os.system (pickled by Python as posix.system)", () => {
    expectRefused(read("evil_os_system.pkl"), /refused global 'posix\.system'/);
  });
  it("builtins.eval (protocol 2: __builtin__.eval)", () => {
    expectRefused(read("evil_eval_p2.pkl"), /refused global '__builtin__\.eval'/);
  });
  it("subprocess.check_output", () => {
    expectRefused(read("evil_subprocess.pkl"), /refused global 'subprocess\.check_output'/);
  });
  it("os.system by GLOBAL, even if never called", () => {
    expectRefused(bytes(0x80, 2, "cos\nsystem\n", "."), /refused global 'os\.system'.*at byte 2/);
  });
  it("builtins.eval by STACK_GLOBAL", () => {
    expectRefused(bytes(0x80, 4, 0x8c, 8, "builtins", 0x8c, 4, "eval", 0x93, "."), /refused global 'builtins\.eval'/);
  });
  it("object-making opcodes (NEWOBJ, INST, EXT1) and out-of-band buffers", () => {
    expectRefused(bytes(0x80, 4, ")", ")", 0x81, "."), /NEWOBJ/);
    expectRefused(bytes(0x80, 2, "(", "ios\nsystem\n", "."), /INST/);
    expectRefused(bytes(0x80, 2, 0x82, 1, "."), /EXT1/);
    expectRefused(bytes(0x80, 5, 0x97, "."), /NEXT_BUFFER/);
  });
  it("REDUCE on something that is not an allowed global", () => {
    expectRefused(bytes(0x80, 2, "N", ")", "R", "."), /REDUCE calls a None/);
  });
  it("an allowed global with the wrong arguments", () => {
    expectRefused(bytes(0x80, 2, "c_codecs\nencode\n", "K", 1, 0x85, "R", "."), /_codecs\.encode called with \(int\)/);
    expectRefused(bytes(0x80, 2, "cnumpy\nndarray\n", ")", "R", "."), /may only be an argument/);
  });
  it("not a pickle, or an unsupported protocol", () => {
    expectRefused(bytes("hello"), /not a pickle/);
    expectRefused(bytes(0x80, 9, "."), /not a pickle/);
  });
});

describe("unpickle: bounds", () => {
  it("truncated: every prefix of a real checkpoint pickle is a typed error", () => {
    const data = read("p5_types.pkl");
    for (let n = 0; n < data.length; n++) {
      expect(() => unpickle(data.subarray(0, n))).toThrow(ModelFormatError);
    }
  });
  it("a length that lies is checked against the bytes left before reading", () => {
    expectRefused(bytes(0x80, 4, 0x8e, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, "."), /needs 4294967295 bytes but only 1 are left/);
    expectRefused(bytes(0x80, 4, "X", 0xff, 0xff, 0xff, 0x7f, "."), /lying length/);
    expectRefused(bytes(0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0x10, 0, "."), /larger than any file|runs past the end/);
  });
  it("an array whose data does not fit its shape", () => {
    const data = read("p3_big_endian.pkl");
    // Python wrote shape (4,) for 16 bytes of f4; claim (5,) instead: find "K\x04\x85" (BININT1 4, TUPLE1).
    const text = Array.from(data);
    const at = text.findIndex((b, i) => b === 0x4b && text[i + 1] === 4 && text[i + 2] === 0x85);
    expect(at).toBeGreaterThan(0);
    const bad = data.slice();
    bad[at + 1] = 5;
    expectRefused(bad, /shape \(5\) >f4 needs 20 bytes, its data has 16/);
  });
  it("a memo bomb: one array's bytes built again and again", () => {
    // dict; array placeholder built with (1, (n,), dtype f4 '<', False, raw) then rebuilt from the memo.
    const raw = new Uint8Array(4000);
    const header = bytes(
      0x80, 4,
      0x8c, 21, "numpy.core.multiarray", 0x8c, 12, "_reconstruct", 0x93, 0x94, // memo 0: _reconstruct
      0x8c, 5, "numpy", 0x8c, 7, "ndarray", 0x93, 0x94, // memo 1: ndarray
      "K", 0, 0x85, 0x43, 1, "b", 0x87, 0x94, // memo 2: its arguments
      0x8c, 5, "numpy", 0x8c, 5, "dtype", 0x93, 0x8c, 2, "f4", 0x89, 0x88, 0x87, "R", // dtype
      "(", "K", 3, 0x8c, 1, "<", "N", "N", "N", "J", 0xff, 0xff, 0xff, 0xff, "J", 0xff, 0xff, 0xff, 0xff, "K", 0, "t", "b", 0x94, // memo 3: built dtype
      "(", "K", 1, "M", 0xe8, 0x03, 0x85, "h", 3, 0x89, "B", 0xa0, 0x0f, 0, 0,
    );
    const state = bytes("t", 0x94); // memo 4: the state tuple
    const rebuild = bytes("h", 0, "h", 2, "R", "h", 4, "b", "0"); // _reconstruct(...) then BUILD from the memo, popped
    const parts = [header, raw, state];
    for (let i = 0; i < 50; i++) parts.push(rebuild);
    parts.push(bytes("N", "."));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    // The first rebuild fits the file; the second would convert more bytes than the file holds.
    expectRefused(data, /arrays hold more data than the file/, LimitError);
  });
  it("memo, stack, mark nesting and object count limits", () => {
    const manyMarks = bytes(0x80, 4, ..."(".repeat(100), ".");
    expectRefused(manyMarks, /MARKs nested deeper than 64/, LimitError);
    const manyPuts = new Uint8Array(2 + 5 * 2000 + 1);
    manyPuts.set([0x80, 4]);
    for (let i = 0; i < 1000; i++) manyPuts.set([0x4e, 0x72, i & 0xff, i >> 8, 0, 0], 2 + i * 6);
    expect(() => unpickle(manyPuts, { maxMemo: 100 })).toThrow(/more than 100 memo entries/);
    const manyNones = bytes(0x80, 4, ..."N".repeat(500), ".");
    expect(() => unpickle(manyNones, { maxStack: 100 })).toThrow(LimitError);
    expect(() => unpickle(manyNones, { maxObjects: 100 })).toThrow(/more than 100 values made/);
  });
  it("a list that contains itself loads (no recursion), and a GET of a never-stored entry is refused", () => {
    const selfList = unpickle(bytes(0x80, 2, "]", "q", 0, "h", 0, "a", ".")) as unknown[];
    expect(selfList[0]).toBe(selfList);
    expectRefused(bytes(0x80, 2, "h", 7, "."), /memo entry 7 was never stored/);
  });
  it("STOP with leftovers, or a dict key that is a tuple", () => {
    expectRefused(bytes(0x80, 2, "N", "N", "."), /STOP with 2 values/);
    expectRefused(bytes(0x80, 2, "}", ")", "N", "s", "."), /dict key of type tuple/);
  });
});
