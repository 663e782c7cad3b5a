/**
 * The translator's workbench: collects the ONNX-style nodes, constants, inputs and outputs
 * that a Paddle program becomes (src/loader/model.ts's `OnnxGraph`), and keeps what the
 * translators need to know about each value: its dims where the program declares them,
 * and its values where it is a constant.
 *
 * Names: a Paddle variable keeps its name as the graph value's name (so a trace shows
 * `conv2d_53.tmp_0`, as Paddle would). A variable written twice (an in-place op) gets a
 * fresh name for its second version, and readers after that see the new one. Values the
 * translator makes up (a reshaped bias, a padded input) are named after the value they
 * come from, with a `@suffix` that no Paddle name has.
 */
import { ModelValidationError, quoteName } from "../../errors.js";
import { IntTensor, Tensor, type AnyTensor } from "../../tensor/tensor.js";
import type { AttributeValue, OnnxNode, OnnxValueInfo } from "../model.js";
import { DEFAULT_MAX_TENSOR_ELEMENTS } from "../tensor-decode.js";

/** Accumulates the translated graph: nodes, constants, inputs, outputs, and what is known of each value. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly constants = new Map<string, AnyTensor>();
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  /** Every graph value name in use (produced or reserved). */
  private readonly taken = new Set<string>();
  /** Paddle variable → the graph value that holds its current version. */
  private readonly current = new Map<string, string>();
  /** Dims known for a graph value (−1 for a dim known only at run time). */
  private readonly dims = new Map<string, number[]>();
  /** Paddle op type of the op being translated, for node names. */
  opLabel = "";
  /** Largest element count of a constant the translation makes (the loader's maxTensorElements). */
  maxElements = DEFAULT_MAX_TENSOR_ELEMENTS;

  /** `declaredDims`: the dims the program declares for its variables. */
  constructor(declaredDims: ReadonlyMap<string, readonly number[]>) {
    for (const [name, d] of declaredDims) this.dims.set(name, d.slice());
  }

  /** The graph value a Paddle variable currently is (its own name unless it was rewritten). */
  read(variable: string): string {
    return this.current.get(variable) ?? variable;
  }

  /** The graph value name an op's output variable gets: its own name, or a fresh one if it is written again. */
  write(variable: string): string {
    const name = this.taken.has(variable) ? this.fresh(variable) : variable;
    this.taken.add(name);
    this.current.set(variable, name);
    const declared = this.dims.get(variable);
    if (declared !== undefined && name !== variable) this.dims.set(name, declared.slice());
    return name;
  }

  /** A new value name derived from `base`, used nowhere else. */
  fresh(base: string): string {
    let k = 0;
    let name = `${base}@${k}`;
    while (this.taken.has(name)) name = `${base}@${++k}`;
    this.taken.add(name);
    return name;
  }

  /** Adds one node. Attributes are ONNX attributes (numbers, strings, lists, tensors). */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attributes: Record<string, AttributeValue> = {}): void {
    const name = `${this.opLabel || opType}:${outputs[0] ?? this.nodes.length}`;
    this.nodes.push({ name, opType, domain: "", inputs: inputs.slice(), outputs: outputs.slice(), attributes: new Map(Object.entries(attributes)) });
  }

  /** Adds a node with one fresh output named after `base`; returns the output's name. */
  temp(opType: string, inputs: readonly string[], base: string, attributes: Record<string, AttributeValue> = {}): string {
    const output = this.fresh(base);
    this.node(opType, inputs, [output], attributes);
    return output;
  }

  /** Registers a constant under `name` (a name already written), e.g. a parameter. */
  setConstant(name: string, tensor: AnyTensor): void {
    this.taken.add(name);
    this.constants.set(name, tensor);
    this.dims.set(name, tensor.shape.slice());
  }

  /** A new constant named after `base`; returns its name. */
  constant(base: string, tensor: AnyTensor): string {
    const name = this.fresh(base);
    this.constants.set(name, tensor);
    this.dims.set(name, tensor.shape.slice());
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, slice bounds). */
  int64s(base: string, values: readonly number[]): string {
    return this.constant(base, IntTensor.fromValues(values, "int64"));
  }

  /** A float32 scalar constant. */
  scalar(base: string, value: number): string {
    return this.constant(base, Tensor.scalar(value));
  }

  /** The dims known for a graph value, or undefined. */
  dimsOf(name: string): number[] | undefined {
    return this.dims.get(name);
  }

  setDims(name: string, dims: readonly number[]): void {
    this.dims.set(name, dims.slice());
  }

  /** The constant behind a graph value, or undefined when it is computed at run time. */
  constantOf(name: string): AnyTensor | undefined {
    return this.constants.get(name);
  }
}

/** A problem in one op: the translator collects these and reports them all together. */
export class OpProblem extends Error {}

/** Throws one ModelValidationError listing `problems` if there are any. */
export function throwProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw new ModelValidationError(problems.slice());
}

/** `name` quoted for messages. */
export const q = (name: string): string => `'${quoteName(name)}'`;
