/**
 * `ghostnet make-fixture --scale S --style legacy|modern|fused --seed N --output F.onnx`:
 * a GhostNet ONNX file written the way Paddle2ONNX writes PaddleClas's, with seeded,
 * calibrated synthetic weights (src/ghostnet/fixture.ts).
 */
import type { FixtureStyle } from "../ghostnet/fixture.js";
import { makeGhostNetFixture } from "../ghostnet/fixture.js";
import { writeFileBytes } from "../node/files.js";
import {
  type Command,
  UsageError,
  choiceOption,
  expectPositionals,
  integerOption,
  numberOption,
  parseCommandLine,
  requiredOption,
} from "./args.js";
import { formatDuration } from "./common.js";

const STYLES: readonly FixtureStyle[] = ["legacy", "modern", "fused"];

export const makeFixtureCommand: Command = {
  name: "make-fixture",
  summary: "write a GhostNet ONNX with synthetic weights, as Paddle2ONNX would",
  usage: [
    "Usage: ghostnet make-fixture --scale S --output F.onnx [--style legacy|modern|fused] [--seed N]",
    "",
    "Writes a GhostNet of width multiplier S (0.5, 1.0, 1.3, …) with seeded weights whose",
    "BatchNorm statistics are calibrated so activations stay unit-scale.",
    "",
    "Styles:",
    "  legacy   opset 9, weights as Constant nodes, Squeeze/Unsqueeze/Clip by attribute (default)",
    "  modern   opset 13, weights as initializers, axes and clip bounds as inputs",
    "  fused    BatchNorm folded into the Conv bias, automatic parameter names",
    "",
    "Options:",
    "  --scale S    width multiplier (required)",
    "  --seed N     random seed (default 0)",
    "  --classes C  number of classes (default 1000)",
    "  --output F   the .onnx file to write (required)",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      scale: { type: "string" },
      style: { type: "string" },
      seed: { type: "string" },
      classes: { type: "string" },
      output: { type: "string" },
    });
    expectPositionals(positionals, []);
    const scale = numberOption(values, "scale");
    if (scale === undefined) throw new UsageError("missing --scale");
    const style = choiceOption(values, "style", STYLES, "legacy");
    const seed = integerOption(values, "seed", 0, 0, 2 ** 31);
    const classCount = integerOption(values, "classes", 1000, 1, 100_000);
    const output = requiredOption(values, "output");
    const started = performance.now();
    const bytes = makeGhostNetFixture({ scale, style, seed, classCount });
    await writeFileBytes(output, bytes, "fixture");
    io.err(
      `wrote ${output}: GhostNet x${scale}, ${style} style, seed ${seed}, ${(bytes.length / 1e6).toFixed(1)} MB ` +
        `in ${formatDuration(performance.now() - started)} (synthetic weights)`,
    );
    return 0;
  },
};
