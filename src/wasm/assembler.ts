/**
 * A small WebAssembly assembler: TypeScript that writes a module's bytes at run time, so
 * the SIMD kernels (src/wasm/kernels) can be specialised per layer shape and the
 * repository holds no binary. Only what the kernels use: one imported memory, functions
 * with i32/f32/v128 values, structured control flow, loads and stores, the f32x4 SIMD
 * instructions, and optionally relaxed SIMD's fused multiply-add.
 *
 * Format facts (WebAssembly core spec, binary format; SIMD numbers from the final table of
 * WebAssembly/simd `proposals/simd/BinarySIMD.md`):
 *   module   = magic (a zero byte, then the letters "asm") + version 1 (u32 LE) + sections
 *   section  = id (1 byte) + size (u32 LEB128) + contents
 *   vector   = count (u32 LEB128) + items
 *   SIMD op  = 0xFD + sub-opcode (u32 LEB128) + immediates
 *   memarg   = align (log2 bytes, u32 LEB128) + offset (u32 LEB128)
 *
 * A `FunctionBuilder` keeps an operand-type stack as it emits (the "type check"), so a
 * kernel emitter that pops the wrong type, or leaves a block unbalanced, fails in our own
 * code with the instruction's name rather than as an opaque CompileError. The engine's
 * validator checks everything again when the module is compiled.
 */

/** Value types and their encodings. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;

const TYPE_NAMES: Record<number, string> = { [I32]: "i32", [I64]: "i64", [F32]: "f32", [F64]: "f64", [V128]: "v128" };

/** Thrown when an emitter produces code whose operand types do not fit. */
export class AssemblerError extends Error {
  override readonly name = "AssemblerError";
}

// ── LEB128 ─────────────────────────────────────────────────────────────────────────────

/** Appends `value` (an unsigned 32-bit integer) as unsigned LEB128: 7 bits a byte, low first. */
export function writeUnsigned(out: number[], value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new AssemblerError(`not a u32: ${value}`);
  let v = value;
  do {
    const byte = v & 0x7f;
    v = Math.floor(v / 128);
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
}

/** Appends `value` (a signed 32-bit integer) as signed LEB128 (stops when the sign bit of the last byte says the rest). */
export function writeSigned(out: number[], value: number): void {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw new AssemblerError(`not an i32: ${value}`);
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function writeName(out: number[], name: string): void {
  const bytes = new TextEncoder().encode(name);
  writeUnsigned(out, bytes.length);
  for (const b of bytes) out.push(b);
}

function writeSection(out: number[], id: number, contents: number[]): void {
  out.push(id);
  writeUnsigned(out, contents.length);
  for (const b of contents) out.push(b);
}

// ── Functions ──────────────────────────────────────────────────────────────────────────

/** A local variable (parameters are locals 0…n−1): its index and type. */
export interface Local {
  readonly index: number;
  readonly type: ValueType;
}

/**
 * Natural alignments (log2 of the access size in bytes) for memargs. (Only the instructions
 * the kernels emit are here; add one in the same way, with its number from the spec table.)
 */
const ALIGN_4 = 2;
const ALIGN_8 = 3;
const ALIGN_16 = 4;

interface ControlFrame {
  kind: "block" | "loop" | "if";
  height: number;
  /** After br / return: the rest of the block is unreachable (its stack is polymorphic). */
  unreachable: boolean;
}

/**
 * Emits one function's body. Every method appends one instruction and updates the
 * operand-type stack; `local(type)` declares a local beyond the parameters.
 */
export class FunctionBuilder {
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
  private readonly localTypes: ValueType[] = [];
  private readonly code: number[] = [];
  private readonly stack: ValueType[] = [];
  private readonly frames: ControlFrame[] = [];

  constructor(params: readonly ValueType[], results: readonly ValueType[] = []) {
    this.params = params;
    this.results = results;
    this.frames.push({ kind: "block", height: 0, unreachable: false });
  }

  /** Parameter i as a local. */
  param(i: number): Local {
    const type = this.params[i];
    if (type === undefined) throw new AssemblerError(`no parameter ${i}`);
    return { index: i, type };
  }

  /** A new local of `type` (zero-initialised on entry). */
  local(type: ValueType): Local {
    this.localTypes.push(type);
    return { index: this.params.length + this.localTypes.length - 1, type };
  }

  // ── the type stack ──

  private pop(expected: ValueType, op: string): void {
    const frame = this.frames[this.frames.length - 1]!;
    if (this.stack.length <= frame.height) {
      if (frame.unreachable) return;
      throw new AssemblerError(`${op}: needs a ${TYPE_NAMES[expected]} operand, the stack is empty`);
    }
    const found = this.stack.pop()!;
    if (found !== expected) throw new AssemblerError(`${op}: needs ${TYPE_NAMES[expected]}, found ${TYPE_NAMES[found]}`);
  }

  private op(bytes: readonly number[], pops: readonly ValueType[], pushes: readonly ValueType[], name: string): this {
    for (let i = pops.length - 1; i >= 0; i--) this.pop(pops[i]!, name);
    for (const t of pushes) this.stack.push(t);
    for (const b of bytes) this.code.push(b);
    return this;
  }

  private simd(sub: number, pops: readonly ValueType[], pushes: readonly ValueType[], name: string, immediates: readonly number[] = []): this {
    const bytes = [0xfd];
    writeUnsigned(bytes, sub);
    return this.op([...bytes, ...immediates], pops, pushes, name);
  }

  private memarg(align: number, offset: number): number[] {
    const bytes: number[] = [];
    writeUnsigned(bytes, align);
    writeUnsigned(bytes, offset);
    return bytes;
  }

  // ── variables and constants ──

  get(local: Local): this {
    const bytes = [0x20];
    writeUnsigned(bytes, local.index);
    return this.op(bytes, [], [local.type], "local.get");
  }

  set(local: Local): this {
    const bytes = [0x21];
    writeUnsigned(bytes, local.index);
    return this.op(bytes, [local.type], [], "local.set");
  }

  tee(local: Local): this {
    const bytes = [0x22];
    writeUnsigned(bytes, local.index);
    return this.op(bytes, [local.type], [local.type], "local.tee");
  }

  i32Const(value: number): this {
    const bytes = [0x41];
    writeSigned(bytes, value);
    return this.op(bytes, [], [I32], "i32.const");
  }

  f32Const(value: number): this {
    const bytes = [0x43, ...new Uint8Array(new Float32Array([value]).buffer)];
    return this.op(bytes, [], [F32], "f32.const");
  }

  drop(type: ValueType): this {
    return this.op([0x1a], [type], [], "drop");
  }

  // ── i32 arithmetic and comparisons ──

  i32Add(): this {
    return this.op([0x6a], [I32, I32], [I32], "i32.add");
  }
  i32Sub(): this {
    return this.op([0x6b], [I32, I32], [I32], "i32.sub");
  }
  i32Mul(): this {
    return this.op([0x6c], [I32, I32], [I32], "i32.mul");
  }
  i32LtS(): this {
    return this.op([0x48], [I32, I32], [I32], "i32.lt_s");
  }
  i32LtU(): this {
    return this.op([0x49], [I32, I32], [I32], "i32.lt_u");
  }
  i32GtS(): this {
    return this.op([0x4a], [I32, I32], [I32], "i32.gt_s");
  }
  i32LeS(): this {
    return this.op([0x4c], [I32, I32], [I32], "i32.le_s");
  }
  i32GeS(): this {
    return this.op([0x4e], [I32, I32], [I32], "i32.ge_s");
  }
  /** i32.select: pops a, b, condition; pushes a when condition ≠ 0, else b. */
  selectI32(): this {
    return this.op([0x1b], [I32, I32, I32], [I32], "select");
  }

  /** local += delta (i32). */
  increment(local: Local, delta: number): this {
    return this.get(local).i32Const(delta).i32Add().set(local);
  }

  // ── scalar f32 ──

  f32Load(offset = 0): this {
    return this.op([0x2a, ...this.memarg(ALIGN_4, offset)], [I32], [F32], "f32.load");
  }
  f32Store(offset = 0): this {
    return this.op([0x38, ...this.memarg(ALIGN_4, offset)], [I32, F32], [], "f32.store");
  }
  f32Add(): this {
    return this.op([0x92], [F32, F32], [F32], "f32.add");
  }
  f32Mul(): this {
    return this.op([0x94], [F32, F32], [F32], "f32.mul");
  }
  f32Div(): this {
    return this.op([0x95], [F32, F32], [F32], "f32.div");
  }
  /** f32.convert_i32_s: a signed i32 as the nearest f32. */
  f32ConvertI32S(): this {
    return this.op([0xb2], [I32], [F32], "f32.convert_i32_s");
  }

  // ── control flow (block type: empty) ──

  private open(kind: ControlFrame["kind"], opcode: number, pops: readonly ValueType[]): this {
    this.op([opcode, 0x40], pops, [], kind);
    this.frames.push({ kind, height: this.stack.length, unreachable: false });
    return this;
  }

  block(): this {
    return this.open("block", 0x02, []);
  }
  loop(): this {
    return this.open("loop", 0x03, []);
  }
  /** if: pops the i32 condition. */
  if(): this {
    return this.open("if", 0x04, [I32]);
  }
  else(): this {
    const frame = this.frames[this.frames.length - 1];
    if (frame === undefined || frame.kind !== "if") throw new AssemblerError("else outside an if");
    this.checkBalanced(frame, "else");
    frame.unreachable = false;
    this.code.push(0x05);
    return this;
  }
  end(): this {
    if (this.frames.length <= 1) throw new AssemblerError("end without an open block");
    const frame = this.frames.pop()!;
    this.checkBalanced(frame, "end");
    this.code.push(0x0b);
    return this;
  }
  /** br to the `depth`-th enclosing block (0 = innermost); the rest of this block is unreachable. */
  br(depth: number): this {
    const bytes = [0x0c];
    writeUnsigned(bytes, depth);
    this.op(bytes, [], [], "br");
    this.markUnreachable();
    return this;
  }
  /** br_if: pops the i32 condition. */
  brIf(depth: number): this {
    const bytes = [0x0d];
    writeUnsigned(bytes, depth);
    return this.op(bytes, [I32], [], "br_if");
  }

  private markUnreachable(): void {
    const frame = this.frames[this.frames.length - 1]!;
    this.stack.length = frame.height;
    frame.unreachable = true;
  }

  private checkBalanced(frame: ControlFrame, at: string): void {
    if (this.stack.length !== frame.height && !frame.unreachable) {
      const left = this.stack.slice(frame.height).map((t) => TYPE_NAMES[t]).join(", ");
      throw new AssemblerError(`${at}: the ${frame.kind} leaves values on the stack (${left})`);
    }
    this.stack.length = frame.height;
  }

  /**
   * A counted loop: `body()` runs while `counter` < `limit` (i32 locals or constants),
   * `counter` += `step` after each pass; the test is at the top, so zero passes is fine.
   *   block  loop  (counter ≥ limit) br_if 1   body   counter += step   br 0  end  end
   */
  forLoop(counter: Local, limit: Local | number, step: number, body: () => void): this {
    this.block().loop();
    this.get(counter);
    if (typeof limit === "number") this.i32Const(limit);
    else this.get(limit);
    this.i32GeS().brIf(1);
    body();
    this.increment(counter, step).br(0);
    return this.end().end();
  }

  // ── SIMD: memory ──

  /** v128.load (pops the address): 16 bytes at address + offset. */
  v128Load(offset = 0): this {
    return this.simd(0x00, [I32], [V128], "v128.load", this.memarg(ALIGN_16, offset));
  }
  /** v128.load32_splat: one f32 at address + offset into every lane. */
  load32Splat(offset = 0): this {
    return this.simd(0x09, [I32], [V128], "v128.load32_splat", this.memarg(ALIGN_4, offset));
  }
  /** v128.store (pops address, value). */
  v128Store(offset = 0): this {
    return this.simd(0x0b, [I32, V128], [], "v128.store", this.memarg(ALIGN_16, offset));
  }
  /** v128.store32_lane: lane `lane` (4 bytes) at address + offset. */
  store32Lane(lane: number, offset = 0): this {
    return this.simd(0x5a, [I32, V128], [], "v128.store32_lane", [...this.memarg(ALIGN_4, offset), lane]);
  }
  /** v128.store64_lane: lanes 2·lane, 2·lane+1 (8 bytes) at address + offset. */
  store64Lane(lane: number, offset = 0): this {
    return this.simd(0x5b, [I32, V128], [], "v128.store64_lane", [...this.memarg(ALIGN_8, offset), lane]);
  }

  // ── SIMD: lanes and constants ──

  f32x4Splat(): this {
    return this.simd(0x13, [F32], [V128], "f32x4.splat");
  }
  f32x4ExtractLane(lane: number): this {
    return this.simd(0x1f, [V128], [F32], "f32x4.extract_lane", [lane]);
  }
  /** v128.const with four f32 lanes. */
  f32x4Const(a: number, b = a, c = a, d = a): this {
    const bytes = new Uint8Array(new Float32Array([a, b, c, d]).buffer);
    return this.simd(0x0c, [], [V128], "v128.const", [...bytes]);
  }
  /** i8x16.shuffle: lane i of the result is byte lanes[i] of a‖b (0–15 from a, 16–31 from b). */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31)) {
      throw new AssemblerError(`i8x16.shuffle needs 16 byte lanes in 0…31, got [${lanes.join(", ")}]`);
    }
    return this.simd(0x0d, [V128, V128], [V128], "i8x16.shuffle", lanes);
  }
  /** A shuffle of f32 lanes: result lane i = f32 lane `lanes[i]` of a‖b (0–3 from a, 4–7 from b). */
  shuffleF32(lanes: readonly [number, number, number, number]): this {
    return this.shuffle(lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
  }

  // ── SIMD: f32x4 arithmetic (lane-wise, IEEE single, round to nearest) ──

  f32x4Add(): this {
    return this.simd(0xe4, [V128, V128], [V128], "f32x4.add");
  }
  f32x4Mul(): this {
    return this.simd(0xe6, [V128, V128], [V128], "f32x4.mul");
  }
  /** f32x4.min: NaN if either lane is NaN; −0 < +0. */
  f32x4Min(): this {
    return this.simd(0xe8, [V128, V128], [V128], "f32x4.min");
  }
  /** f32x4.max: NaN if either lane is NaN; +0 > −0. */
  f32x4Max(): this {
    return this.simd(0xe9, [V128, V128], [V128], "f32x4.max");
  }
  /** Relaxed SIMD f32x4.relaxed_madd(a, b, c) = a·b + c, fused or not (the engine's choice). */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105, [V128, V128, V128], [V128], "f32x4.relaxed_madd");
  }

  /** The body's bytes: local declarations (runs of one type), code, end. */
  encode(): number[] {
    if (this.frames.length !== 1) throw new AssemblerError(`${this.frames.length - 1} block(s) not closed`);
    const root = this.frames[0]!;
    const expected = this.results.map((t) => TYPE_NAMES[t]).join(", ");
    const found = this.stack.map((t) => TYPE_NAMES[t]).join(", ");
    if (!root.unreachable && expected !== found) throw new AssemblerError(`function returns [${found}], declared [${expected}]`);
    const body: number[] = [];
    const runs: [number, ValueType][] = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    writeUnsigned(body, runs.length);
    for (const [count, type] of runs) {
      writeUnsigned(body, count);
      body.push(type);
    }
    for (const b of this.code) body.push(b);
    body.push(0x0b);
    const out: number[] = [];
    writeUnsigned(out, body.length);
    for (const b of body) out.push(b);
    return out;
  }
}

// ── Modules ────────────────────────────────────────────────────────────────────────────

/** How the module imports its memory: `env.memory`, at least `minPages` 64 KiB pages. */
export interface MemoryImport {
  minPages: number;
  /** Required for shared memories. */
  maxPages?: number;
  shared?: boolean;
}

/**
 * A module of exported functions over one imported memory (`env.memory`).
 *
 *   const m = new ModuleBuilder({ minPages: 1 });
 *   const f = m.func("add4", [I32, I32], []);  … emit into f …
 *   const bytes = m.encode();
 */
export class ModuleBuilder {
  private readonly functions: { name: string; builder: FunctionBuilder }[] = [];

  constructor(private readonly memory: MemoryImport) {}

  /** Declares an exported function and returns its builder. */
  func(name: string, params: readonly ValueType[], results: readonly ValueType[] = []): FunctionBuilder {
    const builder = new FunctionBuilder(params, results);
    this.functions.push({ name, builder });
    return builder;
  }

  encode(): Uint8Array<ArrayBuffer> {
    // Type section: one signature per function (duplicates are harmless and keep this plain).
    const types: number[] = [];
    writeUnsigned(types, this.functions.length);
    for (const { builder } of this.functions) {
      types.push(0x60);
      writeUnsigned(types, builder.params.length);
      types.push(...builder.params);
      writeUnsigned(types, builder.results.length);
      types.push(...builder.results);
    }
    // Import section: env.memory with limits (flags: 1 = has max, 3 = shared with max).
    const imports: number[] = [];
    writeUnsigned(imports, 1);
    writeName(imports, "env");
    writeName(imports, "memory");
    imports.push(0x02);
    const { minPages, maxPages, shared } = this.memory;
    if (shared && maxPages === undefined) throw new AssemblerError("a shared memory needs a maximum");
    imports.push(shared ? 0x03 : maxPages !== undefined ? 0x01 : 0x00);
    writeUnsigned(imports, minPages);
    if (maxPages !== undefined) writeUnsigned(imports, maxPages);
    // Function section: function i has type i.
    const funcs: number[] = [];
    writeUnsigned(funcs, this.functions.length);
    this.functions.forEach((_, i) => writeUnsigned(funcs, i));
    // Export section.
    const exports: number[] = [];
    writeUnsigned(exports, this.functions.length);
    this.functions.forEach(({ name }, i) => {
      writeName(exports, name);
      exports.push(0x00);
      writeUnsigned(exports, i);
    });
    // Code section.
    const code: number[] = [];
    writeUnsigned(code, this.functions.length);
    for (const { builder } of this.functions) code.push(...builder.encode());

    // The module header: the 4 magic bytes spelled from their characters, then version 1.
    const out: number[] = [0, ..."asm".split("").map((c) => c.charCodeAt(0)), 1, 0, 0, 0];
    writeSection(out, 1, types);
    writeSection(out, 2, imports);
    writeSection(out, 3, funcs);
    writeSection(out, 7, exports);
    writeSection(out, 10, code);
    return new Uint8Array(out);
  }
}
