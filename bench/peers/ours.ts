/**
 * Our engines for the benchmark: the typed GhostNet (what `loadModel(bytes)` picks for a
 * GhostNet file, engine "auto") and the generic graph executor (engine "graph").
 *
 * Threads: `loadModel(bytes, { threads })` with the worker_threads pool registered (as the
 * `ghostnet-ts/node` entry does); N > 1 runs the typed network on the pool (bitwise equal
 * to one thread). The graph executor has one thread only.
 */
import type { GhostNetEngine } from "../../src/ghostnet/engine.js";
import { loadModel } from "../../src/load-model.js";
import type { Model } from "../../src/model.js";
import "../../src/node/threads.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import type { ThreadedGhostNetEngine } from "../../src/threads/threaded-engine.js";
import type { BenchEngine } from "./engine.js";
import { WORKER_SPIN_MS } from "../../src/threads/pool.js";

/** A step's time from a profiled run: PaddleClas layer name or ONNX node, its kind, milliseconds. */
export interface ProfileEntry {
  name: string;
  kind: string;
  ms: number;
}

export interface OurEngine extends BenchEngine {
  /** One run with per-layer timings (typed engine: by layer; graph: by node). */
  profile(): Promise<ProfileEntry[]>;
}

function outputOf(result: Record<string, Tensor>): Float32Array {
  return Object.values(result)[0]!.data;
}

/**
 * Our engine `engine` on `threads` threads with kernels `backend` ("auto": wasm where it
 * runs). Rows: "ghostnet-ts" (the default: what loadModel(bytes) gives), "ghostnet-ts-js"
 * (the typed GhostNet on the plain TypeScript kernels), "ghostnet-ts-graph".
 */
export async function createOurs(bytes: Uint8Array, engine: "auto" | "graph", threads: number, backend: "auto" | "js" = "auto"): Promise<OurEngine> {
  const t0 = performance.now();
  const model: Model = await loadModel(bytes, { engine, threads, backend });
  if ((model.threads ?? 1) !== threads) {
    model.dispose();
    throw new Error(`asked for ${threads} threads, the ${model.engine} engine runs on ${model.threads ?? 1}`);
  }
  const loadMs = performance.now() - t0;
  let input: { shape: readonly number[]; data: Float32Array } = { shape: [], data: new Float32Array(0) };
  let last: Float32Array = new Float32Array(0);
  const graph = model.engine === "graph";
  const kernels = model.backend ?? "js";
  const plainRow = backend === "js" && !graph;
  return {
    name: graph ? "ghostnet-ts-graph" : plainRow ? "ghostnet-ts-js" : "ghostnet-ts",
    label: `ghostnet-ts, ${graph ? "graph executor" : "typed GhostNet"}, ${kernels} kernels${threads > 1 ? ` (${threads} threads)` : ""}`,
    threads,
    loadMs,
    // Pool workers spin WORKER_SPIN_MS after a run (src/threads/pool.ts): wait it out before
    // timing the next engine, so they do not take its core.
    settleMs: threads > 1 ? WORKER_SPIN_MS + 5 : 0,
    async setInput(shape, data) {
      input = { shape, data };
    },
    async run() {
      const t = performance.now();
      last = outputOf(await model.run([input]));
      return performance.now() - t;
    },
    async output() {
      return last;
    },
    async profile() {
      const entries: ProfileEntry[] = [];
      if (model.engine === "ghostnet") {
        // GhostNet.forward(x, { profile }) fills one entry per layer (src/ghostnet/profile.ts).
        // The single-threaded network of either typed engine.
        const net = (model as GhostNetEngine | ThreadedGhostNetEngine).ghostnet;
        const timings: { name: string; kind: string; ms: number }[] = [];
        net.forward(input, { profile: timings } as Parameters<typeof net.forward>[1]);
        entries.push(...timings);
      } else {
        const timings: { name: string; opType: string; ms: number }[] = [];
        const executor = (model as unknown as { executor: { run(f: unknown, o: { timings: unknown[] }): unknown } }).executor;
        executor.run([input], { timings });
        for (const t of timings) entries.push({ name: t.name, kind: t.opType, ms: t.ms });
      }
      return entries;
    },
    async dispose() {
      await model.dispose();
    },
  };
}
