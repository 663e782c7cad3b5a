// The job every runtime runs for the kernel-backend tests (Node, Deno, Bun, Chromium):
// load one small fixture GhostNet with each engine and each `backend` choice, run one
// input, and return what happened as plain data: which engine and backend ran and the
// logits, or the error a load threw (its class, code and message). Model and input are
// made once in Node and handed over as bytes. `lib` is the library's module namespace
// (the browser bundle of src/index.ts), so this file imports nothing and runs anywhere.

/** GhostNet x0.5 at 64×64 with its logits as output (no softmax: DESIGN.md §6). */
export const BACKEND_FIXTURE = {
  scale: 0.5, style: "modern", seed: 7, classCount: 100, calibrationBatch: 2, calibrationSize: 64, inputSize: 64, withoutSoftmax: true,
};
export const BACKEND_INPUT_SHAPE = [1, 3, 64, 64];
/** `imageLikeBatch(1, BACKEND_INPUT_SEED, 64)`, made in Node. */
export const BACKEND_INPUT_SEED = 3;

export const ENGINES = ["ghostnet", "graph"];
export const BACKENDS = ["auto", "js", "wasm"];

/** What one load and run gave: `ran` (engine, backend, logits) or `error` (what was thrown). */
async function attempt(lib, bytes, input, engine, backend) {
  let model;
  try {
    model = await lib.loadModel(bytes, backend === "auto" ? { engine, threads: 1 } : { engine, backend, threads: 1 });
  } catch (error) {
    return {
      error: {
        isBackendUnavailable: error instanceof lib.BackendUnavailableError,
        isGhostnetError: error instanceof lib.GhostnetError,
        name: String(error && error.name),
        code: error && error.code,
        message: String(error && error.message),
      },
    };
  }
  try {
    const outputs = await model.run([input]);
    const output = outputs[model.outputNames[0]];
    return { ran: { engine: model.engine, backend: model.backend, shape: Array.from(output.shape), data: Array.from(output.data) } };
  } finally {
    model.dispose();
  }
}

/**
 * Runs the fixture `bytes` on `inputBytes` (the input's float32 values, little-endian) for
 * every engine × backend choice; the result is keyed "ghostnet/auto", "graph/wasm", …, plus
 * "ghostnet/gpu" (an unknown backend).
 */
export async function runBackendJob(lib, bytes, inputBytes, runtime) {
  const input = { shape: BACKEND_INPUT_SHAPE.slice(), data: new Float32Array(inputBytes.slice().buffer) };
  const runs = {};
  for (const engine of ENGINES) {
    for (const backend of BACKENDS) runs[`${engine}/${backend}`] = await attempt(lib, bytes, input, engine, backend);
  }
  // A backend that does not exist: refused by the option check, before anything else.
  runs["ghostnet/gpu"] = await attempt(lib, bytes, input, "ghostnet", "gpu");
  return { runtime, hasWebAssembly: typeof WebAssembly === "object", runs };
}
