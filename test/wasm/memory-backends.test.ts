/**
 * Memory on both kernel backends: many runs keep the JS heap, the external memory and the
 * wasm backend's WebAssembly.Memory flat, and disposed models leave nothing behind.
 *
 * A WebAssembly.Memory is counted in `process.memoryUsage().external`, not in `heapUsed`
 * nor in `arrayBuffers` (measured: a 100 MB memory adds 100 MB to external and nothing to
 * arrayBuffers), so the heap traces of test/robustness/memory.test.ts do not see it. Here
 * every sample takes heap + arrayBuffers (after a full gc, heap.ts) and external separately,
 * and the wasm memory's own size is read from the engine (its private `wasm` field: a cast,
 * until the engine has a public accessor).
 *
 *   10,000 runs       GhostNet x0.1 (10 classes) at 32×32, typed engine, js and wasm: the
 *                     whole per-run path of every layer kind, ~0.3–0.6 ms a run
 *   1,000 runs        the same file on the graph executor, js and wasm
 *   40 sizes in turn  the wasm memory grows to the largest plan once, then stays
 *   100 cycles        load → run → dispose on both engines and backends: every model and
 *                     every WebAssembly.Memory collected, heap and external flat
 *   4 threaded        load → run → dispose with threads 2 on wasm (a shared memory that its
 *                     workers hold too): the memories collected, the workers' OS threads gone
 */
import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { imageLikeBatch, makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { loadModel } from "../../src/load-model.js";
import "../../src/node/threads.js";
import type { Model } from "../../src/model.js";
import { Tensor } from "../../src/tensor/tensor.js";
import type { WasmBackend } from "../../src/wasm/backend.js";
import { MB, liveBytes } from "../robustness/heap.js";

const BACKENDS = ["js", "wasm"] as const;

let tiny: Uint8Array | undefined;
/** GhostNet x0.1, 10 classes, dynamic input size: every layer kind, at a fraction of the cost. */
const tinyGhostNet = (): Uint8Array =>
  (tiny ??= makeGhostNetFixture({ scale: 0.1, style: "modern", seed: 13, classCount: 10, calibrationBatch: 1, calibrationSize: 32, inputSize: "dynamic" }));

/** The wasm backend a model runs on (typed engine or graph executor), or undefined on js. */
function wasmOf(model: Model): WasmBackend | undefined {
  const holder = (model as unknown as { executor?: unknown }).executor ?? model;
  return (holder as { wasm?: WasmBackend | null }).wasm ?? undefined;
}

interface Sample {
  /** heapUsed + arrayBuffers after a full gc. */
  live: number;
  /** process.memoryUsage().external right after (WebAssembly memories are counted here). */
  external: number;
  /** The model's wasm memory in bytes (0 on js). */
  wasmBytes: number;
}

async function sample(model?: Model): Promise<Sample> {
  const live = await liveBytes();
  const wasm = model === undefined ? undefined : wasmOf(model);
  return { live, external: process.memoryUsage().external, wasmBytes: wasm?.byteLength ?? 0 };
}

interface Trace {
  baseline: Sample;
  samples: Sample[];
}

/** Runs `body` `warmup` times, samples, then `count` times sampling after each tenth. */
async function trace(model: Model | undefined, count: number, warmup: number, body: (i: number) => Promise<unknown>): Promise<Trace> {
  for (let i = 0; i < warmup; i++) await body(i);
  const baseline = await sample(model);
  const samples: Sample[] = [];
  const every = Math.max(1, Math.floor(count / 10));
  for (let i = 0; i < count; i++) {
    await body(i);
    if ((i + 1) % every === 0) samples.push(await sample(model));
  }
  return { baseline, samples };
}

const growth = (t: Trace, key: keyof Sample): number => Math.max(...t.samples.map((s) => s[key])) - t.baseline[key];
const secondHalf = (t: Trace, key: keyof Sample): number => t.samples.at(-1)![key] - t.samples[Math.floor((t.samples.length - 1) / 2)]![key];

function report(title: string, t: Trace): string {
  const mb = (b: number): string => (b / MB).toFixed(2);
  return (
    `${title}: heap+arrayBuffers baseline ${mb(t.baseline.live)} MB, growth ${mb(growth(t, "live"))} MB (second half ${mb(secondHalf(t, "live"))}); ` +
    `external growth ${mb(growth(t, "external"))} MB; wasm memory ${mb(t.baseline.wasmBytes)} MB → [${t.samples.map((s) => mb(s.wasmBytes)).join(", ")}]`
  );
}

function expectFlat(t: Trace, heapBound: number): void {
  expect(growth(t, "live"), "heap + arrayBuffers growth").toBeLessThan(heapBound);
  expect(secondHalf(t, "live"), "heap + arrayBuffers growth in the second half").toBeLessThan(heapBound / 2);
  expect(growth(t, "external"), "external (wasm memory) growth").toBeLessThan(1 * MB);
  // The wasm memory never grows after the first run of a shape: not by one page.
  for (const s of t.samples) expect(s.wasmBytes).toBe(t.baseline.wasmBytes);
}

describe("memory on both backends: runs keep the heap and the wasm memory flat", () => {
  for (const backend of BACKENDS) {
    it(`typed GhostNet x0.1 at 32×32, ${backend}: 10,000 runs`, async () => {
      const model = await loadModel(tinyGhostNet(), { engine: "ghostnet", backend });
      expect(model.backend).toBe(backend);
      expect(wasmOf(model) === undefined).toBe(backend === "js");
      const x = imageLikeBatch(1, 1, 32);
      const t = await trace(model, 10_000, 50, () => model.run({ x }));
      console.log(report(`x0.1 typed ${backend}`, t));
      if (backend === "wasm") expect(t.baseline.wasmBytes).toBeGreaterThan(0);
      // One leaked 10-float output per run would be only 0.4 MB, but its Tensor object and
      // buffer are ~200 bytes more each: 2 MB over 10,000 runs.
      expectFlat(t, 2 * MB);
      model.dispose();
    }, 120_000);

    it(`graph executor, GhostNet x0.1 at 32×32, ${backend}: 1,000 runs`, async () => {
      const model = await loadModel(tinyGhostNet(), { engine: "graph", backend });
      expect(model.backend).toBe(backend);
      const x = imageLikeBatch(1, 1, 32);
      const t = await trace(model, 1_000, 20, () => model.run({ x }));
      console.log(report(`x0.1 graph ${backend}`, t));
      expectFlat(t, 2 * MB);
      model.dispose();
    }, 120_000);
  }

  it("wasm: 40 input sizes in turn: the memory grows to the largest plan in the first pass, then stays", async () => {
    for (const engine of ["ghostnet", "graph"] as const) {
      const model = await loadModel(tinyGhostNet(), { engine, backend: "wasm" });
      const inputs = Array.from({ length: 40 }, (_, i) => new Tensor([1 + (i % 3), 3, 32 + 2 * i, 32 + 2 * i]));
      // Warm-up visits every size once; a second pass must not grow anything.
      const t = await trace(model, 40, 40, (i) => model.run({ x: inputs[i % 40]! }));
      console.log(report(`40 sizes, ${engine} wasm`, t));
      expectFlat(t, 4 * MB);
      model.dispose();
    }
  }, 120_000);
});

describe("memory on both backends: loading and disposing leaves nothing behind", () => {
  it("100 models loaded, run once and disposed (both engines, both backends): all collected, their WebAssembly memories too", async () => {
    const bytes = tinyGhostNet();
    const x = imageLikeBatch(1, 2, 32);
    const models: WeakRef<object>[] = [];
    const memories: WeakRef<object>[] = [];
    let wasmBytesSeen = 0;
    const cycle = async (i: number): Promise<void> => {
      const engine = i % 2 === 0 ? "ghostnet" : "graph";
      const backend = BACKENDS[Math.floor(i / 2) % 2]!;
      const model = await loadModel(bytes, { engine, backend });
      expect(model.backend).toBe(backend);
      await model.run({ x });
      const wasm = wasmOf(model);
      if (wasm !== undefined) {
        memories.push(new WeakRef(wasm.memory));
        wasmBytesSeen = Math.max(wasmBytesSeen, wasm.byteLength);
      }
      await model.dispose();
      models.push(new WeakRef(model));
    };
    const t = await trace(undefined, 100, 4, cycle);
    console.log(report("load/run/dispose", t) + `; a model's wasm memory ${(wasmBytesSeen / MB).toFixed(2)} MB`);
    await liveBytes();
    expect(memories.length).toBe(52);
    expect(models.filter((r) => r.deref() !== undefined).length, "disposed models still reachable").toBe(0);
    expect(memories.filter((r) => r.deref() !== undefined).length, "WebAssembly memories still reachable").toBe(0);
    // 50 leaked wasm memories would be 50 × wasmBytesSeen of external memory.
    expect(wasmBytesSeen).toBeGreaterThan(0);
    expect(growth(t, "live"), "heap + arrayBuffers growth").toBeLessThan(8 * MB);
    expect(growth(t, "external"), "external growth").toBeLessThan(Math.max(4 * MB, 10 * wasmBytesSeen));
  }, 120_000);
});

describe("memory on the wasm backend with threads: disposing leaves nothing behind", () => {
  const models: WeakRef<object>[] = [];
  const memories: WeakRef<object>[] = [];

  /** One cycle in its own function, so no local of the caller keeps the last model alive. */
  async function cycle(bytes: Uint8Array, x: Tensor): Promise<void> {
    const model = await loadModel(bytes, { backend: "wasm", threads: 2 });
    expect(model.threads).toBe(2);
    await model.run({ x });
    const wasm = wasmOf(model)!;
    expect(wasm.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    memories.push(new WeakRef(wasm.memory));
    models.push(new WeakRef(model));
    await model.dispose();
  }

  it("4 models on 2 threads loaded, run and disposed: their shared memories collected, their workers gone", async () => {
    const osThreads = (): number => (existsSync("/proc/self/task") ? readdirSync("/proc/self/task").length : -1);
    const bytes = tinyGhostNet();
    const x = imageLikeBatch(1, 3, 32);
    await cycle(bytes, x);
    const before = await sample();
    const threadsBefore = osThreads();
    for (let i = 0; i < 3; i++) await cycle(bytes, x);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await sample();
    expect(models.filter((r) => r.deref() !== undefined).length, "disposed models still reachable").toBe(0);
    expect(memories.filter((r) => r.deref() !== undefined).length, "shared WebAssembly memories still reachable").toBe(0);
    expect(after.external - before.external, "external growth").toBeLessThan(2 * MB);
    expect(after.live - before.live, "heap + arrayBuffers growth").toBeLessThan(4 * MB);
    // Three models' workers left running would be 3 more threads.
    if (threadsBefore > 0) expect(osThreads() - threadsBefore).toBeLessThan(3);
  }, 60_000);
});
