/**
 * The wasm backend's memory and kernels for one model.
 *
 * One `WebAssembly.Memory` holds everything the wasm kernels touch, in two regions:
 *
 *   [ 0 … weightsEnd )        packed weights, written once at load (`allocateWeights`)
 *   [ weightsEnd … planEnd )  one input shape's activations and scratch (`beginPlan`,
 *                             `allocatePlan`): a new shape starts the region again
 *   [ planEnd … +GUARD )      a few zero bytes, so no kernel read can run off the end
 *
 * Tensors are `Float32Array` views into the memory. Growing a non-shared memory detaches
 * every view of it, so the memory is sized for a plan before any of its views is made,
 * and whoever holds views (the model's plan) is rebuilt after a growth (`generation`
 * counts them). JavaScript kernels run on the same views, so an op without a wasm kernel
 * simply runs its JS twin in place: the backends mix within one run.
 *
 * Kernels are modules of a few hundred bytes that emitters in src/wasm/kernels write for
 * one shape; the compiled `WebAssembly.Module`s are cached process-wide by key (they do
 * not depend on the memory), the instances per backend.
 */
import { LimitError } from "../errors.js";
import { wasmSupport } from "./probe.js";
import type { WasmExports, WasmMemory, WasmModule } from "./web-assembly-types.js";

/** The functions kernel modules export, by index in thread-pool jobs (src/threads/tasks.ts, task "wasm"). */
export const KERNEL_FUNCTIONS = ["pointwise", "depthwise", "im2col", "add", "scalePlanes", "planeMeans"] as const;
export type KernelFunction = (typeof KERNEL_FUNCTIONS)[number];

/**
 * What the backend needs of a thread pool (src/threads/pool.ts's ThreadPool): its size,
 * registering a kernel with every thread, and running a "wasm" job split across them.
 */
export interface KernelThreads {
  readonly size: number;
  shareKernel(kernel: { memory: WasmMemory; module: WasmModule }): number;
  parallelFor(task: "wasm", count: number, args: ArrayLike<number>): void;
  dispose(): Promise<void>;
}

/** WebAssembly pages are 64 KiB. */
export const PAGE_BYTES = 65536;
/** Bytes kept free after the last allocation (vector reads past an array's end stay inside). */
const GUARD_BYTES = 64;
/** Every allocation starts on a 16-byte boundary (one v128). */
const ALIGN = 16;
/**
 * The backend's limit: 32768 pages = 2 GiB, half of what a 32-bit memory can hold, so every
 * address fits the signed i32 comparisons the kernels' loops use.
 */
export const MAX_PAGES = 32768;
/** A shared memory reserves its maximum up front: 1 GiB unless the caller says. */
const DEFAULT_SHARED_PAGES = 16384;

/** What a kernel module's memory import must say (modules for shared memories differ). */
export interface MemoryDescriptor {
  minPages: number;
  maxPages?: number;
  shared?: boolean;
}

/** Compiled kernel modules, by key; kept for the process (a few hundred bytes each). */
const moduleCache = new Map<string, WebAssembly.Module>();
const MODULE_CACHE_LIMIT = 1024;

/** Compiles `bytes()` once per key (synchronously: modules are far below browsers' 4 KB limit for that). */
export function compileKernel(key: string, bytes: () => Uint8Array<ArrayBuffer>): WasmModule {
  let module = moduleCache.get(key);
  if (module === undefined) {
    module = new WebAssembly.Module(bytes());
    if (moduleCache.size >= MODULE_CACHE_LIMIT) moduleCache.delete(moduleCache.keys().next().value!);
    moduleCache.set(key, module);
  }
  return module;
}

export interface WasmBackendOptions {
  /** A shared memory (threads): its buffer is a SharedArrayBuffer. */
  shared?: boolean;
  /** Whether GEMM kernels use relaxed SIMD's fused multiply-add (default: where the runtime has it, see probe.ts). */
  relaxedSimd?: boolean;
  /** Largest the memory may grow (default 4 GiB). */
  maxBytes?: number;
}

export class WasmBackend {
  readonly memory: WasmMemory;
  readonly shared: boolean;
  /** The GEMM kernels multiply-add with f32x4.relaxed_madd (see PointwiseShape.fused). */
  readonly fusedMultiplyAdd: boolean;
  /** The import every kernel module of this backend declares. */
  readonly memoryImport: MemoryDescriptor;
  private maxPages: number;
  private weightsEnd = 0;
  private planEnd = 0;
  private instances = new Map<string, WebAssembly.Exports>();
  private modules = new Map<string, WebAssembly.Module>();
  /** The pool whose threads share the kernels (attachThreads), and each kernel's id there. */
  private pool: KernelThreads | null = null;
  private poolIds = new Map<string, number>();
  private readonly jobArgs: number[] = [];
  private floatView: Float32Array;
  /**
   * Every buffer object a view of a shared memory was made on. A shared memory's `buffer`
   * may come back as a new SharedArrayBuffer object over the same memory (seen in V8 after
   * other shared memories were made), and growth keeps old views valid: all of them count.
   */
  private readonly sharedBuffers = new WeakSet<ArrayBufferLike>();
  /** Byte address of the current plan's scratch (kernels' temporary buffers), −1 when none. */
  scratch = -1;
  /** Floats of scratch at `scratch` (each thread has this many, `scratchStride` bytes apart). */
  scratchFloats = 0;
  /** Bytes from one thread's scratch to the next. */
  scratchStride = 0;
  /** Incremented whenever the memory grows (views made before are detached or stale). */
  generation = 0;
  private disposed = false;

  constructor(options: WasmBackendOptions = {}) {
    this.shared = options.shared === true;
    this.fusedMultiplyAdd = options.relaxedSimd ?? wasmSupport().relaxedSimd;
    this.maxPages = Math.min(MAX_PAGES, Math.ceil((options.maxBytes ?? MAX_PAGES * PAGE_BYTES) / PAGE_BYTES));
    const descriptor: WebAssembly.MemoryDescriptor & { shared?: boolean } = { initial: 1 };
    if (this.shared && options.maxBytes === undefined) this.maxPages = DEFAULT_SHARED_PAGES;
    if (this.shared) {
      descriptor.maximum = this.maxPages;
      descriptor.shared = true;
    }
    this.memory = new WebAssembly.Memory(descriptor);
    this.memoryImport = this.shared ? { minPages: 0, maxPages: 65536, shared: true } : { minPages: 0 };
    this.floatView = new Float32Array(this.memory.buffer);
  }

  /** The whole memory as floats (made again after a growth). */
  get floats(): Float32Array {
    const buffer = this.currentBuffer();
    if (this.floatView.buffer !== buffer || this.floatView.length * 4 !== buffer.byteLength) this.floatView = new Float32Array(buffer);
    return this.floatView;
  }

  /** The memory's buffer now (remembered, for a shared memory, as one its views may be on). */
  private currentBuffer(): ArrayBufferLike {
    const buffer = this.memory.buffer;
    if (this.shared) this.sharedBuffers.add(buffer);
    return buffer;
  }

  /** Bytes of memory the backend holds now. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** A view of `length` floats at byte address `address`. */
  view(address: number, length: number): Float32Array {
    return new Float32Array(this.currentBuffer(), address, length);
  }

  /** Whether `a` is a view into this backend's memory (so a wasm kernel can take its address). */
  holds(a: Float32Array): boolean {
    return a.buffer === this.memory.buffer || (this.shared && this.sharedBuffers.has(a.buffer));
  }

  private grow(endBytes: number): void {
    const needed = Math.ceil((endBytes + GUARD_BYTES) / PAGE_BYTES);
    const have = this.memory.buffer.byteLength / PAGE_BYTES;
    if (needed <= have) return;
    if (needed > this.maxPages) {
      throw new LimitError(`the wasm backend needs ${(endBytes / 2 ** 20).toFixed(1)} MiB of memory, more than its limit of ${((this.maxPages * PAGE_BYTES) / 2 ** 20).toFixed(0)} MiB`);
    }
    this.memory.grow(needed - have);
    this.generation++;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error("the wasm backend was disposed");
  }

  /**
   * Reserves `floats` floats for weights (kept for the backend's life) and returns their
   * byte address. Only before the first plan: weights sit below every plan.
   */
  allocateWeights(floats: number): number {
    this.checkAlive();
    if (this.planEnd > this.weightsEnd) {
      // The plan's region is taken by weights: its views are stale (their holder plans again).
      this.generation++;
      this.scratch = -1;
      this.scratchFloats = 0;
    }
    const address = alignUp(this.weightsEnd);
    this.weightsEnd = address + floats * 4;
    this.planEnd = this.weightsEnd;
    this.grow(this.weightsEnd);
    return address;
  }

  /** Starts a new plan: every plan allocation made before is given up. */
  beginPlan(): void {
    this.checkAlive();
    this.planEnd = this.weightsEnd;
    this.scratch = -1;
    this.scratchFloats = 0;
  }

  /**
   * Grows the memory now so that `floats` more floats of plan allocations will not grow it
   * (growth detaches the views made before; reserve first, then make views).
   */
  reserve(floats: number): void {
    this.checkAlive();
    this.grow(alignUp(this.planEnd) + floats * 4 + 64 * ALIGN);
  }

  /** Reserves the plan's scratch: `floats` floats per thread that any kernel may use during one op. */
  allocateScratch(floats: number): void {
    this.scratchStride = alignUp(floats * 4);
    this.scratch = this.allocatePlan((this.scratchStride / 4) * this.threads);
    this.scratchFloats = floats;
  }

  /** Threads the kernels may run on (1 without a pool). */
  get threads(): number {
    return this.pool?.size ?? 1;
  }

  /** Lets the kernels split their work across `pool`'s threads (the memory must be shared). */
  attachThreads(pool: KernelThreads): void {
    if (!this.shared && pool.size > 1) throw new Error("the wasm backend needs a shared memory to run on threads");
    this.pool = pool;
    this.poolIds.clear();
  }

  /**
   * Runs function `name` of kernel `key` (already made by `kernel`) once per image
   * i < images with arguments args[j] + i·strides[j], its items [args[rangeArg],
   * args[rangeArg + 1]) split across the pool's threads; `scratchArg` (or −1) is moved on
   * by `scratchStride` per thread. Each output is computed by one thread with the same
   * instructions as on one, so the result is the same bits for any thread count.
   */
  parallel(key: string, name: KernelFunction, args: readonly number[], strides: readonly number[], images: number, rangeArg: number, scratchArg = -1): void {
    const pool = this.pool;
    if (pool === null) throw new Error("the wasm backend has no threads");
    let id = this.poolIds.get(key);
    if (id === undefined) {
      const module = this.modules.get(key);
      if (module === undefined) throw new Error(`wasm kernel ${key} was not made`);
      id = pool.shareKernel({ memory: this.memory, module });
      this.poolIds.set(key, id);
    }
    const a = this.jobArgs;
    a.length = 0;
    a.push(id, KERNEL_FUNCTIONS.indexOf(name), args.length, rangeArg, images, scratchArg, this.scratchStride, ...args, ...strides);
    pool.parallelFor("wasm", args[rangeArg + 1]! - args[rangeArg]!, a);
  }

  /** Reserves `floats` floats in the current plan and returns their byte address (zeroed when fresh memory). */
  allocatePlan(floats: number): number {
    this.checkAlive();
    const address = alignUp(this.planEnd);
    this.planEnd = address + floats * 4;
    this.grow(this.planEnd);
    return address;
  }

  /** The exports of the kernel `key` on this backend's memory, compiled and instantiated once. */
  kernel(key: string, bytes: (memory: MemoryDescriptor) => Uint8Array<ArrayBuffer>): WasmExports {
    let exports = this.instances.get(key);
    if (exports === undefined) {
      this.checkAlive();
      const module = compileKernel(`${key}${this.shared ? " shared" : ""}`, () => bytes(this.memoryImport));
      exports = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports;
      this.instances.set(key, exports);
      this.modules.set(key, module);
    }
    return exports;
  }

  /** Drops the instances and stops the threads, if any; the memory goes when nothing else holds it. */
  dispose(): Promise<void> | void {
    this.disposed = true;
    this.instances.clear();
    this.modules.clear();
    const pool = this.pool;
    this.pool = null;
    return pool?.dispose();
  }
}

function alignUp(address: number): number {
  return Math.ceil(address / ALIGN) * ALIGN;
}
