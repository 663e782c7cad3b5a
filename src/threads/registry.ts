/**
 * How `loadModel(bytes, { threads: N })` gets a typed GhostNet on N threads without the
 * core importing any runtime's thread API (or the threaded code itself, which keeps the
 * default browser bundle small): an entry point registers a maker, and loadModel asks it.
 *
 *   ghostnet-ts/node         registers worker_threads (src/node/threads.ts)
 *   ghostnet-ts/web-threads  registers Web Workers + SharedArrayBuffer (browsers, Deno, Bun)
 *   neither imported         every model runs on the calling thread
 *
 * Running on one thread instead never changes a result: the threaded engine computes
 * every output element with the same code in the same order (bitwise identical).
 */
import type { GhostNetEngine } from "../ghostnet/engine.js";
import type { Model } from "../model.js";
import type { KernelThreads } from "../wasm/backend.js";

/** Puts `single` on `threads` threads (> 1); may return `single` itself when threads can't be had. */
export type ThreadedEngineMaker = (single: GhostNetEngine, threads: number) => Promise<Model>;

/** Opens a pool for the wasm backend's kernels: `threads` threads, or undefined where none can be had. */
export type KernelPoolOpener = (threads: number) => Promise<KernelThreads | undefined>;

let registered: { name: string; make: ThreadedEngineMaker; openPool?: KernelPoolOpener } | undefined;

/** Makes `make` the way every later loadModel with threads > 1 puts the typed GhostNet on threads. */
export function setThreadedEngineMaker(name: string, make: ThreadedEngineMaker, openPool?: KernelPoolOpener): void {
  registered = { name, make, openPool };
}

/**
 * A pool of `threads` threads (> 1) for the wasm backend's kernels from the registered
 * provider; undefined when none is registered or memory cannot be shared here.
 */
export async function openKernelPool(threads: number): Promise<KernelThreads | undefined> {
  if (threads <= 1 || registered?.openPool === undefined) return undefined;
  return registered.openPool(threads);
}

/** The name of the registered way to start threads ("worker_threads", "web-workers"), if any. */
export function threadProviderName(): string | undefined {
  return registered?.name;
}

/** The typed engine on `threads` threads when a maker is registered and threads > 1, else `single`. */
export async function typedEngineOnThreads(single: GhostNetEngine, threads: number): Promise<Model> {
  if (threads <= 1 || registered === undefined) return single;
  return registered.make(single, threads);
}
