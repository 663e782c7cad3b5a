/**
 * The interface every engine presents to users (DESIGN.md §5), modelled on
 * onnxruntime-web's InferenceSession: `run(feeds)` → outputs by name.
 */
import type { Tensor, TensorLike } from "./tensor/tensor.js";

/** The engines that run a model: the generic graph executor, or the typed GhostNet. */
export type EngineName = "graph" | "ghostnet";

/**
 * Which kernels run a model: "wasm", WebAssembly SIMD kernels our TypeScript assembles at
 * load time (src/wasm), or "js", the plain TypeScript kernels (src/ops), which run
 * everywhere and are the reference the wasm kernels are tested against.
 */
export type BackendName = "js" | "wasm";

/** Feeds by input name, or by position (an array in `inputNames` order). */
export type Feeds = Record<string, TensorLike> | readonly TensorLike[];

/** A loaded model, ready to run: what `loadModel` returns, whichever engine runs it. */
export interface Model {
  /** Which engine runs this model. */
  readonly engine: EngineName;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the model; outputs by name. Outputs are fresh tensors the caller owns. */
  run(feeds: Feeds): Promise<Record<string, Tensor>>;
  /**
   * Threads a run really uses, the calling thread included: `options.threads` for the
   * typed GhostNet where threads could be started, else 1. Optional so that a caller's own
   * Model (e.g. wrapped for createClassifier) needn't say; absent means 1.
   */
  readonly threads?: number;
  /** Which kernels run it (absent means "js"): see LoadOptions.backend. */
  readonly backend?: BackendName;
  /**
   * Frees pooled buffers and stops worker threads; the model can't be used afterwards.
   * A threaded model returns a promise that settles once its workers have exited.
   */
  dispose(): void | Promise<void>;
}

/** How `loadModel` builds a model (see also `LoadModelOptions` for the limits and rewrites). */
export interface LoadOptions {
  /** "auto" (default): the typed GhostNet when the file is one, else the graph executor. */
  engine?: "auto" | EngineName;
  /**
   * Threads for the typed GhostNet's layers, the calling thread included (default 1).
   * An integer from 1 to 256. Needs shared memory and a registered way to start threads:
   * import `ghostnet-ts/node` (worker_threads) or `ghostnet-ts/web-threads` (Web Workers:
   * browsers, where the page must be cross-origin isolated for SharedArrayBuffer, Deno,
   * Bun). Otherwise, and for the graph executor, runs use one thread; `Model.threads` says
   * how many are used. Results are bitwise identical for every thread count.
   */
  threads?: number;
  /**
   * The kernels: "auto" (default) runs the WebAssembly SIMD kernels where a probe module
   * really compiles and runs (not where a Content-Security-Policy without
   * 'wasm-unsafe-eval', or a runtime such as Cloudflare Workers, forbids compiling at run
   * time), else the plain TypeScript ones; "wasm" insists (BackendUnavailableError where it
   * cannot run); "js" always runs the plain kernels. `Model.backend` says which run.
   */
  backend?: "auto" | BackendName;
  /**
   * Keep constant weights also in the float64 layouts the kernels read fastest (default
   * true): the typed GhostNet for its pointwise convs, fc_0, fc_1 and SE layers; the graph
   * executor for pointwise convs and fully connected heads (MatMul / Gemm of at most three
   * rows). false: the kernels read the float32 weights, with the same results bit for bit.
   * Measured 2026-11-29 (heap after loading and one run; interleaved runs), GhostNet x1.0
   * (file 20 MB): typed 54 MB against 8 MB, 1.09–1.11× faster packed (x0.5 1.16×); graph
   * executor 56 MB against 20 MB, 1.09–1.12× faster packed.
   */
  packWeights?: boolean;
}
