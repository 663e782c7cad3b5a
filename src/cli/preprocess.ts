/**
 * `ghostnet preprocess IMAGE --output X.npy`: the PaddleClas-preprocessed [1, 3, 224, 224]
 * float32 tensor, to compare with Python's or to feed `ghostnet run`.
 */
import { prepareImage } from "../classifier.js";
import { InputError } from "../errors.js";
import { pipelinePreprocessor } from "../image/pipeline.js";
import { readFileBytes, writeFileBytes } from "../node/files.js";
import { readModelPath } from "../node/model-path.js";
import { writeNpy } from "../tensor/npy.js";
import { formatShape } from "../tensor/tensor.js";
import { type Command, expectPositionals, parseCommandLine, requiredOption, stringOption } from "./args.js";
import { inFile } from "./classify.js";

export const preprocessCommand: Command = {
  name: "preprocess",
  summary: "write an image's PaddleClas-preprocessed [1,3,224,224] tensor (or a model's own) as .npy",
  usage: [
    "Usage: ghostnet preprocess IMAGE --output X.npy [--model M]",
    "",
    "Decodes IMAGE (JPEG or PNG) and applies PaddleClas's preprocessing: RGB, short side",
    "to 256 (bilinear), centre crop 224, x/255, minus mean [0.485, 0.456, 0.406], divided",
    "by std [0.229, 0.224, 0.225], CHW. Writes a float32 .npy of shape [1, 3, 224, 224].",
    "",
    "Options:",
    "  --model M   use the preprocessing of M's inference.yml instead (a Paddle inference folder,",
    "              program or tar that has one), e.g. PaddleX's resize to 160×80",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { output: { type: "string" }, model: { type: "string" } });
    const [image] = expectPositionals(positionals, ["IMAGE"]) as [string];
    const output = requiredOption(values, "output");
    const modelPath = stringOption(values, "model");
    let custom;
    if (modelPath !== undefined) {
      const { inferenceConfig } = await readModelPath(modelPath);
      if (inferenceConfig === undefined) throw new InputError(`'${modelPath}' has no inference.yml to take the preprocessing from`);
      custom = pipelinePreprocessor(inferenceConfig.preprocess);
    }
    let tensor;
    try {
      tensor = await prepareImage(await readFileBytes(image, "image"), custom);
    } catch (error) {
      throw inFile(image, error);
    }
    await writeFileBytes(output, writeNpy(tensor), "output");
    io.err(`wrote ${output}: float32 ${formatShape(tensor.shape)}`);
    return 0;
  },
};
