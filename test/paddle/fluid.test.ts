/**
 * The fluid era's layouts, from bytes written here by hand from the format facts
 * (DESIGN.md §7), not by any writer of ours:
 *
 *   __model__ + __params__         one ProgramDesc, every parameter back to back in sorted(name) order
 *   __model__ + one file per var   each parameter alone in a file named after it
 *
 * The program: feed x [−1, 2] → elementwise_mul(x, w) → elementwise_add(·, b) → fetch y,
 * with parameters w = [2, −3] and b = [0.5, 0.25]; `b` sorts before `w`, so __params__
 * holds b first. y = x·w + b is checked by hand.
 */
import { describe, expect, it } from "vitest";
import { loadModel, readTar, decodeProgramDesc, readLegacyProgram, readCombinedParams, IntTensor, ModelFormatError, ModelValidationError } from "../../src/paddle.js";
import { writeTar } from "./helpers.js";

// ── A minimal protobuf wire writer (tags, varints, length-delimited fields), for the program ──
const varintBytes = (n: bigint): number[] => {
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return out;
};
const varint = (field: number, n: number): number[] => [...varintBytes(BigInt(field << 3)), ...varintBytes(BigInt(n))];
const bytesField = (field: number, body: number[]): number[] => [...varintBytes(BigInt((field << 3) | 2)), ...varintBytes(BigInt(body.length)), ...body];
const str = (field: number, s: string): number[] => bytesField(field, Array.from(new TextEncoder().encode(s)));

/** VarDesc of a float32 tensor; dims −1 are 10-byte varints. */
function tensorVar(name: string, dims: number[], persistable: boolean): number[] {
  const tensorDesc = [...varint(1, 5), ...dims.flatMap((d) => varint(2, d))];
  const varType = [...varint(1, 7), ...bytesField(3, bytesField(1, tensorDesc))];
  return bytesField(3, [...str(1, name), ...bytesField(2, varType), ...(persistable ? varint(3, 1) : [])]);
}
const listVar = (name: string, type: number): number[] => bytesField(3, [...str(1, name), ...bytesField(2, varint(1, type)), ...varint(3, 1)]);
const slot = (field: number, parameter: string, args: string[]): number[] => bytesField(field, [...str(1, parameter), ...args.flatMap((a) => str(2, a))]);
const intAttr = (name: string, value: number): number[] => bytesField(4, [...str(1, name), ...varint(2, 0), ...varint(3, value)]);
const opDesc = (type: string, inputs: [string, string[]][], outputs: [string, string[]][], attrs: number[][]): number[] =>
  bytesField(4, [...inputs.flatMap(([p, a]) => slot(1, p, a)), ...outputs.flatMap(([p, a]) => slot(2, p, a)), ...str(3, type), ...attrs.flat()]);

const block = [
  ...varint(1, 0),
  ...listVar("feed", 9),
  ...listVar("fetch", 10),
  ...tensorVar("x", [-1, 2], false),
  ...tensorVar("w", [2], true),
  ...tensorVar("b", [2], true),
  ...tensorVar("t", [-1, 2], false),
  ...tensorVar("y", [-1, 2], false),
  ...opDesc("feed", [["X", ["feed"]]], [["Out", ["x"]]], [intAttr("col", 0)]),
  ...opDesc("elementwise_mul", [["X", ["x"]], ["Y", ["w"]]], [["Out", ["t"]]], [intAttr("axis", -1)]),
  ...opDesc("elementwise_add", [["X", ["t"]], ["Y", ["b"]]], [["Out", ["y"]]], [intAttr("axis", -1)]),
  ...opDesc("fetch", [["X", ["y"]]], [["Out", ["fetch"]]], [intAttr("col", 0)]),
];
/** A fluid __model__: no version field. */
const MODEL = new Uint8Array(bytesField(1, block));

// ── The parameters, byte by byte ──
// uint32 0 | uint64 lod_level 0 | uint32 0 | int32 desc size 4 | TensorDesc { data_type 5, dims [2] } | 2 × float32 LE
const header = [0, 0, 0, 0, /* lod */ 0, 0, 0, 0, 0, 0, 0, 0, /* version */ 0, 0, 0, 0, /* desc size */ 4, 0, 0, 0, /* desc */ 0x08, 0x05, 0x10, 0x02];
const B = new Uint8Array([...header, /* 0.5 */ 0x00, 0x00, 0x00, 0x3f, /* 0.25 */ 0x00, 0x00, 0x80, 0x3e]);
const W = new Uint8Array([...header, /* 2 */ 0x00, 0x00, 0x00, 0x40, /* −3 */ 0x00, 0x00, 0x40, 0xc0]);
const PARAMS = new Uint8Array([...B, ...W]);

const X = { shape: [2, 2], data: Float32Array.of(1, 2, -1, 0.5) };
const EXPECTED = [1 * 2 + 0.5, 2 * -3 + 0.25, -1 * 2 + 0.5, 0.5 * -3 + 0.25];

async function runY(model: Awaited<ReturnType<typeof loadModel>>): Promise<number[]> {
  const out = await model.run({ x: X });
  return Array.from(out["y"]!.data);
}

describe("fluid layouts from hand-written bytes", () => {
  it("the wire writer above writes what the format facts say (a VarDesc spelled out byte by byte)", () => {
    // VarDesc { name "x"; type VarType { type 7; lod_tensor { tensor { data_type 5; dims −1; dims 2 } } } }
    const minusOne = [0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const expected = [0x1a, 0x1a, 0x0a, 0x01, 0x78, 0x12, 0x15, 0x08, 0x07, 0x1a, 0x11, 0x0a, 0x0f, 0x08, 0x05, ...minusOne, 0x10, 0x02];
    expect(tensorVar("x", [-1, 2], false)).toEqual(expected);
  });

  it("decodes the program: vars with −1 dims, ops with slots and attributes, no version", () => {
    const program = decodeProgramDesc(MODEL);
    expect(program.version).toBeUndefined();
    expect(program.vars.get("x")).toEqual({ name: "x", kind: 7, persistable: false, dtype: 5, dims: [-1, 2] });
    expect(program.ops.map((o) => o.type)).toEqual(["feed", "elementwise_mul", "elementwise_add", "fetch"]);
    expect(program.ops[1]!.attrs.get("axis")).toBe(-1);
    expect(readLegacyProgram(MODEL, PARAMS).producerVersion).toBe("fluid");
  });

  it("__model__ + __params__ (b before w: sorted names) computes y = x·w + b", async () => {
    expect(await runY(await loadModel({ model: MODEL, params: PARAMS }))).toEqual(EXPECTED);
  });

  it("__model__ + one file per variable, as an object and inside a tar", async () => {
    expect(await runY(await loadModel({ model: MODEL, params: { w: W, b: B } }))).toEqual(EXPECTED);
    const tar = writeTar({ "mobilenet/__model__": MODEL, "mobilenet/w": W, "mobilenet/b": B });
    expect([...readTar(tar).keys()].sort()).toEqual(["mobilenet/__model__", "mobilenet/b", "mobilenet/w"]);
    expect(await runY(await loadModel(tar))).toEqual(EXPECTED);
    expect(await runY(await loadModel(writeTar({ "m/__model__": MODEL, "m/__params__": PARAMS })))).toEqual(EXPECTED);
  });

  it("refuses parameter files that do not fit the program, naming what is wrong", async () => {
    await expect(loadModel({ model: MODEL, params: { w: W } })).rejects.toThrow(/1 of the program's 2 parameter files are missing: 'b'/);
    await expect(loadModel({ model: MODEL, params: PARAMS.subarray(0, PARAMS.length - 1) })).rejects.toThrow(ModelFormatError);
    await expect(loadModel({ model: MODEL, params: new Uint8Array([...PARAMS, 0]) })).rejects.toThrow(/1 bytes after its 2 parameters/);
    // A TensorDesc with dims [3] where the program declares [2] (and 3 values to match).
    const wrongDims = new Uint8Array([...header.slice(0, 22), 0x10, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const error = await loadModel({ model: MODEL, params: new Uint8Array([...wrongDims, ...W]) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelValidationError);
    expect((error as Error).message).toMatch(/parameter 'b' has dims \[3\] in the parameter file, but the program declares \[2\]/);
    // A size field that claims more data than there is: checked before anything is allocated.
    const huge = new Uint8Array([...header.slice(0, 22), 0x10, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    huge[16] = 8; // desc size 8: data_type 5, dims 2^32 − 1 … (then the desc is cut short)
    await expect(loadModel({ model: MODEL, params: huge })).rejects.toThrow(ModelFormatError);
  });
});

describe("parameter element types", () => {
  // Each tensor: 20 header bytes with the TensorDesc size, the TensorDesc, the data (little-endian).
  const tensor = (desc: number[], data: number[]) => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, desc.length, 0, 0, 0, ...desc, ...data];

  it("FP16 and FP64 become float32, INT64 an integer tensor; BF16 is refused by name", () => {
    const bytes = new Uint8Array([
      ...tensor([0x08, 0x04, 0x10, 0x02], [0x00, 0x3c, 0x00, 0xc0]), // a: FP16 [1, −2]
      ...tensor([0x08, 0x06, 0x10, 0x01], [0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f]), // b: FP64 [0.1]
      ...tensor([0x08, 0x03, 0x10, 0x02], [5, 0, 0, 0, 0, 0, 0, 0, 0xf9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // c: INT64 [5, −7]
    ]);
    const tensors = readCombinedParams(bytes, [{ name: "a" }, { name: "b" }, { name: "c" }], { maxTensorElements: 100 });
    expect(Array.from(tensors.get("a")!.data)).toEqual([1, -2]);
    expect(tensors.get("b")!.data[0]).toBeCloseTo(0.1, 7);
    expect(tensors.get("c")).toBeInstanceOf(IntTensor);
    expect(Array.from(tensors.get("c")!.data)).toEqual([5, -7]);
    const bf16 = new Uint8Array(tensor([0x08, 0x16, 0x10, 0x01], [0x80, 0x3f]));
    expect(() => readCombinedParams(bf16, [{ name: "w_bf16" }], { maxTensorElements: 100 })).toThrow(/parameter 'w_bf16' has element type BF16/);
  });

  it("a tensor over maxTensorElements is refused before its data is read", () => {
    const big = new Uint8Array(tensor([0x08, 0x05, 0x10, 0xe8, 0x07], [])); // FP32 [1000], no data
    expect(() => readCombinedParams(big, [{ name: "w" }], { maxTensorElements: 100 })).toThrow(/more than the limit of 100 elements/);
    expect(() => readCombinedParams(big, [{ name: "w" }], { maxTensorElements: 10_000 })).toThrow(/needs 4000 bytes .* only 0 remain/);
  });
});
