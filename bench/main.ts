/** The entry `ghostnet bench` loads (src/cli/bench.ts imports bench/main.js). */
export { main } from "./ghostnet-bench.js";
