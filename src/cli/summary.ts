/**
 * `ghostnet summary (MODEL | --scale S) [--json]`: GhostNet layer by layer (PaddleClas
 * names, output shapes, parameters, MACs) with totals (src/ghostnet/summary.ts).
 */
import { type GhostNetSummary, formatSummary, summarizeGhostNet } from "../ghostnet/summary.js";
import { type Command, UsageError, integerOption, numberOption, parseCommandLine } from "./args.js";
import { readGhostNetConfig } from "./ghostnet-file.js";

export const summaryCommand: Command = {
  name: "summary",
  summary: "GhostNet layer table: output shapes, parameters, MACs",
  usage: [
    "Usage: ghostnet summary MODEL [--json]",
    "       ghostnet summary --scale S [--json]",
    "",
    "Lists GhostNet layer by layer, with PaddleClas's layer names, for a GhostNet model (ONNX, .pdparams,",
    "Paddle inference folder or tar)",
    "(scale and class count read off its weights) or for a width multiplier S.",
    "",
    "Options:",
    "  --scale S    width multiplier (0.5, 1.0, 1.3, …) instead of a file",
    "  --size N     input side in pixels (default 224)",
    "  --json       print { scale, classCount, inputShape, params, macs, layers }",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      scale: { type: "string" },
      size: { type: "string" },
      json: { type: "boolean" },
    });
    const scale = numberOption(values, "scale");
    const size = integerOption(values, "size", 224, 32, 4096);
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    if ((scale === undefined) === (positionals.length === 0)) throw new UsageError("give either MODEL or --scale S");
    let summary: GhostNetSummary;
    if (scale !== undefined) summary = summarizeGhostNet(scale, size);
    else summary = summarizeGhostNet(await readGhostNetConfig(positionals[0]!), size);
    io.out(values.json === true ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    return 0;
  },
};
