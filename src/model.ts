/**
 * The interface every engine presents to users (DESIGN.md §5), modelled on
 * onnxruntime-web's InferenceSession: `run(feeds)` → outputs by name.
 */
import type { Tensor, TensorLike } from "./tensor/tensor.js";

export type EngineName = "graph" | "ghostnet";

/** Feeds by input name, or by position (an array in `inputNames` order). */
export type Feeds = Record<string, TensorLike> | readonly TensorLike[];

export interface Model {
  /** Which engine runs this model. */
  readonly engine: EngineName;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the model; outputs by name. Outputs are fresh tensors the caller owns. */
  run(feeds: Feeds): Promise<Record<string, Tensor>>;
  /** Frees pooled buffers and worker threads; the model can't be used afterwards. */
  dispose(): void;
}

export interface LoadOptions {
  /** "auto" (default): the typed GhostNet when the file is one, else the graph executor. */
  engine?: "auto" | EngineName;
  /** Worker threads for kernels (default 1: run on the calling thread). */
  threads?: number;
}
