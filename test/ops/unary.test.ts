import { describe, expect, it } from "vitest";
import * as unary from "../../src/ops/unary.js";
import { IntTensor, Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { asInput, attr, intTensor, randomTensor, runOrtOp } from "./harness.js";

// Odd sizes and a range that crosses every activation's kinks (±3 for hard-swish, 0 for relu).
const shape = [2, 3, 5, 7];
const x = randomTensor(shape, 11, -8, 8);
const positive = randomTensor(shape, 12, 0.01, 10);

const cases: { op: string; run: (out: Tensor, input: Tensor) => void; input?: Tensor; opset?: number; attributes?: Record<string, ReturnType<typeof attr.float>> }[] = [
  { op: "Relu", run: unary.relu },
  { op: "LeakyRelu", run: (o, i) => unary.leakyRelu(o, i, { alpha: 0.01 }) },
  { op: "LeakyRelu", run: (o, i) => unary.leakyRelu(o, i, { alpha: 0.3 }), attributes: { alpha: attr.float(0.3) } },
  { op: "Sigmoid", run: unary.sigmoid },
  { op: "HardSigmoid", run: (o, i) => unary.hardSigmoid(o, i, { alpha: 0.2, beta: 0.5 }) },
  // Paddle's hardsigmoid: slope 1/6, offset 0.5 (MobileNetV3, PP-LCNet).
  { op: "HardSigmoid", run: (o, i) => unary.hardSigmoid(o, i, { alpha: 0.1666667, beta: 0.5 }), attributes: { alpha: attr.float(0.1666667), beta: attr.float(0.5) } },
  { op: "HardSwish", run: unary.hardSwish, opset: 14 },
  { op: "Tanh", run: unary.tanh },
  { op: "Elu", run: (o, i) => unary.elu(o, i, { alpha: 1 }) },
  { op: "Softplus", run: unary.softplus },
  { op: "Selu", run: (o, i) => unary.selu(o, i, { alpha: 1.67326319217681884765625, gamma: 1.05070102214813232421875 }) },
  { op: "Mish", run: unary.mish, opset: 18 },
  { op: "Gelu", run: (o, i) => unary.gelu(o, i, { approximate: "none" }), opset: 20 },
  { op: "Gelu", run: (o, i) => unary.gelu(o, i, { approximate: "tanh" }), opset: 20, attributes: { approximate: attr.string("tanh") } },
  { op: "Neg", run: unary.neg },
  { op: "Abs", run: unary.abs },
  { op: "Sign", run: unary.sign },
  { op: "Exp", run: unary.exp, input: randomTensor(shape, 13, -5, 5) },
  { op: "Sqrt", run: unary.sqrt, input: positive },
  { op: "Log", run: unary.log, input: positive },
  { op: "Reciprocal", run: unary.reciprocal, input: positive },
  { op: "Erf", run: unary.erf, input: randomTensor(shape, 14, -3, 3) },
  { op: "Floor", run: unary.floor },
  { op: "Ceil", run: unary.ceil },
  { op: "Round", run: unary.round, input: new Tensor([8], Float32Array.of(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, -2.6)) },
  { op: "Identity", run: unary.identity },
];

describe("unary ops vs onnxruntime", () => {
  for (const c of cases) {
    it(`${c.op}${c.attributes ? " " + JSON.stringify(Object.fromEntries(Object.entries(c.attributes).map(([k, v]) => [k, v.value]))) : ""}`, async () => {
      const input = c.input ?? x;
      const out = new Tensor(unary.unaryShape(input.shape));
      c.run(out, input);
      const [ref] = await runOrtOp(c.op, { opset: c.opset ?? 13, inputs: [asInput(input)], attributes: c.attributes });
      expectClose(out, ref!, 1e-5, c.op);
    });
  }

  it("Clip opset 9: bounds as attributes", async () => {
    const out = new Tensor(shape);
    unary.clip(out, x, { min: 0, max: 6 });
    const [ref] = await runOrtOp("Clip", { opset: 9, inputs: [asInput(x)], attributes: { min: attr.float(0), max: attr.float(6) } });
    expectClose(out, ref!);
  });

  it("Clip opset 11+: bounds as optional inputs (both, min only, max only)", async () => {
    const scalar = (v: number) => ({ shape: [], data: [v] });
    const both = new Tensor(shape);
    unary.clip(both, x, { min: -1, max: 1 });
    expectClose(both, (await runOrtOp("Clip", { opset: 13, inputs: [asInput(x), scalar(-1), scalar(1)] }))[0]!);
    const minOnly = new Tensor(shape);
    unary.clip(minOnly, x, { min: 0.5, max: Infinity });
    expectClose(minOnly, (await runOrtOp("Clip", { opset: 11, inputs: [asInput(x), scalar(0.5)] }))[0]!);
    const maxOnly = new Tensor(shape);
    unary.clip(maxOnly, x, { min: -Infinity, max: 2 });
    expectClose(maxOnly, (await runOrtOp("Clip", { opset: 12, inputs: [asInput(x), null, scalar(2)] }))[0]!);
  });

  it("Neg and Abs and Clip on int64", async () => {
    const v = intTensor([-3, 0, 5, -9000000000]);
    for (const [op, run] of [["Neg", unary.neg], ["Abs", unary.abs]] as const) {
      const out = new IntTensor("int64", [4]);
      run(out, v);
      const [ref] = await runOrtOp(op, { opset: 13, inputs: [asInput(v)], outputDtypes: ["int64"] });
      expect(Array.from(out.data, (n) => n + 0)).toEqual(Array.from(ref!.data));
    }
  });
});

describe("unary ops by hand", () => {
  it("hard-swish is 0 below −3, x above 3, and x(x+3)/6 between", () => {
    const input = new Tensor([5], Float32Array.of(-4, -3, 0, 1.5, 4));
    const out = new Tensor([5]);
    unary.hardSwish(out, input);
    expectClose(out, { shape: [5], data: [0, 0, 0, (1.5 * 4.5) / 6, 4] }, 1e-7);
  });

  it("sigmoid(0) = 1/2 and saturates without NaN", () => {
    const out = new Tensor([3]);
    unary.sigmoid(out, new Tensor([3], Float32Array.of(0, -1000, 1000)));
    expect(Array.from(out.data)).toEqual([0.5, 0, 1]);
  });

  it("erf matches known values: erf(0.5) = 0.5204999", () => {
    expect(unary.erfScalar(0.5)).toBeCloseTo(0.5204998778, 6);
    expect(unary.erfScalar(-2)).toBeCloseTo(-0.995322265, 6);
  });

  it("works in place", () => {
    const t = new Tensor([3], Float32Array.of(-1, 0, 2));
    unary.relu(t, t);
    expect(Array.from(t.data)).toEqual([0, 0, 2]);
  });

  it("rejects an output of the wrong shape", () => {
    expect(() => unary.relu(new Tensor([2]), new Tensor([3]))).toThrow(/Relu: output shape \[2\] should equal input shape \[3\]/);
  });
});
