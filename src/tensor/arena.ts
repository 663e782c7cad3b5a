/**
 * A buffer arena: a pool of Float32Arrays keyed by length, so that a model run can
 * take its intermediate buffers from the previous run instead of allocating.
 *
 * `take(n)` returns a buffer of exactly n floats (its contents are whatever was
 * there: kernels overwrite every element); `give(buffer)` returns it to the pool.
 * A graph executor gives an intermediate back after its last reader, so the next
 * op of the same size reuses it within the run, and the next run reuses all of them.
 */
export class BufferArena {
  private readonly free = new Map<number, Float32Array[]>();
  private allocatedBytes = 0;
  private allocations = 0;

  /** A buffer of exactly `length` floats: a pooled one if any, else a new one (contents unspecified). */
  take(length: number): Float32Array {
    const list = this.free.get(length);
    const buffer = list?.pop();
    if (buffer !== undefined) return buffer;
    this.allocations++;
    this.allocatedBytes += length * 4;
    return new Float32Array(length);
  }

  /** Returns `buffer` to the pool for the next `take` of its length. */
  give(buffer: Float32Array): void {
    let list = this.free.get(buffer.length);
    if (list === undefined) {
      list = [];
      this.free.set(buffer.length, list);
    }
    list.push(buffer);
  }

  /** How many buffers this arena has ever allocated, and their bytes. */
  stats(): { allocations: number; allocatedBytes: number } {
    return { allocations: this.allocations, allocatedBytes: this.allocatedBytes };
  }

  /** Drops every pooled buffer (for dispose). */
  clear(): void {
    this.free.clear();
  }
}
