/**
 * A full garbage collection to run before each timed run (outside its timing), so garbage
 * one engine leaves (tfjs-backend-cpu makes a lot) is not collected on another engine's
 * time; without it the collector's background threads also share the CPU with whatever
 * runs next (measured: onnxruntime-web's median 65 ms instead of 37 ms right after
 * profiled forward passes of ours).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** `gc()` when this process can have it (`--expose-gc`, or set at run time), else a no-op. */
export function collectGarbage(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return exposed;
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    if (typeof gc === "function") return gc as () => void;
  } catch {
    // fall through: no collection between runs
  }
  return () => {};
}

/** Collects garbage (outside the timing), then times one call of `run`: ms. */
export async function timeAfterCollecting(gc: () => void, run: () => unknown): Promise<number> {
  gc();
  const t = performance.now();
  await run();
  return performance.now() - t;
}
