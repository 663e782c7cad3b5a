/**
 * loadModelFromPath / readModelPath (src/node/model-path.ts): which file of a path or
 * folder becomes the model, the inference.yml beside it, and the errors.
 */
import { copyFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { loadModelFromPath, readModelPath } from "../../src/node/model-path.js";

const fixtures = "test/fixtures/paddle/checkpoints";
const work = mkdtempSync(join(tmpdir(), "ghostnet-model-path-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string | null>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, from] of Object.entries(files)) {
    if (from === null) writeFileSync(join(dir, file), "");
    else if (from.startsWith("text:")) writeFileSync(join(dir, file), from.slice(5));
    else copyFileSync(from, join(dir, file));
  }
  return dir;
}

const YML =
  "PreProcess:\n  transform_ops:\n  - ResizeImage:\n      size: [64, 32]\n  - NormalizeImage:\n      scale: 0.00392156862745098\n" +
  "      mean: [0.5, 0.5, 0.5]\n      std: [0.5, 0.5, 0.5]\n  - ToCHWImage: null\nPostProcess:\n  Topk:\n    topk: 1\n    label_list:\n    - a\n    - b\n";

describe("readModelPath", () => {
  it("a .onnx and a .pdparams file load; the checkpoint becomes the typed GhostNet", async () => {
    expect((await readModelPath(`${fixtures}/ghostnet_x0_1_c10.onnx`)).layout).toBe("onnx");
    const model = await loadModelFromPath(`${fixtures}/ghostnet_x0_1_c10_p4_np1.pdparams`);
    expect(model.engine).toBe("ghostnet");
    expect(model.outputNames).toEqual(["softmax_0.tmp_0"]);
    model.dispose();
  });

  it("a folder with one checkpoint and an inference.yml: both are found", async () => {
    const dir = folder("checkpoint-folder", { "GhostNet_x0_1_pretrained.pdparams": `${fixtures}/ghostnet_x0_1_c10_p4_np1.pdparams`, "inference.yml": `text:${YML}` });
    const contents = await readModelPath(dir);
    expect(contents.layout).toBe("pdparams");
    expect(contents.inferenceConfig?.labels).toEqual(["a", "b"]);
    expect(contents.inferenceConfig?.preprocess[0]).toEqual({ op: "resize", width: 64, height: 32 });
  });

  it("a folder with inference.pdmodel + inference.pdiparams hands both over as { model, params }", async () => {
    const dir = folder("program-folder", { "inference.pdmodel": "text:program", "inference.pdiparams": "text:params", "inference.yml": `text:${YML}` });
    const contents = await readModelPath(dir);
    expect(contents.layout).toBe("Paddle inference.pdmodel");
    const source = contents.source as { model: Uint8Array; params: Uint8Array };
    expect(new TextDecoder().decode(source.model)).toBe("program");
    expect(new TextDecoder().decode(source.params)).toBe("params");
    expect(contents.inferenceConfig?.topk).toBe(1);
    // The .pdiparams path finds its program, and so does the program's own path.
    expect((await readModelPath(join(dir, "inference.pdiparams"))).layout).toBe("Paddle inference.pdmodel");
    expect((await readModelPath(join(dir, "inference.pdmodel"))).inferenceConfig?.labels).toEqual(["a", "b"]);
  });

  it("inference.json is preferred in a Paddle 3 folder; a fluid folder gives one file per variable", async () => {
    const pir = folder("pir-folder", { "inference.json": "text:{}", "inference.pdiparams": "text:p" });
    expect((await readModelPath(pir)).layout).toBe("Paddle inference.json");
    const fluid = folder("fluid-folder", { __model__: "text:m", conv1_weights: "text:w", conv1_bn_mean: "text:b" });
    const contents = await readModelPath(fluid);
    expect(contents.layout).toBe("fluid __model__ + one file per variable");
    expect(Object.keys((contents.source as { params: Record<string, Uint8Array> }).params)).toEqual(["conv1_bn_mean", "conv1_weights"]);
    const combined = folder("fluid-combined", { __model__: "text:m", __params__: "text:p" });
    expect((await readModelPath(combined)).layout).toBe("fluid __model__ + __params__");
  });

  it("errors name the path and what was expected", async () => {
    await expect(readModelPath(join(work, "missing.onnx"))).rejects.toThrow(/cannot read model .*missing\.onnx.*no such file/);
    const empty = folder("empty", {});
    await expect(readModelPath(empty)).rejects.toThrow(InputError);
    await expect(readModelPath(empty)).rejects.toThrow(/no model found in folder .*\(it holds nothing\)/);
    const lone = folder("lone-params", { "model.pdiparams": "text:p" });
    await expect(readModelPath(join(lone, "model.pdiparams"))).rejects.toThrow(/holds parameters only/);
    const badYml = folder("bad-yml", { "m.pdparams": `${fixtures}/ghostnet_x0_1_c10_p4_np1.pdparams`, "inference.yml": "text:PreProcess: {}\n" });
    await expect(readModelPath(badYml)).rejects.toThrow(/inference\.yml': inference\.yml: PreProcess\.transform_ops is missing/);
  });
});
