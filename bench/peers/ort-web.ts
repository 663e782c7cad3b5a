/**
 * onnxruntime-web on its WebAssembly backend (SIMD; threads as asked), in our process.
 * `executionProviders: ['wasm']` matters: onnxruntime-node, if loaded in the same process,
 * also registers a backend named "cpu" (see ort-node-child.mjs). The .wasm files are read
 * from node_modules/onnxruntime-web/dist/, so nothing is fetched.
 *
 * `ort.env.wasm.numThreads` is read once, when the first session starts the runtime: one
 * process runs onnxruntime-web at one thread count.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BenchEngine } from "./engine.js";

type Ort = typeof import("onnxruntime-web");
let ortModule: Promise<Ort> | undefined;
let ortThreads: number | undefined;

/** The thread count onnxruntime-web was started with in this process (undefined: not yet). */
export function ortWebThreads(): number | undefined {
  return ortThreads;
}

/** The onnxruntime-web module, started at `threads` if this is the first use in the process. */
export async function ortWeb(threads: number): Promise<Ort> {
  if (ortModule === undefined) {
    ortThreads = threads;
    ortModule = import("onnxruntime-web").then((ort) => {
      const dist = join(dirname(createRequire(import.meta.url).resolve("onnxruntime-web")), "/");
      ort.env.wasm.wasmPaths = pathToFileURL(dist).href;
      ort.env.wasm.numThreads = threads;
      ort.env.logLevel = "error";
      return ort;
    });
  }
  return ortModule;
}

export async function createOrtWeb(bytes: Uint8Array, threads: number): Promise<BenchEngine> {
  const ort = await ortWeb(threads);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  const loadMs = performance.now() - t0;
  let feeds: Record<string, InstanceType<Ort["Tensor"]>> = {};
  let last: Float32Array = new Float32Array(0);
  return {
    name: "ort-web",
    label: "onnxruntime-web (wasm SIMD)",
    threads: ortThreads!,
    loadMs,
    // With threads, its WebAssembly workers keep a core busy for 30–50 ms after a run
    // (allow_spinning "0" does not stop them): the engine timed next in the round lost its
    // second core, our 2-thread speed-up read 1.10–1.13× instead of 1.5–1.6×. After a 50 ms
    // pause it read 1.51×, after 20 ms 1.20× (2026-11-29). One thread runs on the caller's.
    settleMs: ortThreads! > 1 ? 100 : 0,
    async setInput(shape, data) {
      feeds = { [session.inputNames[0]!]: new ort.Tensor("float32", data, shape as number[]) };
    },
    async run() {
      const t = performance.now();
      const out = await session.run(feeds);
      const ms = performance.now() - t;
      last = out[session.outputNames[0]!]!.data as Float32Array;
      return ms;
    },
    async output() {
      return last;
    },
    async dispose() {
      await session.release();
    },
  };
}
