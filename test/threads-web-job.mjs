// The job test/threads-web.test.ts runs in Deno, Bun and Chromium: load one GhostNet with
// threads 1 and 2 through the library (`lib`: the browser bundle of the web-threads entry,
// which starts Web Workers for threads), run a batch and a second input size on both, and report
// how many threads the threaded model really used and its outputs (plain numbers).
// Imports nothing, so it runs anywhere.

/** Input shapes of the job: a batch of 2 at 64×64, then one image at 96×96 (buffers regrow). */
export const JOB_SHAPES = [
  [2, 3, 64, 64],
  [1, 3, 96, 96],
];

/** A smooth deterministic input of `shape` (same in every runtime: only + and * on small integers). */
export function jobInput(shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = ((i * 7919) % 1000) / 500 - 1;
  return { shape: shape.slice(), data };
}

export async function runThreadsJob(lib, bytes) {
  const one = await lib.loadModel(bytes, { threads: 1 });
  const two = await lib.loadModel(bytes, { threads: 2 });
  const outputs = { one: [], two: [] };
  for (const shape of JOB_SHAPES) {
    outputs.one.push(Array.from(Object.values(await one.run([jobInput(shape)]))[0].data));
    outputs.two.push(Array.from(Object.values(await two.run([jobInput(shape)]))[0].data));
  }
  one.dispose();
  await two.dispose();
  return { threads: two.threads ?? 1, engine: two.engine, outputs };
}
