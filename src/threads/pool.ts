/**
 * A thread pool for splitting the work of one layer across threads, over SharedArrayBuffer.
 *
 *   pool.parallelFor(task, count, args)
 *
 * runs `task` on the items [0, count) split into `pool.size` contiguous parts: part 0 on
 * the calling thread, part p on worker p. The call returns when every part is done (a
 * barrier). Items are independent (output channels or output rows of a conv), and each
 * output element is computed by exactly one part with the same summation order it would
 * have on one thread, so results are bitwise identical for any thread count.
 *
 * Everything a task reads or writes lives in shared memory: Float32Arrays made by
 * `pool.allocate(length)` are registered by id with every worker once, and a task's
 * arguments are plain numbers (buffer ids, offsets, shapes) written into a shared
 * Float64Array, so a job costs no message and no allocation.
 *
 * Handing a job over: the caller bumps a generation counter; workers spin on it for a
 * short while (a load costs well under a microsecond) and only then sleep in
 * `Atomics.wait` (a wait/notify round trip costs 70–80 µs on the 2-core machine this was
 * measured on, and GhostNet has ~150 layer barriers per run). Likewise the caller spins
 * before it sleeps waiting for the workers.
 *
 * This file is runtime-neutral; `node-pool.ts` starts the workers with worker_threads,
 * `web-pool.ts` with Web Workers.
 * Where SharedArrayBuffer is unavailable, `SerialPool` runs every part on the calling thread.
 */
import { TASKS, type TaskContext, type TaskName } from "./tasks.js";
import type { WasmExports, WasmMemory, WasmModule } from "../wasm/web-assembly-types.js";

/** Slots of the shared control block (Int32Array). */
export const CONTROL = {
  /** Bumped once per job; workers watch it. */
  generation: 0,
  /** Parts finished by workers in the current job. */
  done: 1,
  /** Workers currently asleep in Atomics.wait on `generation`. */
  sleepers: 2,
  /** Index of the task in TASK_NAMES. */
  task: 3,
  /** Item count of the job. */
  count: 4,
  /** How many buffers the caller has registered (workers catch up before running). */
  buffers: 5,
  /** 1: workers leave their loop. */
  stop: 6,
  /** Set by a worker whose part threw (the caller reports it). */
  failed: 7,
  length: 8,
} as const;

/** Numbers a job can pass (Float64Array slots). */
export const MAX_TASK_ARGS = 64;

/** Spin iterations before sleeping (each is one Atomics.load; tens of microseconds in all). */
export const SPIN_ITERATIONS = 20000;

/**
 * How long a worker keeps spinning for the next job after its last one, in milliseconds,
 * before it sleeps in Atomics.wait. Long enough to span the gap between two runs of a
 * model: a worker woken from sleep is often placed on the waking thread's core by the OS
 * and shares it until the scheduler moves it, which made whole runs slower than on one
 * thread (GhostNet x1.0 batch 1 on 2 threads: 0.8× with a 0.4 ms spin, alternating with
 * other work; onnxruntime-web's workers spin 30–50 ms after a run for the same reason).
 */
export const WORKER_SPIN_MS = 25;

export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

/** The contiguous part p of n of the items [0, count): [⌊count·p/n⌋, ⌊count·(p+1)/n⌋). */
export function partRange(count: number, parts: number, part: number): [number, number] {
  return [Math.floor((count * part) / parts), Math.floor((count * (part + 1)) / parts)];
}

/**
 * A wasm kernel every thread can run: a compiled module and the shared memory it runs on.
 * Each thread instantiates the module against the same memory (a WebAssembly.Memory made
 * with `shared: true` crosses to workers as itself), so all see one set of tensors.
 */
export interface SharedKernel {
  readonly memory: WasmMemory;
  readonly module: WasmModule;
}

/** What the pool registers with every worker, in id order: a buffer, or a wasm kernel. */
export type SharedResource = SharedArrayBuffer | SharedKernel;

/** What every pool offers; a model holds one and hands it each layer's job. */
export interface ThreadPool {
  /** Threads that run parts of a job, the caller's included (1: no workers). */
  readonly size: number;
  /** A zeroed Float32Array in memory every thread can see, with its id for task arguments. */
  allocate(length: number): SharedFloats;
  /**
   * Where a view into a buffer from `allocate` lives: its buffer's id and its offset in
   * floats; undefined for memory the workers cannot see.
   */
  locate(view: Float32Array): { id: number; offset: number } | undefined;
  /**
   * Registers a wasm kernel with every thread (instantiated on each against `memory`, which
   * must be shared when the pool has workers); returns its id for task arguments.
   */
  shareKernel(kernel: SharedKernel): number;
  /** Runs `task` over [0, count) split across the threads; returns when all parts are done. */
  parallelFor(task: TaskName, count: number, args: ArrayLike<number>): void;
  /** Stops the workers; the pool can't be used afterwards. */
  dispose(): Promise<void>;
}

/** A registered buffer: `data` is the caller's view, `id` names it in task arguments. */
export interface SharedFloats {
  readonly id: number;
  readonly data: Float32Array;
}

/** True when this runtime can share memory between threads (SharedArrayBuffer and Atomics). */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") return false;
  // Browsers expose SharedArrayBuffer only to cross-origin-isolated pages.
  const g = globalThis as { crossOriginIsolated?: boolean };
  return g.crossOriginIsolated !== false;
}

/** Buffers and wasm kernels by id, as each thread sees them. */
export class BufferTable implements TaskContext {
  private readonly views: (Float32Array | WebAssembly.Exports)[] = [];
  private readonly ids = new Map<ArrayBufferLike, number>();

  /** `index`: this thread's place in the pool (0 for the caller). */
  constructor(readonly index = 0) {}

  get count(): number {
    return this.views.length;
  }

  add(data: Float32Array): number {
    this.views.push(data);
    this.ids.set(data.buffer, this.views.length - 1);
    return this.views.length - 1;
  }

  /** Adds a registered resource as it arrives on this thread (a buffer's floats, or a kernel instantiated here). */
  addResource(resource: SharedResource): number {
    if (resource instanceof SharedArrayBuffer) return this.add(new Float32Array(resource));
    this.views.push(new WebAssembly.Instance(resource.module, { env: { memory: resource.memory } }).exports);
    return this.views.length - 1;
  }

  kernel(id: number): WasmExports {
    const entry = this.views[id];
    if (entry === undefined || entry instanceof Float32Array) throw new RangeError(`thread pool: no wasm kernel with id ${id}`);
    return entry;
  }

  /** The id and float offset of a view into a registered buffer. */
  locate(view: Float32Array): { id: number; offset: number } | undefined {
    const id = this.ids.get(view.buffer);
    return id === undefined ? undefined : { id, offset: (view.byteOffset - this.buffer(id).byteOffset) >> 2 };
  }

  buffer(id: number): Float32Array {
    const view = this.views[id];
    if (!(view instanceof Float32Array)) throw new RangeError(`thread pool: no shared buffer with id ${id}`);
    return view;
  }
}

/** One thread: every job runs on the caller. Buffers are ordinary (or shared when available). */
export class SerialPool implements ThreadPool {
  readonly size = 1;
  private readonly table = new BufferTable();
  private readonly args = new Float64Array(MAX_TASK_ARGS);

  allocate(length: number): SharedFloats {
    const data = new Float32Array(length);
    return { id: this.table.add(data), data };
  }

  locate(view: Float32Array): { id: number; offset: number } | undefined {
    return this.table.locate(view);
  }

  shareKernel(kernel: SharedKernel): number {
    return this.table.addResource(kernel);
  }

  parallelFor(task: TaskName, count: number, args: ArrayLike<number>): void {
    checkArgs(args);
    this.args.set(args);
    TASKS[task](this.table, this.args, 0, count);
  }

  async dispose(): Promise<void> {}
}

export function checkArgs(args: ArrayLike<number>): void {
  if (args.length > MAX_TASK_ARGS) throw new RangeError(`thread pool: a job takes at most ${MAX_TASK_ARGS} numbers, got ${args.length}`);
}

/**
 * The caller's side of a pool whose workers run `runWorkerLoop` on the same control block.
 * `register` delivers a newly allocated buffer to every worker (the runtime-specific part).
 */
export class SharedPool implements ThreadPool {
  readonly size: number;
  readonly control: Int32Array;
  readonly args: Float64Array;
  private readonly table = new BufferTable();
  private disposed = false;

  /** Whether this thread may sleep in Atomics.wait (a browser's main thread may not: it spins). */
  private readonly callerMayBlock: boolean;

  constructor(
    size: number,
    control: Int32Array,
    args: Float64Array,
    private readonly register: (resource: SharedResource, id: number) => void,
    private readonly terminate: () => Promise<void>,
    options: { callerMayBlock?: boolean } = {},
  ) {
    this.size = size;
    this.control = control;
    this.args = args;
    this.callerMayBlock = options.callerMayBlock ?? true;
  }

  allocate(length: number): SharedFloats {
    if (this.disposed) throw new Error("thread pool: used after dispose()");
    const data = new Float32Array(new SharedArrayBuffer(Math.max(1, length) * 4), 0, length);
    const id = this.table.add(data);
    this.register(data.buffer as SharedArrayBuffer, id);
    Atomics.store(this.control, CONTROL.buffers, this.table.count);
    return { id, data };
  }

  locate(view: Float32Array): { id: number; offset: number } | undefined {
    return this.table.locate(view);
  }

  shareKernel(kernel: SharedKernel): number {
    if (this.disposed) throw new Error("thread pool: used after dispose()");
    const id = this.table.addResource(kernel);
    this.register(kernel, id);
    Atomics.store(this.control, CONTROL.buffers, this.table.count);
    return id;
  }

  parallelFor(task: TaskName, count: number, args: ArrayLike<number>): void {
    if (this.disposed) throw new Error("thread pool: used after dispose()");
    checkArgs(args);
    const c = this.control;
    const workers = this.size - 1;
    this.args.set(args);
    if (Atomics.load(c, CONTROL.sleepers) > 0) {
      // The workers went to sleep (the pool sat idle): wake them for the jobs that follow and
      // run this one here, whole. A woken worker often starts on the waking thread's core, and
      // a job split with it then ran slower than on one thread. Same items, same code: same bits.
      Atomics.notify(c, CONTROL.generation);
      TASKS[task](this.table, this.args, 0, count);
      return;
    }
    Atomics.store(c, CONTROL.task, TASK_NAMES.indexOf(task));
    Atomics.store(c, CONTROL.count, count);
    Atomics.store(c, CONTROL.done, 0);
    Atomics.add(c, CONTROL.generation, 1);

    const [start, end] = partRange(count, this.size, 0);
    let error: unknown;
    try {
      TASKS[task](this.table, this.args, start, end);
    } catch (e) {
      error = e;
    }
    waitForCount(c, CONTROL.done, workers, this.callerMayBlock);
    const workerFailed = Atomics.exchange(c, CONTROL.failed, 0) !== 0;
    if (error !== undefined) throw error;
    if (workerFailed) throw new Error(`thread pool: a worker failed running ${task} (its error is logged above)`);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.control, CONTROL.stop, 1);
    Atomics.add(this.control, CONTROL.generation, 1);
    Atomics.notify(this.control, CONTROL.generation);
    await this.terminate();
  }
}

/** Spins, then (when `mayBlock`) sleeps, until control[slot] reaches `target`. */
function waitForCount(c: Int32Array, slot: number, target: number, mayBlock: boolean): void {
  let spins = 0;
  for (;;) {
    const seen = Atomics.load(c, slot);
    if (seen >= target) return;
    if (spins < SPIN_ITERATIONS || !mayBlock) spins++;
    else Atomics.wait(c, slot, seen, 50);
  }
}

/** True when this thread may block in Atomics.wait (false on a browser's main thread). */
export function canBlockHere(): boolean {
  try {
    // The value differs, so this returns "not-equal" at once where waiting is allowed.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A worker's loop: wait for a job (spin, then sleep), catch up on buffer registrations,
 * run part `index` of the job, report done.
 *
 * `receiveBuffers(table, wanted)` adds the buffers the caller registered since; it returns
 * false when they have not arrived yet and can only arrive through this thread's event loop
 * (Web Workers: messages are delivered only between tasks). Then `run` returns "starved"
 * with the job still pending; call `run` again once the buffers are in `table`.
 */
export class WorkerLoop {
  readonly table: BufferTable;
  private generation: number;
  private jobPending = false;

  constructor(
    private readonly control: Int32Array,
    private readonly args: Float64Array,
    private readonly index: number,
    private readonly size: number,
    private readonly receiveBuffers: (table: BufferTable, wanted: number) => boolean,
    private readonly onError: (error: unknown) => void,
  ) {
    this.generation = Atomics.load(control, CONTROL.generation);
    this.table = new BufferTable(index);
  }

  /** Runs jobs until the pool stops ("stopped") or a job waits for buffers ("starved"). */
  run(): "stopped" | "starved" {
    const control = this.control;
    for (;;) {
      if (!this.jobPending) {
        this.waitForJob();
        if (Atomics.load(control, CONTROL.stop) !== 0) return "stopped";
        this.jobPending = true;
      }
      try {
        const wanted = Atomics.load(control, CONTROL.buffers);
        if (this.table.count < wanted && !this.receiveBuffers(this.table, wanted)) return "starved";
        const task = TASKS[TASK_NAMES[Atomics.load(control, CONTROL.task)]!];
        const [start, end] = partRange(Atomics.load(control, CONTROL.count), this.size, this.index);
        if (start < end) task(this.table, this.args, start, end);
      } catch (e) {
        Atomics.store(control, CONTROL.failed, 1);
        this.onError(e);
      }
      this.jobPending = false;
      if (Atomics.add(control, CONTROL.done, 1) + 1 === this.size - 1) Atomics.notify(control, CONTROL.done);
    }
  }

  /** Waits (spin for WORKER_SPIN_MS, then sleep) for the generation to move on. */
  private waitForJob(): void {
    const control = this.control;
    let spins = 0;
    let spinUntil = 0;
    for (;;) {
      const now = Atomics.load(control, CONTROL.generation);
      if (now !== this.generation) {
        this.generation = now;
        return;
      }
      if (spins < SPIN_ITERATIONS) {
        spins++;
        continue;
      }
      // Past the first iterations, look at the clock now and then.
      if (spinUntil === 0) spinUntil = performance.now() + WORKER_SPIN_MS;
      if (spins++ % 1024 !== 0 || performance.now() < spinUntil) continue;
      Atomics.add(control, CONTROL.sleepers, 1);
      Atomics.wait(control, CONTROL.generation, this.generation);
      Atomics.sub(control, CONTROL.sleepers, 1);
      // Woken (for the jobs to come, or by a new one): spin again before sleeping.
      spins = 0;
      spinUntil = 0;
    }
  }
}

/**
 * A worker's loop for runtimes that can drain buffer messages synchronously (Node); returns
 * when the pool stops. `ready` is called once the loop has read the current generation and
 * must be what tells the caller this worker is ready: a worker that said so earlier could
 * read a generation the caller had already bumped for its first job, and wait for the next
 * one forever while the caller waited for it (seen: 1 in 6–10 test runs hung).
 */
export function runWorkerLoop(
  control: Int32Array,
  args: Float64Array,
  index: number,
  size: number,
  receiveBuffers: (table: BufferTable, wanted: number) => void,
  onError: (error: unknown) => void,
  ready: () => void,
): void {
  const loop = new WorkerLoop(control, args, index, size, (table, wanted) => (receiveBuffers(table, wanted), true), onError);
  ready();
  loop.run();
}
