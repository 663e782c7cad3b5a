/**
 * `GhostNetEngine`: the typed GhostNet behind the user-facing `Model` interface
 * (src/model.ts), with the input and output names of the file it was bound from.
 * `loadModel(bytes, { engine: "auto" })` uses it when `tryGhostNetEngine` returns one.
 */
import { DisposedError, InputError, ShapeError, quoteName } from "../errors.js";
import type { OnnxModel } from "../loader/model.js";
import type { BackendName, Feeds, Model } from "../model.js";
import type { WasmBackend } from "../wasm/backend.js";
import { Tensor, type TensorLike, formatShape } from "../tensor/tensor.js";
import { type GhostNetBinding, bindGhostNet, buildGhostNet } from "./bind.js";
import { GhostNet } from "./ghostnet.js";

/** The typed GhostNet as a `Model`: what `loadModel` returns for a GhostNet file on one thread. */
export class GhostNetEngine implements Model {
  readonly engine = "ghostnet" as const;
  /**
   * Threads a run uses: 1, or the wasm backend's thread count when its kernels run on a pool
   * (loadModel with backend wasm and `threads` > 1; with the JS kernels, threads give
   * ThreadedGhostNetEngine instead).
   */
  get threads(): number {
    return this.threadCount;
  }
  private threadCount = 1;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The file's input shape; strings are dynamic dimensions. */
  readonly inputShape?: readonly (number | string)[];
  private net: GhostNet | undefined;
  private wasm: WasmBackend | null = null;

  /** How the file was bound: its config, whether names or structure matched, softmax or logits. */
  readonly binding: Omit<GhostNetBinding, "weights">;

  constructor(net: GhostNet, model: OnnxModel, binding: GhostNetBinding) {
    this.net = net;
    // The weight map is not kept: the network holds its own (folded) copies.
    this.binding = { config: binding.config, matchedBy: binding.matchedBy, hasSoftmax: binding.hasSoftmax };
    const input = model.graph.inputs[0]!;
    this.inputNames = [input.name];
    this.inputShape = input.shape;
    this.outputNames = [model.graph.outputs[0]!.name];
  }

  /** The typed network (for intermediates: `engine.ghostnet.forward(x, { capture })`). */
  get ghostnet(): GhostNet {
    if (this.net === undefined) throw new DisposedError();
    return this.net;
  }

  /**
   * The one input tensor from `feeds`, checked: its name, that it is a float32 tensor whose
   * data fits its shape, and that the shape fits the file's declared input (InputError or
   * ShapeError naming the input otherwise). The threaded engine runs the same checks.
   */
  checkFeed(feeds: Feeds): TensorLike {
    const name = quoteName(this.inputNames[0]!);
    if (feeds === null || typeof feeds !== "object") throw new InputError(`feeds must be an object or an array holding input ${name}`);
    let x: TensorLike | undefined;
    if (Array.isArray(feeds)) {
      if (feeds.length !== 1) throw new InputError(`this GhostNet takes 1 input (${name}), got ${feeds.length}`);
      x = feeds[0];
    } else {
      const record = feeds as Record<string, TensorLike>;
      const key = this.inputNames[0]!;
      x = record[key];
      const extra = Object.keys(record).filter((k) => k !== key);
      if (x === undefined) throw new InputError(`missing input ${name}${extra.length ? ` (got ${extra.map(quoteName).join(", ")})` : ""}`);
      if (extra.length > 0) throw new InputError(`unknown input ${quoteName(extra[0])}; this model's input is ${name}`);
    }
    if (x === null || typeof x !== "object" || !(x.data instanceof Float32Array) || !Array.isArray(x.shape)) {
      throw new InputError(`input ${name} must be a { shape, data: Float32Array } tensor`);
    }
    // Every dimension a whole number ≥ 0, and the data exactly as long as the shape says.
    const badDim = x.shape.find((d) => typeof d !== "number" || !Number.isSafeInteger(d) || d < 0);
    if (badDim !== undefined) {
      throw new InputError(`input ${name} has invalid dimension ${String(badDim)} in shape [${x.shape.map(String).join(", ")}]`);
    }
    const size = x.shape.reduce((a, d) => a * d, 1);
    if (x.data.length !== size) {
      throw new InputError(`input ${name} has shape ${formatShape(x.shape)} (${size} values) but ${x.data.length} values of data`);
    }
    const expected = this.inputShape;
    if (expected !== undefined) {
      const fits = x.shape.length === expected.length && expected.every((d, i) => typeof d === "string" || d === x!.shape[i]);
      if (!fits) {
        throw new ShapeError(`input ${name} has shape ${formatShape(x.shape)}, expected [${expected.join(", ")}]`);
      }
    }
    return x;
  }

  /** Which kernels run the layers: "wasm" once useBackend attached one, else "js". */
  get backend(): BackendName {
    return this.net?.backend ?? "js";
  }

  /** Runs the network on the wasm backend `backend` (its memory and threads are this engine's from now on), or on JS with null. */
  useBackend(backend: WasmBackend | null): void {
    this.ghostnet.attachBackend(backend);
    void this.wasm?.dispose();
    this.wasm = backend;
    this.threadCount = backend?.threads ?? 1;
  }

  async run(feeds: Feeds): Promise<Record<string, Tensor>> {
    const net = this.ghostnet;
    const result = net.forward(this.checkFeed(feeds));
    return { [this.outputNames[0]!]: this.binding.hasSoftmax ? result.probabilities : result.logits };
  }

  /** Frees the network's buffers and the wasm backend's memory; resolves once its threads (if any) have exited. */
  dispose(): void | Promise<void> {
    this.net?.releaseBuffers();
    this.net = undefined;
    const wasm = this.wasm;
    this.wasm = null;
    return wasm?.dispose();
  }
}

/** The typed engine for `model`, or null (with `reason`) when the file is not a GhostNet. */
export function tryGhostNetEngine(model: OnnxModel): { engine: GhostNetEngine } | { engine: null; reason: string } {
  const result = bindGhostNet(model);
  if ("reason" in result) return { engine: null, reason: result.reason };
  const net = new GhostNet(result.binding.config, result.binding.weights);
  return { engine: new GhostNetEngine(net, model, result.binding) };
}

/** The typed engine for `model`; throws ModelValidationError naming why when it is not a GhostNet. */
export function createGhostNetEngine(model: OnnxModel): GhostNetEngine {
  const { net, binding } = buildGhostNet(model);
  return new GhostNetEngine(net, model, binding);
}
