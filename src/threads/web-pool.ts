/**
 * The thread pool on Web Workers (browsers, Deno, Bun): `createWebPool(threads)` starts
 * threads − 1 module workers running `web-worker.ts`; the calling thread is the pool's first
 * thread. Needs SharedArrayBuffer (a browser page must be cross-origin isolated).
 *
 * Differences from the worker_threads pool (node-pool.ts):
 * - buffers reach a worker as messages, which a Web Worker receives only between tasks;
 *   a worker whose job needs a buffer it has not received yet leaves its loop, takes its
 *   messages, and then runs the job (WorkerLoop's "starved");
 * - a browser's main thread may not sleep in Atomics.wait, so there the caller spins while
 *   it waits for the workers' parts (it is busy with the run anyway).
 *
 * The worker is started as `new Worker(new URL("./web-worker.js", import.meta.url), { type:
 * "module", … })`, literally: that is the form bundlers (Vite, webpack 5, Parcel) recognise
 * and bundle as a worker entry. Through a variable (`new W(url)`) or with non-constant
 * options they only copy web-worker.js as a file, without the modules it imports.
 */
import { CONTROL, MAX_TASK_ARGS, SerialPool, SharedPool, canBlockHere, type SharedResource, type ThreadPool } from "./pool.js";

/** The messages a pool worker receives: once the setup, then one per registered buffer. */
export type WebPoolMessage =
  | { kind: "setup"; control: Int32Array; args: Float64Array; index: number; size: number }
  | { kind: "buffer"; id: number; resource: SharedResource };

interface WebWorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: string, listener: (event: { data?: unknown; message?: string }) => void, options?: { once?: boolean }): void;
}

/** True when this runtime has (module) Web Workers. */
export function canStartWebWorkers(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker === "function";
}

/** A pool of `threads` threads on Web Workers; rejects when a worker cannot start. */
export async function createWebPool(threads: number): Promise<ThreadPool> {
  const control = new Int32Array(new SharedArrayBuffer(CONTROL.length * 4));
  const args = new Float64Array(new SharedArrayBuffer(MAX_TASK_ARGS * 8));
  const workers: WebWorkerLike[] = [];
  const ready: Promise<void>[] = [];
  try {
    for (let index = 1; index < threads; index++) {
      const worker: WebWorkerLike = new Worker(new URL("./web-worker.js", import.meta.url), { type: "module", name: "ghostnet-ts thread" });
      ready.push(
        new Promise((resolve, reject) => {
          worker.addEventListener("message", () => resolve(), { once: true });
          worker.addEventListener("error", (e) => reject(new Error(`ghostnet-ts thread ${index} did not start: ${e.message ?? "worker error"}`)), { once: true });
        }),
      );
      const setup: WebPoolMessage = { kind: "setup", control, args, index, size: threads };
      worker.postMessage(setup);
      workers.push(worker);
    }
    await Promise.all(ready);
  } catch (error) {
    for (const worker of workers) worker.terminate();
    throw error;
  }
  return new SharedPool(
    threads,
    control,
    args,
    (resource, id) => {
      const message: WebPoolMessage = { kind: "buffer", id, resource };
      for (const worker of workers) worker.postMessage(message);
    },
    async () => {
      for (const worker of workers) worker.terminate();
    },
    { callerMayBlock: canBlockHere() },
  );
}

/**
 * A Web Worker pool, or one thread (a SerialPool) where no Web Worker can start: no
 * `Worker` in this runtime, or a bundle that did not ship web-worker.js beside this module.
 */
export async function createWebPoolOrSerial(threads: number): Promise<ThreadPool> {
  if (threads <= 1 || !canStartWebWorkers()) return new SerialPool();
  try {
    return await createWebPool(threads);
  } catch {
    return new SerialPool();
  }
}
