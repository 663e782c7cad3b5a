/**
 * Where `loadModel(bytes, { threads: N })` gets its thread pool: a pool provider, a
 * function `(threads) → Promise<ThreadPool>` that a runtime's entry point registers. The
 * core imports no runtime's thread API itself:
 *
 *   ghostnet-ts/node     registers `createNodePool` (worker_threads) when imported
 *   anything else        the Web Worker pool (web-pool.ts) where `Worker` exists and
 *                        memory can be shared (SharedArrayBuffer + Atomics; in browsers a
 *                        cross-origin-isolated page), else one thread
 *
 * Falling back to one thread never changes a result: a job's parts are computed with the
 * same code in the same order on any number of threads, so outputs are bitwise identical.
 */
import { SerialPool, canShareMemory, type ThreadPool } from "./pool.js";
import { canStartWebWorkers, createWebPool } from "./web-pool.js";

/** Starts a pool of `threads` threads (the caller's included). */
export type PoolProvider = (threads: number) => Promise<ThreadPool>;

let registered: { name: string; create: PoolProvider } | undefined;

/** Makes `create` the source of every pool loadModel opens from now on (`name` is for messages). */
export function setPoolProvider(name: string, create: PoolProvider): void {
  registered = { name, create };
}

/** The name of the registered provider, if any. */
export function poolProviderName(): string | undefined {
  return registered?.name;
}

/** A pool and, when it has fewer threads than asked for, why. */
export interface OpenedPool {
  pool: ThreadPool;
  /** Why the pool has one thread although more were asked for (undefined otherwise). */
  fallback?: string;
}

/** A pool of `threads` threads from the registered provider, the Web Worker pool, or one thread saying why. */
export async function openPool(threads: number): Promise<OpenedPool> {
  if (threads <= 1) return { pool: new SerialPool() };
  if (!canShareMemory()) {
    return {
      pool: new SerialPool(),
      fallback: "SharedArrayBuffer is not available (a browser page must be cross-origin isolated: COOP same-origin and COEP require-corp)",
    };
  }
  if (registered !== undefined) return { pool: await registered.create(threads) };
  if (canStartWebWorkers()) {
    try {
      return { pool: await createWebPool(threads) };
    } catch (error) {
      // E.g. a bundle that did not ship web-worker.js beside this module.
      return { pool: new SerialPool(), fallback: `Web Workers did not start (${(error as Error).message})` };
    }
  }
  return {
    pool: new SerialPool(),
    fallback: "no way to start threads here (in Node, import 'ghostnet-ts/node', which registers worker_threads)",
  };
}
