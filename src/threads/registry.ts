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

/** Puts `single` on `threads` threads (> 1); may return `single` itself when threads can't be had. */
export type ThreadedEngineMaker = (single: GhostNetEngine, threads: number) => Promise<Model>;

let registered: { name: string; make: ThreadedEngineMaker } | undefined;

/** Makes `make` the way every later loadModel with threads > 1 puts the typed GhostNet on threads. */
export function setThreadedEngineMaker(name: string, make: ThreadedEngineMaker): void {
  registered = { name, make };
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
