/**
 * The thread pool (src/threads): parts cover the items exactly once, a conv split across
 * threads (by channels and by rows, pointwise, depthwise and the stem's general path) is
 * bitwise identical to the one-thread kernel, the threaded GhostNet equals GhostNet.forward
 * bitwise, one thread needs no SharedArrayBuffer, and a fresh pool's first job is never missed.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conv2d, conv2dGeometry, fullConvRange, type Conv2dAttributes } from "../src/ops/conv2d.js";
import { Tensor } from "../src/tensor/tensor.js";
import { buildGhostNet } from "../src/ghostnet/bind.js";
import { makeGhostNetFixture } from "../src/ghostnet/fixture.js";
import { decodeModel } from "../src/loader/decode.js";
import { createNodePool } from "../src/threads/node-pool.js";
import { SerialPool, partRange, type ThreadPool } from "../src/threads/pool.js";
import { CONV_SPLIT_CHANNELS, CONV_SPLIT_ROWS, convJobArgs, convJobItems, type ConvJob } from "../src/threads/tasks.js";
import { ThreadedGhostNet } from "../src/threads/threaded-ghostnet.js";
import { parallelConv2d } from "../src/threads/parallel-conv.js";
import { randomFloats } from "./helpers/compare.js";

function bitwiseEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe("partRange", () => {
  it("splits [0, count) into contiguous parts that cover every item once", () => {
    for (const [count, parts] of [[10, 3], [3, 4], [0, 2], [160, 2], [7, 7]] as const) {
      let next = 0;
      for (let p = 0; p < parts; p++) {
        const [start, end] = partRange(count, parts, p);
        expect(start).toBe(next);
        expect(end).toBeGreaterThanOrEqual(start);
        next = end;
      }
      expect(next).toBe(count);
    }
  });
});

describe("SerialPool (one thread, no shared memory needed)", () => {
  it("runs the whole job on the caller", () => {
    const pool = new SerialPool();
    const buf = pool.allocate(5);
    pool.parallelFor("fill", 5, [buf.id, 10]);
    expect(Array.from(buf.data)).toEqual([10, 11, 12, 13, 14]);
  });

  it("rejects an argument vector longer than the shared slots", () => {
    expect(() => new SerialPool().parallelFor("fill", 1, new Array(65).fill(0))).toThrow(/at most 64/);
  });
});

describe("Node pool with 2 threads", () => {
  let pool: ThreadPool;
  beforeAll(async () => {
    pool = await createNodePool(2);
  }, 30_000);
  afterAll(async () => {
    await pool?.dispose();
  });

  it("has 2 threads and every item is written once by some thread", () => {
    expect(pool.size).toBe(2);
    const buf = pool.allocate(1001);
    for (let round = 0; round < 50; round++) {
      pool.parallelFor("fill", 1001, [buf.id, round]);
      expect(buf.data[0]).toBe(round);
      expect(buf.data[1000]).toBe(round + 1000);
    }
    expect(buf.data.every((v, i) => v === 49 + i)).toBe(true);
  });

  // GhostNet-shaped convs: pointwise 40→120 at 28×28, depthwise 3×3 and 5×5 stride 1/2, the 3×3 stride-2 stem.
  const cases: { name: string; input: number[]; weight: number[]; attrs: Conv2dAttributes }[] = [
    { name: "pointwise 40→120 28×28", input: [2, 40, 28, 28], weight: [120, 40, 1, 1], attrs: {} },
    { name: "depthwise 3×3 s1 72 ch 56×56", input: [1, 72, 56, 56], weight: [72, 1, 3, 3], attrs: { pads: [1, 1, 1, 1], group: 72 } },
    { name: "depthwise 5×5 s2 120 ch 28×28", input: [1, 120, 28, 28], weight: [120, 1, 5, 5], attrs: { pads: [2, 2, 2, 2], strides: [2, 2], group: 120 } },
    { name: "stem 3×3 s2 3→16 112×112", input: [1, 3, 112, 112], weight: [16, 3, 3, 3], attrs: { pads: [1, 1, 1, 1], strides: [2, 2] } },
  ];
  for (const c of cases) {
    for (const split of [CONV_SPLIT_CHANNELS, CONV_SPLIT_ROWS] as const) {
      it(`${c.name}, split by ${split === CONV_SPLIT_ROWS ? "rows" : "channels"}: bitwise equal to one thread`, () => {
        const x = new Tensor(c.input, randomFloats(c.input.reduce((a, b) => a * b), 11));
        const w = new Tensor(c.weight, randomFloats(c.weight.reduce((a, b) => a * b), 12));
        const b = new Tensor([c.weight[0]!], randomFloats(c.weight[0]!, 13));
        const g = conv2dGeometry(x.shape, w.shape, c.attrs);
        const expected = new Tensor([g.batch, g.outChannels, g.outH, g.outW]);
        conv2d(expected, x, w, b, c.attrs, { kind: "relu" });

        const xs = pool.allocate(x.size);
        xs.data.set(x.data);
        const ws = pool.allocate(w.size);
        ws.data.set(w.data);
        const bs = pool.allocate(b.size);
        bs.data.set(b.data);
        const ys = pool.allocate(expected.size);
        const job: ConvJob = {
          y: [ys.id, 0], x: [xs.id, 0], w: [ws.id, 0], bias: [bs.id, 0],
          geometry: g, activation: { kind: "relu" }, split, range: fullConvRange(g), unit: split === CONV_SPLIT_ROWS ? 1 : 4,
        };
        pool.parallelFor("conv2d", convJobItems(job), convJobArgs(job));
        expect(bitwiseEqual(ys.data, expected.data)).toBe(true);
      });
    }
  }

  it("parallelConv2d on pool buffers (views at offsets) equals conv2d bitwise; on plain arrays it runs on the caller", () => {
    const attrs: Conv2dAttributes = {};
    const x = new Tensor([1, 64, 14, 14], randomFloats(64 * 196, 21));
    const w = new Tensor([96, 64, 1, 1], randomFloats(96 * 64, 22));
    const b = new Tensor([96], randomFloats(96, 23));
    const g = conv2dGeometry(x.shape, w.shape, attrs);
    const expected = new Tensor([1, 96, 14, 14]);
    conv2d(expected, x, w, b, attrs, { kind: "clip", min: 0, max: 0.5 });

    const arena = pool.allocate(7 + x.size + w.size + b.size + expected.size);
    const xs = arena.data.subarray(7, 7 + x.size);
    const ws = arena.data.subarray(7 + x.size, 7 + x.size + w.size);
    const bs = arena.data.subarray(7 + x.size + w.size, 7 + x.size + w.size + b.size);
    const ys = arena.data.subarray(7 + x.size + w.size + b.size);
    xs.set(x.data); ws.set(w.data); bs.set(b.data);
    expect(pool.locate(ys)).toEqual({ id: arena.id, offset: 7 + x.size + w.size + b.size });
    expect(pool.locate(new Float32Array(4))).toBeUndefined();
    parallelConv2d(pool, ys, xs, ws, bs, g, { kind: "clip", min: 0, max: 0.5 }, fullConvRange(g));
    expect(bitwiseEqual(ys, expected.data)).toBe(true);

    const plain = new Float32Array(expected.size);
    parallelConv2d(pool, plain, x.data, w.data, b.data, g, { kind: "clip", min: 0, max: 0.5 }, fullConvRange(g));
    expect(bitwiseEqual(plain, expected.data)).toBe(true);
  });

  it("the add task covers a length that is not a multiple of its chunk, and stops at it", () => {
    const y = pool.allocate(10_003 + 5);
    const x = pool.allocate(10_003);
    for (let i = 0; i < 10_003; i++) {
      y.data[i] = i;
      x.data[i] = 0.5;
    }
    y.data.fill(-1, 10_003);
    pool.parallelFor("add", Math.ceil(10_003 / 1000), [y.id, 0, x.id, 0, 1000, 10_003]);
    expect(y.data.subarray(0, 10_003).every((v, i) => v === i + 0.5)).toBe(true);
    expect(Array.from(y.data.subarray(10_003))).toEqual([-1, -1, -1, -1, -1]);
  });

  it("the linear task equals one-thread sgemm + bias bitwise (split by output column)", () => {
    const rows = 2, k = 37, m = 53;
    const x = pool.allocate(rows * k);
    x.data.set(randomFloats(rows * k, 31));
    const wt = pool.allocate(m * k);
    wt.data.set(randomFloats(m * k, 32));
    const b = pool.allocate(m);
    b.data.set(randomFloats(m, 33));
    const y = pool.allocate(rows * m);
    pool.parallelFor("linear", m, [y.id, 0, x.id, 0, wt.id, 0, b.id, 0, rows, k, m]);
    const serial = new SerialPool();
    const [xs, ws, bs, ys] = [serial.allocate(rows * k), serial.allocate(m * k), serial.allocate(m), serial.allocate(rows * m)];
    xs.data.set(x.data); ws.data.set(wt.data); bs.data.set(b.data);
    serial.parallelFor("linear", m, [ys.id, 0, xs.id, 0, ws.id, 0, bs.id, 0, rows, k, m]);
    expect(bitwiseEqual(y.data, ys.data)).toBe(true);
    // And it is the formula: y[r, j] = Σ_i x[r, i]·Wt[j, i] + b[j], within float32 rounding.
    let worst = 0;
    for (let r = 0; r < rows; r++) for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let i = 0; i < k; i++) sum += x.data[r * k + i]! * wt.data[j * k + i]!;
      worst = Math.max(worst, Math.abs(sum + b.data[j]! - y.data[r * m + j]!));
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it("a worker's failure surfaces as an error on the caller, and the pool keeps working", () => {
    // Buffer id 999 does not exist: the task throws on every thread.
    expect(() => pool.parallelFor("fill", 10, [999, 0])).toThrow();
    const buf = pool.allocate(4);
    pool.parallelFor("fill", 4, [buf.id, 1]);
    expect(Array.from(buf.data)).toEqual([1, 2, 3, 4]);
  });

  it("GhostNet x0.5 batch 2 on 2 threads equals GhostNet.forward bitwise", () => {
    const { net } = buildGhostNet(decodeModel(makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 3 })));
    const x = new Tensor([2, 3, 96, 96], randomFloats(2 * 3 * 96 * 96, 5));
    const expected = net.forward(x);
    const threaded = new ThreadedGhostNet(net, pool);
    const got = threaded.forward(x);
    expect(bitwiseEqual(got.logits.data, expected.logits.data)).toBe(true);
    expect(bitwiseEqual(got.probabilities.data, expected.probabilities.data)).toBe(true);
    // And again (buffers reused, same answer).
    expect(bitwiseEqual(threaded.forward(x).logits.data, expected.logits.data)).toBe(true);
  }, 60_000);
});

describe("Node pool start-up", () => {
  it("30 fresh pools each run a job the moment they exist (regression: a worker could miss its first job and hang the caller)", () => {
    const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./threads-startup-child.mts", import.meta.url))], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(child.error, "the child did not end within 60 s: a pool's first job never finished").toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout.trim()).toBe("ok 30");
  }, 90_000);
});

describe("createNodePool arguments", () => {
  it("rejects a thread count that is not a positive integer", async () => {
    await expect(createNodePool(0)).rejects.toThrow(/positive integer/);
    await expect(createNodePool(1.5)).rejects.toThrow(/positive integer/);
  });
  it("one thread is a SerialPool (no workers)", async () => {
    const pool = await createNodePool(1);
    expect(pool).toBeInstanceOf(SerialPool);
  });
});
