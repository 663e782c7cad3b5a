import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import {
  averagePool,
  globalAveragePool,
  globalMaxPool,
  globalPoolShape,
  maxPool,
  poolShape,
  type PoolAttributes,
} from "../../src/ops/pooling.js";
import type { WriterAttribute } from "../../src/loader/writer.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { asInput, attr, randomTensor, runOrtOp } from "./harness.js";

function onnxAttributes(a: PoolAttributes, withCountIncludePad: boolean): Record<string, WriterAttribute> {
  const out: Record<string, WriterAttribute> = { kernel_shape: attr.ints(a.kernelShape) };
  if (a.strides) out.strides = attr.ints(a.strides);
  if (a.pads) out.pads = attr.ints(a.pads);
  if (a.dilations) out.dilations = attr.ints(a.dilations);
  if (a.ceilMode !== undefined) out.ceil_mode = attr.int(a.ceilMode);
  if (a.autoPad !== undefined) out.auto_pad = attr.string(a.autoPad);
  if (withCountIncludePad && a.countIncludePad !== undefined) out.count_include_pad = attr.int(a.countIncludePad);
  return out;
}

const x = randomTensor([2, 3, 11, 9], 21, -3, 3);
const configs: PoolAttributes[] = [
  { kernelShape: [2, 2], strides: [2, 2] },
  { kernelShape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] },
  { kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
  { kernelShape: [3, 2], strides: [2, 3], pads: [0, 1, 2, 0] },
  { kernelShape: [3, 3], strides: [2, 2], ceilMode: 1 },
  { kernelShape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: 1 },
  { kernelShape: [3, 3], strides: [3, 3], pads: [1, 0, 1, 0], ceilMode: 1 },
  { kernelShape: [3, 3], strides: [2, 2], autoPad: "SAME_UPPER" },
  { kernelShape: [4, 4], strides: [3, 3], autoPad: "SAME_LOWER" },
  { kernelShape: [3, 3], strides: [2, 2], autoPad: "VALID" },
];

describe("MaxPool vs onnxruntime", () => {
  const maxConfigs: PoolAttributes[] = [
    ...configs,
    { kernelShape: [3, 3], strides: [1, 1], dilations: [2, 2], pads: [2, 2, 2, 2] },
    { kernelShape: [2, 3], strides: [2, 1], dilations: [3, 2], ceilMode: 1 },
  ];
  for (const a of maxConfigs) {
    it(JSON.stringify(a), async () => {
      const out = new Tensor(poolShape(x.shape, a));
      maxPool(out, x, a);
      const [ref] = await runOrtOp("MaxPool", { opset: 12, inputs: [asInput(x)], attributes: onnxAttributes(a, false) });
      expectClose(out, ref!);
    });
  }
});

describe("AveragePool vs onnxruntime", () => {
  for (const countIncludePad of [0, 1]) {
    for (const base of configs) {
      const a = { ...base, countIncludePad };
      it(JSON.stringify(a), async () => {
        const out = new Tensor(poolShape(x.shape, a));
        averagePool(out, x, a);
        const [ref] = await runOrtOp("AveragePool", { opset: 11, inputs: [asInput(x)], attributes: onnxAttributes(a, true) });
        expectClose(out, ref!);
      });
    }
  }

  it("1-D pooling on [N, C, W]", async () => {
    const x1 = randomTensor([2, 3, 10], 22);
    const a: PoolAttributes = { kernelShape: [3], strides: [2], pads: [1, 1] };
    const out = new Tensor(poolShape(x1.shape, a));
    averagePool(out, x1, a);
    const [ref] = await runOrtOp("AveragePool", { opset: 11, inputs: [asInput(x1)], attributes: onnxAttributes(a, true) });
    expectClose(out, ref!);
  });
});

describe("global pools vs onnxruntime", () => {
  it("GlobalAveragePool and GlobalMaxPool over [2, 5, 7, 3]", async () => {
    const input = randomTensor([2, 5, 7, 3], 23);
    const avg = new Tensor(globalPoolShape(input.shape));
    globalAveragePool(avg, input);
    expectClose(avg, (await runOrtOp("GlobalAveragePool", { opset: 9, inputs: [asInput(input)] }))[0]!, 1e-4);
    const max = new Tensor(globalPoolShape(input.shape));
    globalMaxPool(max, input);
    expectClose(max, (await runOrtOp("GlobalMaxPool", { opset: 9, inputs: [asInput(input)] }))[0]!);
  });
});

describe("pooling by hand", () => {
  it("averages a 2×2 window; with padding, count_include_pad decides the divisor", () => {
    // [[1, 2], [3, 4]] with one pixel of padding on every side, 2×2 windows, stride 2:
    // each window holds one real pixel and three padding positions.
    const input = new Tensor([1, 1, 2, 2], Float32Array.of(1, 2, 3, 4));
    const a = { kernelShape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1] };
    const excluded = new Tensor(poolShape(input.shape, a));
    averagePool(excluded, input, { ...a, countIncludePad: 0 });
    expect(Array.from(excluded.data)).toEqual([1, 2, 3, 4]);
    const included = new Tensor(poolShape(input.shape, a));
    averagePool(included, input, { ...a, countIncludePad: 1 });
    expect(Array.from(included.data)).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it("ceil_mode keeps the partial last window: 5 wide, kernel 2, stride 2 → 3 outputs (floor: 2)", () => {
    expect(poolShape([1, 1, 1, 5], { kernelShape: [1, 2], strides: [1, 2] })).toEqual([1, 1, 1, 2]);
    expect(poolShape([1, 1, 1, 5], { kernelShape: [1, 2], strides: [1, 2], ceilMode: 1 })).toEqual([1, 1, 1, 3]);
  });

  it("global average pool of a plane is its mean", () => {
    const out = new Tensor([1, 2, 1, 1]);
    globalAveragePool(out, new Tensor([1, 2, 2, 2], Float32Array.of(1, 2, 3, 4, -1, -1, -1, -5)));
    expect(Array.from(out.data)).toEqual([2.5, -2]);
  });

  it("rejects bad attributes with the op's name", () => {
    expect(() => poolShape([1, 1, 4, 4], { kernelShape: [2] }, "MaxPool")).toThrow(ShapeError);
    expect(() => poolShape([1, 1, 4, 4], { kernelShape: [2, 2], strides: [0, 1] }, "MaxPool")).toThrow(/MaxPool/);
    expect(() => globalPoolShape([4, 4])).toThrow(ShapeError);
  });
});
