/**
 * A pool worker on Web Workers (see web-pool.ts): waits for its setup message, says it is
 * ready, then runs jobs; when a job needs buffers whose messages it has not taken yet, it
 * returns to its event loop, takes them, and goes on with the job.
 */
import { type SharedResource, WorkerLoop } from "./pool.js";
import type { WebPoolMessage } from "./web-pool.js";

interface WorkerScope {
  postMessage(message: unknown): void;
  close(): void;
  addEventListener(type: "message", listener: (event: { data: WebPoolMessage }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
let loop: WorkerLoop | undefined;
/** Buffers and kernels that arrived, by id (they may arrive before the loop asks for them). */
const arrived = new Map<number, SharedResource>();
let starved = false;

function takeArrived(wanted: number): boolean {
  const table = loop!.table;
  while (table.count < wanted) {
    const resource = arrived.get(table.count);
    if (resource === undefined) return false;
    arrived.delete(table.count);
    table.addResource(resource);
  }
  return true;
}

function runLoop(): void {
  starved = loop!.run() === "starved";
  if (!starved) scope.close();
}

scope.addEventListener("message", (event) => {
  const message = event.data;
  if (message.kind === "setup") {
    const { control, args, index, size } = message;
    loop = new WorkerLoop(control, args, index, size, (_table, wanted) => takeArrived(wanted), (e) => console.error(`ghostnet-ts thread ${index}:`, e));
    scope.postMessage("ready");
    // Leave this task so the first buffers' messages can be taken before the loop blocks.
    setTimeout(runLoop, 0);
    return;
  }
  arrived.set(message.id, message.resource);
  if (starved) runLoop();
});
