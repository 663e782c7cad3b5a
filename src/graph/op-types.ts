/**
 * The contract between the graph executor and the op table.
 *
 * An op is set up in two steps, so that everything that can be decided early is decided
 * once:
 *
 *   prepare(node, opset, settings)  at load: read and check the attributes (per-opset rules)
 *     → plan(inputs: ValueMeta[])    per input shape: output shapes and dtypes, reading the
 *                                    values of inputs that are known before the run
 *                                    (constants, shape arithmetic)
 *       → run(inputs, outputs)       per run: the kernel writes every output element
 *
 * A definition may keep state across runs in its closure (Conv and MatMul keep their
 * constant weights' packed copies, keyed by the weight buffer, when settings.packWeights).
 *
 * A plan may instead give its outputs' `values` directly (Shape gives the input's
 * shape): such nodes never run; their outputs are known for every run of that shape.
 */
import type { OnnxNode } from "../loader/model.js";
import type { FusedActivation } from "../ops/fused-activation.js";
import type { AnyTensor, DataType } from "../tensor/tensor.js";
import type { WasmBackend } from "../wasm/backend.js";

/** What the planner knows about one value: its shape and dtype, and its data when known before the run. */
export interface ValueMeta {
  readonly shape: readonly number[];
  readonly dtype: DataType;
  /** The value itself, when it is a constant or computed from shapes alone. */
  readonly value?: AnyTensor;
}

export interface OutputMeta {
  shape: number[];
  dtype: DataType;
}

/** One node planned for one set of input shapes. */
export interface OpPlan {
  outputs: OutputMeta[];
  /** Writes the outputs (allocated by the executor with `outputs`' shapes). */
  run?(inputs: readonly AnyTensor[], outputs: readonly AnyTensor[]): void;
  /** The outputs' values when they follow from the inputs' shapes alone (Shape). */
  values?: AnyTensor[];
}

/**
 * An activation applied in a producer's epilogue (Conv): the executor fuses `Conv → Relu`
 * into one node and tells the Conv through its `fusedActivation` (src/ops/fused-activation.ts).
 */
export type ActivationSpec = Exclude<FusedActivation, { kind: "none" }>;

/** A node as the executor runs it: an ONNX node plus what load-time rewrites attached. */
export interface ExecNode extends OnnxNode {
  /** An activation fused into this node's epilogue. */
  fusedActivation?: ActivationSpec;
}

/** Inputs are undefined where the node omits an optional input (""). */
export type OpPlanner = (inputs: readonly (ValueMeta | undefined)[]) => OpPlan;

/** Load-time choices the executor passes to every op definition. */
export interface OpSettings {
  /**
   * Whether ops may keep constant weights also in the layouts their kernels read fastest
   * (loadModel's `packWeights`, default true): Conv packs a pointwise conv's weight once
   * (packPointwiseWeights), MatMul and Gemm keep a constant B's columns as float64 rows for
   * products of at most three rows (columnRows). 8 bytes per weight; the same bits.
   */
  packWeights: boolean;
  /**
   * The wasm backend, when the model runs on it: Conv, MatMul and Gemm nodes with constant
   * weights pack them into its memory at load and run its kernels (src/wasm/staged.ts),
   * falling back to their JS kernels for calls those do not take.
   */
  wasm?: WasmBackend;
}

/** Reads a node's attributes (throwing ModelValidationError on bad ones) and returns its planner. */
export type OpDefinition = (node: ExecNode, opset: number, settings: OpSettings) => OpPlanner;
