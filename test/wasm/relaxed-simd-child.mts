/**
 * Child process for relaxed-simd.test.ts (run with --experimental-wasm-relaxed-simd on Node
 * 20): the typed GhostNet's logits on the wasm backend with and without relaxed SIMD's
 * fused multiply-add, and on the plain kernels, as one JSON line.
 */
import { createGhostNetEngine } from "../../src/ghostnet/engine.js";
import { imageLikeBatch, makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { decodeModel } from "../../src/loader/decode.js";
import { WasmBackend } from "../../src/wasm/backend.js";
import { wasmSupport } from "../../src/wasm/probe.js";

const bytes = makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 5, classCount: 100, calibrationBatch: 1, calibrationSize: 64, inputSize: "dynamic" });
const x = imageLikeBatch(2, 6, 64);
function logits(relaxedSimd: boolean | null): number[] {
  const engine = createGhostNetEngine(decodeModel(bytes));
  if (relaxedSimd !== null) engine.useBackend(new WasmBackend({ relaxedSimd }));
  const out = Array.from(engine.ghostnet.forward(x).logits.data);
  engine.dispose();
  return out;
}
const fusedBackend = new WasmBackend();
console.log(JSON.stringify({ support: wasmSupport(), defaultFused: fusedBackend.fusedMultiplyAdd, js: logits(null), unfused: logits(false), fused: logits(true) }));
