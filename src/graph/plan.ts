/**
 * Planning: for one set of input shapes, walk the nodes in topological order once and
 * decide everything a run needs to know:
 *
 *   - every value's shape and dtype;
 *   - which values are known before the run (constants, and shape arithmetic such as
 *     Shape → Cast → Slice → Concat → Reshape's shape input), computed here, once;
 *   - the runtime steps: the nodes left, each with its output shapes;
 *   - lifetimes: after which step each intermediate buffer goes back to the arena;
 *   - aliases: Reshape-like outputs share their input's buffer instead of copying.
 *
 * The executor caches one plan per input-shape signature.
 */
import {
  GhostnetError,
  InputError,
  LimitError,
  ModelValidationError,
  ShapeError,
  UnsupportedOperatorError,
  quoteName,
} from "../errors.js";
import { IntTensor, Tensor, formatShape, type AnyTensor } from "../tensor/tensor.js";
import type { ExecNode, OpPlan, OpPlanner, OutputMeta, ValueMeta } from "./op-types.js";

/** A node prepared at load: its planner and its value slots (-1 for an omitted input). */
export interface PreparedNode {
  node: ExecNode;
  planner: OpPlanner;
  inputs: number[];
  outputs: number[];
}

/** One node to execute in a run. */
export interface Step {
  node: ExecNode;
  run: NonNullable<OpPlan["run"]>;
  inputs: number[];
  outputs: number[];
  outputMeta: OutputMeta[];
  /** For each output: the input slot whose buffer it shares (Reshape-like), or -1. */
  aliasOf: number[];
  /** Slots whose buffers go back to the arena after this step. */
  release: number[];
}

export interface Plan {
  /** Values known before the run, by slot (constants and shape-derived values). */
  known: (AnyTensor | undefined)[];
  steps: Step[];
}

/** What the planner needs from the executor. */
export interface PlanContext {
  slotCount: number;
  prepared: readonly PreparedNode[];
  /** Constant values by slot. */
  constants: ReadonlyMap<number, AnyTensor>;
  /** Graph inputs: slot and the meta of this call's feed. */
  inputs: readonly { slot: number; meta: ValueMeta }[];
  /** Slots of graph outputs (their buffers belong to the caller and are never released). */
  outputSlots: ReadonlySet<number>;
  /** Largest element count any value may have (checked before allocating). */
  maxTensorElements: number;
}

/** Ops whose output is the input with another shape: they share the buffer. */
const aliasingOps = new Set(["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"]);

/** Puts the node's name in front of an error thrown while planning or running it. */
export function withNodeContext(node: ExecNode, error: unknown): unknown {
  if (!(error instanceof GhostnetError)) return error;
  const prefix = `node '${quoteName(node.name)}' (${quoteName(node.opType)}): `;
  if (error.message.startsWith("node '")) return error;
  if (error instanceof ShapeError) return new ShapeError(prefix + error.message);
  if (error instanceof UnsupportedOperatorError) return new UnsupportedOperatorError(prefix + error.message);
  if (error instanceof InputError) return new InputError(prefix + error.message);
  if (error instanceof ModelValidationError) return new ModelValidationError(error.problems.map((p) => prefix + p));
  return error;
}

export function allocateValue(meta: OutputMeta): AnyTensor {
  return meta.dtype === "float32" ? new Tensor(meta.shape) : new IntTensor(meta.dtype, meta.shape);
}

export function buildPlan(context: PlanContext): Plan {
  const metas: (ValueMeta | undefined)[] = new Array(context.slotCount);
  const known: (AnyTensor | undefined)[] = new Array(context.slotCount);
  for (const [slot, value] of context.constants) {
    metas[slot] = { shape: value.shape, dtype: value.dtype, value };
    known[slot] = value;
  }
  for (const { slot, meta } of context.inputs) metas[slot] = meta;

  const steps: Step[] = [];
  for (const prepared of context.prepared) {
    const { node } = prepared;
    const inputMetas = prepared.inputs.map((slot) => (slot < 0 ? undefined : metas[slot]));
    let plan: OpPlan;
    try {
      plan = prepared.planner(inputMetas);
    } catch (error) {
      throw withNodeContext(node, error);
    }
    if (plan.outputs.length < prepared.outputs.filter((s) => s >= 0).length) {
      throw withNodeContext(node, new UnsupportedOperatorError(`produces ${plan.outputs.length} outputs, the model asks for ${prepared.outputs.length}`));
    }
    for (const out of plan.outputs) {
      let size = 1;
      for (const d of out.shape) size *= d;
      if (size > context.maxTensorElements) {
        throw new LimitError(
          `node '${quoteName(node.name)}' (${quoteName(node.opType)}) would produce a tensor of shape ${formatShape(out.shape)}, more than the limit of ${context.maxTensorElements} elements (option maxTensorElements)`,
        );
      }
    }
    const allKnown = inputMetas.every((m) => m === undefined || m.value !== undefined);
    let values = plan.values;
    if (values === undefined && allKnown && plan.run !== undefined) {
      // Every input is known before the run: compute the outputs now, once per shape.
      values = plan.outputs.map(allocateValue);
      try {
        plan.run(inputMetas.map((m) => m?.value) as AnyTensor[], values);
      } catch (error) {
        throw withNodeContext(node, error);
      }
    }
    prepared.outputs.forEach((slot, k) => {
      if (slot < 0) return;
      const out = plan.outputs[k]!;
      const value = values?.[k];
      metas[slot] = { shape: out.shape, dtype: out.dtype, value };
      known[slot] = value;
    });
    if (values !== undefined) continue;
    if (plan.run === undefined) {
      throw withNodeContext(node, new UnsupportedOperatorError("its outputs depend on values known only at run time, which this op does not support"));
    }
    const canAlias = aliasingOps.has(node.opType) && prepared.outputs[0]! >= 0 && prepared.outputs.filter((s) => s >= 0).length === 1 && prepared.inputs[0]! >= 0;
    const aliasOf = prepared.outputs.map((slot, k) => (canAlias && k === 0 && !context.outputSlots.has(slot) ? prepared.inputs[0]! : -1));
    steps.push({
      node,
      run: plan.run,
      inputs: prepared.inputs,
      outputs: prepared.outputs,
      outputMeta: plan.outputs,
      aliasOf,
      release: [],
    });
  }
  assignLifetimes(steps, context);
  return { known, steps };
}

/**
 * Each buffer's owner is the step output that allocated it; aliases point at their
 * owner. A buffer goes back to the arena after the last step that reads the owner or
 * any alias of it. Graph outputs, feeds and known values are never released.
 */
function assignLifetimes(steps: Step[], context: PlanContext): void {
  const owner = new Map<number, number>(); // slot → owning slot (for arena buffers)
  const lastUse = new Map<number, number>(); // owning slot → step index
  steps.forEach((step, i) => {
    for (const slot of step.inputs) {
      const o = owner.get(slot);
      if (o !== undefined) lastUse.set(o, i);
    }
    step.outputs.forEach((slot, k) => {
      if (slot < 0) return;
      const source = step.aliasOf[k]!;
      if (source >= 0) {
        const o = owner.get(source);
        // An alias of a feed or a known value owns nothing.
        if (o !== undefined) {
          owner.set(slot, o);
          lastUse.set(o, Math.max(lastUse.get(o) ?? i, i));
        }
      } else if (!context.outputSlots.has(slot) && step.outputMeta[k]!.dtype === "float32") {
        owner.set(slot, slot);
        lastUse.set(slot, i); // read by no one: released right after it is written
      }
    });
  });
  // A buffer some graph output aliases must survive the run.
  for (const [slot, o] of owner) if (context.outputSlots.has(slot)) lastUse.delete(o);
  for (const [o, i] of lastUse) steps[i]!.release.push(o);
}
