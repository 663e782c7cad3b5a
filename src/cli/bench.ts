/**
 * `ghostnet bench`: hands over to the benchmark suite in bench/ when this package has one
 * (bench/main.js exporting `main(argv) → Promise<exit code>`); otherwise says so.
 * TODO(lead): wire to the bench/ entry point once it exists.
 */
import type { Command } from "./args.js";

interface BenchModule {
  main(argv: string[]): Promise<number>;
}

export const benchCommand: Command = {
  name: "bench",
  summary: "latency tables against onnxruntime and TensorFlow.js (from a checkout)",
  usage: [
    "Usage: ghostnet bench [options]",
    "",
    "Runs the benchmark suite in bench/ (a checkout with dev dependencies installed).",
    "Its options are the suite's own; see bench/README.md.",
  ].join("\n"),
  async run(argv, io) {
    let bench: BenchModule;
    try {
      // A computed specifier, so the compiler does not require bench/ to exist.
      const specifier = new URL("../../bench/main.js", import.meta.url).href;
      bench = (await import(specifier)) as BenchModule;
    } catch {
      io.err("ghostnet: error: bench is not available yet in this build (the benchmark suite lives in bench/ of a checkout)");
      return 1;
    }
    return bench.main(argv);
  },
};
