/**
 * Relaxed SIMD: where the runtime has it (probe.ts), the GEMM kernels multiply-add with
 * f32x4.relaxed_madd. Node 20 has it behind --experimental-wasm-relaxed-simd, so a child
 * process with that flag shows: the probe finds it, backends use it by default, and the
 * fused kernels agree with the unfused ones and the plain kernels within DESIGN §6's
 * tolerance for long reductions — they differ in the last bits (one rounding per
 * multiply-add instead of two), which is what relaxed SIMD changes numerically.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { wasmSupport } from "../../src/wasm/probe.js";

function relativeError(a: number[], b: number[]): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

describe("relaxed SIMD", () => {
  it("is not used where the runtime lacks it (Node 20 without its flag)", () => {
    const major = Number(process.versions.node.split(".")[0]);
    if (major < 22) expect(wasmSupport().relaxedSimd).toBe(false);
    expect(wasmSupport().simd).toBe(true);
  });

  it("is found and used behind Node's flag; fused kernels agree with unfused ones within 1e-4", () => {
    const child = spawnSync(
      process.execPath,
      ["--experimental-wasm-relaxed-simd", "--import", "tsx", fileURLToPath(new URL("./relaxed-simd-child.mts", import.meta.url))],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(child.status, child.stderr).toBe(0);
    const report = JSON.parse(child.stdout.trim().split("\n").pop()!) as {
      support: { simd: boolean; relaxedSimd: boolean };
      defaultFused: boolean;
      js: number[];
      unfused: number[];
      fused: number[];
    };
    expect(report.support).toEqual({ simd: true, relaxedSimd: true });
    expect(report.defaultFused).toBe(true);
    expect(report.fused.length).toBe(200);
    expect(relativeError(report.fused, report.unfused)).toBeLessThanOrEqual(1e-4);
    expect(relativeError(report.fused, report.js)).toBeLessThanOrEqual(1e-4);
    expect(relativeError(report.unfused, report.js)).toBeLessThanOrEqual(1e-4);
    // Fused and unfused are different instruction sequences: on FMA hardware they round differently.
    console.log(`relaxed SIMD: fused vs unfused logits, relative difference ${relativeError(report.fused, report.unfused).toExponential(2)}`);
  });
});
