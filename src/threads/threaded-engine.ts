/**
 * The typed GhostNet engine on a thread pool: what `loadModel(bytes, { threads: N })`
 * returns for a GhostNet file when N > 1 threads could be started. It answers like
 * `GhostNetEngine` (same names, same feed checks, same outputs bit for bit) and runs the
 * forward pass through `ThreadedGhostNet`; `dispose()` also stops the pool's workers.
 */
import { DisposedError } from "../errors.js";
import type { GhostNetEngine } from "../ghostnet/engine.js";
import type { GhostNet } from "../ghostnet/ghostnet.js";
import type { Feeds, Model } from "../model.js";
import type { Tensor, TensorLike } from "../tensor/tensor.js";
import type { ThreadPool } from "./pool.js";
import { ThreadedGhostNet } from "./threaded-ghostnet.js";

/** The typed GhostNet on a thread pool, as a `Model` (see the file comment). */
export class ThreadedGhostNetEngine implements Model {
  readonly engine = "ghostnet" as const;
  /** The pool runs the plain TypeScript kernels (the wasm kernels split layers on a pool inside GhostNetEngine). */
  readonly backend = "js" as const;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Threads every run uses, the calling thread included. */
  readonly threads: number;
  private threaded: ThreadedGhostNet | undefined;

  constructor(
    private readonly single: GhostNetEngine,
    pool: ThreadPool,
  ) {
    this.inputNames = single.inputNames;
    this.outputNames = single.outputNames;
    this.threads = pool.size;
    // Copies the (folded) conv weights into shared memory once.
    this.threaded = new ThreadedGhostNet(single.ghostnet, pool);
  }

  /** How the file was bound (as GhostNetEngine.binding). */
  get binding(): GhostNetEngine["binding"] {
    return this.single.binding;
  }

  /** The file's input shape; strings are dynamic dimensions. */
  get inputShape(): GhostNetEngine["inputShape"] {
    return this.single.inputShape;
  }

  /** The typed network (single-threaded; for intermediates and profiles). */
  get ghostnet(): GhostNet {
    if (this.threaded === undefined) throw new DisposedError();
    return this.single.ghostnet;
  }

  async run(feeds: Feeds): Promise<Record<string, Tensor>> {
    const threaded = this.threaded;
    if (threaded === undefined) throw new DisposedError();
    // The single-threaded engine's own feed checks (names, type, shape against the file),
    // so both engines refuse the same feeds with the same messages.
    const x: TensorLike = this.single.checkFeed(feeds);
    const result = threaded.forward(x);
    return { [this.outputNames[0]!]: this.single.binding.hasSoftmax ? result.probabilities : result.logits };
  }

  /** Frees the network and stops the workers (they are gone once the returned promise settles). */
  dispose(): Promise<void> {
    const threaded = this.threaded;
    this.threaded = undefined;
    this.single.dispose();
    return threaded === undefined ? Promise.resolve() : threaded.pool.dispose();
  }
}
