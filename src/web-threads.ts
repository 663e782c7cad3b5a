/**
 * ghostnet-ts/web-threads: the runtime-neutral entry plus threads on Web Workers, for
 * browsers, web workers, Deno and Bun. Importing it registers the Web Worker pool, so
 * `loadModel(bytes, { threads: N })` runs the typed GhostNet on N threads where memory can
 * be shared (SharedArrayBuffer; in a browser, a cross-origin-isolated page) and on one
 * thread otherwise (`model.threads` says which; results are bitwise the same).
 *
 * Bundlers: the workers run `threads/web-worker.js`, found beside the pool's module as
 * `new URL("./web-worker.js", import.meta.url)`; a single-file bundle must emit it too.
 * Kept out of the default entry so that users without threads do not ship the threaded code.
 */
import { setPoolProvider } from "./threads/provider.js";
import { threadProviderName } from "./threads/registry.js";
import { canStartWebWorkers, createWebPoolOrSerial } from "./threads/web-pool.js";

export * from "./index.js";
export { setPoolProvider, type PoolProvider } from "./threads/provider.js";
export type { ThreadPool } from "./threads/pool.js";
export { ThreadedGhostNetEngine } from "./threads/threaded-engine.js";
export { createWebPool, createWebPoolOrSerial } from "./threads/web-pool.js";

// Where no Web Worker can start (Node), a provider already registered (ghostnet-ts/node's
// worker_threads, when a program imports both entries) keeps its place.
if (canStartWebWorkers() || threadProviderName() === undefined) setPoolProvider("web-workers", createWebPoolOrSerial);
