/**
 * Child process for test/threads.test.ts: starts 30 Node pools of 2 threads one after the
 * other and gives each a job the moment it exists, then prints "ok <pools>". A worker that
 * said "ready" before reading the job generation could miss that first job, and the caller
 * then waited for it forever (blocked in Atomics.wait, so only a process timeout notices).
 */
import { createNodePool } from "../src/threads/node-pool.js";

const pools = 30;
for (let i = 0; i < pools; i++) {
  const pool = await createNodePool(2);
  const buffer = pool.allocate(64);
  pool.parallelFor("fill", 64, [buffer.id, i]);
  for (let j = 0; j < 64; j++) if (buffer.data[j] !== i + j) throw new Error(`pool ${i}: item ${j} is ${buffer.data[j]}`);
  await pool.dispose();
}
console.log(`ok ${pools}`);
