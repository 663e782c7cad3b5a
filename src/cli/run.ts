/**
 * `ghostnet run MODEL --input X.npy --output Y.npy`: any model our engines can run, first
 * input in, first output out, float32 .npy both ways.
 */
import { InputError } from "../errors.js";
import { readFileBytes, writeFileBytes } from "../node/files.js";
// --threads N: registers the worker_threads pool loadModel opens (every subcommand is loaded with these two).
import "../node/threads.js";
import { readNpy, writeNpy } from "../tensor/npy.js";
import { Tensor, formatShape } from "../tensor/tensor.js";
import { type Command, ENGINE_OPTIONS, engineOptions, engineOptionsHelp, expectPositionals, parseCommandLine, requiredOption } from "./args.js";
import { formatDuration, loadModelFile } from "./common.js";

export const runCommand: Command = {
  name: "run",
  summary: "run any model (ONNX or Paddle's files) on a .npy input, write its first output as .npy",
  usage: [
    "Usage: ghostnet run MODEL --input X.npy --output Y.npy [options]",
    "",
    "Feeds X.npy (float32) to the model's first input and writes its first output. MODEL is a .onnx,",
    "a .pdparams checkpoint, a *_infer.tar, a Paddle inference folder or a .pdmodel/.json program.",
    "",
    "Options:",
    "  --input X.npy    the input tensor (float32 .npy)",
    "  --output Y.npy   where to write the first output (float32 .npy)",
    ...engineOptionsHelp(19, "auto (default: typed GhostNet for GhostNet files, else the graph executor), graph or ghostnet"),
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      input: { type: "string" },
      output: { type: "string" },
      ...ENGINE_OPTIONS,
    });
    const [modelPath] = expectPositionals(positionals, ["MODEL"]) as [string];
    const inputPath = requiredOption(values, "input");
    const outputPath = requiredOption(values, "output");
    const settings = engineOptions(values);

    const input = readNpy(await readFileBytes(inputPath, "input"), `input '${inputPath}'`);
    if (!(input instanceof Tensor)) {
      throw new InputError(`input '${inputPath}' holds ${input.dtype} values; ghostnet run feeds float32 tensors`);
    }
    const model = await loadModelFile(modelPath, settings);
    try {
      const started = performance.now();
      const outputs = await model.run([input]);
      const elapsed = performance.now() - started;
      const name = model.outputNames[0]!;
      const output = outputs[name]!;
      await writeFileBytes(outputPath, writeNpy(output), "output");
      io.err(
        `${model.inputNames[0]} ${formatShape(input.shape)} → ${name} ${formatShape(output.shape)} ` +
          `in ${formatDuration(elapsed)} (${model.engine} engine, ${model.threads ?? 1} thread${(model.threads ?? 1) === 1 ? "" : "s"}); wrote ${outputPath}`,
      );
      return 0;
    } finally {
      model.dispose();
    }
  },
};
