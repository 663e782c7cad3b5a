#!/usr/bin/env node
/**
 * The long fuzz and soak run, for nights (`npm run fuzz`):
 *
 *   1. the fuzz suites of test/fuzz at GHOSTNET_FUZZ_SCALE times the CI case counts
 *      (default 20: about 95,000 ONNX and 88,000 image mutants), with a fresh seed each
 *      night unless one is given, so every night explores new mutants;
 *   2. the memory suite with GHOSTNET_SOAK=1: 10,000 runs of GhostNet x0.5 at 224×224,
 *      100,000 of a tiny graph, 1,000 models loaded and disposed.
 *
 * Failing inputs are written to fuzz-failures/<seed>/ (one .bin and one .txt each); a
 * failure reproduces with the printed seed:  node scripts/fuzz.mjs --seed <seed> --no-soak
 *
 * Options: --scale N (default 20), --seed S (default: today's date as YYYYMMDD),
 *          --no-soak (fuzz only), --soak-only (memory only).
 */
import { spawnSync } from "node:child_process";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const today = new Date().toISOString().slice(0, 10).replaceAll("-", "");
const scale = option("--scale", "20");
const seed = option("--seed", today);
const soak = !args.includes("--no-soak");
const fuzz = !args.includes("--soak-only");

function vitest(files, env) {
  console.log(`\n▶ vitest run ${files.join(" ")}  ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  const result = spawnSync("npx", ["vitest", "run", "--testTimeout=14400000", ...files], {
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
  return result.status ?? 1;
}

let failed = false;
if (fuzz) {
  failed ||= vitest(["test/fuzz"], {
    GHOSTNET_FUZZ_SCALE: scale,
    GHOSTNET_FUZZ_SEED: seed,
    GHOSTNET_FUZZ_SAVE: `fuzz-failures/${seed}`,
  }) !== 0;
}
if (soak) failed ||= vitest(["test/robustness/memory.test.ts"], { GHOSTNET_SOAK: "1" }) !== 0;

console.log(failed ? `\n✗ fuzz/soak found problems (seed ${seed}); inputs in fuzz-failures/${seed}/` : `\n✓ fuzz/soak passed (seed ${seed}, scale ${scale})`);
process.exit(failed ? 1 : 0);
