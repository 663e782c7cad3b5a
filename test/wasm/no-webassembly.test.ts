/**
 * A runtime without WebAssembly at all: Node and Deno child processes delete
 * `globalThis.WebAssembly` before they import the library (the browser bundle of
 * src/index.ts). There `backend: "auto"` must run the plain kernels (model.backend "js")
 * and give the js answer, a forced `"wasm"` must be a BackendUnavailableError saying why,
 * and an unknown backend an InputError naming the option — on both engines.
 */
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageLikeBatch } from "../../src/ghostnet/fixture.js";
import { loadModel } from "../../src/load-model.js";
import { type BackendJob, ENGINES, deno, runBackendJob, writeBackendFiles } from "../runtimes/backend-harness.js";
import { maxAbsDiff, requireBinary } from "../runtimes/harness.js";
// @ts-expect-error a plain .mjs module shared with the other runtimes
import { BACKEND_INPUT_SEED } from "../runtimes/backend-job.mjs";

let folder: string;
/** The js logits of each engine, computed here (WebAssembly present, backend "js"). */
const reference = new Map<string, Float32Array>();

beforeAll(async () => {
  folder = await writeBackendFiles();
  const bytes = new Uint8Array(await readFile(join(folder, "fixture.onnx")));
  const x = imageLikeBatch(1, BACKEND_INPUT_SEED, 64);
  for (const engine of ENGINES) {
    const model = await loadModel(bytes, { engine, backend: "js" });
    reference.set(engine, Object.values(await model.run([x]))[0]!.data);
    model.dispose();
  }
}, 60_000);

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

function expectNoWasmJob(job: BackendJob): void {
  expect(job.hasWebAssembly, `${job.runtime}: WebAssembly deleted`).toBe(false);
  for (const engine of ENGINES) {
    const ref = Array.from(reference.get(engine)!);
    for (const backend of ["auto", "js"]) {
      const attempt = job.runs[`${engine}/${backend}`]!;
      expect(attempt.error, `${job.runtime} ${engine}/${backend}: load error`).toBeUndefined();
      expect(attempt.ran!.backend, `${job.runtime} ${engine}/${backend}: model.backend`).toBe("js");
      expect(attempt.ran!.engine).toBe(engine);
      expect(maxAbsDiff(attempt.ran!.data, ref) / Math.max(1, ...ref.map(Math.abs)), `${job.runtime} ${engine}/${backend} vs js here`).toBeLessThanOrEqual(1e-5);
    }
    const refused = job.runs[`${engine}/wasm`]!.error;
    expect(refused, `${job.runtime} ${engine}: backend "wasm" must be refused`).toBeDefined();
    expect(refused!.isBackendUnavailable).toBe(true);
    expect(refused!.code).toBe("BACKEND_UNAVAILABLE");
    expect(refused!.message).toBe('the wasm backend cannot run here (this runtime has no WebAssembly); use backend "js" or "auto"');
  }
  const unknown = job.runs["ghostnet/gpu"]!.error;
  expect(unknown, `${job.runtime}: backend "gpu" must be refused`).toBeDefined();
  expect(unknown!.isGhostnetError && !unknown!.isBackendUnavailable).toBe(true);
  expect(unknown!.code).toBe("INPUT");
  expect(unknown!.message).toMatch(/backend 'gpu'/);
}

describe("a runtime without WebAssembly", () => {
  it("Node with globalThis.WebAssembly deleted: auto → js, wasm → BackendUnavailableError, gpu → InputError", async () => {
    expectNoWasmJob(await runBackendJob([process.execPath], folder, "node", ["--no-webassembly"]));
  }, 30_000);

  it("Deno with globalThis.WebAssembly deleted: the same", async () => {
    const job = await runBackendJob([requireBinary(deno, "npm ci installs the `deno` devDependency"), "run", "--allow-read"], folder, "deno", ["--no-webassembly"]);
    expectNoWasmJob(job);
  }, 30_000);
});
