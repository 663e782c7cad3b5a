/**
 * Our engines for the benchmark: the typed GhostNet (what `loadModel(bytes)` picks for a
 * GhostNet file, engine "auto") and the generic graph executor (engine "graph").
 *
 * Threads: while `loadModel` does not take `threads` yet, N > 1 threads run the typed
 * network through src/threads' ThreadedGhostNet on a worker_threads pool (bitwise equal
 * to one thread).
 */
import type { GhostNetEngine } from "../../src/ghostnet/engine.js";
import { loadModel } from "../../src/load-model.js";
import type { Model } from "../../src/model.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { createNodePool } from "../../src/threads/node-pool.js";
import { ThreadedGhostNet } from "../../src/threads/threaded-ghostnet.js";
import type { BenchEngine } from "./engine.js";

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

export async function createOurs(bytes: Uint8Array, engine: "auto" | "graph", threads: number): Promise<OurEngine> {
  const t0 = performance.now();
  const model: Model = await loadModel(bytes, { engine, threads });
  let threaded: ThreadedGhostNet | undefined;
  if (threads > 1) {
    if (model.engine !== "ghostnet") throw new Error(`threads > 1 needs the typed GhostNet (got engine ${model.engine})`);
    threaded = new ThreadedGhostNet((model as GhostNetEngine).ghostnet, await createNodePool(threads));
  }
  const loadMs = performance.now() - t0;
  let input: { shape: readonly number[]; data: Float32Array } = { shape: [], data: new Float32Array(0) };
  let last: Float32Array = new Float32Array(0);
  const graph = model.engine === "graph";
  return {
    name: graph ? "ghostnet-ts-graph" : "ghostnet-ts",
    label: graph ? "ghostnet-ts, graph executor" : `ghostnet-ts, typed GhostNet${threads > 1 ? " (thread pool)" : ""}`,
    threads,
    loadMs,
    async setInput(shape, data) {
      input = { shape, data };
    },
    async run() {
      const t = performance.now();
      last = threaded ? threaded.forward(input).probabilities.data : outputOf(await model.run([input]));
      return performance.now() - t;
    },
    async output() {
      return last;
    },
    async profile() {
      const entries: ProfileEntry[] = [];
      if (model.engine === "ghostnet") {
        // GhostNet.forward(x, { profile }) fills one entry per layer (src/ghostnet/profile.ts).
        const net = (model as GhostNetEngine).ghostnet;
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
      await threaded?.pool.dispose();
      model.dispose();
    },
  };
}
