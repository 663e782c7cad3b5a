/**
 * The generic ONNX graph executor: runs any decoded model whose ops are in the op table.
 *
 *   load:  rewrite the graph (fold constants, fold BatchNorm into Conv, fuse hard-swish
 *          and Conv → activation), order the nodes topologically, prepare each node
 *   run:   check the feeds → look up (or build) the plan for these input shapes →
 *          execute the plan's steps, taking intermediate buffers from an arena and
 *          giving each back after its last reader → return fresh output tensors
 */
import { DisposedError, GhostnetError, InputError, LimitError, ModelValidationError, quoteName } from "../errors.js";
import type { OnnxModel, OnnxValueInfo } from "../loader/model.js";
import { topologicalOrder, validateGraph } from "../loader/validate.js";
import { BufferArena } from "../tensor/arena.js";
import { IntTensor, Tensor, formatShape, type AnyTensor, type TensorLike } from "../tensor/tensor.js";
import type { ExecNode, OpDefinition, OpSettings, ValueMeta } from "./op-types.js";
import { buildPlan, withNodeContext, type Plan, type PreparedNode } from "./plan.js";
import { rewriteGraph, type RewriteOptions } from "./rewrite.js";
import type { WasmBackend } from "../wasm/backend.js";

/** A feed: float32 data, or integer data for integer inputs. */
export type FeedTensor = TensorLike | IntTensor;
export type ExecutorFeeds = Record<string, FeedTensor> | readonly FeedTensor[];

/** One executed step's wall time, from `run(feeds, { timings })`. */
export interface StepTiming {
  name: string;
  opType: string;
  ms: number;
}

/** Options of the graph executor: load-time rewrites and limits. */
export interface ExecutorOptions extends RewriteOptions {
  /** How many plans (one per distinct set of input shapes) to keep (default 8). */
  maxCachedPlans?: number;
  /**
   * Most bytes one run may hold in intermediate and output tensors at once (default
   * DEFAULT_MAX_RUN_BYTES, 2 GiB). Checked when the plan for a set of input shapes is built,
   * before anything is allocated: a run over it is refused with a LimitError.
   */
  maxRunBytes?: number;
  /**
   * Keep constant weights also in the layouts the kernels read fastest (default true; see
   * OpSettings): 8 bytes per weight of the pointwise convs and of fully connected heads.
   * GhostNet x1.0 through the graph executor, heap after loading and one run: 56 MB
   * against 20 MB, runs 1.09–1.12× faster (2026-11-29). The same results either way.
   */
  packWeights?: boolean;
}

/** Default per-run memory budget: 2 GiB of live tensors (a GhostNet x1.3 batch of 64 at 224² needs well under 1 GiB). */
export const DEFAULT_MAX_RUN_BYTES = 2 ** 31;

/**
 * Runs any decoded ONNX model whose ops are in the op table: rewrites the graph at load,
 * plans buffers per input shape, and runs the plan's steps (see the file comment).
 */
export class GraphExecutor {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The nodes as executed (after rewrites), in topological order. */
  readonly nodes: readonly ExecNode[];

  private readonly inputs: readonly OnnxValueInfo[];
  private readonly slotOf = new Map<string, number>();
  private readonly constants = new Map<number, AnyTensor>();
  private readonly prepared: PreparedNode[];
  private readonly inputSlots: number[];
  private readonly outputSlots: number[];
  private readonly plans = new Map<string, Plan>();
  private readonly maxCachedPlans: number;
  private readonly maxTensorElements: number;
  private readonly maxRunBytes: number;
  private arena: BufferArena | undefined = new BufferArena();

  /**
   * Builds an executor for a decoded (and validated) model. `opTable` maps op types to
   * their definitions; attribute problems of every node are collected and thrown
   * together as one ModelValidationError.
   */
  /** "wasm" when built with a wasm backend (its Conv, MatMul and Gemm nodes run wasm kernels), else "js". */
  readonly backend: "js" | "wasm";
  private wasm: WasmBackend | undefined;

  /**
   * `wasm`: a backend whose kernels run the constant-weight Conv, MatMul and Gemm nodes
   * (the executor owns it from now on and disposes it with itself).
   */
  constructor(model: OnnxModel, opTable: Readonly<Record<string, OpDefinition>>, options: ExecutorOptions = {}, wasm?: WasmBackend) {
    this.wasm = wasm;
    this.backend = wasm === undefined ? "js" : "wasm";
    this.maxCachedPlans = options.maxCachedPlans ?? 8;
    this.maxTensorElements = options.maxTensorElements ?? 2 ** 28;
    this.maxRunBytes = options.maxRunBytes ?? DEFAULT_MAX_RUN_BYTES;
    if (!(this.maxRunBytes > 0)) throw new InputError(`maxRunBytes must be a positive number of bytes, got ${String(options.maxRunBytes)}`);
    // Checked here too, so an executor built without loadModel never runs a broken graph.
    const graphProblems = validateGraph(model, { has: (op) => op in opTable });
    if (graphProblems.length > 0) throw new ModelValidationError(graphProblems);
    const graph = rewriteGraph(model, opTable, options);
    this.inputs = graph.inputs;
    this.inputNames = graph.inputs.map((i) => i.name);
    this.outputNames = graph.outputs.map((o) => o.name);

    const slot = (name: string): number => {
      let s = this.slotOf.get(name);
      if (s === undefined) {
        s = this.slotOf.size;
        this.slotOf.set(name, s);
      }
      return s;
    };
    for (const [name, value] of graph.constants) this.constants.set(slot(name), value);
    this.inputSlots = graph.inputs.map((i) => slot(i.name));

    const available = new Set<string>([...this.inputNames, ...graph.constants.keys()]);
    const { order, stuck } = topologicalOrder(graph.nodes, available);
    if (stuck.length > 0) throw new ModelValidationError([`the graph has a cycle through node '${quoteName(stuck[0]!.name)}'`]);
    this.nodes = order;

    const problems: string[] = [];
    const settings: OpSettings = { packWeights: options.packWeights ?? true, wasm };
    this.prepared = [];
    for (const node of order) {
      const define = opTable[node.opType];
      if (define === undefined) {
        problems.push(`unsupported op type '${quoteName(node.opType)}' (node '${quoteName(node.name)}')`);
        continue;
      }
      try {
        this.prepared.push({
          node,
          planner: define(node, model.opset, settings),
          inputs: node.inputs.map((n) => (n === "" ? -1 : slot(n))),
          outputs: node.outputs.map((n) => (n === "" ? -1 : slot(n))),
        });
      } catch (error) {
        const e = withNodeContext(node, error);
        if (e instanceof ModelValidationError) problems.push(...e.problems);
        else if (e instanceof GhostnetError) problems.push(e.message);
        else throw e;
      }
    }
    if (problems.length > 0) throw new ModelValidationError(problems);
    this.outputSlots = this.outputNames.map(slot);
  }

  /**
   * Runs the graph. Feeds by input name or by position; outputs by name, owned by the
   * caller. Pass `timings` to get each executed step's wall time (for profiling).
   */
  run(feeds: ExecutorFeeds, options: { timings?: StepTiming[] } = {}): Record<string, AnyTensor> {
    const arena = this.arena;
    if (arena === undefined) throw new DisposedError("model");
    const fed = this.checkFeeds(feeds);
    const plan = this.planFor(fed);
    const values = plan.known.slice();
    fed.forEach((t, i) => {
      values[this.inputSlots[i]!] = t;
    });
    const outputSet = new Set(this.outputSlots);
    try {
      runSteps(plan, values, outputSet, arena, options.timings);
    } catch (error) {
      throw asLimitError(error) ?? error;
    }
    // (A step that throws leaves its buffers to the garbage collector; the arena stays consistent.)

    const result: Record<string, AnyTensor> = {};
    const handedOut = new Set<AnyTensor>();
    this.outputNames.forEach((name, i) => {
      const slot = this.outputSlots[i]!;
      let value = values[slot]!;
      // Feeds, constants and outputs listed twice are copied, so the caller owns each.
      if (plan.known[slot] !== undefined || this.inputSlots.includes(slot) || handedOut.has(value)) value = copyOf(value);
      handedOut.add(value);
      result[name] = value;
    });
    return result;
  }

  /**
   * What a run on these feeds would execute, without running it: the steps in order
   * (Reshape-like steps that only share their input's buffer are marked), and how many
   * values are known before the run (constants and shape arithmetic computed once).
   */
  describePlan(feeds: ExecutorFeeds): {
    steps: { name: string; opType: string; aliased: boolean; outputShapes: number[][] }[];
    knownValues: number;
  } {
    if (this.arena === undefined) throw new DisposedError("model");
    const plan = this.planFor(this.checkFeeds(feeds));
    return {
      steps: plan.steps.map((s) => ({
        name: s.node.name,
        opType: s.node.opType,
        aliased: s.aliasOf.some((a) => a >= 0),
        outputShapes: s.outputMeta.map((m) => m.shape.slice()),
      })),
      knownValues: plan.known.filter((v) => v !== undefined).length,
    };
  }

  /** The cached plan for these feeds' shapes and dtypes, built on first use. */
  private planFor(fed: readonly AnyTensor[]): Plan {
    const key = fed.map((t) => `${t.dtype}${formatShape(t.shape)}`).join(";");
    let plan = this.plans.get(key);
    if (plan === undefined) {
      plan = buildPlan({
        slotCount: this.slotOf.size,
        prepared: this.prepared,
        constants: this.constants,
        inputs: fed.map((t, i) => ({ slot: this.inputSlots[i]!, meta: { shape: t.shape, dtype: t.dtype } satisfies ValueMeta })),
        outputSlots: new Set(this.outputSlots),
        maxTensorElements: this.maxTensorElements,
      });
      const peak = peakRunBytes(plan);
      if (peak > this.maxRunBytes) {
        throw new LimitError(
          `a run on inputs ${key} would hold ${formatBytes(peak)} of tensors at once, more than the limit of ${formatBytes(this.maxRunBytes)} (option maxRunBytes)`,
        );
      }
      if (this.plans.size >= this.maxCachedPlans) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(key, plan);
    }
    return plan;
  }

  /** Frees the pooled buffers and cached plans; `run` afterwards throws DisposedError. */
  dispose(): void {
    this.arena?.clear();
    this.arena = undefined;
    this.plans.clear();
    this.wasm?.dispose();
    this.wasm = undefined;
  }

  /** Arena statistics (for tests and benchmarks). */
  arenaStats(): { allocations: number; allocatedBytes: number } {
    return this.arena?.stats() ?? { allocations: 0, allocatedBytes: 0 };
  }

  /** Validates feeds against the declared inputs and returns them in input order as tensors. */
  private checkFeeds(feeds: ExecutorFeeds): AnyTensor[] {
    let list: FeedTensor[];
    if (Array.isArray(feeds)) {
      if (feeds.length !== this.inputs.length) {
        throw new InputError(`the model has ${this.inputs.length} input(s) (${this.inputNames.map(quoteName).join(", ")}), got ${feeds.length} feed(s)`);
      }
      list = feeds.slice();
    } else {
      const byName = feeds as Record<string, FeedTensor>;
      for (const name of Object.keys(byName)) {
        if (!this.inputNames.includes(name)) {
          throw new InputError(`unknown input '${quoteName(name)}'; the model's inputs are: ${this.inputNames.map(quoteName).join(", ")}`);
        }
      }
      list = this.inputNames.map((name) => {
        const feed = byName[name];
        if (feed === undefined) throw new InputError(`missing feed for input '${quoteName(name)}'`);
        return feed;
      });
    }
    const dynamicDims = new Map<string, { value: number; input: string }>();
    return list.map((feed, i) => checkFeed(feed, this.inputs[i]!, dynamicDims));
  }
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function copyOf(t: AnyTensor): AnyTensor {
  return t instanceof Tensor ? new Tensor(t.shape, t.data.slice()) : new IntTensor(t.dtype, t.shape, t.data.slice());
}

/** Checks one feed against its declared input: type, rank, static dims, consistent dynamic dims. */
function checkFeed(feed: FeedTensor, input: OnnxValueInfo, dynamicDims: Map<string, { value: number; input: string }>): AnyTensor {
  const name = input.name;
  if (feed === null || typeof feed !== "object" || !Array.isArray(feed.shape) || feed.data === undefined) {
    throw new InputError(`input '${quoteName(name)}': a feed must be an object with 'shape' (number[]) and 'data'`);
  }
  const shape = feed.shape as readonly number[];
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new InputError(`input '${quoteName(name)}': invalid dimension ${d} in shape ${formatShape(shape)}`);
  }
  const size = sizeOf(shape);
  if (feed.data.length !== size) {
    throw new InputError(`input '${quoteName(name)}': shape ${formatShape(shape)} needs ${size} values, the data holds ${feed.data.length}`);
  }
  const declared = input.shape;
  if (declared !== undefined) {
    const expected = `[${declared.join(", ")}]`;
    if (declared.length !== shape.length) {
      throw new InputError(`input '${quoteName(name)}': expected rank ${declared.length} ${expected}, found shape ${formatShape(shape)}`);
    }
    declared.forEach((d, k) => {
      const found = shape[k]!;
      if (typeof d === "number") {
        if (d !== found) throw new InputError(`input '${quoteName(name)}': dimension ${k} must be ${d} (declared ${expected}), found shape ${formatShape(shape)}`);
      } else if (!d.startsWith("?")) {
        const seen = dynamicDims.get(d);
        if (seen !== undefined && seen.value !== found) {
          throw new InputError(`input '${quoteName(name)}': dimension ${k} ('${d}') is ${found}, but input '${quoteName(seen.input)}' set it to ${seen.value}`);
        }
        dynamicDims.set(d, { value: found, input: name });
      }
    });
  }
  if (input.dtype === "float32") {
    if (!(feed.data instanceof Float32Array)) {
      throw new InputError(`input '${quoteName(name)}' expects float32 data (a Float32Array), got ${feed.data.constructor?.name ?? typeof feed.data}`);
    }
    return feed instanceof Tensor ? feed : new Tensor(shape, feed.data);
  }
  if (input.dtype === "unsupported") throw new InputError(`input '${quoteName(name)}' has an unsupported element type`);
  if (feed instanceof IntTensor) return feed;
  // Integer data as any typed array (BigInt64Array included) or plain numbers.
  const values = feed.data as ArrayLike<number | bigint>;
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const v = Number(values[i]);
    if (!Number.isInteger(v)) throw new InputError(`input '${quoteName(name)}' expects ${input.dtype} values, found ${String(values[i])} at index ${i}`);
    data[i] = v;
  }
  return new IntTensor(input.dtype, shape, data);
}

/** Executes the plan's steps over `values` (by slot), taking and giving buffers from `arena`. */
function runSteps(
  plan: Plan,
  values: (AnyTensor | undefined)[],
  outputSet: ReadonlySet<number>,
  arena: BufferArena,
  timings: StepTiming[] | undefined,
): void {
  for (const step of plan.steps) {
    const inputs = step.inputs.map((s) => (s < 0 ? undefined : values[s])) as AnyTensor[];
    const outputs: AnyTensor[] = step.outputMeta.map((meta, k) => {
      const source = step.aliasOf[k]!;
      if (source >= 0) {
        const from = values[source]!;
        return from instanceof Tensor ? new Tensor(meta.shape, from.data) : new IntTensor(from.dtype, meta.shape, from.data);
      }
      if (meta.dtype !== "float32") return new IntTensor(meta.dtype, meta.shape);
      const slot = step.outputs[k]!;
      if (outputSet.has(slot) || slot < 0) return new Tensor(meta.shape);
      return new Tensor(meta.shape, arena.take(sizeOf(meta.shape)));
    });
    if (step.aliasOf.every((a) => a < 0)) {
      const start = timings ? performance.now() : 0;
      try {
        step.run(inputs, outputs);
      } catch (error) {
        throw withNodeContext(step.node, error);
      }
      timings?.push({ name: step.node.name, opType: step.node.opType, ms: performance.now() - start });
    }
    step.outputs.forEach((slot, k) => {
      if (slot >= 0) values[slot] = outputs[k];
    });
    for (const slot of step.release) {
      const t = values[slot];
      if (t instanceof Tensor) arena.give(t.data);
      values[slot] = undefined;
    }
  }
}

/**
 * Bytes a run over `plan` holds at its peak: outputs of steps that are not Reshape-like
 * (float32 4 bytes, integer tensors 8 bytes per element) are added when the step runs and
 * subtracted when the step's release list frees them; graph outputs are never freed.
 * Feeds and constants exist before the run and are not counted.
 */
export function peakRunBytes(plan: Plan): number {
  const held = new Map<number, number>(); // buffer-owning slot → its bytes
  const ownerOf = new Map<number, number>(); // Reshape-like slot → the slot owning its buffer
  let live = 0;
  let peak = 0;
  for (const step of plan.steps) {
    step.outputMeta.forEach((meta, k) => {
      const slot = step.outputs[k]!;
      const source = step.aliasOf[k]!;
      if (source >= 0) {
        if (slot >= 0) ownerOf.set(slot, ownerOf.get(source) ?? source);
        return;
      }
      const bytes = sizeOf(meta.shape) * (meta.dtype === "float32" ? 4 : 8);
      live += bytes;
      if (slot >= 0) held.set(slot, bytes);
    });
    peak = Math.max(peak, live);
    // Releasing any name of a buffer gives the buffer back (as run() does with the arena).
    for (const slot of step.release) {
      const owner = ownerOf.get(slot) ?? slot;
      live -= held.get(owner) ?? 0;
      held.delete(owner);
    }
  }
  return peak;
}

/** A RangeError from a failed typed-array allocation, as a LimitError; otherwise undefined. */
function asLimitError(error: unknown): LimitError | undefined {
  if (!(error instanceof RangeError)) return undefined;
  if (!/allocation failed|Invalid typed array length|Array buffer/i.test(error.message)) return undefined;
  return new LimitError(`out of memory during the run (${error.message}); lower the batch or the input size`);
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${bytes} bytes`;
}
