/**
 * Property tests over random conv geometries (fast-check): whatever path conv2d picks
 * (pointwise GEMM, depthwise interior/border or padded copy, im2col + GEMM), it equals the
 * plain reference loops, and a random split into channel × row ranges is bitwise equal to
 * the whole. Also ConvTranspose's GEMM + col2im against its scatter reference.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Conv2dAttributes, conv2d, conv2dRange, conv2dReference, conv2dShape } from "../../src/ops/conv2d.js";
import { type ConvTranspose2dAttributes, convTranspose2d, convTranspose2dReference, convTranspose2dShape } from "../../src/ops/conv-transpose.js";
import type { FusedActivation } from "../../src/ops/fused-activation.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { randomTensor } from "./harness.js";

const activations: FusedActivation[] = [
  { kind: "none" },
  { kind: "relu" },
  { kind: "clip", min: -0.3, max: 0.6 },
  { kind: "hardSigmoid", alpha: 0.2, beta: 0.5 },
  { kind: "hardSwish" },
  { kind: "sigmoid" },
];

interface ConvProblem {
  x: number[];
  w: number[];
  attrs: Conv2dAttributes;
  bias: boolean;
  activation: FusedActivation;
  split: [number, number];
}

const pair = (min: number, max: number) => fc.tuple(fc.integer({ min, max }), fc.integer({ min, max }));

const convProblem: fc.Arbitrary<ConvProblem> = fc
  .record({
    kind: fc.constantFrom("general", "depthwise", "pointwise"),
    batch: fc.integer({ min: 1, max: 2 }),
    group: fc.integer({ min: 1, max: 3 }),
    inPerGroup: fc.integer({ min: 1, max: 3 }),
    outPerGroup: fc.integer({ min: 1, max: 3 }),
    size: pair(1, 12),
    kernel: fc.oneof(pair(1, 5), fc.constantFrom<[number, number]>([3, 3], [5, 5])),
    strides: pair(1, 3),
    dilations: fc.oneof(fc.constant<[number, number]>([1, 1]), pair(1, 2)),
    pads: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
    autoPad: fc.constantFrom("NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"),
    bias: fc.boolean(),
    activation: fc.constantFrom(...activations),
    split: pair(0, 1000),
  })
  .map((r): ConvProblem => {
    const [h, w] = r.size;
    if (r.kind === "pointwise") {
      const c = r.inPerGroup * 3;
      return { x: [r.batch, c, h, w], w: [r.outPerGroup * 2, c, 1, 1], attrs: {}, bias: r.bias, activation: r.activation, split: r.split };
    }
    const depthwise = r.kind === "depthwise";
    const group = depthwise ? r.group * 2 : r.group;
    const inPerGroup = depthwise ? 1 : r.inPerGroup;
    const outPerGroup = depthwise ? 1 : r.outPerGroup;
    return {
      x: [r.batch, group * inPerGroup, h, w],
      w: [group * outPerGroup, inPerGroup, ...r.kernel],
      attrs: { strides: r.strides, dilations: r.dilations, pads: r.pads, autoPad: r.autoPad, group },
      bias: r.bias,
      activation: r.activation,
      split: r.split,
    };
  });

function shapeOrUndefined(p: ConvProblem): number[] | undefined {
  try {
    return conv2dShape(p.x, p.w, p.attrs);
  } catch {
    return undefined; // kernel larger than the padded input: not a valid problem
  }
}

describe("conv2d over random geometries", () => {
  it("every fast path equals the reference, and any channel × row split is bitwise equal to the whole", () => {
    fc.assert(
      fc.property(convProblem, (p) => {
        const shape = shapeOrUndefined(p);
        fc.pre(shape !== undefined);
        const x = randomTensor(p.x, p.x.reduce((a, b) => a * b, 1));
        const w = randomTensor(p.w, 5);
        const b = p.bias ? randomTensor([p.w[0]!], 6) : null;
        const fast = new Tensor(shape!);
        conv2d(fast, x, w, b, p.attrs, p.activation);
        const plain = new Tensor(shape!);
        conv2dReference(plain, x, w, b, p.attrs, p.activation);
        expectClose(fast, plain, 1e-5, JSON.stringify(p));

        const [, m, outH] = shape!;
        const cCut = p.split[0] % (m! + 1);
        const rCut = p.split[1] % (outH! + 1);
        const pieces = new Tensor(shape!, new Float32Array(fast.data.length).fill(NaN));
        for (const [c0, c1] of [[0, cCut], [cCut, m!]]) {
          for (const [r0, r1] of [[0, rCut], [rCut, outH!]]) {
            conv2dRange(pieces, x, w, b, p.attrs, p.activation, { channelStart: c0!, channelEnd: c1!, rowStart: r0!, rowEnd: r1! });
          }
        }
        expect(pieces.data).toEqual(fast.data);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

describe("convTranspose2d over random geometries", () => {
  it("GEMM + col2im equals the scatter reference", () => {
    const problem = fc.record({
      batch: fc.integer({ min: 1, max: 2 }),
      group: fc.integer({ min: 1, max: 2 }),
      inPerGroup: fc.integer({ min: 1, max: 3 }),
      outPerGroup: fc.integer({ min: 1, max: 3 }),
      size: pair(1, 6),
      kernel: pair(1, 4),
      strides: pair(1, 3),
      dilations: pair(1, 2),
      pads: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
      outputPadding: pair(0, 1),
      bias: fc.boolean(),
    });
    fc.assert(
      fc.property(problem, (r) => {
        const xShape = [r.batch, r.group * r.inPerGroup, ...r.size];
        const wShape = [r.group * r.inPerGroup, r.outPerGroup, ...r.kernel];
        // output_padding must be smaller than the stride (ONNX).
        const attrs: ConvTranspose2dAttributes = {
          group: r.group, strides: r.strides, dilations: r.dilations, pads: r.pads,
          outputPadding: [Math.min(r.outputPadding[0], r.strides[0] - 1), Math.min(r.outputPadding[1], r.strides[1] - 1)],
        };
        let shape: number[];
        try {
          shape = convTranspose2dShape(xShape, wShape, attrs);
        } catch {
          fc.pre(false);
          return;
        }
        const x = randomTensor(xShape, 1);
        const w = randomTensor(wShape, 2);
        const b = r.bias ? randomTensor([r.group * r.outPerGroup], 3) : null;
        const fast = new Tensor(shape);
        convTranspose2d(fast, x, w, b, attrs);
        const plain = new Tensor(shape);
        convTranspose2dReference(plain, x, w, b, attrs);
        expectClose(fast, plain, 1e-5, JSON.stringify(r));
      }),
      { numRuns: 200, seed: 12 },
    );
  });
});
