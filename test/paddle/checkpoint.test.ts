/**
 * GhostNet from paddle.save checkpoints (src/loader/paddle/checkpoint.ts).
 *
 * The checkpoints were written by Python's pickle and numpy (scripts/make-paddle-checkpoints.py)
 * from the weights of ghostnet_x0_1_c10.onnx, which Python read with its own protobuf
 * reader, and named by its own mapping of PaddleClas's attribute names. So a model built
 * from a checkpoint equals the model loaded from that ONNX file only if the unpickler, the
 * name mapping, the shape reading and the big-parameter joining are all right.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ModelFormatError } from "../../src/errors.js";
import { imageLikeBatch } from "../../src/ghostnet/fixture.js";
import { loadModel } from "../../src/load-model.js";
import { registerModelReader } from "../../src/loader/formats.js";
import {
  checkpointReader,
  ghostNetFromCheckpoint,
  ghostNetLayerName,
  ghostNetParameterName,
  readPaddleCheckpoint,
} from "../../src/loader/paddle/checkpoint.js";
import type { Model } from "../../src/model.js";
import { expectClose } from "../helpers/compare.js";

const dir = "test/fixtures/paddle/checkpoints";
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(`${dir}/${name}`));

const CHECKPOINTS = [
  "ghostnet_x0_1_c10_p2_np1.pdparams",
  "ghostnet_x0_1_c10_p4_np1.pdparams",
  "ghostnet_x0_1_c10_p4_np2.pdparams",
  "ghostnet_x0_1_c10_p2_np2_split.pdparams",
];

beforeAll(() => registerModelReader(checkpointReader));

async function outputOf(model: Model, x: ReturnType<typeof imageLikeBatch>): Promise<{ shape: readonly number[]; data: Float32Array }> {
  try {
    const out = await model.run([x]);
    return out[model.outputNames[0]!]!;
  } finally {
    model.dispose();
  }
}

describe("GhostNet from a .pdparams checkpoint equals the same weights from ONNX", () => {
  const x = imageLikeBatch(2, 5, 224);
  for (const engine of ["ghostnet", "graph"] as const) {
    for (const file of CHECKPOINTS) {
      it(`${file}, engine ${engine}`, async () => {
        const reference = await outputOf(await loadModel(read("ghostnet_x0_1_c10.onnx"), { engine }), x);
        const model = await loadModel(read(file), { engine });
        expect(model.engine).toBe(engine);
        expect(model.inputNames).toEqual(["x"]);
        const actual = await outputOf(model, x);
        expect(actual.shape).toEqual([2, 10]);
        expectClose(actual, reference, 1e-5, file);
      });
    }
  }

  it("engine auto picks the typed GhostNet, scale and class count read off the shapes", async () => {
    const { config, weights } = ghostNetFromCheckpoint(readPaddleCheckpoint(read(CHECKPOINTS[1]!)));
    expect(config.scale).toBe(0.1);
    expect(config.classCount).toBe(10);
    expect(weights.get("conv1_weights")!.shape).toEqual([4, 3, 3, 3]);
    const model = await loadModel(read(CHECKPOINTS[1]!));
    expect(model.engine).toBe("ghostnet");
    model.dispose();
  });
});

describe("checkpoint contents", () => {
  it("the name table and the joined big parameters", () => {
    const split = readPaddleCheckpoint(read("ghostnet_x0_1_c10_p2_np2_split.pdparams"));
    const whole = readPaddleCheckpoint(read("ghostnet_x0_1_c10_p2_np1.pdparams"));
    expect([...split.tensors.keys()].some((k) => k.includes("@@."))).toBe(false);
    expect(split.tensors.size).toBe(whole.tensors.size);
    const fc0 = split.tensors.get("fc_0._conv.weight")!;
    expect(fc0.shape).toEqual([1280, 96, 1, 1]);
    expect(Array.from(fc0.data!)).toEqual(Array.from(whole.tensors.get("fc_0._conv.weight")!.data!));
    expect(whole.parameterNames.get("_ghostbottleneck_3.se_block.squeeze.bias")).toBe("_ghostbottleneck_3_se_1_offset");
  });

  it("structured names → PaddleClas names (agrees with the checkpoint's own table)", () => {
    expect(ghostNetLayerName("_ghostbottleneck_1.depthwise_conv")).toBe("_ghostbottleneck_1_depthwise_depthwise");
    expect(ghostNetParameterName("_ghostbottleneck_1.shortcut_depthwise._batch_norm._variance")).toBe(
      "_ghostbottleneck_1_shortcut_depthwise_depthwise_bn_variance",
    );
    expect(ghostNetParameterName("_ghostbottleneck_3.se_block.excitation.weight")).toBe("_ghostbottleneck_3_se_2_weights");
    expect(ghostNetParameterName("fc_1.bias")).toBe("fc_1_offset");
    const { parameterNames } = readPaddleCheckpoint(read(CHECKPOINTS[0]!));
    expect(parameterNames.size).toBeGreaterThan(400);
    for (const [structured, name] of parameterNames) expect(ghostNetParameterName(structured), structured).toBe(name);
  });
});

describe("checkpoints that are not a GhostNet", () => {
  it("a pickle of other arrays: a ModelFormatError saying which architectures are supported", async () => {
    const bytes = new Uint8Array(readFileSync("test/fixtures/paddle/pickles/p5_types.pkl"));
    await expect(loadModel(bytes)).rejects.toThrow(ModelFormatError);
    await expect(loadModel(bytes)).rejects.toThrow(/no 'conv1\._conv\.weight'.*only PaddleClas GhostNet checkpoints/);
  });
  it("a pickle holding values that are not arrays", async () => {
    const bytes = new Uint8Array(readFileSync("test/fixtures/paddle/pickles/p4_nested.pkl"));
    await expect(loadModel(bytes)).rejects.toThrow(/'list' holds a list, not a numpy array/);
  });
  it("a GhostNet checkpoint missing a layer: ShapeError naming it", async () => {
    // Cut the checkpoint's last parameter (fc_1's bias) away by re-pickling is not possible here;
    // instead, rename its key in the bytes: 'fc_1.bias' → 'fc_1.bia_' keeps every length.
    const bytes = read(CHECKPOINTS[1]!).slice();
    const text = Buffer.from(bytes).toString("latin1");
    const at = text.indexOf("fc_1.bias");
    expect(at).toBeGreaterThan(0);
    bytes[at + 8] = "_".charCodeAt(0);
    await expect(loadModel(bytes)).rejects.toThrow(/fc_1_offset .* is missing/);
  });
});
