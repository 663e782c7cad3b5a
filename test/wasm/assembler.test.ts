/**
 * The assembler: LEB128 and module bytes checked against encodings worked out by hand from
 * the WebAssembly binary format, the operand-type check refusing wrong code, and small
 * emitted functions run by the engine.
 */
import { describe, expect, it } from "vitest";
import { AssemblerError, F32, FunctionBuilder, I32, ModuleBuilder, V128, writeSigned, writeUnsigned } from "../../src/wasm/assembler.js";

function unsigned(v: number): number[] {
  const out: number[] = [];
  writeUnsigned(out, v);
  return out;
}
function signed(v: number): number[] {
  const out: number[] = [];
  writeSigned(out, v);
  return out;
}

describe("LEB128", () => {
  it("writes unsigned values 7 bits a byte, low bits first", () => {
    expect(unsigned(0)).toEqual([0x00]);
    expect(unsigned(127)).toEqual([0x7f]);
    expect(unsigned(128)).toEqual([0x80, 0x01]);
    expect(unsigned(624485)).toEqual([0xe5, 0x8e, 0x26]); // the textbook example
    expect(unsigned(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });
  it("writes signed values with the sign in bit 6 of the last byte", () => {
    expect(signed(0)).toEqual([0x00]);
    expect(signed(63)).toEqual([0x3f]);
    expect(signed(64)).toEqual([0xc0, 0x00]);
    expect(signed(-1)).toEqual([0x7f]);
    expect(signed(-64)).toEqual([0x40]);
    expect(signed(-65)).toEqual([0xbf, 0x7f]);
    expect(signed(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(signed(-0x80000000)).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
  });
  it("refuses values outside 32 bits", () => {
    expect(() => unsigned(-1)).toThrow(AssemblerError);
    expect(() => unsigned(2 ** 32)).toThrow(AssemblerError);
    expect(() => signed(2 ** 31)).toThrow(AssemblerError);
  });
});

describe("module encoding", () => {
  it("writes the expected bytes for a one-function module", () => {
    // (func (export "f") (param i32) (result i32) local.get 0 i32.const 5 i32.add), memory env.memory min 1
    const m = new ModuleBuilder({ minPages: 1 });
    const f = m.func("f", [I32], [I32]);
    f.get(f.param(0)).i32Const(5).i32Add();
    const expected = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header (written out here by hand, not by the assembler)
      0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, // type section: (i32) -> (i32)
      0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x01, // import env.memory, min 1
      0x03, 0x02, 0x01, 0x00, // function section
      0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f" func 0
      0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x41, 0x05, 0x6a, 0x0b, // code: no locals, body
    ];
    expect(Array.from(m.encode())).toEqual(expected);
  });

  it("declares a shared memory with its maximum (flags 3)", () => {
    const m = new ModuleBuilder({ minPages: 0, maxPages: 65536, shared: true });
    m.func("f", []);
    const bytes = Array.from(m.encode());
    // …"memory", kind 2, flags 3, min 0, max 65536 = 0x80 0x80 0x04
    const at = bytes.indexOf(0x79) + 1; // after "memory"'s last letter
    expect(bytes.slice(at, at + 6)).toEqual([0x02, 0x03, 0x00, 0x80, 0x80, 0x04]);
    expect(() => new ModuleBuilder({ minPages: 0, shared: true }).encode()).toThrow(/maximum/);
  });

  it("groups locals of one type into runs", () => {
    const f = new FunctionBuilder([]);
    f.local(I32);
    f.local(I32);
    f.local(V128);
    f.local(I32);
    const body = f.encode();
    // size, 3 runs: (2 × i32) (1 × v128) (1 × i32), end
    expect(body).toEqual([0x08, 0x03, 0x02, 0x7f, 0x01, 0x7b, 0x01, 0x7f, 0x0b]);
  });

  it("encodes SIMD instructions as 0xFD plus a LEB128 sub-opcode", () => {
    const f = new FunctionBuilder([I32]);
    f.get(f.param(0)).v128Load(16).drop(V128);
    const body = f.encode();
    // local.get 0, v128.load align 4 offset 16: fd 00 04 10
    expect(body.slice(2, 8)).toEqual([0x20, 0x00, 0xfd, 0x00, 0x04, 0x10]);
    const g = new FunctionBuilder([I32]);
    g.get(g.param(0)).v128Load().get(g.param(0)).v128Load().get(g.param(0)).v128Load().f32x4RelaxedMadd().drop(V128);
    // relaxed_madd 0x105 = LEB128 85 02
    expect(g.encode().join(",")).toContain([0xfd, 0x85, 0x02, 0x1a].join(","));
  });
});

describe("operand-type check", () => {
  it("refuses a wrong operand type, naming the instruction", () => {
    const f = new FunctionBuilder([F32]);
    f.get(f.param(0));
    expect(() => f.i32Add()).toThrow(/i32\.add: needs i32, found f32/);
  });
  it("refuses an empty stack", () => {
    expect(() => new FunctionBuilder([]).f32x4Add()).toThrow(/stack is empty/);
  });
  it("refuses a block that leaves values behind, and unclosed blocks", () => {
    const f = new FunctionBuilder([]);
    f.block().i32Const(1);
    expect(() => f.end()).toThrow(/leaves values/);
    const g = new FunctionBuilder([]);
    g.block();
    expect(() => g.encode()).toThrow(/not closed/);
  });
  it("refuses a result that does not match the declaration", () => {
    const f = new FunctionBuilder([], [F32]);
    f.i32Const(1);
    expect(() => f.encode()).toThrow(/returns \[i32\], declared \[f32\]/);
  });
  it("refuses bad shuffle lanes", () => {
    const f = new FunctionBuilder([]);
    f.f32x4Const(0).f32x4Const(0);
    expect(() => f.shuffle([32, ...new Array(15).fill(0)])).toThrow(AssemblerError);
  });
});

describe("emitted code runs", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const floats = new Float32Array(memory.buffer);

  it("a counted loop summing floats (scalar f32)", () => {
    const m = new ModuleBuilder({ minPages: 1 });
    const f = m.func("sum", [I32, I32], [F32]);
    const [p, end] = [f.param(0), f.param(1)];
    const acc = f.local(F32);
    f.forLoop(p, end, 4, () => {
      f.get(acc).get(p).f32Load().f32Add().set(acc);
    });
    f.get(acc);
    const sum = new WebAssembly.Instance(new WebAssembly.Module(m.encode()), { env: { memory } }).exports.sum as (p: number, e: number) => number;
    floats.set([1, 2, 3, 4, 5], 0);
    expect(sum(0, 20)).toBe(15);
    expect(sum(8, 8)).toBe(0); // zero passes
  });

  it("SIMD: shuffle even lanes, lane stores, splat", () => {
    const m = new ModuleBuilder({ minPages: 1 });
    const f = m.func("even", [I32, I32]);
    const [src, dst] = [f.param(0), f.param(1)];
    // dst[0..3] = src[0, 2, 4, 6]; dst[4..5] = splat(src[1]) lanes 0-1; dst[6] = src[3]
    f.get(dst).get(src).v128Load(0).get(src).v128Load(16).shuffleF32([0, 2, 4, 6]).v128Store(0);
    f.get(dst).get(src).load32Splat(4).store64Lane(0, 16);
    f.get(dst).get(src).v128Load(0).store32Lane(3, 24);
    const even = new WebAssembly.Instance(new WebAssembly.Module(m.encode()), { env: { memory } }).exports.even as (s: number, d: number) => void;
    floats.set([10, 11, 12, 13, 14, 15, 16, 17], 0);
    floats.fill(-1, 16, 24);
    even(0, 64);
    expect(Array.from(floats.subarray(16, 24))).toEqual([10, 12, 14, 16, 11, 11, 13, -1]);
  });
});
