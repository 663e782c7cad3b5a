/**
 * The batch scheduler on its own: batches fill up to maxBatch, a lone item waits at most
 * maxDelayMs, items of different keys never share a batch, solo jobs run alone and in
 * turn, cancelled items never run, and the answers of one batch reach their callers
 * before the next batch starts.
 */
import { describe, expect, it } from "vitest";
import { BatchScheduler } from "../../src/serve/scheduler.js";

/** A scheduler whose "model" doubles numbers and records each batch. */
function doubling(maxBatch: number, maxDelayMs: number, delayMs = 0) {
  const batches: number[][] = [];
  const scheduler = new BatchScheduler<number, number>(
    async (inputs) => {
      batches.push(inputs.slice());
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return inputs.map((x) => 2 * x);
    },
    { maxBatch, maxDelayMs },
  );
  return { scheduler, batches };
}

describe("BatchScheduler", () => {
  it("runs a full batch at once and splits the rest by maxBatch", async () => {
    const { scheduler, batches } = doubling(3, 10_000);
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((x) => scheduler.submit(x, "a").result));
    expect(results).toEqual([2, 4, 6, 8, 10, 12]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it("runs a lone item after maxDelayMs, not before", async () => {
    const { scheduler, batches } = doubling(8, 60);
    const started = performance.now();
    expect(await scheduler.submit(5, "a").result).toBe(10);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(batches).toEqual([[5]]);
  });

  it("does not wait for a batch to fill when nothing more is expected", async () => {
    let expecting = false;
    const batches: number[][] = [];
    const scheduler = new BatchScheduler<number, number>(async (inputs) => (batches.push(inputs.slice()), inputs), {
      maxBatch: 8,
      maxDelayMs: 10_000,
      moreExpected: () => expecting,
    });
    const started = performance.now();
    expect(await scheduler.submit(1, "a").result).toBe(1);
    expect(performance.now() - started, "ms waited with nothing more expected").toBeLessThan(1000);
    expecting = true;
    const second = scheduler.submit(2, "a").result;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(batches, "waiting while more is expected").toEqual([[1]]);
    scheduler.submit(3, "a");
    expecting = false;
    scheduler.submit(4, "a");
    await second;
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("never mixes keys in a batch", async () => {
    const { scheduler, batches } = doubling(4, 5);
    await Promise.all([
      scheduler.submit(1, "a").result,
      scheduler.submit(2, "b").result,
      scheduler.submit(3, "a").result,
      scheduler.submit(4, "b").result,
    ]);
    expect(batches).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it("runs solo jobs alone and in their turn", async () => {
    const { scheduler, batches } = doubling(4, 0);
    const order: string[] = [];
    const a = scheduler.submit(1, "a").result.then(() => order.push("item 1"));
    const solo = scheduler.exclusive(async () => {
      order.push(`solo after ${batches.length} batch(es)`);
      return "done";
    }).result;
    const b = scheduler.submit(2, "a").result.then(() => order.push("item 2"));
    expect(await solo).toBe("done");
    await Promise.all([a, b]);
    expect(order).toEqual(["item 1", "solo after 1 batch(es)", "item 2"]);
  });

  it("drops a cancelled item before it runs", async () => {
    const { scheduler, batches } = doubling(4, 30);
    const kept = scheduler.submit(1, "a");
    const dropped = scheduler.submit(2, "a");
    dropped.cancel();
    expect(await kept.result).toBe(2);
    expect(batches).toEqual([[1]]);
    await scheduler.idle();
  });

  it("lets a batch's callers see their answers before the next batch runs", async () => {
    const seen: string[] = [];
    const scheduler = new BatchScheduler<number, number>(
      async (inputs) => {
        seen.push(`run ${inputs.join(",")}`);
        return inputs;
      },
      { maxBatch: 1, maxDelayMs: 0 },
    );
    const tickets = [1, 2, 3].map((x) => scheduler.submit(x, "a"));
    // As the handler does: a caller cancels its ticket once answered (a no-op by then).
    await Promise.all(
      tickets.map((t, i) =>
        t.result.then(() => {
          t.cancel();
          seen.push(`answer ${i + 1}`);
        }),
      ),
    );
    expect(seen).toEqual(["run 1", "answer 1", "run 2", "answer 2", "run 3", "answer 3"]);
  });

  it("never runs inside the call that queued the job: pending I/O gets a turn first", async () => {
    const { scheduler, batches } = doubling(1, 0);
    const result = scheduler.submit(7, "a").result;
    expect(batches, "right after submit").toEqual([]);
    await Promise.resolve();
    expect(batches, "after the microtasks").toEqual([]);
    expect(await result).toBe(14);
    expect(batches).toEqual([[7]]);
  });

  it("resolves idle() once nothing is queued or running", async () => {
    const { scheduler } = doubling(2, 5, 20);
    const result = scheduler.submit(1, "a").result;
    let idle = false;
    const waiting = scheduler.idle().then(() => (idle = true));
    expect(idle).toBe(false);
    await result;
    await waiting;
    expect(idle).toBe(true);
  });
});
