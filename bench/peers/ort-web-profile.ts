/**
 * onnxruntime-web's own per-node timings, for comparing our graph executor with it op by op
 * (`ghostnet bench --profile`).
 *
 * A session created with `enableProfiling: true` records every node's kernel time; on the
 * WebAssembly backend `endProfiling()` prints the records to the console as a Chrome trace
 * (a JSON array, one event object per line). We capture that text from process.stdout and
 * keep the "Node" events named `<node>_kernel_time`. onnxruntime fuses Conv + Relu into
 * FusedConv and MatMul + Add into Gemm but keeps the first node's name, so most names match
 * our graph executor's step names; both sides are classified from the node's input shapes
 * as onnxruntime reports them.
 *
 * Profiling costs onnxruntime-web little (35.5 against 33.3 ms for GhostNet x1.0, measured
 * 2026-11-29, interleaved), but it is a separate session from the timed one.
 */
import fs from "node:fs";
import { ortWeb } from "./ort-web.js";

/** One node's kernel time in one run, from onnxruntime's trace. */
export interface OrtNodeEvent {
  /** The node name (a fused node: its first node's name). */
  node: string;
  /** onnxruntime's kernel: Conv, FusedConv, Gemm, FusedGemm, Add, … */
  opName: string;
  /** Input shapes, as the trace lists them. */
  inputShapes: number[][];
  ms: number;
  /** Start, µs from the session's start (orders events into runs). */
  ts: number;
}

/**
 * The kernel-time events of a trace that onnxruntime printed: lines like
 * `{"cat" : "Node", …, "dur" :852, …, "name" :"p2o.Conv.1_kernel_time", "args" : {…}},`.
 * Lines that are not such events are skipped, so the text may hold other output.
 */
export function parseOrtTrace(text: string): OrtNodeEvent[] {
  const events: OrtNodeEvent[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim().replace(/,$/, "");
    if (!line.startsWith("{") || !line.includes('"Node"') || !line.includes("_kernel_time")) continue;
    let e: { cat?: string; name?: string; dur?: number; ts?: number; args?: { op_name?: string; input_type_shape?: Record<string, number[]>[] } };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (e.cat !== "Node" || typeof e.name !== "string" || !e.name.endsWith("_kernel_time") || typeof e.dur !== "number") continue;
    events.push({
      node: nodeNameOf(e.name.slice(0, -"_kernel_time".length)),
      opName: e.args?.op_name ?? "?",
      inputShapes: (e.args?.input_type_shape ?? []).map((t) => Object.values(t)[0] ?? []),
      ms: e.dur / 1000,
      ts: e.ts ?? 0,
    });
  }
  return events;
}

/**
 * The graph's node name behind a trace name: onnxruntime names a node it fused from
 * several `fused <first>` or `<first>/<Rule>` (e.g. `fused p2o.MatMul.0/MatMulAddFusion`).
 */
export function nodeNameOf(traceName: string): string {
  return traceName.replace(/^fused /, "").replace(/\/[A-Za-z]*Fusion\/?$/, "");
}

/**
 * What a node computes, coarsely, from onnxruntime's op name and input shapes: convs split
 * into pointwise (1×1 weights), depthwise k×k (one input channel per group, as many groups
 * as channels), convs on a 1×1 map (fully connected) and other convs (the stem);
 * Gemm/FusedGemm/MatMul/FusedMatMul as "MatMul/Gemm"; anything else by its op name.
 */
export function opKindOf(opName: string, inputShapes: readonly (readonly number[])[]): string {
  if (opName === "Conv" || opName === "FusedConv") {
    const [x, w] = inputShapes;
    if (x === undefined || w === undefined || x.length !== 4 || w.length !== 4) return "Conv (other)";
    if (w[2] === 1 && w[3] === 1) return x[2] === 1 && x[3] === 1 ? "Conv 1×1 on a 1×1 map" : "Conv 1×1 (pointwise)";
    if (w[1] === 1 && w[0] === x[1]) return `Conv ${w[2]}×${w[3]} depthwise`;
    return "Conv (other)";
  }
  if (opName === "Gemm" || opName === "FusedGemm" || opName === "MatMul" || opName === "FusedMatMul") return "MatMul/Gemm";
  return opName;
}

/**
 * Captures what is written to standard output while `f` runs (and writes nothing there):
 * onnxruntime-web's runtime prints with fs.writeSync(1, …) in Node, console.log elsewhere.
 */
async function capturingStdout(f: () => Promise<void> | void): Promise<string> {
  const chunks: string[] = [];
  const text = (chunk: unknown): string => (typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? new TextDecoder().decode(chunk) : String(chunk));
  const write = process.stdout.write;
  const writeSync = fs.writeSync;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(text(chunk));
    return true;
  }) as typeof process.stdout.write;
  fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1) return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
    const s = text(data);
    chunks.push(s);
    return s.length;
  }) as typeof fs.writeSync;
  try {
    await f();
  } finally {
    process.stdout.write = write;
    fs.writeSync = writeSync;
  }
  return chunks.join("");
}

/**
 * Per-node kernel times of onnxruntime-web (wasm, the process's thread count) on `bytes`:
 * `warmup` runs, then `rounds` runs each followed by `between()` (the caller's engine, so
 * the two are measured in the same phases of the machine). Returns each node's median over
 * the rounds with its kind, or an empty list if the trace could not be captured (a test
 * runner that owns the console, say).
 */
export async function profileOrtWeb(
  bytes: Uint8Array, shape: readonly number[], data: Float32Array, rounds: number, between: () => Promise<void>, warmup = 2,
): Promise<{ node: string; kind: string; ms: number }[]> {
  const ort = await ortWeb(1);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all", enableProfiling: true });
  let events: OrtNodeEvent[];
  try {
    const feeds = { [session.inputNames[0]!]: new ort.Tensor("float32", data, shape as number[]) };
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    for (let r = 0; r < rounds; r++) {
      await session.run(feeds);
      await between();
    }
    events = parseOrtTrace(await capturingStdout(() => session.endProfiling()));
  } finally {
    await session.release();
  }
  // Every run lists every node once: keep each node's last `rounds` times (the warm-up's come first).
  const byNode = new Map<string, { kind: string; ms: number[] }>();
  for (const e of events.sort((a, b) => a.ts - b.ts)) {
    const entry = byNode.get(e.node) ?? { kind: opKindOf(e.opName, e.inputShapes), ms: [] };
    entry.ms.push(e.ms);
    byNode.set(e.node, entry);
  }
  return [...byNode].map(([node, { kind, ms }]) => {
    const last = ms.slice(-rounds).sort((a, b) => a - b);
    return { node, kind, ms: last[last.length >> 1] ?? NaN };
  });
}
