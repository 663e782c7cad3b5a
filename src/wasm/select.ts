/**
 * Choosing the kernel backend for loadModel's `backend` option (DESIGN.md §8):
 *
 *   "js"    the plain TypeScript kernels, always
 *   "wasm"  the WebAssembly SIMD kernels; BackendUnavailableError where they cannot run
 *   "auto"  wasm where the probe module compiles and runs (probe.ts), else js
 */
import { BackendUnavailableError } from "../errors.js";
import type { BackendName } from "../model.js";
import { wasmSupport } from "./probe.js";

export function resolveBackend(requested: "auto" | BackendName | undefined): BackendName {
  if (requested === "js") return "js";
  const support = wasmSupport();
  if (requested === "wasm" && !support.simd) {
    throw new BackendUnavailableError(`the wasm backend cannot run here (${support.reason ?? "no WebAssembly SIMD"}); use backend "js" or "auto"`);
  }
  return support.simd ? "wasm" : "js";
}
