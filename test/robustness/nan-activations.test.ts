/**
 * NaN through every activation and max-pooling, against onnxruntime-node: where
 * onnxruntime gives NaN we must give NaN (and nowhere else). Single-op graphs, plus a
 * Conv followed by each activation so the fused epilogue (fused-activation.ts) is used.
 */
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/load-model.js";
import { attr, encodeModel, type WriterAttribute } from "../../src/loader/writer.js";
import { runOrt } from "../helpers/ort.js";

const shape = [1, 2, 4, 4];
const input = (): Float32Array => {
  const data = Float32Array.from({ length: 32 }, (_, i) => (i % 7) - 3.5);
  data[0] = Number.NaN;
  data[5] = Number.NaN;
  data[17] = Number.NaN;
  return data;
};

const activations: { op: string; attributes?: Record<string, WriterAttribute>; opset?: number }[] = [
  { op: "Relu" },
  { op: "LeakyRelu", attributes: { alpha: attr.float(0.1) } },
  { op: "Clip", attributes: { min: attr.float(0), max: attr.float(6) }, opset: 10 },
  { op: "HardSigmoid", attributes: { alpha: attr.float(0.2), beta: attr.float(0.5) } },
  { op: "HardSwish", opset: 14 },
  { op: "Sigmoid" },
  { op: "Tanh" },
  { op: "Elu" },
];

/** Our NaN positions equal onnxruntime's; `expectSome`: onnxruntime has at least one NaN. */
async function compare(bytes: Uint8Array, expectSome = true): Promise<void> {
  const x = input();
  const expected = (await runOrt(bytes, { x: { shape, data: x } })).y!.data as Float32Array;
  const model = await loadModel(bytes, { engine: "graph" });
  const actual = (await model.run({ x: { shape, data: x } })).y!.data;
  expect(Array.from(actual, Number.isNaN)).toEqual(Array.from(expected, Number.isNaN));
  if (expectSome) expect(Array.from(expected, Number.isNaN).some(Boolean)).toBe(true);
}

describe("NaN propagation, as onnxruntime", () => {
  for (const { op, attributes, opset } of activations) {
    it(`${op} alone`, async () => {
      await compare(
        encodeModel({
          opset: opset ?? 13,
          nodes: [{ opType: op, inputs: ["x"], outputs: ["y"], attributes }],
          inputs: [{ name: "x", shape }],
          outputs: [{ name: "y" }],
        }),
      );
    });
    it(`Conv 1×1 then ${op} (fused epilogue)`, async () => {
      await compare(
        encodeModel({
          opset: opset ?? 13,
          nodes: [
            { opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"] },
            { opType: op, inputs: ["c"], outputs: ["y"], attributes },
          ],
          initializers: [
            { name: "w", dtype: "float32", dims: [2, 2, 1, 1], data: [1, 0, 0, 1] },
            { name: "b", dtype: "float32", dims: [2], data: [0.25, -0.25] },
          ],
          inputs: [{ name: "x", shape }],
          outputs: [{ name: "y" }],
        }),
      );
    });
  }

  // Pooling follows onnxruntime whatever it does with NaN: onnxruntime's MaxPool gives NaN
  // when a window's last element is NaN (the NaNs at 0, 5 and 17 put one last in a 2×2
  // window and one first), its GlobalMaxPool skips NaN.
  for (const op of ["MaxPool", "GlobalMaxPool"]) {
    it(`${op} (NaN where onnxruntime has NaN)`, async () => {
      await compare(
        encodeModel({
          opset: 13,
          nodes: [{ opType: op, inputs: ["x"], outputs: ["y"], attributes: op === "MaxPool" ? { kernel_shape: attr.ints([2, 2]) } : {} }],
          inputs: [{ name: "x", shape }],
          outputs: [{ name: "y" }],
        }),
        op === "MaxPool", // MaxPool: onnxruntime has NaNs here; GlobalMaxPool: none
      );
    });
  }
});
