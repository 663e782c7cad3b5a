/**
 * One Paddle op as a translator sees it: typed reads of its attributes (with Paddle's
 * defaults) and of its input/output slots, each failure an OpProblem naming the op.
 */
import type { PaddleAttribute, PaddleOp } from "./program-desc.js";
import { GraphBuilder, OpProblem, q } from "./graph-builder.js";

/** One Paddle op with typed, checked reads of its slots and attributes (failures are OpProblems). */
export class OpView {
  constructor(
    readonly op: PaddleOp,
    readonly g: GraphBuilder,
  ) {}

  /** "conv2d writing 'conv2d_0.tmp_0'": how messages name this op. */
  get where(): string {
    const first = [...this.op.outputs.values()].find((list) => list.length > 0)?.[0];
    return `Paddle op '${this.op.type}'${first !== undefined ? ` writing ${q(first)}` : ""}`;
  }

  fail(message: string): never {
    throw new OpProblem(`${this.where}: ${message}`);
  }

  private attr(name: string): PaddleAttribute | undefined {
    return this.op.attrs.get(name);
  }

  has(name: string): boolean {
    return this.op.attrs.has(name);
  }

  int(name: string, fallback?: number): number {
    const v = this.attr(name);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v !== "number" || !Number.isSafeInteger(v)) return this.fail(`attribute '${name}' should be an integer, found ${describe(v)}`);
    return v;
  }

  float(name: string, fallback?: number): number {
    const v = this.attr(name);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== "number") return this.fail(`attribute '${name}' should be a number, found ${describe(v)}`);
    return v;
  }

  bool(name: string, fallback?: boolean): boolean {
    const v = this.attr(name);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0;
    return this.fail(`attribute '${name}' should be a boolean, found ${describe(v)}`);
  }

  string(name: string, fallback?: string): string {
    const v = this.attr(name);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== "string") return this.fail(`attribute '${name}' should be a string, found ${describe(v)}`);
    return v;
  }

  ints(name: string, fallback?: readonly number[]): number[] {
    const v = this.attr(name);
    if (v === undefined && fallback !== undefined) return fallback.slice();
    if (typeof v === "number" && Number.isSafeInteger(v)) return [v];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isSafeInteger(x))) {
      return this.fail(`attribute '${name}' should be a list of integers, found ${describe(v)}`);
    }
    return (v as number[]).slice();
  }

  floats(name: string, fallback?: readonly number[]): number[] {
    const v = this.attr(name);
    if (v === undefined && fallback !== undefined) return fallback.slice();
    if (typeof v === "number") return [v];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) return this.fail(`attribute '${name}' should be a list of numbers, found ${describe(v)}`);
    return (v as number[]).slice();
  }

  /** The variables in input slot `slot` (empty when absent). */
  inputList(slot: string): string[] {
    return (this.op.inputs.get(slot) ?? []).map((v) => this.g.read(v));
  }

  /** The one variable of a required input slot, as its graph value. */
  input(slot: string): string {
    const list = this.op.inputs.get(slot) ?? [];
    if (list.length !== 1) this.fail(`input '${slot}' should hold one variable, found ${list.length}`);
    return this.g.read(list[0]!);
  }

  /** The variable of an optional input slot, or undefined. */
  optionalInput(slot: string): string | undefined {
    const list = this.op.inputs.get(slot) ?? [];
    if (list.length === 0) return undefined;
    if (list.length > 1) this.fail(`input '${slot}' should hold at most one variable, found ${list.length}`);
    return this.g.read(list[0]!);
  }

  /** The graph value name for the one variable of output slot `slot` (registers the write). */
  output(slot: string): string {
    const list = this.op.outputs.get(slot) ?? [];
    if (list.length !== 1) this.fail(`output '${slot}' should hold one variable, found ${list.length}`);
    return this.g.write(list[0]!);
  }

  /** Dims of a graph value as the program declares them (−1 unknown), or undefined. */
  dims(value: string): number[] | undefined {
    return this.g.dimsOf(value);
  }

  /** Rank of a graph value, which the translation needs. */
  rank(value: string, what: string): number {
    const d = this.g.dimsOf(value);
    if (d === undefined) return this.fail(`the rank of ${what} ${q(value)} is not declared in the program, and this op needs it`);
    return d.length;
  }

  /** The values of a graph value that must be a constant (shape tensors, axes), as numbers. */
  known(value: string, what: string): number[] {
    const c = this.g.constantOf(value);
    if (c === undefined) return this.fail(`${what} ${q(value)} must be a constant (computed shapes are not supported here)`);
    return Array.from(c.data);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
