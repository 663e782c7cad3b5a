/**
 * Heap measurement for the memory suites: a real `gc()` (V8's --expose-gc, switched on
 * from inside the process, so no runner flags are needed) and the heap + external
 * (ArrayBuffer) bytes after a full collection.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
const collect = runInNewContext("gc") as () => void;

/** Bytes in use after a full collection: JS heap plus ArrayBuffer memory (where tensors live). */
export async function liveBytes(): Promise<number> {
  // Two passes with event-loop turns between them: WeakRefs and finalizers settle.
  for (let pass = 0; pass < 2; pass++) {
    await new Promise((resolve) => setImmediate(resolve));
    collect();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export interface HeapTrace {
  /** Live bytes after warm-up, and after each tenth of the runs. */
  baseline: number;
  samples: number[];
  /** Largest sample minus the baseline. */
  growth: number;
  /** Last sample minus the sample at the half-way point (a leak keeps climbing). */
  secondHalfGrowth: number;
}

/**
 * Runs `body(i)` `warmup` times, measures, runs it `count` times measuring after each
 * tenth, and reports the growth. Tensors made by `body` must not be kept by the caller.
 */
export async function traceHeap(count: number, warmup: number, body: (i: number) => Promise<unknown>): Promise<HeapTrace> {
  for (let i = 0; i < warmup; i++) await body(i);
  const baseline = await liveBytes();
  const samples: number[] = [];
  const every = Math.max(1, Math.floor(count / 10));
  for (let i = 0; i < count; i++) {
    await body(i);
    if ((i + 1) % every === 0) samples.push(await liveBytes());
  }
  const half = samples[Math.floor((samples.length - 1) / 2)]!;
  return {
    baseline,
    samples,
    growth: Math.max(...samples) - baseline,
    secondHalfGrowth: samples[samples.length - 1]! - half,
  };
}

export const MB = 2 ** 20;

export function formatTrace(title: string, trace: HeapTrace): string {
  const mb = (b: number) => (b / MB).toFixed(2);
  return `${title}: baseline ${mb(trace.baseline)} MB, growth ${mb(trace.growth)} MB, second-half growth ${mb(trace.secondHalfGrowth)} MB, samples [${trace.samples.map((s) => mb(s - trace.baseline)).join(", ")}]`;
}
