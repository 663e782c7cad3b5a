/**
 * The thread pool on Node's worker_threads (Node-only: import it from Node entry points,
 * never from the core). `createNodePool(threads)` starts threads − 1 workers that run
 * `node-worker.ts`; the calling thread is the pool's first thread.
 *
 * Buffers reach the workers as messages on a MessageChannel that a worker drains
 * synchronously (`receiveMessageOnPort`) when a job says more buffers exist than it holds,
 * so a worker never has to return to its event loop between jobs.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { CONTROL, MAX_TASK_ARGS, SerialPool, SharedPool, type ThreadPool, canShareMemory } from "./pool.js";

/**
 * How to start a worker: the .js beside this file, or, when running from TypeScript source
 * (tsx, vitest), a small bootstrap that registers tsx's loader in the worker first (Node 20
 * does not pass the parent's module hooks on to workers).
 */
function workerSource(): { script: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith(".ts")) return { script: new URL("./node-worker.js", import.meta.url), eval: false };
  const tsx = resolveTsxApi();
  const entry = new URL("./node-worker.ts", import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { (m.register ?? m.default.register)(); return import(${JSON.stringify(entry)}); });`;
  return { script: bootstrap, eval: true };
}

/** The ESM entry of tsx's API (import.meta.resolve where the runtime has it, else next to its CJS entry). */
function resolveTsxApi(): string {
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (typeof resolve === "function") {
    try {
      return resolve("tsx/esm/api");
    } catch {
      // fall through
    }
  }
  return pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href;
}

/** A pool of `threads` threads (the caller's included); one thread, or no shared memory: a SerialPool. */
export async function createNodePool(threads: number): Promise<ThreadPool> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  if (threads === 1 || !canShareMemory()) return new SerialPool();
  const control = new Int32Array(new SharedArrayBuffer(CONTROL.length * 4));
  const args = new Float64Array(new SharedArrayBuffer(MAX_TASK_ARGS * 8));
  const source = workerSource();
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  const ready: Promise<void>[] = [];
  for (let index = 1; index < threads; index++) {
    const channel = new MessageChannel();
    const worker = new Worker(source.script, {
      eval: source.eval,
      workerData: { control, args, index, size: threads, port: channel.port2 },
      transferList: [channel.port2],
    });
    worker.unref();
    ready.push(
      new Promise((resolve, reject) => {
        worker.once("message", () => resolve());
        worker.once("error", reject);
      }),
    );
    worker.on("error", (e) => console.error(`ghostnet-ts thread ${index}:`, e));
    channel.port1.unref();
    workers.push(worker);
    ports.push(channel.port1);
  }
  await Promise.all(ready);
  return new SharedPool(
    threads,
    control,
    args,
    (resource, id) => {
      for (const port of ports) port.postMessage({ id, resource });
    },
    async () => {
      for (const port of ports) port.close();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  );
}
