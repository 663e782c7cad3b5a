/**
 * A restricted unpickler: reads the Python pickles `paddle.save` writes (protocols 2 to 5)
 * without running anything from the file.
 *
 * A pickle is a little stack-machine program: opcodes push values (ints, strings, bytes,
 * empty containers), build containers from the values above a MARK, store and fetch values
 * in a memo, and — the dangerous part — name a Python callable (GLOBAL / STACK_GLOBAL) and
 * call it on a tuple of arguments (REDUCE) or hand an object its state (BUILD). Python's
 * own unpickler imports and calls whatever the file names, so a pickle can run
 * `os.system`. This interpreter knows a short allow-list of callables and implements each
 * itself, in TypeScript, for exactly the arguments numpy and pickle write:
 *
 *   numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')  an empty array, filled
 *     (numpy._core… in numpy 2)                                    by BUILD's state
 *                                                                  (version, shape, dtype,
 *                                                                  is_fortran, raw bytes)
 *   numpy.core.numeric._frombuffer(buffer, dtype, shape, order)    protocol 5's arrays
 *   numpy.dtype('f4', False, True)                                 a dtype; BUILD's state
 *                                                                  gives its byte order
 *   _codecs.encode(text, 'latin1')                                 protocol 2's bytes
 *   collections.OrderedDict()                                      an empty dict
 *   builtins.bytes() / __builtin__.bytes()                         protocol 2's empty bytes
 *
 * Any other global is refused the moment the file names it (a ModelFormatError naming
 * it), so nothing is ever looked up, imported or called. Opcodes that create arbitrary
 * objects (NEWOBJ, INST, OBJ, EXT*) or read out-of-band buffers are refused too.
 *
 * Bounds, so a hostile file costs little: every length is checked against the bytes left
 * before anything is read or allocated; the memo, the stack, the MARK nesting and the
 * number of objects made have limits (LimitError); and the array bytes converted (and the
 * bytes made by `_codecs.encode`) may not exceed the file's own size, so memo references
 * cannot multiply work. The interpreter never recurses; the value it returns may contain
 * cycles (a list appended to itself), which callers must not walk blindly.
 *
 * Python values become: None → null, bool → boolean, int → number (exact; beyond 2^53 is
 * an error), float → number, str → string, bytes/bytearray → Uint8Array, list → Array,
 * tuple → PyTuple, dict → Map (keys str, int, bool or None), numpy arrays → NdArray.
 */
import { LimitError, ModelFormatError, quoteName } from "../../errors.js";
import { float16ToNumber } from "../tensor-decode.js";

/** A Python tuple (kept apart from lists, which are JS arrays). */
export class PyTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** Keys a dict may have here: Python's str, int, bool and None. */
export type DictKey = string | number | boolean | null;

/** A numpy dtype: its type code ('f4', 'i8', 'b1', …) and byte order ('<', '>', '|', '='). */
export class NumpyDtype {
  byteOrder = "|";
  /** True when BUILD's state described fields (a structured dtype), which we refuse. */
  structured = false;
  constructor(readonly code: string) {}
  /** "<f4"-style description for messages. */
  get descr(): string {
    return `${this.byteOrder}${this.code}`;
  }
}

/**
 * A numpy array. Floating types (f2, f4, f8) become float32; integers and booleans keep
 * their exact values in a Float64Array (int64 beyond ±2^53 is refused). `data` is
 * undefined only for an array whose BUILD never came (callers treat that as an error).
 */
export class NdArray {
  shape: readonly number[] = [];
  /** numpy's description of the stored type, e.g. "<f4". */
  dtype = "";
  data: Float32Array | Float64Array | undefined;
}

/** A callable the file named that is on the allow-list (only ever applied by this module). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly kind: GlobalKind,
  ) {}
}

/** Any value the unpickler produces: Python's scalars, bytes, lists, tuples and dicts, numpy arrays and dtypes, and allow-listed globals. */
export type PickleValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | PickleValue[]
  | PyTuple
  | Map<DictKey, PickleValue>
  | NdArray
  | NumpyDtype
  | PyGlobal;

type GlobalKind = "reconstruct" | "ndarray" | "dtype" | "frombuffer" | "codecs-encode" | "ordered-dict" | "bytes";

/** The only globals a pickle may name, "module.name" → what this module does for it. */
export const ALLOWED_GLOBALS: ReadonlyMap<string, GlobalKind> = new Map<string, GlobalKind>([
  ["numpy.core.multiarray._reconstruct", "reconstruct"],
  ["numpy._core.multiarray._reconstruct", "reconstruct"],
  ["numpy.ndarray", "ndarray"],
  ["numpy.dtype", "dtype"],
  ["numpy.core.numeric._frombuffer", "frombuffer"],
  ["numpy._core.numeric._frombuffer", "frombuffer"],
  ["_codecs.encode", "codecs-encode"],
  ["collections.OrderedDict", "ordered-dict"],
  ["builtins.bytes", "bytes"],
  ["__builtin__.bytes", "bytes"],
]);

/** Limits of the interpreter; each breach is a LimitError naming the byte offset. */
export interface UnpickleLimits {
  /** Most memo entries (default 2^20). */
  maxMemo?: number;
  /** Most values on the stack at once (default 2^20). */
  maxStack?: number;
  /** Deepest MARK nesting (default 64; numpy's pickles need 3). */
  maxMarks?: number;
  /** Most values made in all (default 2^22). */
  maxObjects?: number;
}

/** The interpreter's limits unless a caller sets others. */
export const DEFAULT_UNPICKLE_LIMITS: Readonly<Required<UnpickleLimits>> = {
  maxMemo: 2 ** 20,
  maxStack: 2 ** 20,
  maxMarks: 64,
  maxObjects: 2 ** 22,
};

/** Longest module or attribute name a GLOBAL may give. */
const MAX_GLOBAL_NAME = 256;

/** Opcode bytes (pickletools' names). */
const OP = {
  MARK: 0x28, // (
  STOP: 0x2e, // .
  POP: 0x30, // 0
  POP_MARK: 0x31, // 1
  BINFLOAT: 0x47, // G
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  BININT2: 0x4d, // M
  NONE: 0x4e, // N
  REDUCE: 0x52, // R
  BINUNICODE: 0x58, // X
  EMPTY_LIST: 0x5d, // ]
  APPEND: 0x61, // a
  BUILD: 0x62, // b
  GLOBAL: 0x63, // c
  APPENDS: 0x65, // e
  BINGET: 0x68, // h
  LONG_BINGET: 0x6a, // j
  BINPUT: 0x71, // q
  LONG_BINPUT: 0x72, // r
  SETITEM: 0x73, // s
  TUPLE: 0x74, // t
  SETITEMS: 0x75, // u
  EMPTY_DICT: 0x7d, // }
  EMPTY_TUPLE: 0x29, // )
  BINBYTES: 0x42, // B
  SHORT_BINBYTES: 0x43, // C
  PROTO: 0x80,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  BYTEARRAY8: 0x96,
} as const;

/** Names of opcodes we refuse, for the message (everything else unknown is "unknown"). */
const REFUSED_OPCODES: Readonly<Record<number, string>> = {
  0x81: "NEWOBJ",
  0x92: "NEWOBJ_EX",
  0x69: "INST",
  0x6f: "OBJ",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
  0x97: "NEXT_BUFFER",
  0x98: "READONLY_BUFFER",
  0x50: "PERSID",
  0x51: "BINPERSID",
  0x49: "INT",
  0x4c: "LONG",
  0x46: "FLOAT",
  0x53: "STRING",
  0x54: "BINSTRING",
  0x55: "SHORT_BINSTRING",
  0x56: "UNICODE",
  0x70: "PUT",
  0x67: "GET",
  0x32: "DUP",
  0x8f: "EMPTY_SET",
  0x90: "ADDITEMS",
  0x91: "FROZENSET",
  0x6c: "LIST",
  0x64: "DICT",
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Bytes per element of the numpy type codes we convert. */
const ITEM_SIZES: Readonly<Record<string, number>> = {
  f2: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1,
};

/** True when `bytes` start as a pickle of protocol 2 to 5 (PROTO opcode). */
export function looksLikePickle(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === OP.PROTO && bytes[1]! >= 2 && bytes[1]! <= 5;
}

/**
 * Runs the pickle in `bytes` with the allow-listed globals only and returns the value it
 * builds. Throws ModelFormatError (bad or forbidden content) or LimitError (a bound hit),
 * each naming the byte offset of the opcode.
 */
export function unpickle(bytes: Uint8Array, limits: UnpickleLimits = {}): PickleValue {
  return new Unpickler(bytes, { ...DEFAULT_UNPICKLE_LIMITS, ...limits }).run();
}

class Unpickler {
  private pos = 0;
  /** Offset of the opcode being run (for messages). */
  private at = 0;
  private readonly stack: PickleValue[] = [];
  /** Stack heights at each open MARK. */
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PickleValue>();
  private objects = 0;
  /** Array bytes converted and bytes made by _codecs.encode so far (each ≤ the file's size). */
  private arrayBytes = 0;
  private encodedBytes = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: Required<UnpickleLimits>,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  // ── Errors ──────────────────────────────────────────────────────────────────────────

  private fail(problem: string): never {
    throw new ModelFormatError(`pickle: ${problem} (at byte ${this.at})`);
  }

  private limit(problem: string): never {
    throw new LimitError(`pickle: ${problem} (at byte ${this.at})`);
  }

  // ── Reading ─────────────────────────────────────────────────────────────────────────

  /** Checks that `n` more bytes exist, then returns where they start. */
  private take(n: number, what: string): number {
    const left = this.bytes.length - this.pos;
    if (!(n >= 0 && n <= left)) this.fail(`${what} needs ${n} bytes but only ${left} are left (truncated or a lying length)`);
    const start = this.pos;
    this.pos += n;
    return start;
  }

  private u8(what: string): number {
    return this.bytes[this.take(1, what)]!;
  }

  private u16(what: string): number {
    return this.view.getUint16(this.take(2, what), true);
  }

  private u32(what: string): number {
    return this.view.getUint32(this.take(4, what), true);
  }

  /** An unsigned 64-bit little-endian length; beyond 2^53 it cannot fit any file anyway. */
  private u64(what: string): number {
    const at = this.take(8, what);
    const low = this.view.getUint32(at, true);
    const high = this.view.getUint32(at + 4, true);
    if (high >= 2 ** 21) this.fail(`${what} of ${high}·2^32 bytes is larger than any file`);
    return high * 2 ** 32 + low;
  }

  private slice(n: number, what: string): Uint8Array {
    const start = this.take(n, what);
    return this.bytes.subarray(start, start + n);
  }

  private text(n: number, what: string): string {
    const raw = this.slice(n, what);
    try {
      return utf8.decode(raw);
    } catch {
      this.fail(`${what} is not valid UTF-8`);
    }
  }

  /** A GLOBAL line: printable ASCII up to "\n", at most MAX_GLOBAL_NAME characters. */
  private line(what: string): string {
    let end = this.pos;
    const stop = Math.min(this.bytes.length, this.pos + MAX_GLOBAL_NAME + 1);
    while (end < stop && this.bytes[end] !== 0x0a) end++;
    if (end >= stop) this.fail(`${what} of GLOBAL has no end of line within ${MAX_GLOBAL_NAME} characters`);
    const raw = this.bytes.subarray(this.pos, end);
    for (const b of raw) if (b < 0x20 || b > 0x7e) this.fail(`${what} of GLOBAL holds a non-printable byte 0x${b.toString(16)}`);
    this.pos = end + 1;
    return String.fromCharCode(...raw);
  }

  // ── The stack ───────────────────────────────────────────────────────────────────────

  /** Pushes a value the file made (counted against maxObjects) or fetched. */
  private push(value: PickleValue, made = true): void {
    if (this.stack.length >= this.limits.maxStack) this.limit(`more than ${this.limits.maxStack} values on the stack`);
    if (made && ++this.objects > this.limits.maxObjects) this.limit(`more than ${this.limits.maxObjects} values made`);
    this.stack.push(value);
  }

  private pop(what: string): PickleValue {
    const floor = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) this.fail(`${what} found the stack empty`);
    return this.stack.pop()!;
  }

  private top(what: string): PickleValue {
    const floor = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) this.fail(`${what} found the stack empty`);
    return this.stack[this.stack.length - 1]!;
  }

  /** Pops everything above the last MARK (and the mark). */
  private popToMark(what: string): PickleValue[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail(`${what} without a MARK`);
    return this.stack.splice(mark);
  }

  private memoPut(index: number): void {
    if (!this.memo.has(index) && this.memo.size >= this.limits.maxMemo) this.limit(`more than ${this.limits.maxMemo} memo entries`);
    this.memo.set(index, this.top("memo put"));
  }

  private memoGet(index: number): void {
    const value = this.memo.get(index);
    if (value === undefined && !this.memo.has(index)) this.fail(`memo entry ${index} was never stored`);
    this.push(value!, false);
  }

  // ── The interpreter loop ────────────────────────────────────────────────────────────

  run(): PickleValue {
    if (!looksLikePickle(this.bytes)) {
      throw new ModelFormatError("not a pickle of protocol 2 to 5 (a paddle.save checkpoint starts with byte 0x80 and the protocol)");
    }
    for (;;) {
      this.at = this.pos;
      if (this.pos >= this.bytes.length) this.fail("the pickle ends before its STOP opcode (truncated)");
      const op = this.bytes[this.pos++]!;
      switch (op) {
        case OP.PROTO: {
          const protocol = this.u8("PROTO");
          if (protocol < 2 || protocol > 5) this.fail(`protocol ${protocol} is not supported (2 to 5 are)`);
          break;
        }
        case OP.FRAME: {
          // A frame only announces how many bytes follow; the bytes are read as they come.
          const size = this.u64("FRAME length");
          if (size > this.bytes.length - this.pos) this.fail(`a frame of ${size} bytes runs past the end (${this.bytes.length - this.pos} left)`);
          break;
        }
        case OP.STOP: {
          if (this.marks.length > 0) this.fail("STOP inside an open MARK");
          if (this.stack.length !== 1) this.fail(`STOP with ${this.stack.length} values on the stack (expected 1)`);
          return this.stack[0]!;
        }
        case OP.MARK:
          if (this.marks.length >= this.limits.maxMarks) this.limit(`MARKs nested deeper than ${this.limits.maxMarks}`);
          this.marks.push(this.stack.length);
          break;
        case OP.POP:
          this.pop("POP");
          break;
        case OP.POP_MARK:
          this.popToMark("POP_MARK");
          break;

        // Scalars.
        case OP.NONE:
          this.push(null);
          break;
        case OP.NEWTRUE:
          this.push(true);
          break;
        case OP.NEWFALSE:
          this.push(false);
          break;
        case OP.BININT:
          this.push(this.view.getInt32(this.take(4, "BININT"), true));
          break;
        case OP.BININT1:
          this.push(this.u8("BININT1"));
          break;
        case OP.BININT2:
          this.push(this.u16("BININT2"));
          break;
        case OP.LONG1:
          this.push(this.long(this.u8("LONG1 length")));
          break;
        case OP.LONG4: {
          const n = this.view.getInt32(this.take(4, "LONG4 length"), true);
          if (n < 0) this.fail(`LONG4 with a negative length ${n}`);
          this.push(this.long(n));
          break;
        }
        case OP.BINFLOAT:
          this.push(this.view.getFloat64(this.take(8, "BINFLOAT"), false));
          break;

        // Strings and bytes.
        case OP.SHORT_BINUNICODE:
          this.push(this.text(this.u8("SHORT_BINUNICODE length"), "SHORT_BINUNICODE"));
          break;
        case OP.BINUNICODE:
          this.push(this.text(this.u32("BINUNICODE length"), "BINUNICODE"));
          break;
        case OP.BINUNICODE8:
          this.push(this.text(this.u64("BINUNICODE8 length"), "BINUNICODE8"));
          break;
        case OP.SHORT_BINBYTES:
          this.push(this.slice(this.u8("SHORT_BINBYTES length"), "SHORT_BINBYTES"));
          break;
        case OP.BINBYTES:
          this.push(this.slice(this.u32("BINBYTES length"), "BINBYTES"));
          break;
        case OP.BINBYTES8:
          this.push(this.slice(this.u64("BINBYTES8 length"), "BINBYTES8"));
          break;
        case OP.BYTEARRAY8:
          this.push(this.slice(this.u64("BYTEARRAY8 length"), "BYTEARRAY8"));
          break;

        // Containers.
        case OP.EMPTY_DICT:
          this.push(new Map<DictKey, PickleValue>());
          break;
        case OP.EMPTY_LIST:
          this.push([]);
          break;
        case OP.EMPTY_TUPLE:
          this.push(new PyTuple([]));
          break;
        case OP.TUPLE:
          this.push(new PyTuple(this.popToMark("TUPLE")));
          break;
        case OP.TUPLE1: {
          const a = this.pop("TUPLE1");
          this.push(new PyTuple([a]));
          break;
        }
        case OP.TUPLE2: {
          const b = this.pop("TUPLE2");
          const a = this.pop("TUPLE2");
          this.push(new PyTuple([a, b]));
          break;
        }
        case OP.TUPLE3: {
          const c = this.pop("TUPLE3");
          const b = this.pop("TUPLE3");
          const a = this.pop("TUPLE3");
          this.push(new PyTuple([a, b, c]));
          break;
        }
        case OP.APPEND: {
          const value = this.pop("APPEND");
          this.list(this.top("APPEND"), "APPEND").push(value);
          break;
        }
        case OP.APPENDS: {
          const items = this.popToMark("APPENDS");
          const list = this.list(this.top("APPENDS"), "APPENDS");
          for (const item of items) list.push(item);
          break;
        }
        case OP.SETITEM: {
          const value = this.pop("SETITEM");
          const key = this.pop("SETITEM");
          this.dict(this.top("SETITEM"), "SETITEM").set(this.key(key), value);
          break;
        }
        case OP.SETITEMS: {
          const items = this.popToMark("SETITEMS");
          if (items.length % 2 !== 0) this.fail(`SETITEMS with an odd number (${items.length}) of keys and values`);
          const dict = this.dict(this.top("SETITEMS"), "SETITEMS");
          for (let i = 0; i < items.length; i += 2) dict.set(this.key(items[i]!), items[i + 1]!);
          break;
        }

        // The memo.
        case OP.BINPUT:
          this.memoPut(this.u8("BINPUT"));
          break;
        case OP.LONG_BINPUT:
          this.memoPut(this.u32("LONG_BINPUT"));
          break;
        case OP.MEMOIZE:
          this.memoPut(this.memo.size);
          break;
        case OP.BINGET:
          this.memoGet(this.u8("BINGET"));
          break;
        case OP.LONG_BINGET:
          this.memoGet(this.u32("LONG_BINGET"));
          break;

        // Globals, calls and state: the allow-list only.
        case OP.GLOBAL: {
          const module = this.line("module");
          const name = this.line("name");
          this.push(this.global(module, name));
          break;
        }
        case OP.STACK_GLOBAL: {
          const name = this.pop("STACK_GLOBAL");
          const module = this.pop("STACK_GLOBAL");
          if (typeof module !== "string" || typeof name !== "string") this.fail("STACK_GLOBAL needs a module and a name as strings");
          this.push(this.global(module, name));
          break;
        }
        case OP.REDUCE: {
          const args = this.pop("REDUCE");
          const callable = this.pop("REDUCE");
          if (!(callable instanceof PyGlobal)) this.fail(`REDUCE calls a ${typeName(callable)}, not an allowed global`);
          if (!(args instanceof PyTuple)) this.fail(`REDUCE on ${callable.module}.${callable.name} needs a tuple of arguments, got a ${typeName(args)}`);
          this.push(this.call(callable, args.items));
          break;
        }
        case OP.BUILD: {
          const state = this.pop("BUILD");
          this.build(this.top("BUILD"), state);
          break;
        }

        default: {
          const name = REFUSED_OPCODES[op];
          const shown = op >= 0x20 && op < 0x7f ? ` '${String.fromCharCode(op)}'` : "";
          this.fail(
            name !== undefined
              ? `opcode ${name} (0x${op.toString(16)}) is not supported: only what numpy arrays, dicts, lists and strings need is`
              : `unknown opcode 0x${op.toString(16)}${shown}`,
          );
        }
      }
    }
  }

  /** A little-endian two's-complement integer of `n` bytes (LONG1/LONG4), exact below 2^53. */
  private long(n: number): number {
    if (n > 8) {
      this.take(n, "LONG");
      this.fail(`an integer of ${n} bytes is too large`);
    }
    const raw = this.slice(n, "LONG");
    let value = 0n;
    for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]!);
    if (n > 0 && raw[n - 1]! >= 0x80) value -= 1n << BigInt(8 * n);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      this.fail(`the integer ${value} is too large to hold exactly`);
    }
    return Number(value);
  }

  private list(value: PickleValue, what: string): PickleValue[] {
    if (!Array.isArray(value)) this.fail(`${what} on a ${typeName(value)}, not a list`);
    return value;
  }

  private dict(value: PickleValue, what: string): Map<DictKey, PickleValue> {
    if (!(value instanceof Map)) this.fail(`${what} on a ${typeName(value)}, not a dict`);
    return value;
  }

  private key(value: PickleValue): DictKey {
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
    this.fail(`a dict key of type ${typeName(value)} is not supported`);
  }

  // ── The allow-list ──────────────────────────────────────────────────────────────────

  private global(module: string, name: string): PyGlobal {
    const kind = ALLOWED_GLOBALS.get(`${module}.${name}`);
    if (kind === undefined) {
      this.fail(
        `refused global '${quoteName(`${module}.${name}`)}': a checkpoint may only name numpy's array and dtype ` +
          "reconstructors, _codecs.encode, collections.OrderedDict and bytes; nothing from the file is run",
      );
    }
    return new PyGlobal(module, name, kind);
  }

  private call(callable: PyGlobal, args: readonly PickleValue[]): PickleValue {
    const signature = `${callable.module}.${callable.name}`;
    const argsFail = (expected: string): never => this.fail(`${signature} called with (${args.map(typeName).join(", ")}), expected ${expected}`);
    switch (callable.kind) {
      case "reconstruct": {
        // _reconstruct(ndarray, (0,), b'b'): an empty array that BUILD fills.
        const [cls] = args;
        if (args.length !== 3 || !(cls instanceof PyGlobal) || cls.kind !== "ndarray") argsFail("(numpy.ndarray, shape, dtype)");
        return new NdArray();
      }
      case "dtype": {
        const [code] = args;
        if (args.length < 1 || args.length > 3 || typeof code !== "string") argsFail("(type code, align, copy)");
        return new NumpyDtype(code as string);
      }
      case "frombuffer": {
        // _frombuffer(buffer, dtype, shape, order): protocol 5's in-band arrays.
        const [buffer, dtype, shape, order] = args;
        if (args.length !== 4 || !(buffer instanceof Uint8Array) || !(dtype instanceof NumpyDtype) || !(shape instanceof PyTuple) || typeof order !== "string") {
          argsFail("(buffer, dtype, shape, order)");
        }
        const array = new NdArray();
        this.fillArray(array, shape as PyTuple, dtype as NumpyDtype, order === "F", buffer as Uint8Array);
        return array;
      }
      case "codecs-encode": {
        // Protocol 2 writes bytes as _codecs.encode(latin-1 text, 'latin1').
        const [text, encoding] = args;
        if (args.length !== 2 || typeof text !== "string" || (encoding !== "latin1" && encoding !== "latin-1")) argsFail("(text, 'latin1')");
        const s = text as string;
        this.encodedBytes += s.length;
        if (this.encodedBytes > this.bytes.length) this.limit("_codecs.encode made more bytes than the file holds (memo references repeating work)");
        const out = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) {
          const c = s.charCodeAt(i);
          if (c > 0xff) this.fail(`_codecs.encode text has the character U+${c.toString(16).padStart(4, "0")}, outside latin-1`);
          out[i] = c;
        }
        return out;
      }
      case "ordered-dict":
        if (args.length !== 0) argsFail("()");
        return new Map<DictKey, PickleValue>();
      case "bytes":
        if (args.length !== 0) argsFail("()");
        return new Uint8Array(0);
      case "ndarray":
        this.fail("numpy.ndarray may only be an argument of _reconstruct, not called");
    }
  }

  private build(target: PickleValue, state: PickleValue): void {
    if (target instanceof NumpyDtype) {
      // (version, byte order, subarray, names, fields, elsize, alignment, flags[, metadata])
      if (!(state instanceof PyTuple) || state.items.length < 8) this.fail(`BUILD of numpy.dtype needs its 8- or 9-item state, got a ${typeName(state)}`);
      const [, order, subarray, names] = state.items;
      if (typeof order !== "string" || !["<", ">", "|", "="].includes(order)) this.fail(`numpy.dtype byte order ${JSON.stringify(order)} is not one of < > | =`);
      target.byteOrder = order;
      target.structured = subarray !== null || names !== null;
      return;
    }
    if (target instanceof NdArray) {
      // (version, shape, dtype, is_fortran, raw) or without the version.
      const items = state instanceof PyTuple ? state.items : [];
      const fields = items.length === 5 ? items.slice(1) : items;
      const [shape, dtype, fortran, raw] = fields;
      if (fields.length !== 4 || !(shape instanceof PyTuple) || !(dtype instanceof NumpyDtype) || typeof fortran !== "boolean") {
        this.fail(`BUILD of a numpy array needs (version, shape, dtype, is_fortran, data), got ${describeState(state)}`);
      }
      if (!(raw instanceof Uint8Array)) this.fail(`a numpy array's data is a ${typeName(raw)}, not bytes (object arrays are not supported)`);
      if (target.data !== undefined) this.fail("BUILD on a numpy array that is already built");
      this.fillArray(target, shape as PyTuple, dtype as NumpyDtype, fortran as boolean, raw as Uint8Array);
      return;
    }
    this.fail(`BUILD on a ${typeName(target)} is not supported (only numpy arrays and dtypes)`);
  }

  /** Converts raw array bytes (checked against shape and dtype) into `array`. */
  private fillArray(array: NdArray, shapeTuple: PyTuple, dtype: NumpyDtype, fortran: boolean, raw: Uint8Array): void {
    if (dtype.structured) this.fail(`structured numpy dtypes are not supported (${dtype.descr})`);
    const itemSize = ITEM_SIZES[dtype.code];
    if (itemSize === undefined) {
      this.fail(`numpy dtype '${quoteName(dtype.code)}' is not supported (float16/32/64, integers and bool are)`);
    }
    const little = dtype.byteOrder === "<" || itemSize === 1 || dtype.byteOrder === "|";
    if (!little && dtype.byteOrder !== ">") this.fail(`numpy dtype ${dtype.descr}: byte order '=' (the writer's native order) cannot be known`);
    const shape: number[] = [];
    let count = 1;
    for (const d of shapeTuple.items) {
      if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) this.fail(`a numpy array dimension is ${String(d)}, not a whole number ≥ 0`);
      count *= d; // only compared with the data's length below: never used to allocate
      shape.push(d);
    }
    if (count * itemSize !== raw.length) {
      this.fail(`a numpy array of shape (${shape.join(", ")}) ${dtype.descr} needs ${count * itemSize} bytes, its data has ${raw.length}`);
    }
    this.arrayBytes += raw.length;
    if (this.arrayBytes > this.bytes.length) this.limit("the arrays hold more data than the file (memo references repeating work)");
    const data = convertElements(raw, dtype.code, itemSize, little, (problem) => this.fail(problem));
    array.shape = shape;
    array.dtype = `${itemSize === 1 ? "|" : dtype.byteOrder}${dtype.code}`;
    array.data = fortran && shape.length > 1 ? fortranToC(data, shape) : data;
  }
}

/** Typed arrays use the host's byte order; every JS engine in use is little-endian, but check. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Raw numpy elements → float32 (floating types) or exact float64 (integers, bool). */
function convertElements(raw: Uint8Array, code: string, itemSize: number, little: boolean, fail: (problem: string) => never): Float32Array | Float64Array {
  const count = raw.length / itemSize;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (code === "f4") {
    if (little && LITTLE_ENDIAN_HOST) {
      // Copy the bytes into a fresh, aligned buffer and view them.
      return new Float32Array(raw.slice().buffer);
    }
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, little);
    return out;
  }
  if (code === "f8") {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, little);
    return out;
  }
  if (code === "f2") {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = float16ToNumber(view.getUint16(i * 2, little));
    return out;
  }
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * itemSize;
    switch (code) {
      case "b1":
        out[i] = raw[at]! === 0 ? 0 : 1;
        break;
      case "u1":
        out[i] = raw[at]!;
        break;
      case "i1":
        out[i] = view.getInt8(at);
        break;
      case "i2":
        out[i] = view.getInt16(at, little);
        break;
      case "u2":
        out[i] = view.getUint16(at, little);
        break;
      case "i4":
        out[i] = view.getInt32(at, little);
        break;
      case "u4":
        out[i] = view.getUint32(at, little);
        break;
      default: {
        const big = code === "i8" ? view.getBigInt64(at, little) : view.getBigUint64(at, little);
        if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
          fail(`the ${code === "i8" ? "int64" : "uint64"} value ${big} at element ${i} cannot be held exactly`);
        }
        out[i] = Number(big);
      }
    }
  }
  return out;
}

/** Column-major (Fortran) elements of `shape` → row-major (C) order. */
function fortranToC<T extends Float32Array | Float64Array>(data: T, shape: readonly number[]): T {
  const out = new (data.constructor as { new (n: number): T })(data.length);
  const rank = shape.length;
  // Fortran strides: the first axis varies fastest.
  const fStrides = new Array<number>(rank);
  let stride = 1;
  for (let k = 0; k < rank; k++) {
    fStrides[k] = stride;
    stride *= shape[k]!;
  }
  const index = new Array<number>(rank).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let k = 0; k < rank; k++) f += index[k]! * fStrides[k]!;
    out[c] = data[f]!;
    // Advance the C-order index: the last axis fastest.
    for (let k = rank - 1; k >= 0; k--) {
      if (++index[k]! < shape[k]!) break;
      index[k] = 0;
    }
  }
  return out;
}

/** The Python type of a value, for messages. */
export function typeName(value: PickleValue | undefined): string {
  if (value === undefined) return "nothing";
  if (value === null) return "None";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "str";
  if (value instanceof Uint8Array) return "bytes";
  if (Array.isArray(value)) return "list";
  if (value instanceof PyTuple) return "tuple";
  if (value instanceof Map) return "dict";
  if (value instanceof NdArray) return "numpy array";
  if (value instanceof NumpyDtype) return "numpy dtype";
  return `global ${value.module}.${value.name}`;
}

function describeState(state: PickleValue): string {
  return state instanceof PyTuple ? `a tuple of (${state.items.map(typeName).join(", ")})` : `a ${typeName(state)}`;
}
