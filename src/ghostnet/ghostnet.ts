/**
 * GhostNet (PaddleClas): the whole network as typed layers.
 *
 *   x [N, 3, H, W]
 *   → conv1            ConvBN 3×3 stride 2, relu          [N, stem, H/2, W/2]
 *   → 16 × GhostBottleneck (_ghostbottleneck_0 … _15)     [N, out15, H/32, W/32]
 *   → conv_last        ConvBN 1×1, relu                   [N, md(960·s), H/32, W/32]
 *   → pool2d_gap       global average pool                [N, md(960·s), 1, 1]
 *   → fc_0             ConvBN 1×1, relu                   [N, 1280, 1, 1]
 *   → dropout (identity at inference), reshape             [N, 1280]
 *   → fc_1             Linear 1280 → classes (logits)     [N, classes]
 *   → softmax                                             [N, classes]
 *
 * `forward` can hand back any named intermediate (PaddleClas's layer names), so a user
 * can compare an activation with Paddle's. Buffers are planned per input shape.
 */
import { InputError } from "../errors.js";
import { globalAveragePool } from "../ops/pooling.js";
import { softmax } from "../ops/softmax.js";
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import { type ConvBnSpec, type GhostNetConfig, type LinearSpec, parameterLayers } from "./config.js";
import { type BottleneckScratch, ConvBN, type ForwardHooks, GhostBottleneck, Linear, checkInput } from "./layers.js";
import { PlanCache, planSlots, shapeKey, slotFloats } from "./plan-cache.js";
import { type LayerTiming, Stopwatch } from "./profile.js";
import type { GhostNetWeights } from "./weights.js";
import type { WasmBackend } from "../wasm/backend.js";
import { WasmElementwise } from "../wasm/elementwise.js";

/** Options of `GhostNet.forward`. */
export interface GhostNetForwardOptions {
  /** PaddleClas layer names whose outputs to return (see `GhostNet.layerNames`). */
  capture?: readonly string[];
  /** Low-level callbacks (observation, fixture calibration). */
  hooks?: ForwardHooks;
  /** Receives each step's wall time, in execution order (runs without hooks or capture). */
  profile?: LayerTiming[];
}

/** What `GhostNet.forward` returns. */
export interface GhostNetOutput {
  /** Softmax probabilities [N, classes] (a fresh tensor). */
  probabilities: Tensor;
  /** fc_1's output before the softmax [N, classes] (a fresh tensor). */
  logits: Tensor;
  /** Copies of the captured layers' outputs, by layer name. */
  intermediates: Record<string, Tensor>;
}

/**
 * The activations of one input shape. Bottleneck outputs alternate between two slots
 * (each block reads one and writes the other), and every bottleneck's intermediates share
 * one set of slots: x1.3 at batch 4 needs about a third of the memory of one buffer per
 * layer.
 */
interface NetworkPlan {
  inputShape: readonly number[];
  /** With a wasm backend: the input's copy in its memory, and the memory generation the views belong to. */
  input?: Tensor;
  generation?: number;
  conv1: Tensor;
  blocks: Tensor[];
  scratch: BottleneckScratch[];
  convLast: Tensor;
  pooled: Tensor;
  fc0: Tensor;
  /** fc0's output seen as [N, 1280] (fc_1's input). */
  fc0Flat: Tensor;
  logits: Tensor;
  probabilities: Tensor;
}

/**
 * PaddleClas's GhostNet as typed layers, in execution order (see the file comment for the
 * shapes); built from a configuration and a weight map, run with `forward`.
 */
export class GhostNet {
  readonly config: GhostNetConfig;
  readonly conv1: ConvBN;
  readonly ghostBottlenecks: GhostBottleneck[];
  readonly convLast: ConvBN;
  readonly fc0: ConvBN;
  readonly fc1: Linear;
  /** Every name `forward` can capture, in execution order. */
  readonly layerNames: readonly string[];
  private readonly plans = new PlanCache<NetworkPlan>();
  /** The last plan used: a run at the same shape as the previous one skips the cache lookup. */
  private lastPlan: NetworkPlan | undefined;
  /** The wasm backend the layers run on, or null for the JS kernels (attachBackend). */
  private wasm: WasmBackend | null = null;

  /** Builds the network; throws ShapeError naming the layer when a weight is missing or misshapen. */
  constructor(config: GhostNetConfig, weights: GhostNetWeights) {
    this.config = config;
    const specs = new Map(parameterLayers(config).map((s) => [s.name, s]));
    this.conv1 = new ConvBN(specs.get("conv1") as ConvBnSpec, weights);
    this.ghostBottlenecks = config.bottlenecks.map((b) => new GhostBottleneck(b, weights));
    this.convLast = new ConvBN(specs.get("conv_last") as ConvBnSpec, weights);
    this.fc0 = new ConvBN(specs.get("fc_0") as ConvBnSpec, weights);
    this.fc1 = new Linear(specs.get("fc_1") as LinearSpec, weights);
    this.layerNames = ghostNetLayerNames(config);
  }

  /** "wasm" when the layers run on a wasm backend (attachBackend), else "js". */
  get backend(): "js" | "wasm" {
    return this.wasm === null ? "js" : "wasm";
  }

  /**
   * Runs the network on the wasm backend `backend` (its weights packed into the backend's
   * memory now; activations planned there per input shape), or on the JS kernels with null.
   * Layers or calls the wasm kernels do not take run their JS kernels on the same memory.
   */
  attachBackend(backend: WasmBackend | null): void {
    this.wasm = backend;
    for (const layer of this.weightedLayers()) if (!(layer instanceof Linear) || layer === this.fc1) layer.attachBackend(backend);
    const elementwise = backend === null ? undefined : new WasmElementwise(backend);
    for (const block of this.ghostBottlenecks) {
      block.seBlock?.attachBackend(backend, elementwise);
      block.elementwise = elementwise;
    }
    this.releaseBuffers();
  }

  private plan(inputShape: readonly number[]): NetworkPlan {
    const last = this.lastPlan;
    const backend = this.wasm;
    if (backend !== null) {
      // One plan at a time in the backend's memory (a new shape starts its plan region again).
      if (last !== undefined && sameDims(last.inputShape, inputShape) && last.generation === backend.generation) return last;
      this.plans.clear();
      this.lastPlan = this.makePlan(inputShape);
      return this.lastPlan;
    }
    if (last !== undefined && sameDims(last.inputShape, inputShape)) return last;
    this.lastPlan = this.plans.get(shapeKey(inputShape), () => this.makePlan(inputShape));
    return this.lastPlan;
  }

  /** Every conv with the input shape it sees, for an input shape of the network. */
  private *convInputs(inputShape: readonly number[]): Generator<[ConvBN, readonly number[]]> {
    yield [this.conv1, inputShape];
    let shape = this.conv1.outputShape(inputShape);
    for (const block of this.ghostBottlenecks) {
      const scratch = block.scratchShapes(shape);
      for (const [module, input] of [[block.ghostModule1, shape], [block.ghostModule2, scratch.depthwise ?? scratch.ghost1!]] as const) {
        yield [module.primaryConv, input];
        yield [module.cheapOperation, module.primaryConv.outputShape(input)];
      }
      if (block.depthwiseConv) yield [block.depthwiseConv, scratch.ghost1!];
      if (block.shortcutDepthwise) yield [block.shortcutDepthwise, shape];
      if (block.shortcutConv) yield [block.shortcutConv, scratch.shortcutDepthwise!];
      shape = block.outputShape(shape);
    }
    yield [this.convLast, shape];
  }

  private makePlan(inputShape: readonly number[]): NetworkPlan {
    const n = inputShape[0]!;
    let shape = this.conv1.outputShape(inputShape);
    const requests: { slot: string; shape: readonly number[] }[] = [{ slot: "even", shape }];
    const scratchKeys: (keyof BottleneckScratch)[] = ["ghost1", "depthwise", "shortcutDepthwise", "shortcut"];
    this.ghostBottlenecks.forEach((block, i) => {
      const scratch = block.scratchShapes(shape);
      for (const key of scratchKeys) if (scratch[key]) requests.push({ slot: key, shape: scratch[key]! });
      shape = block.outputShape(shape);
      requests.push({ slot: i % 2 === 0 ? "odd" : "even", shape });
    });
    const n0 = inputShape[0]!;
    const backend = this.wasm;
    const widest = Math.max(0, ...this.ghostBottlenecks.map((b) => b.seBlock?.squeeze.spec.in ?? 0));
    if (backend !== null) {
      // Everything else a run touches gets a slot of its own, in the backend's memory.
      requests.push(
        { slot: "input", shape: inputShape },
        { slot: "convLast", shape: this.convLast.outputShape(shape) },
        { slot: "pooled", shape: [n0, this.config.lastConv, 1, 1] },
        { slot: "fc0", shape: [n0, this.config.fc0, 1, 1] },
        { slot: "logits", shape: [n0, this.config.classCount] },
        { slot: "probabilities", shape: [n0, this.config.classCount] },
        { slot: "sePooled", shape: [widest] },
        { slot: "seSqueezed", shape: [widest] },
        { slot: "seScale", shape: [widest] },
      );
    }
    let views: Tensor[];
    let generation: number | undefined;
    if (backend === null) views = planSlots(requests);
    else {
      backend.beginPlan();
      let scratch = 0;
      for (const [conv, input] of this.convInputs(inputShape)) scratch = Math.max(scratch, conv.scratchFloats(input));
      // All addresses first (the memory may grow), then the views.
      const floats = slotFloats(requests);
      const address = backend.allocatePlan(floats);
      backend.allocateScratch(scratch);
      views = planSlots(requests, () => backend.view(address, floats));
      generation = backend.generation;
    }
    const conv1 = views.shift()!;
    const blocks: Tensor[] = [];
    const scratch: BottleneckScratch[] = [];
    for (const block of this.ghostBottlenecks) {
      const s = block.scratchShapes(blocks.length === 0 ? conv1.shape : blocks[blocks.length - 1]!.shape);
      const take = (key: keyof BottleneckScratch): Tensor | undefined => (s[key] ? views.shift()! : undefined);
      scratch.push({ ghost1: take("ghost1")!, depthwise: take("depthwise"), shortcutDepthwise: take("shortcutDepthwise"), shortcut: take("shortcut") });
      blocks.push(views.shift()!);
    }
    // The head's tensors: slots of their own in the backend's memory, else fresh arrays.
    let input: Tensor | undefined;
    let head: [Tensor, Tensor, Tensor, Tensor, Tensor];
    if (backend !== null) {
      const [inputView, convLast, pooled, fc0, logits, probabilities, sePooled, seSqueezed, seScale] = views as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      for (const block of this.ghostBottlenecks) block.seBlock?.useVectors([sePooled.data, seSqueezed.data, seScale.data]);
      input = inputView;
      head = [convLast, pooled, fc0, logits, probabilities];
    } else {
      const pooled = new Tensor([n, this.config.lastConv, 1, 1]);
      head = [
        new Tensor(this.convLast.outputShape(shape)),
        pooled,
        new Tensor(this.fc0.outputShape(pooled.shape)),
        new Tensor([n, this.config.classCount]),
        new Tensor([n, this.config.classCount]),
      ];
    }
    const [convLast, pooled, fc0, logits, probabilities] = head;
    return {
      inputShape: inputShape.slice(),
      input,
      generation,
      conv1,
      blocks,
      scratch,
      convLast,
      pooled,
      fc0,
      fc0Flat: fc0.reshape([n, this.config.fc0]),
      logits,
      probabilities,
    };
  }

  /** Runs the network on `input` [N, 3, H, W] (H, W ≥ 32 or so; 224 for PaddleClas). */
  forward(input: TensorLike, options: GhostNetForwardOptions = {}): GhostNetOutput {
    checkInput("GhostNet input", input, this.config.inputChannels);
    let x = Tensor.from(input);
    const intermediates: Record<string, Tensor> = {};
    const hooks = this.hooksFor(options, intermediates);
    const plan = this.plan(x.shape);
    if (plan.input !== undefined) {
      // The wasm kernels read the input from the backend's memory.
      plan.input.data.set(x.data);
      x = plan.input;
    }

    const clock = options.profile && hooks === undefined ? new Stopwatch(options.profile) : undefined;

    this.conv1.forward(x, plan.conv1, hooks, clock);
    let h = plan.conv1;
    for (let i = 0; i < this.ghostBottlenecks.length; i++) {
      this.ghostBottlenecks[i]!.forward(h, plan.blocks[i]!, plan.scratch[i]!, hooks, clock);
      h = plan.blocks[i]!;
    }
    this.convLast.forward(h, plan.convLast, hooks, clock);
    globalAveragePool(plan.pooled, plan.convLast);
    hooks?.observe?.("pool2d_gap", plan.pooled);
    clock?.lap("pool2d_gap", "pool");
    this.fc0.forward(plan.pooled, plan.fc0, hooks, clock);
    this.fc1.forward(plan.fc0Flat, plan.logits, hooks, clock);
    softmax(plan.probabilities, plan.logits, { axis: -1 });
    hooks?.observe?.("softmax", plan.probabilities);
    clock?.lap("softmax", "softmax");

    return {
      probabilities: new Tensor(plan.probabilities.shape, plan.probabilities.data.slice()),
      logits: new Tensor(plan.logits.shape, plan.logits.data.slice()),
      intermediates,
    };
  }

  /** The caller's hooks plus, when layers are to be captured, an observer that copies them. */
  private hooksFor(options: GhostNetForwardOptions, into: Record<string, Tensor>): ForwardHooks | undefined {
    const capture = options.capture ?? [];
    if (capture.length === 0) return options.hooks;
    const known = new Set(this.layerNames);
    const unknown = capture.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new InputError(`GhostNet has no layer named ${unknown.join(", ")} (names follow PaddleClas, e.g. conv1, _ghostbottleneck_3_se, conv_last)`);
    }
    const wanted = new Set(capture);
    const user = options.hooks;
    return {
      ...user,
      beforeConvBn: user?.beforeConvBn?.bind(user),
      beforeLinear: user?.beforeLinear?.bind(user),
      observe(name, output) {
        if (wanted.has(name)) into[name] = new Tensor(output.shape, output.data.slice());
        user?.observe?.(name, output);
      },
    };
  }

  /** Drops the planned buffers (they are made again on the next run). */
  releaseBuffers(): void {
    this.plans.clear();
    this.lastPlan = undefined;
  }

  /** Every layer with weights, in execution order. */
  *weightedLayers(): Generator<ConvBN | Linear> {
    yield this.conv1;
    for (const block of this.ghostBottlenecks) {
      yield block.ghostModule1.primaryConv;
      yield block.ghostModule1.cheapOperation;
      if (block.depthwiseConv) yield block.depthwiseConv;
      if (block.seBlock) {
        yield block.seBlock.squeeze;
        yield block.seBlock.excitation;
      }
      yield block.ghostModule2.primaryConv;
      yield block.ghostModule2.cheapOperation;
      if (block.shortcutDepthwise) yield block.shortcutDepthwise;
      if (block.shortcutConv) yield block.shortcutConv;
    }
    yield this.convLast;
    yield this.fc0;
    yield this.fc1;
  }

  /**
   * Whether the fast path keeps weights in the float64 layouts its kernels read fastest
   * (on by default; loadModel's `packWeights`): the pointwise convs' panels, fc_0's rows,
   * fc_1's and the SE layers' transposed rows, made on first use (8 bytes per weight).
   * Off, the kernels read the float32 weights and the copies are dropped: for x1.0 46 MB
   * less heap and runs 1.10–1.11× slower (x0.5: 1.16×), the same results bit for bit.
   */
  setWeightPacking(on: boolean): void {
    for (const layer of this.weightedLayers()) {
      layer.packWeights = on;
      if (!on) layer.dropPackedWeights();
    }
  }
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Every layer name GhostNet's forward reports, in execution order. */
export function ghostNetLayerNames(config: GhostNetConfig): string[] {
  const names: string[] = [];
  for (const spec of parameterLayers(config)) {
    names.push(spec.name);
    if (spec.name.endsWith("_cheap_operation")) names.push(spec.name.replace(/_cheap_operation$/, ""));
    if (spec.name.endsWith("_se_2")) names.push(spec.name.replace(/_2$/, ""));
    if (spec.name === "conv_last") names.push("pool2d_gap");
  }
  for (const b of config.bottlenecks) names.push(b.name);
  names.push("softmax");
  return names;
}
