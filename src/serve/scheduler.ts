/**
 * The model's one queue: dynamic batching for images, and one-at-a-time runs for
 * everything else (a model runs one call at a time; its runs block the thread anyway).
 *
 *   submit(image) ─┐                 ┌─ a batch: up to maxBatch queued images of one shape,
 *   submit(image) ─┼─▶ FIFO queue ──▶┤  run together once the first has waited maxDelayMs
 *   exclusive(fn) ─┘                 └─ or maxBatch are there; a solo job: run alone, in turn
 *
 * A batch starts as soon as `maxBatch` images of the head's shape are queued, or when the
 * head has waited `maxDelayMs`, whichever comes first; an image that waited while the model
 * was busy therefore goes in the next batch without further delay, and so does one that
 * nothing else could join (`moreExpected` says no: no other request on its way).
 *
 * A run never starts inside the call that queued its job, nor right after the previous
 * run: the scheduler always decides in a macrotask of its own (a timer), so the event loop
 * first handles what is pending — reading request bodies, handing images to decoding
 * workers, taking their results — and a busy model does not starve the decoders.
 *
 * If a batch of several fails, each of its images is run alone, so one bad input cannot
 * fail the requests it happened to share a batch with.
 */

/** A queued job: a batchable item (key = what may share a batch) or a solo function. */
interface Job<I, O> {
  kind: "item" | "solo";
  key: string;
  input?: I;
  solo?: () => Promise<unknown>;
  queuedAt: number;
  resolve(value: O | unknown): void;
  reject(error: unknown): void;
}

/** How the scheduler batches and how much it queues. */
/** How the scheduler batches. */
export interface SchedulerOptions {
  /** Most items per batch (≥ 1; 1 turns batching off). */
  maxBatch: number;
  /** Longest a batch's first item waits for the batch to fill, in milliseconds. */
  maxDelayMs: number;
  /** Called after every batch run with the number of items in it. */
  onBatch?: (size: number) => void;
  /**
   * Whether more items may come soon (e.g. requests still being read or decoded). A batch
   * that is not full waits for them (at most maxDelayMs) only when this says yes; absent,
   * it always waits.
   */
  moreExpected?: () => boolean;
  /** Clock in milliseconds (tests may replace it). */
  now?: () => number;
}

/** A queued job's handle: its answer, and a way to drop it if it has not started. */
export interface Ticket<O> {
  result: Promise<O>;
  /** Removes the job from the queue if it has not started (its result then never settles). */
  cancel(): void;
}

/** The model's one queue: batches images of one shape, runs everything else alone, in turn (see the file comment). */
/** The queue in front of the model: batches of items `I` → outputs `O`, solo jobs in turn (see the file comment). */
export class BatchScheduler<I, O> {
  private readonly queue: Job<I, O>[] = [];
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires (ms on `now`). */
  private timerAt = Infinity;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly now: () => number;

  constructor(
    /** Runs a batch of items (all of one key); returns one output per item, in order. */
    private readonly runBatch: (inputs: I[]) => Promise<O[]>,
    private readonly options: SchedulerOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Jobs waiting (not yet started). */
  get depth(): number {
    return this.queue.length;
  }

  /** Queues one item; items with the same `key` (e.g. tensor shape) may share a batch. */
  submit(input: I, key: string): Ticket<O> {
    return this.enqueue({ kind: "item", key, input });
  }

  /** Queues a function that must run alone on the model (e.g. a generic run). */
  exclusive<T>(fn: () => Promise<T>): Ticket<T> {
    return this.enqueue({ kind: "solo", key: "", solo: fn }) as unknown as Ticket<T>;
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(partial: Pick<Job<I, O>, "kind" | "key" | "input" | "solo">): Ticket<O> {
    let job!: Job<I, O>;
    const result = new Promise<O>((resolve, reject) => {
      job = { ...partial, queuedAt: this.now(), resolve: resolve as (v: unknown) => void, reject };
    });
    this.queue.push(job);
    this.schedule(0);
    return {
      result,
      cancel: () => {
        const at = this.queue.indexOf(job);
        if (at === -1) return; // started or done already: nothing to change
        this.queue.splice(at, 1);
        this.schedule(0);
      },
    };
  }

  /** Arms the timer to decide again in `delayMs` (an earlier wake-up already armed stands). */
  private schedule(delayMs: number): void {
    const at = this.now() + delayMs;
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, Math.ceil(delayMs)));
  }

  /** Starts the next run if the model is free and a run is due; otherwise arms the timer. */
  private pump(): void {
    if (this.running) return;
    const head = this.queue[0];
    if (head === undefined) {
      for (const wake of this.idleWaiters.splice(0)) wake();
      return;
    }
    if (head.kind === "solo") {
      this.queue.shift();
      void this.run([head]);
      return;
    }
    // The head's batch-mates: queued items of its key, up to the first solo job (which keeps its turn).
    const group: Job<I, O>[] = [];
    for (const job of this.queue) {
      if (job.kind === "solo" || group.length === this.options.maxBatch) break;
      if (job.key === head.key) group.push(job);
    }
    const wait = head.queuedAt + this.options.maxDelayMs - this.now();
    if (group.length < this.options.maxBatch && wait > 0 && (this.options.moreExpected?.() ?? true)) {
      // Not full yet and the head may still wait: come back when its time is up.
      this.schedule(wait);
      return;
    }
    for (const job of group) this.queue.splice(this.queue.indexOf(job), 1);
    void this.run(group);
  }

  private async run(jobs: Job<I, O>[]): Promise<void> {
    this.running = true;
    try {
      if (jobs[0]!.kind === "solo") {
        await settle(jobs[0]!, () => jobs[0]!.solo!());
      } else {
        this.options.onBatch?.(jobs.length);
        try {
          const outputs = await this.runBatch(jobs.map((job) => job.input!));
          jobs.forEach((job, i) => job.resolve(outputs[i]));
        } catch (error) {
          if (jobs.length === 1) jobs[0]!.reject(error);
          // One bad input must not fail its batch-mates: run each alone.
          else for (const job of jobs) await settle(job, async () => (await this.runBatch([job.input!]))[0]);
        }
      }
    } finally {
      this.running = false;
      this.schedule(0);
    }
  }
}

/** Resolves or rejects `job` with what `work` gives. */
async function settle<I, O>(job: Job<I, O>, work: () => Promise<unknown>): Promise<void> {
  try {
    job.resolve(await work());
  } catch (error) {
    job.reject(error);
  }
}
