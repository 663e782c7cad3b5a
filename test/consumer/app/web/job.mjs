// The job every consumer runs (Node, Deno, Bun, the bundled pages): a small fixture GhostNet
// loaded from bytes, run on threads 1 and 2 over one input. Both are made once, in Node, by
// plain.mjs (fixture.onnx, input.f32), so every runtime computes from the same bits. `lib` is whatever module the
// consumer imported (ghostnet-ts, ghostnet-ts/node or ghostnet-ts/web-threads), so this file
// imports nothing and runs anywhere.

/** The job's input: `bytes` of float32 values (little-endian), made once by plain.mjs. */
export function jobInput(bytes) {
  return { shape: [1, 3, 64, 64], data: new Float32Array(bytes.slice().buffer) };
}

/**
 * Loads `bytes` three ways: the plain JS kernels on threads 1 and 2 (threads run the JS
 * kernels), and with the default options (the WebAssembly kernels where they run). Returns
 * what ran and the outputs as plain numbers.
 */
export async function runJob(lib, bytes, input) {
  const one = await lib.loadModel(bytes, { threads: 1, backend: "js" });
  const two = await lib.loadModel(bytes, { threads: 2, backend: "js" });
  const auto = await lib.loadModel(bytes);
  try {
    const outOne = Object.values(await one.run([input]))[0];
    const outTwo = Object.values(await two.run([input]))[0];
    const outAuto = Object.values(await auto.run([input]))[0];
    return {
      engine: two.engine,
      threads: two.threads,
      shape: Array.from(outOne.shape),
      one: Array.from(outOne.data),
      two: Array.from(outTwo.data),
      auto: { backend: auto.backend, data: Array.from(outAuto.data) },
    };
  } finally {
    one.dispose();
    auto.dispose();
    await two.dispose();
  }
}
