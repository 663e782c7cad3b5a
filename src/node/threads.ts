/**
 * Registers Node's worker_threads pool as the source of `loadModel`'s threads. Importing
 * this module (the `ghostnet-ts/node` entry does) is all it takes:
 *
 *   import { loadModel } from "ghostnet-ts/node";
 *   const model = await loadModel(bytes, { threads: 4 });   // 3 workers + the caller
 *   ...
 *   await model.dispose();                                   // the workers exit
 *
 * Workers are unref'd, so they never keep a process alive on their own.
 */
import { createNodePool } from "../threads/node-pool.js";
import { setPoolProvider } from "../threads/provider.js";

setPoolProvider("worker_threads", createNodePool);

export { createNodePool };
export { setPoolProvider, type PoolProvider } from "../threads/provider.js";
export type { ThreadPool } from "../threads/pool.js";
export { ThreadedGhostNetEngine } from "../threads/threaded-engine.js";
