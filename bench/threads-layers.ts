/**
 * 1 vs N threads on single GhostNet-sized convs (not a test):
 * `npx tsx bench/threads-layers.ts [threads] [reps]`. Each layer runs `reps` times per
 * round through parallelConv2d on a one-thread and an N-thread pool, interleaved; medians
 * per call. Shows what splitting a layer gains before any network-level overhead.
 */
import { loadavg } from "node:os";
import { conv2dGeometry, fullConvRange, type Conv2dAttributes } from "../src/ops/conv2d.js";
import { createNodePool } from "../src/threads/node-pool.js";
import { parallelConv2d, setRowsSplitMinPlane } from "../src/threads/parallel-conv.js";
import type { ThreadPool } from "../src/threads/pool.js";

const threads = Number(process.argv[2] ?? 2);
const reps = Number(process.argv[3] ?? 20);
// Optional: the plane size from which convs split by rows (default: parallel-conv.ts's).
if (process.argv[4] !== undefined) setRowsSplitMinPlane(Number(process.argv[4]));

const layers: { name: string; input: number[]; weight: number[]; attrs: Conv2dAttributes }[] = [
  { name: "stem 3×3 s2 3→16 @224", input: [1, 3, 224, 224], weight: [16, 3, 3, 3], attrs: { pads: [1, 1, 1, 1], strides: [2, 2] } },
  { name: "pointwise 16→24 @112", input: [1, 16, 112, 112], weight: [24, 16, 1, 1], attrs: {} },
  { name: "depthwise 3×3 s1 24 @112", input: [1, 24, 112, 112], weight: [24, 1, 3, 3], attrs: { pads: [1, 1, 1, 1], group: 24 } },
  { name: "pointwise 40→60 @28", input: [1, 40, 28, 28], weight: [60, 40, 1, 1], attrs: {} },
  { name: "depthwise 5×5 s2 72 @56", input: [1, 72, 56, 56], weight: [72, 1, 5, 5], attrs: { pads: [2, 2, 2, 2], strides: [2, 2], group: 72 } },
  { name: "pointwise 112→336 @14", input: [1, 112, 14, 14], weight: [336, 112, 1, 1], attrs: {} },
  { name: "pointwise 160→480 @7", input: [1, 160, 7, 7], weight: [480, 160, 1, 1], attrs: {} },
  { name: "conv_last 160→960 @7", input: [1, 160, 7, 7], weight: [960, 160, 1, 1], attrs: {} },
];

function setUp(pool: ThreadPool, l: (typeof layers)[number]) {
  const g = conv2dGeometry(l.input, l.weight, l.attrs);
  const fill = (n: number) => {
    const s = pool.allocate(n);
    for (let i = 0; i < n; i++) s.data[i] = Math.sin(i * 0.37);
    return s.data;
  };
  return { g, x: fill(l.input.reduce((a, b) => a * b)), w: fill(l.weight.reduce((a, b) => a * b)), b: fill(l.weight[0]!), y: pool.allocate(g.batch * g.outChannels * g.outH * g.outW).data };
}

const one = await createNodePool(1);
const many = await createNodePool(threads);
const median = (v: number[]): number => v.slice().sort((a, b) => a - b)[v.length >> 1]!;
console.log(`1 vs ${threads} threads per layer (median µs per call over ${reps} interleaved rounds), load average ${loadavg()[0]!.toFixed(2)}`);
for (const l of layers) {
  const a = setUp(one, l);
  const b = setUp(many, l);
  const t1: number[] = [];
  const tn: number[] = [];
  for (let r = 0; r < reps + 3; r++) {
    let t = performance.now();
    parallelConv2d(one, a.y, a.x, a.w, a.b, a.g, { kind: "relu" }, fullConvRange(a.g));
    if (r >= 3) t1.push((performance.now() - t) * 1000);
    t = performance.now();
    parallelConv2d(many, b.y, b.x, b.w, b.b, b.g, { kind: "relu" }, fullConvRange(b.g));
    if (r >= 3) tn.push((performance.now() - t) * 1000);
  }
  const same = a.y.every((v, i) => Object.is(v, b.y[i]));
  console.log(`  ${l.name.padEnd(28)} ${median(t1).toFixed(0).padStart(7)} µs ${median(tn).toFixed(0).padStart(7)} µs  ${(median(t1) / median(tn)).toFixed(2)}×  ${same ? "bitwise equal" : "DIFFERENT"}`);
}
// The hand-over itself: an almost empty job (2 items), back to back, so the workers are spinning.
const tiny = many.allocate(2);
for (let i = 0; i < 1000; i++) many.parallelFor("fill", 2, [tiny.id, i]);
const rounds = 20000;
let t = performance.now();
for (let i = 0; i < rounds; i++) many.parallelFor("fill", 2, [tiny.id, i]);
const spinning = ((performance.now() - t) * 1000) / rounds;
// And after a pause long enough for the workers to fall asleep.
const asleep: number[] = [];
for (let i = 0; i < 50; i++) {
  const until = performance.now() + 2;
  while (performance.now() < until);
  t = performance.now();
  many.parallelFor("fill", 2, [tiny.id, i]);
  asleep.push((performance.now() - t) * 1000);
}
console.log(`  empty job round trip: ${spinning.toFixed(2)} µs with workers spinning, ${median(asleep).toFixed(1)} µs (median) waking them`);
await many.dispose();
