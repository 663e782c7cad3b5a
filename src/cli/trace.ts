/**
 * `ghostnet trace MODEL --input X.npy --out DIR [--engine E]`: runs the model once and
 * writes every intermediate tensor as DIR/<name>.npy (name mapping: intermediates.ts)
 * plus DIR/index.json, the tensors in execution order:
 *
 *   { "model": "...", "engine": "ghostnet" | "graph", "input": { "name", "shape" },
 *     "tensors": [{ "name", "file", "shape", "dtype", "op"? }, …] }
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { readFileBytes, writeFileBytes } from "../node/files.js";
import { decodeModelFromPath } from "../node/model-path.js";
import { readNpy, writeNpy } from "../tensor/npy.js";
import { Tensor, formatShape } from "../tensor/tensor.js";
import { type Command, ENGINES, choiceOption, expectPositionals, parseCommandLine, requiredOption } from "./args.js";
import { type Intermediate, tensorFileName, traceIntermediates } from "./intermediates.js";
import type { EngineChoice } from "./args.js";

/** The float32 input tensor of a .npy file, with errors naming the file. */
export async function readInputNpy(path: string): Promise<Tensor> {
  const input = readNpy(await readFileBytes(path, "input"), `input '${path}'`);
  if (!(input instanceof Tensor)) throw new InputError(`input '${path}' holds ${input.dtype} values; the model is fed float32 tensors`);
  return input;
}

/** Loads the model at `modelPath` and runs the trace on the .npy at `inputPath`. */
export async function traceModelPath(modelPath: string, inputPath: string, engine: EngineChoice): Promise<{ engine: "ghostnet" | "graph"; inputName: string; input: Tensor; intermediates: Intermediate[] }> {
  const input = await readInputNpy(inputPath);
  const model = await decodeModelFromPath(modelPath);
  const traced = traceIntermediates(model, input, engine);
  return { ...traced, inputName: model.graph.inputs[0]?.name ?? "x", input };
}

export const traceCommand: Command = {
  name: "trace",
  summary: "write every intermediate tensor of one run as .npy (for comparing with Paddle)",
  usage: [
    "Usage: ghostnet trace MODEL --input X.npy --out DIR [--engine E]",
    "",
    "Runs MODEL once on X.npy and writes each intermediate tensor to DIR as <name>.npy, with",
    "DIR/index.json listing them in execution order. Names: PaddleClas layer names on the typed",
    "GhostNet (conv1, _ghostbottleneck_3_se, conv_last, fc_1, softmax, …), the graph's tensor",
    "names on the graph executor (Paddle's variable names for Paddle programs). In file names,",
    "bytes outside [A-Za-z0-9_.~-] are written %XX (e.g. a/b → a%2Fb.npy).",
    "",
    "Options:",
    "  --input X.npy   the input tensor (float32 .npy)",
    "  --out DIR       the folder to write (made if missing)",
    "  --engine E      auto (default: typed GhostNet for GhostNet models), graph or ghostnet",
    "",
    "Example: ghostnet trace GhostNet_x1_0_infer.tar --input x.npy --out trace/",
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { input: { type: "string" }, out: { type: "string" }, engine: { type: "string" } });
    const [modelPath] = expectPositionals(positionals, ["MODEL"]) as [string];
    const inputPath = requiredOption(values, "input");
    const out = requiredOption(values, "out");
    const engine = choiceOption(values, "engine", ENGINES, "auto");
    const traced = await traceModelPath(modelPath, inputPath, engine);
    try {
      await mkdir(out, { recursive: true });
    } catch (error) {
      throw new InputError(`cannot make folder '${out}': ${error instanceof Error ? error.message : String(error)}`);
    }
    const tensors = [];
    const used = new Set<string>();
    for (const { name, op, tensor } of traced.intermediates) {
      const file = tensorFileName(name);
      if (used.has(file)) continue; // (a tensor observed twice keeps its first value)
      used.add(file);
      await writeFileBytes(join(out, file), writeNpy(tensor), "trace file");
      tensors.push({ name, file, shape: tensor.shape, dtype: tensor instanceof Tensor ? "float32" : tensor.dtype, ...(op === undefined ? {} : { op }) });
    }
    const index = { model: modelPath, engine: traced.engine, input: { name: traced.inputName, shape: traced.input.shape }, tensors };
    // One tensor per line: readable, and diffable between two traces.
    const text = `{"model": ${JSON.stringify(index.model)}, "engine": "${index.engine}", "input": ${JSON.stringify(index.input)},\n "tensors": [\n${tensors
      .map((t) => `  ${JSON.stringify(t)}`)
      .join(",\n")}\n]}\n`;
    await writeFileBytes(join(out, "index.json"), new TextEncoder().encode(text), "trace index");
    io.err(`${tensors.length} tensors of input ${formatShape(traced.input.shape)} (${traced.engine} engine) written to ${out}`);
    return 0;
  },
};
