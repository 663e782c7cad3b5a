/**
 * A pool worker on Node's worker_threads: says it is ready once its loop has read the job
 * generation, then runs jobs until the pool stops (see pool.ts, runWorkerLoop). Buffers
 * and wasm kernels arrive as { id, resource } messages on `port`.
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { type BufferTable, type SharedResource, runWorkerLoop } from "./pool.js";

interface PoolWorkerData {
  control: Int32Array;
  args: Float64Array;
  index: number;
  size: number;
  port: MessagePort;
}

const data = workerData as PoolWorkerData;

function receiveBuffers(table: BufferTable, wanted: number): void {
  while (table.count < wanted) {
    const message = receiveMessageOnPort(data.port) as { message: { id: number; resource: SharedResource } } | undefined;
    if (message === undefined) {
      // Posted but not yet delivered: yield the CPU briefly and look again.
      Atomics.wait(data.control, 0, Atomics.load(data.control, 0) + 1, 0.05);
      continue;
    }
    const { id, resource } = message.message;
    if (id !== table.count) throw new Error(`thread pool worker ${data.index}: buffer ${id} arrived out of order`);
    table.addResource(resource);
  }
}

runWorkerLoop(data.control, data.args, data.index, data.size, receiveBuffers, (e) => console.error(`ghostnet-ts thread ${data.index}:`, e), () =>
  parentPort!.postMessage("ready"),
);
