/**
 * `loadModel(bytes, options)`: ONNX bytes → a runnable `Model` (DESIGN.md §5).
 *
 *   decode (protobuf → OnnxModel; tensor payloads checked)
 *   → validate (every problem of the file and the graph, reported together)
 *   → pick the engine: the typed GhostNet when the file is one ("auto"/"ghostnet"),
 *     else the generic graph executor
 *   → threads: the typed GhostNet runs on a thread pool (src/threads) when `threads` > 1
 *     and an entry point registered a way to start threads (threads/registry.ts); the
 *     graph executor always runs on the calling thread
 *
 * Options are checked first (load-options.ts): a wrong or unknown option is one InputError.
 */
import { InputError, ModelValidationError } from "./errors.js";
import { type GhostNetEngine, tryGhostNetEngine, createGhostNetEngine } from "./ghostnet/engine.js";
import { GraphExecutor, type ExecutorFeeds, type ExecutorOptions } from "./graph/executor.js";
import { OP_TABLE } from "./graph/op-table.js";
import { decodeModelCollecting, type DecodeOptions } from "./loader/decode.js";
import { readRegisteredFormat, type ModelSource } from "./loader/formats.js";
import type { OnnxModel } from "./loader/model.js";
import { validateGraph } from "./loader/validate.js";
import { checkLoadOptions } from "./load-options.js";
import type { EngineName, Feeds, LoadOptions, Model } from "./model.js";
import type { Tensor } from "./tensor/tensor.js";
import { openKernelPool, typedEngineOnThreads } from "./threads/registry.js";
import { WasmBackend } from "./wasm/backend.js";
import { resolveBackend } from "./wasm/select.js";

/** loadModel's options: the engine choice plus the loader's limits and the executor's switches. */
export interface LoadModelOptions extends LoadOptions, DecodeOptions, ExecutorOptions {}

/** The graph executor behind the `Model` interface. */
export class GraphModel implements Model {
  readonly engine: EngineName = "graph";
  /** Which kernels run its Conv, MatMul and Gemm nodes (the other ops run the plain TypeScript kernels). */
  get backend(): "js" | "wasm" {
    return this.executor.backend;
  }
  /** The graph executor runs on the calling thread. */
  readonly threads = 1;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  constructor(readonly executor: GraphExecutor) {
    this.inputNames = executor.inputNames;
    this.outputNames = executor.outputNames;
  }

  async run(feeds: Feeds): Promise<Record<string, Tensor>> {
    // Integer outputs (rare: shape arithmetic as a graph output) come back as IntTensors.
    return this.executor.run(feeds as ExecutorFeeds) as Record<string, Tensor>;
  }

  dispose(): void {
    this.executor.dispose();
  }
}

/**
 * Decodes and validates a model without building an engine: every problem in the file is
 * thrown together as one ModelValidationError (ModelFormatError when the bytes are not a
 * readable model at all). `source` is ONNX bytes, or any format a registered reader takes
 * (src/loader/formats.ts: Paddle's, once `ghostnet-ts/paddle` is imported).
 */
export function decodeAndValidate(source: ModelSource, options: DecodeOptions = {}): OnnxModel {
  const foreign = readRegisteredFormat(source, options);
  const { model, problems, brokenConstants } =
    foreign !== undefined ? { model: foreign, problems: [] as string[], brokenConstants: undefined } : decodeModelCollecting(source as Uint8Array, options);
  problems.push(...validateGraph(model, { has: (op) => op in OP_TABLE }, brokenConstants));
  if (problems.length > 0) throw new ModelValidationError(problems);
  return model;
}

/**
 * Loads a model from its bytes: decodes and validates it, then builds the engine
 * (`options.engine`: the typed GhostNet when the file is one, else the graph executor).
 * Every option is checked before the file is read; problems throw a `GhostnetError`.
 */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<Model> {
  if (!(source instanceof Uint8Array || source instanceof ArrayBuffer || (typeof source === "object" && source !== null && "model" in source))) {
    throw new InputError("loadModel expects the model's bytes as a Uint8Array or an ArrayBuffer (or Paddle files as { model, params })");
  }
  checkLoadOptions(options);
  options ??= {};
  const engine = options.engine ?? "auto";
  const threads = options.threads ?? 1;
  if (engine === "ghostnet") {
    // The typed engine needs only a decodable file; it says itself why a file is not a GhostNet.
    const foreign = readRegisteredFormat(source, options);
    const { model, problems } = foreign !== undefined ? { model: foreign, problems: [] as string[] } : decodeModelCollecting(source as Uint8Array, options);
    if (problems.length > 0) throw new ModelValidationError(problems);
    return typedEngine(createGhostNetEngine(model), options, threads);
  }
  const model = decodeAndValidate(source, options);

  // ── The engine choice: "auto" takes the typed GhostNet when the file is one. ──
  if (engine === "auto") {
    const ghostnet = tryTypedGhostNet(model);
    if (ghostnet !== undefined) return typedEngine(ghostnet, options, threads);
  }
  const wasm = resolveBackend(options.backend) === "wasm" ? new WasmBackend() : undefined;
  return new GraphModel(new GraphExecutor(model, OP_TABLE, options, wasm));
}

/**
 * The typed engine with its options applied: the backend, weight packing, threads. On the
 * wasm backend, threads split each layer's kernel across a pool over a shared memory; on
 * the JS kernels, ThreadedGhostNetEngine runs them on the pool.
 */
async function typedEngine(engine: GhostNetEngine, options: LoadModelOptions, threads: number): Promise<Model> {
  const backend = resolveBackend(options.backend);
  if (backend === "wasm") {
    // Threads for the wasm kernels need a registered pool and shared memory; else one thread.
    const pool = await openKernelPool(threads);
    const wasm = new WasmBackend({ shared: pool !== undefined });
    if (pool !== undefined) wasm.attachThreads(pool);
    engine.useBackend(wasm);
    return engine;
  }
  return typedEngineOnThreads(withPacking(engine, options), threads);
}

/** Applies the packWeights option (default true) to a typed engine. */
function withPacking(engine: GhostNetEngine, options: LoadModelOptions): GhostNetEngine {
  engine.ghostnet.setWeightPacking(options.packWeights ?? true);
  return engine;
}

/** The typed GhostNet for `model`, or undefined when it is not one (then the graph executor runs it). */
function tryTypedGhostNet(model: OnnxModel): GhostNetEngine | undefined {
  try {
    const result = tryGhostNetEngine(model);
    return result.engine ?? undefined;
  } catch {
    // Whatever went wrong binding the typed engine, the graph executor runs any valid file.
    return undefined;
  }
}
