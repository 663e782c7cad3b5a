import { describe, expect, it } from "vitest";
import { ShapeError, UnsupportedOperatorError } from "../../src/errors.js";
import { resize, resizeShape, type ResizeAttributes } from "../../src/ops/resize.js";
import type { WriterAttribute } from "../../src/loader/writer.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { asInput, attr, randomTensor, runOrtOp, type OpInput } from "./harness.js";

const x = randomTensor([1, 2, 5, 7], 81, -3, 3);
const floats = (v: readonly number[]): OpInput => ({ shape: [v.length], data: v });
const empty: OpInput = { shape: [0], data: [] };

function onnxAttributes(a: ResizeAttributes): Record<string, WriterAttribute> {
  const out: Record<string, WriterAttribute> = {};
  if (a.mode) out.mode = attr.string(a.mode);
  if (a.coordinateTransformationMode) out.coordinate_transformation_mode = attr.string(a.coordinateTransformationMode);
  if (a.nearestMode) out.nearest_mode = attr.string(a.nearestMode);
  if (a.cubicCoeffA !== undefined) out.cubic_coeff_a = attr.float(a.cubicCoeffA);
  if (a.excludeOutside !== undefined) out.exclude_outside = attr.int(a.excludeOutside);
  return out;
}

const transforms = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"];
const nearestModes = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];
const scaleCases = [[1, 1, 2, 2], [1, 1, 3, 0.5], [1, 1, 0.6, 1.7], [1, 1, 1.5, 2.5]];
const sizeCases = [[1, 2, 10, 14], [1, 2, 3, 4], [1, 2, 8, 5]];

describe("Resize (opset 13) vs onnxruntime", () => {
  for (const transform of transforms) {
    for (const nearestMode of nearestModes) {
      for (const scales of scaleCases) {
        const a: ResizeAttributes = { mode: "nearest", coordinateTransformationMode: transform, nearestMode, scales };
        it(`nearest ${transform} ${nearestMode} scales ${JSON.stringify(scales)}`, async () => {
          const out = new Tensor(resizeShape(x.shape, a));
          resize(out, x, a);
          const [ref] = await runOrtOp("Resize", { opset: 13, inputs: [asInput(x), null, floats(scales)], attributes: onnxAttributes(a) });
          expectClose(out, ref!, 0);
        });
      }
    }
    if (transform === "tf_half_pixel_for_nn") continue;
    for (const scales of scaleCases) {
      const a: ResizeAttributes = { mode: "linear", coordinateTransformationMode: transform, scales };
      it(`linear ${transform} scales ${JSON.stringify(scales)}`, async () => {
        const out = new Tensor(resizeShape(x.shape, a));
        resize(out, x, a);
        const [ref] = await runOrtOp("Resize", { opset: 13, inputs: [asInput(x), null, floats(scales)], attributes: onnxAttributes(a) });
        expectClose(out, ref!, 1e-5);
      });
    }
    for (const sizes of sizeCases) {
      for (const mode of ["nearest", "linear"]) {
        const a: ResizeAttributes = { mode, coordinateTransformationMode: transform, sizes };
        it(`${mode} ${transform} sizes ${JSON.stringify(sizes)}`, async () => {
          const out = new Tensor(resizeShape(x.shape, a));
          resize(out, x, a);
          const sizesInput: OpInput = { dtype: "int64", shape: [4], data: sizes };
          const [ref] = await runOrtOp("Resize", { opset: 13, inputs: [asInput(x), null, null, sizesInput], attributes: onnxAttributes(a) });
          expectClose(out, ref!, 1e-5);
        });
      }
    }
  }
});

describe("Resize of other opsets vs onnxruntime", () => {
  it("PP-OCRv4 det neck: nearest, asymmetric, floor, scales 2 (opset 11, empty roi)", async () => {
    const a: ResizeAttributes = { mode: "nearest", coordinateTransformationMode: "asymmetric", nearestMode: "floor", scales: [1, 1, 2, 2] };
    const out = new Tensor(resizeShape(x.shape, a));
    resize(out, x, a);
    const [ref] = await runOrtOp("Resize", { opset: 11, inputs: [asInput(x), empty, floats([1, 1, 2, 2])], attributes: onnxAttributes(a) });
    expectClose(out, ref!, 0);
  });

  it("opset 11 with sizes (empty roi and scales)", async () => {
    const a: ResizeAttributes = { mode: "linear", coordinateTransformationMode: "half_pixel", sizes: [1, 2, 9, 4] };
    const out = new Tensor(resizeShape(x.shape, a));
    resize(out, x, a);
    const [ref] = await runOrtOp("Resize", {
      opset: 11,
      inputs: [asInput(x), empty, empty, { dtype: "int64", shape: [4], data: [1, 2, 9, 4] }],
      attributes: onnxAttributes(a),
    });
    expectClose(out, ref!, 1e-5);
  });

  for (const mode of ["nearest", "linear"]) {
    for (const scales of [[1, 1, 2, 2], [1, 1, 0.5, 0.6], [1, 1, 1.5, 3]]) {
      it(`opset 10 Resize ${mode} scales ${JSON.stringify(scales)}: asymmetric, "simple" rounding`, async () => {
        const a: ResizeAttributes = { mode, coordinateTransformationMode: "asymmetric", nearestMode: "simple", scales };
        const out = new Tensor(resizeShape(x.shape, a));
        resize(out, x, a);
        const [ref] = await runOrtOp("Resize", { opset: 10, inputs: [asInput(x), floats(scales)], attributes: { mode: attr.string(mode) } });
        expectClose(out, ref!, 1e-5);
        if (scales.some((s) => s < 1)) return; // Upsample only enlarges
        const [up] = await runOrtOp("Upsample", { opset: 9, inputs: [asInput(x), floats(scales)], attributes: { mode: attr.string(mode) } });
        expectClose(out, up!, 1e-5, "Upsample opset 9");
      });
    }
  }
});

describe("Resize cubic vs onnxruntime", () => {
  const cubicCases: ResizeAttributes[] = [
    { coordinateTransformationMode: "half_pixel", scales: [1, 1, 2, 2] },
    { coordinateTransformationMode: "asymmetric", scales: [1, 1, 1.5, 0.6] },
    { coordinateTransformationMode: "align_corners", sizes: [1, 2, 9, 4] },
    { coordinateTransformationMode: "pytorch_half_pixel", scales: [1, 1, 0.6, 2.5], cubicCoeffA: -0.5 },
    { coordinateTransformationMode: "half_pixel", scales: [1, 1, 2, 0.5], excludeOutside: 1 },
  ];
  for (const base of cubicCases) {
    const a: ResizeAttributes = { ...base, mode: "cubic" };
    it(JSON.stringify(a), async () => {
      const out = new Tensor(resizeShape(x.shape, a));
      resize(out, x, a);
      const sizes: OpInput | null = a.sizes ? { dtype: "int64", shape: [4], data: a.sizes } : null;
      const inputs = sizes ? [asInput(x), null, null, sizes] : [asInput(x), null, floats(a.scales!)];
      const [ref] = await runOrtOp("Resize", { opset: 13, inputs, attributes: onnxAttributes(a) });
      expectClose(out, ref!, 1e-5);
    });
  }
});

describe("Resize opset 19 half_pixel_symmetric vs onnxruntime", () => {
  for (const mode of ["nearest", "linear"]) {
    for (const scales of [[1, 1, 2, 2], [1, 1, 0.6, 1.7]]) {
      it(`${mode} scales ${JSON.stringify(scales)}`, async () => {
        const a: ResizeAttributes = { mode, coordinateTransformationMode: "half_pixel_symmetric", scales };
        const out = new Tensor(resizeShape(x.shape, a));
        resize(out, x, a);
        const [ref] = await runOrtOp("Resize", { opset: 19, inputs: [asInput(x), null, floats(scales)], attributes: onnxAttributes(a) });
        expectClose(out, ref!, 1e-5);
      });
    }
  }
});

describe("Resize by hand", () => {
  it("nearest ×2 asymmetric/floor repeats each pixel in a 2×2 block", () => {
    const input = new Tensor([1, 1, 1, 2], Float32Array.of(1, 2));
    const a = { mode: "nearest", coordinateTransformationMode: "asymmetric", nearestMode: "floor", scales: [1, 1, 2, 2] };
    const out = new Tensor(resizeShape(input.shape, a));
    resize(out, input, a);
    expect(out.shape).toEqual([1, 1, 2, 4]);
    expect(Array.from(out.data)).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
  });

  it("linear align_corners from 2 to 3 puts the mean in the middle", () => {
    const input = new Tensor([1, 1, 1, 2], Float32Array.of(0, 10));
    const a = { mode: "linear", coordinateTransformationMode: "align_corners", sizes: [1, 1, 1, 3] };
    const out = new Tensor(resizeShape(input.shape, a));
    resize(out, input, a);
    expect(Array.from(out.data)).toEqual([0, 5, 10]);
  });

  it("rejects resizing N or C, missing scales and sizes, and unknown modes", () => {
    expect(() => resizeShape([1, 2, 4, 4], { scales: [1, 2, 1, 1] })).toThrow(UnsupportedOperatorError);
    expect(() => resizeShape([1, 2, 4, 4], {})).toThrow(ShapeError);
    expect(() => resizeShape([1, 2, 4, 4], { scales: [1, 1, 2] })).toThrow(/scales \[1, 1, 2\]/);
    const input = new Tensor([1, 1, 2, 2]);
    expect(() => resize(new Tensor([1, 1, 4, 4]), input, { mode: "area", scales: [1, 1, 2, 2] })).toThrow(/mode "area"/);
    expect(() => resizeShape([1, 1, 2, 2], { coordinateTransformationMode: "tf_crop_and_resize", scales: [1, 1, 2, 2] })).toThrow(
      UnsupportedOperatorError,
    );
  });
});
