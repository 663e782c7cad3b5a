/**
 * Typed reads of a node's attributes with ONNX's defaults. A missing required attribute
 * or one of the wrong type throws a ModelValidationError naming the node and attribute.
 */
import { ModelValidationError } from "../errors.js";
import type { OnnxNode } from "../loader/model.js";
import { IntTensor, Tensor, type AnyTensor } from "../tensor/tensor.js";

export class NodeAttributes {
  constructor(private readonly node: OnnxNode) {}

  private fail(name: string, expected: string): never {
    const found = this.node.attributes.get(name);
    const what = found === undefined ? "missing" : `${JSON.stringify(found instanceof Object && "shape" in found ? "tensor" : found)}`;
    throw new ModelValidationError([
      `node '${this.node.name}' (${this.node.opType}): attribute '${name}' should be ${expected}, found ${what}`,
    ]);
  }

  has(name: string): boolean {
    return this.node.attributes.has(name);
  }

  int(name: string, fallback?: number): number {
    const v = this.node.attributes.get(name);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== "number" || !Number.isInteger(v)) return this.fail(name, "an integer");
    return v;
  }

  float(name: string, fallback?: number): number {
    const v = this.node.attributes.get(name);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== "number") return this.fail(name, "a number");
    return v;
  }

  string(name: string, fallback?: string): string {
    const v = this.node.attributes.get(name);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== "string") return this.fail(name, "a string");
    return v;
  }

  ints(name: string, fallback?: readonly number[]): number[] {
    const v = this.node.attributes.get(name);
    if (v === undefined && fallback !== undefined) return fallback.slice();
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isInteger(x))) {
      return this.fail(name, "a list of integers");
    }
    return (v as number[]).slice();
  }

  /** ints, or undefined when absent. */
  optionalInts(name: string): number[] | undefined {
    return this.has(name) ? this.ints(name) : undefined;
  }

  floats(name: string, fallback?: readonly number[]): number[] {
    const v = this.node.attributes.get(name);
    if (v === undefined && fallback !== undefined) return fallback.slice();
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) return this.fail(name, "a list of numbers");
    return (v as number[]).slice();
  }

  tensor(name: string): AnyTensor {
    const v = this.node.attributes.get(name);
    if (!(v instanceof Tensor || v instanceof IntTensor)) return this.fail(name, "a tensor");
    return v;
  }
}
