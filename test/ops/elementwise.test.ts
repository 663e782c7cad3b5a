import { describe, expect, it } from "vitest";
import { ShapeError } from "../../src/errors.js";
import { add, binary, prelu, binaryShape, div, mul, sub, variadic, where, whereShape, type BinaryOp } from "../../src/ops/elementwise.js";
import { IntTensor, Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { asInput, attr, intTensor, randomTensor, runOrtOp } from "./harness.js";

const onnxName: Partial<Record<BinaryOp, string>> = { add: "Add", sub: "Sub", mul: "Mul", div: "Div", pow: "Pow" };

// Broadcast pairs Paddle2ONNX graphs produce, plus general ones.
const shapePairs: [number[], number[]][] = [
  [[2, 3, 5, 7], [2, 3, 5, 7]], // same shape: one flat run
  [[2, 3, 5, 7], []], // scalar
  [[2, 3, 5, 7], [1]], // one-element vector
  [[2, 3, 5, 7], [3, 1, 1]], // per-channel [C,1,1]
  [[2, 3, 5, 7], [1, 3, 1, 1]], // per-channel [1,C,1,1]
  [[2, 3, 5, 7], [2, 3, 1, 1]], // SE multiply [N,C,1,1]
  [[2, 3, 1, 1], [2, 3, 5, 7]], // the per-channel operand first
  [[3, 1, 5], [1, 4, 1]], // both broadcast
  [[7], [2, 3, 7]], // row vector
  [[2, 1, 5, 1], [3, 1, 4]], // general strided
  [[1, 3, 1, 1], [2, 1, 2, 3]],
];

describe("binary elementwise vs onnxruntime", () => {
  for (const op of ["add", "sub", "mul", "div", "pow"] as const) {
    for (const [aShape, bShape] of shapePairs) {
      it(`${onnxName[op]} ${JSON.stringify(aShape)} ∘ ${JSON.stringify(bShape)}`, async () => {
        // Pow on positive bases so that the reference is real; Div away from zero.
        const a = op === "pow" ? randomTensor(aShape, 1, 0.1, 2) : randomTensor(aShape, 1, -2, 2);
        const b = op === "div" ? randomTensor(bShape, 2, 0.5, 2) : op === "pow" ? randomTensor(bShape, 2, -2, 2) : randomTensor(bShape, 2, -2, 2);
        const out = new Tensor(binaryShape(a.shape, b.shape));
        binary(op, out, a, b);
        const [ref] = await runOrtOp(onnxName[op]!, { opset: 13, inputs: [asInput(a), asInput(b)] });
        expectClose(out, ref!, 1e-5);
      });
    }
  }

  it("integer Add/Mul/Div on int64 (Div truncates toward zero)", async () => {
    const a = intTensor([7, -7, 9, 100, -3, 0], [2, 3]);
    const b = intTensor([2, 2, -4], [3]);
    for (const op of ["add", "mul", "div", "sub"] as const) {
      const out = new IntTensor("int64", [2, 3]);
      binary(op, out, a, b);
      const [ref] = await runOrtOp(onnxName[op]!, { opset: 13, inputs: [asInput(a), asInput(b)], outputDtypes: ["int64"] });
      // + 0 turns −0 (from 0 · −2) into the integer 0.
      expect(Array.from(out.data, (v) => v + 0), op).toEqual(Array.from(ref!.data));
    }
  });

  it("Mod: float with fmod = 1 (sign of the dividend), int64 with fmod = 0 (sign of the divisor)", async () => {
    const a = new Tensor([6], Float32Array.of(5.5, -5.5, 5.5, -5.5, 3, -0.25));
    const b = new Tensor([6], Float32Array.of(2, 2, -2, -2, 1.5, 0.1));
    const out = new Tensor([6]);
    binary("fmod", out, a, b);
    expectClose(out, (await runOrtOp("Mod", { opset: 13, inputs: [asInput(a), asInput(b)], attributes: { fmod: attr.int(1) } }))[0]!);
    const ai = intTensor([7, -7, 7, -7, 6]);
    const bi = intTensor([3, 3, -3, -3, 3]);
    const outInt = new IntTensor("int64", [5]);
    binary("mod", outInt, ai, bi);
    const [ref] = await runOrtOp("Mod", { opset: 13, inputs: [asInput(ai), asInput(bi)], outputDtypes: ["int64"] });
    expect(Array.from(outInt.data, (v) => v + 0)).toEqual(Array.from(ref!.data));
  });

  it("comparisons write bool tensors like onnxruntime", async () => {
    const a = new Tensor([2, 3], Float32Array.of(1, 2, 3, 4, 5, 6));
    const b = new Tensor([3], Float32Array.of(2, 2, 7));
    for (const [op, name] of [["equal", "Equal"], ["less", "Less"], ["greater", "Greater"]] as const) {
      const out = new IntTensor("bool", [2, 3]);
      binary(op, out, a, b);
      const [ref] = await runOrtOp(name, { opset: 13, inputs: [asInput(a), asInput(b)], outputDtypes: ["bool"] });
      expect(Array.from(out.data), op).toEqual(Array.from(ref!.data));
    }
  });

  it("Max/Min/Sum/Mean over three broadcast inputs", async () => {
    const xs = [randomTensor([2, 3, 4], 5), randomTensor([3, 1], 6), randomTensor([4], 7)];
    for (const [op, name] of [["max", "Max"], ["min", "Min"], ["sum", "Sum"], ["mean", "Mean"]] as const) {
      const out = new Tensor([2, 3, 4]);
      variadic(op, out, xs);
      const [ref] = await runOrtOp(name, { opset: 13, inputs: xs.map(asInput) });
      expectClose(out, ref!, 1e-5, name);
    }
  });

  for (const slopeShape of [[3, 1, 1], [1], [2, 3, 5, 7], [7]]) {
    it(`PRelu with slope ${JSON.stringify(slopeShape)}`, async () => {
      const input = randomTensor([2, 3, 5, 7], 10);
      const slope = randomTensor(slopeShape, 11, 0, 0.5);
      const out = new Tensor(input.shape);
      prelu(out, input, slope);
      const [ref] = await runOrtOp("PRelu", { opset: 9, inputs: [asInput(input), asInput(slope)] });
      expectClose(out, ref!);
    });
  }

  it("Where with broadcast condition", async () => {
    const condition = new IntTensor("bool", [3, 1], Float64Array.of(1, 0, 1));
    const x = randomTensor([3, 4], 8);
    const y = randomTensor([4], 9);
    const out = new Tensor(whereShape(condition.shape, x.shape, y.shape));
    where(out, condition, x, y);
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 4; c++) {
        const expected = condition.data[r] ? x.data[r * 4 + c]! : y.data[c]!;
        expect(out.data[r * 4 + c]).toBe(expected);
      }
    }
  });
});

describe("binary elementwise by hand", () => {
  it("adds a per-channel bias [C,1,1] to every pixel of its channel", () => {
    const x = new Tensor([1, 2, 1, 2], Float32Array.of(1, 2, 3, 4));
    const bias = new Tensor([2, 1, 1], Float32Array.of(10, 20));
    const out = new Tensor([1, 2, 1, 2]);
    add(out, x, bias);
    expect(Array.from(out.data)).toEqual([11, 12, 23, 24]);
  });

  it("hard-swish decomposed as Paddle2ONNX writes it: x · clip(x + 3, 0, 6) / 6", () => {
    const x = new Tensor([4], Float32Array.of(-4, -1, 0, 3));
    const t = new Tensor([4]);
    add(t, x, Tensor.scalar(3)); // [-1, 2, 3, 6]
    for (let i = 0; i < 4; i++) t.data[i] = Math.min(Math.max(t.data[i]!, 0), 6);
    mul(t, t, x);
    div(t, t, Tensor.scalar(6));
    expectClose(t, { shape: [4], data: [0, -1 / 3, 0, 3] }, 1e-7);
  });

  it("works in place (output is the first input)", () => {
    const x = new Tensor([2, 2], Float32Array.of(1, 2, 3, 4));
    sub(x, x, new Tensor([2], Float32Array.of(1, 1)));
    expect(Array.from(x.data)).toEqual([0, 1, 2, 3]);
  });

  it("rejects shapes that do not broadcast, naming both", () => {
    expect(() => binaryShape([2, 3], [4])).toThrow(ShapeError);
    expect(() => binaryShape([2, 3], [4])).toThrow(/\[2, 3\] and \[4\]/);
    expect(() => add(new Tensor([2, 2]), new Tensor([2, 3]), new Tensor([3]))).toThrow(/output shape/);
  });
});
