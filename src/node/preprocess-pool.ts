/**
 * Image decoding and preprocessing on worker threads, so that a server decodes the next
 * requests' images while the model runs on the main thread (Node only).
 *
 *   const pool = await createPreprocessPool(2, imageLimits);
 *   createHandler(model, { preprocess: pool.preprocess });   // the same tensors, off the main thread
 *   …
 *   await pool.close();
 *
 * A job goes to the worker with the fewest jobs pending. The bytes are copied into the
 * message (a request body may be a view into a larger buffer); the tensor comes back
 * transferred, not copied. A library error in the worker comes back as a GhostnetError
 * with the same code and message. A worker that dies fails its pending jobs and is replaced.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { GhostnetError } from "../errors.js";
import type { DecodeLimits } from "../image/rgb-image.js";
import { Tensor } from "../tensor/tensor.js";

/** Workers that preprocess images. */
export interface PreprocessPool {
  /** Number of workers. */
  readonly size: number;
  /** Image bytes → the [1, 3, H, W] tensor `prepareImage` would give. */
  preprocess(bytes: Uint8Array): Promise<Tensor>;
  /** Stops the workers (pending jobs fail). */
  close(): Promise<void>;
}

interface Pending {
  resolve(tensor: Tensor): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** The worker's script: the .js beside this file, or (running from .ts sources) a bootstrap that registers tsx first. */
function workerSource(): { script: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith(".ts")) return { script: new URL("./preprocess-worker.js", import.meta.url), eval: false };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href;
  const entry = new URL("./preprocess-worker.ts", import.meta.url).href;
  return { script: `import(${JSON.stringify(tsx)}).then((m) => { (m.register ?? m.default.register)(); return import(${JSON.stringify(entry)}); });`, eval: true };
}

/** Starts `workers` preprocessing workers with the given decoding limits; resolves once all are ready. */
export async function createPreprocessPool(workers: number, imageLimits: DecodeLimits = {}): Promise<PreprocessPool> {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const source = workerSource();
  let nextId = 0;
  let closed = false;

  function start(): Promise<Slot> {
    const worker = new Worker(source.script, { eval: source.eval, workerData: { imageLimits } });
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on("message", (message: { id: number; shape: number[]; data: Float32Array; error?: { code?: string; message: string } } | string) => {
      if (typeof message === "string") return;
      const job = slot.pending.get(message.id);
      if (job === undefined) return;
      slot.pending.delete(message.id);
      if (message.error === undefined) job.resolve(new Tensor(message.shape, message.data));
      else job.reject(message.error.code !== undefined ? new GhostnetError(message.error.code, message.error.message) : new Error(message.error.message));
    });
    worker.on("exit", () => {
      for (const job of slot.pending.values()) job.reject(new Error("a preprocessing worker stopped"));
      slot.pending.clear();
      // Replace a worker that died while the pool is in use.
      const at = slots.indexOf(slot);
      if (!closed && at !== -1) void start().then((fresh) => (slots[at] = fresh), () => {});
    });
    return new Promise((resolve, reject) => {
      worker.once("message", () => resolve(slot));
      worker.once("error", reject);
    });
  }

  const slots: Slot[] = await Promise.all(Array.from({ length: workers }, start));

  return {
    size: workers,
    preprocess(bytes) {
      if (closed) return Promise.reject(new Error("the preprocessing pool is closed"));
      const slot = slots.reduce((best, s) => (s.pending.size < best.pending.size ? s : best));
      const id = nextId++;
      const copy = bytes.slice();
      return new Promise<Tensor>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ id, bytes: copy }, [copy.buffer]);
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
