import { describe, expect, it } from "vitest";
import type { WriterAttribute } from "../../src/loader/writer.js";
import { ShapeError } from "../../src/errors.js";
import { logSoftmax, softmax, softmaxShape } from "../../src/ops/softmax.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { asInput, attr, randomTensor, runOrtOp } from "./harness.js";

const x = randomTensor([2, 3, 4, 5], 51, -10, 10);

describe("Softmax / LogSoftmax vs onnxruntime", () => {
  for (const opset of [11, 13]) {
    for (const axis of [undefined, 0, 1, 2, -1, -2, 3]) {
      for (const [name, kernel] of [["Softmax", softmax], ["LogSoftmax", logSoftmax]] as const) {
        it(`${name} opset ${opset} axis ${axis ?? "default"}`, async () => {
          const out = new Tensor(softmaxShape(x.shape));
          kernel(out, x, { axis, opset });
          const attributes: Record<string, WriterAttribute> = axis === undefined ? {} : { axis: attr.int(axis) };
          const [ref] = await runOrtOp(name, { opset, inputs: [asInput(x)], attributes });
          expectClose(out, ref!, 1e-5);
        });
      }
    }
  }

  it("classifier logits [N, 1000] at opset 9 default axis", async () => {
    const logits = randomTensor([2, 1000], 52, -20, 20);
    const out = new Tensor([2, 1000]);
    softmax(out, logits, { opset: 9 });
    expectClose(out, (await runOrtOp("Softmax", { opset: 9, inputs: [asInput(logits)] }))[0]!, 1e-5);
  });
});

describe("Softmax by hand", () => {
  it("softmax of [0, ln 2] is [1/3, 2/3]", () => {
    const out = new Tensor([2]);
    softmax(out, new Tensor([2], Float32Array.of(0, Math.LN2)), { axis: -1 });
    expectClose(out, { shape: [2], data: [1 / 3, 2 / 3] }, 1e-7);
  });

  it("is stable for huge logits (the maximum is subtracted first)", () => {
    const out = new Tensor([3]);
    softmax(out, new Tensor([3], Float32Array.of(1000, 1000, -1000)), { axis: 0 });
    expect(Array.from(out.data)).toEqual([0.5, 0.5, 0]);
  });

  it("opset < 13 normalises the flattened tail, opset 13 only the axis", () => {
    // [[0, 0], [0, 0]] at axis 0: before 13 the whole tensor is one row (each 1/4);
    // from 13 each column is normalised on its own (each 1/2).
    const zeros = new Tensor([2, 2]);
    const legacy = new Tensor([2, 2]);
    softmax(legacy, zeros, { axis: 0, opset: 11 });
    expect(Array.from(legacy.data)).toEqual([0.25, 0.25, 0.25, 0.25]);
    const modern = new Tensor([2, 2]);
    softmax(modern, zeros, { axis: 0, opset: 13 });
    expect(Array.from(modern.data)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it("log-softmax of [0, ln 2] is [−ln 3, ln 2 − ln 3]", () => {
    const out = new Tensor([2]);
    logSoftmax(out, new Tensor([2], Float32Array.of(0, Math.LN2)), { axis: -1 });
    expectClose(out, { shape: [2], data: [-Math.log(3), Math.LN2 - Math.log(3)] }, 1e-6);
  });

  it("rejects an axis out of range", () => {
    expect(() => softmax(new Tensor([2, 2]), new Tensor([2, 2]), { axis: 2, opset: 13 })).toThrow(ShapeError);
    expect(() => softmax(new Tensor([2, 2]), new Tensor([2, 2]), { axis: -3, opset: 11 })).toThrow(/axis -3/);
  });
});
