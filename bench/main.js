// The entry `ghostnet bench` loads (src/cli/bench.ts imports bench/main.js, from the built
// CLI in dist/ as well as from source). The suite is TypeScript: tsx (a dev dependency)
// compiles it on the fly, so a checkout needs no build step for benchmarks.
import { register } from "tsx/esm/api";

register();
const suite = await import("./ghostnet-bench.ts");

/** @type {(argv: readonly string[]) => Promise<number>} */
export const main = suite.main;
