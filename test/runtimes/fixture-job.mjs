// The job every runtime runs (Node, Deno, Bun, Chromium): load one fixture GhostNet's
// bytes with each engine, feed one input, return the outputs as plain numbers. Model and
// input are made once in Node and passed as bytes, so the comparison isolates the engines
// from the last-bit differences of Math.sin/Math.log between runtimes. `lib` is the
// library's module namespace (dist/index.js or the browser bundle), so this file imports
// nothing and runs anywhere.

/** The fixture the tests make once in Node and hand to every runtime as bytes. */
export const FIXTURE = { scale: 0.5, style: "modern", seed: 7 };
export const INPUT_SHAPE = [1, 3, 224, 224];
/** The input: one smooth image-like batch (`imageLikeBatch(1, INPUT_SEED)`), made in Node. */
export const INPUT_SEED = 3;

/**
 * Runs the fixture model `bytes` on `inputBytes` (the input's float32 values, little-endian)
 * with the typed GhostNet and with the graph executor.
 */
export async function runFixtureJob(lib, bytes, inputBytes, runtime) {
  const input = { shape: INPUT_SHAPE.slice(), data: new Float32Array(inputBytes.slice().buffer) };
  const results = {};
  for (const engine of ["ghostnet", "graph"]) {
    const model = await lib.loadModel(bytes, { engine, threads: 1 });
    const started = performance.now();
    const outputs = await model.run([input]);
    const ms = performance.now() - started;
    const name = model.outputNames[0];
    const output = outputs[name];
    results[engine] = { engine: model.engine, outputName: name, shape: Array.from(output.shape), data: Array.from(output.data), ms };
    model.dispose();
  }
  return { runtime, results };
}
