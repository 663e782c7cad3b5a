/**
 * A preprocessing worker (Node worker_threads): image bytes in, the PaddleClas-preprocessed
 * [1, 3, H, W] tensor out, exactly as `prepareImage` computes it on the main thread. Started
 * by preprocess-pool.ts; `workerData.imageLimits` are the decoding limits.
 *
 *   in:  { id, bytes: Uint8Array }
 *   out: { id, shape, data: Float32Array (transferred) } or { id, error: { code?, message } }
 */
import { parentPort, workerData } from "node:worker_threads";
import { prepareImage } from "../classifier.js";
import { GhostnetError } from "../errors.js";

const port = parentPort!;
const imageLimits = (workerData as { imageLimits?: Record<string, number> } | null)?.imageLimits ?? {};

port.on("message", async ({ id, bytes }: { id: number; bytes: Uint8Array }) => {
  try {
    const tensor = await prepareImage(bytes, undefined, imageLimits);
    port.postMessage({ id, shape: tensor.shape, data: tensor.data }, [tensor.data.buffer as ArrayBuffer]);
  } catch (error) {
    const code = error instanceof GhostnetError ? error.code : undefined;
    port.postMessage({ id, error: { code, message: error instanceof Error ? error.message : String(error) } });
  }
});
port.postMessage("ready");
