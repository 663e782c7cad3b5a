/**
 * Registering a thread pool for loadModel: `setPoolProvider(name, createPool)` makes every
 * later `loadModel(bytes, { threads: N > 1 })` of a GhostNet open a pool of N threads with
 * `createPool` and run the typed network on it (ThreadedGhostNetEngine). Entry points call
 * it: src/node/threads.ts (worker_threads) and src/web-threads.ts (Web Workers).
 *
 * Where memory cannot be shared (no SharedArrayBuffer: a browser page that is not
 * cross-origin isolated) or the provider gives a one-thread pool, the model stays on the
 * calling thread; `Model.threads` says which.
 */
import type { GhostNetEngine } from "../ghostnet/engine.js";
import type { Model } from "../model.js";
import { canShareMemory, type ThreadPool } from "./pool.js";
import { setThreadedEngineMaker } from "./registry.js";
import { ThreadedGhostNetEngine } from "./threaded-engine.js";

/** Starts a pool of `threads` threads (the caller's included). */
export type PoolProvider = (threads: number) => Promise<ThreadPool>;

/** The typed engine on a pool from `createPool`, or `single` when no pool of 2+ threads can be had. */
async function onPool(createPool: PoolProvider, single: GhostNetEngine, threads: number): Promise<Model> {
  if (!canShareMemory()) return single;
  const pool = await createPool(threads);
  if (pool.size <= 1) return single;
  try {
    return new ThreadedGhostNetEngine(single, pool);
  } catch (error) {
    await pool.dispose();
    throw error;
  }
}

/** Makes `createPool` the source of the pools loadModel opens from now on (`name` is for messages). */
export function setPoolProvider(name: string, createPool: PoolProvider): void {
  setThreadedEngineMaker(name, (single, threads) => onPool(createPool, single, threads), (threads) => kernelPool(createPool, threads));
}

/** A pool for the wasm kernels (shared memory needed), or undefined when only one thread can be had. */
async function kernelPool(createPool: PoolProvider, threads: number): Promise<ThreadPool | undefined> {
  if (!canShareMemory()) return undefined;
  const pool = await createPool(threads);
  if (pool.size > 1) return pool;
  await pool.dispose();
  return undefined;
}
