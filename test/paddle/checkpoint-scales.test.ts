/**
 * Scale and class count read off a checkpoint's shapes, at the scales PaddleClas ships
 * (x0.5, x1.0, x1.3): state dicts written by the test's own small pickle writer from
 * seeded weights (the unpickler itself is checked on Python-written pickles in
 * checkpoint.test.ts and pickle.test.ts).
 */
import { describe, expect, it } from "vitest";
import { ghostNetConfig } from "../../src/ghostnet/config.js";
import { imageLikeBatch, makeGhostNetWeights } from "../../src/ghostnet/fixture.js";
import { exportGhostNetOnnx } from "../../src/ghostnet/onnx-export.js";
import type { WeightTensor } from "../../src/ghostnet/weights.js";
import { loadModel } from "../../src/load-model.js";
import { registerModelReader } from "../../src/loader/formats.js";
import { checkpointReader, ghostNetFromCheckpoint, ghostNetParameterName, readPaddleCheckpoint } from "../../src/loader/paddle/checkpoint.js";
import { expectClose } from "../helpers/compare.js";
import { pickleStateDict } from "../helpers/pickle-writer.js";

registerModelReader(checkpointReader);

/** PaddleClas parameter name → structured name (ghostnet.py's attributes), written out here by hand. */
function structuredName(param: string): string {
  const bn: [string, string][] = [["_bn_scale", "_batch_norm.weight"], ["_bn_offset", "_batch_norm.bias"], ["_bn_mean", "_batch_norm._mean"], ["_bn_variance", "_batch_norm._variance"]];
  const layerPath = (layer: string): string => {
    const m = /^(_ghostbottleneck_\d+)_(.+)$/.exec(layer);
    if (m === null) return layer;
    const rest = m[2]!
      .replace(/^ghost_module_([12])_(primary_conv|cheap_operation)$/, "ghost_module_$1.$2")
      .replace(/^shortcut_depthwise_depthwise$/, "shortcut_depthwise")
      .replace(/^depthwise_depthwise$/, "depthwise_conv")
      .replace(/^se_1$/, "se_block.squeeze")
      .replace(/^se_2$/, "se_block.excitation");
    return `${m[1]}.${rest}`;
  };
  for (const [suffix, attribute] of bn) if (param.endsWith(suffix)) return `${layerPath(param.slice(0, -suffix.length))}.${attribute}`;
  if (param.endsWith("_weights")) {
    const layer = param.slice(0, -"_weights".length);
    return `${layerPath(layer)}${layer === "fc_1" || /_se_[12]$/.test(layer) ? ".weight" : "._conv.weight"}`;
  }
  return `${layerPath(param.slice(0, -"_offset".length))}.bias`;
}

function checkpointOf(weights: ReadonlyMap<string, WeightTensor>, prefix = ""): Uint8Array {
  const arrays = new Map<string, WeightTensor>();
  const table = new Map<string, string>();
  for (const [name, tensor] of weights) {
    arrays.set(prefix + structuredName(name), tensor);
    table.set(prefix + structuredName(name), name);
  }
  return pickleStateDict(arrays, table);
}

describe("GhostNet checkpoints of every shipped scale", () => {
  for (const scale of [0.5, 1.0, 1.3]) {
    it(`x${scale}: scale and class count read off the shapes; the names map back`, () => {
      const config = ghostNetConfig(scale, 7);
      const weights = makeGhostNetWeights(config, 3, 1, 32);
      const found = ghostNetFromCheckpoint(readPaddleCheckpoint(checkpointOf(weights)));
      expect(found.config.scale).toBe(scale);
      expect(found.config.classCount).toBe(7);
      expect(found.weights.size).toBe(weights.size);
      for (const name of weights.keys()) expect(ghostNetParameterName(structuredName(name))).toBe(name);
    });
  }

  it("x0.5 with a wrapper prefix ('backbone.') runs equal to its ONNX export, both engines", async () => {
    const config = ghostNetConfig(0.5, 7);
    const weights = makeGhostNetWeights(config, 4, 1, 64);
    const bytes = checkpointOf(weights, "backbone.");
    const onnx = exportGhostNetOnnx(config, weights, { style: "legacy" }).bytes;
    const x = imageLikeBatch(1, 2, 224);
    for (const engine of ["ghostnet", "graph"] as const) {
      const [a, b] = [await loadModel(bytes, { engine }), await loadModel(onnx, { engine })];
      const [ya, yb] = [await a.run([x]), await b.run([x])];
      expectClose(ya[a.outputNames[0]!]!, yb[b.outputNames[0]!]!, 1e-5, engine);
      a.dispose();
      b.dispose();
    }
  });

  it("keys that are PaddleClas parameter names (paddle.static.save) are taken as they are", () => {
    const config = ghostNetConfig(0.5, 5);
    const weights = makeGhostNetWeights(config, 5, 1, 32);
    const found = ghostNetFromCheckpoint(readPaddleCheckpoint(pickleStateDict(weights, new Map())));
    expect(found.config.scale).toBe(0.5);
    expect(found.config.classCount).toBe(5);
    expect(found.weights.get("fc_1_offset")!.data).toEqual(weights.get("fc_1_offset")!.data);
  });
});
