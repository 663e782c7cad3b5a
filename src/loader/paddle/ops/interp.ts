/**
 * `nearest_interp_v2`, `bilinear_interp_v2` (and the v1 spellings) → ONNX Resize.
 *
 * Output size: the SizeTensor list, else the OutSize tensor, else the Scale tensor, else the
 * `scale` attribute (out = floor(in · scale)), else `out_h` / `out_w`. (v1 ops map
 * coordinates with in/out even when a scale sized the output; v2 ops with 1/scale.)
 *
 * Source coordinate of output index k (Paddle's interpolate kernels), ratio = 1/scale when
 * a scale was given, else in/out, and 0 when out is 1:
 *   align_corners                     src = k · (in − 1)/(out − 1)         → align_corners
 *   bilinear, align_mode 0            src = max((k + 0.5)·ratio − 0.5, 0) → pytorch_half_pixel
 *   bilinear, align_mode 1            src = k · ratio                     → asymmetric
 *   nearest                           floor(k · ratio)                    → asymmetric, floor
 *   nearest, align_corners            round-half-up(k · (in−1)/(out−1))   → align_corners, round_prefer_ceil
 * (ONNX's pytorch_half_pixel also maps an output of size 1 to 0, as Paddle's ratio 0 does;
 * the clamp at 0 matches ONNX's edge clamping in linear mode.)
 */
import { Tensor } from "../../../tensor/tensor.js";
import type { AttributeValue } from "../../model.js";
import { OnnxDataType } from "../../onnx-schema.js";
import type { OpView } from "../op-view.js";
import { requireNchw } from "./conv.js";

/** nearest_interp(_v2) / bilinear_interp(_v2) → Resize, with the coordinate rules above. */
export function interpolate(method: "nearest" | "bilinear", version: 1 | 2 = 2): (o: OpView) => void {
  return (o) => {
    requireNchw(o, "data_layout");
    const g = o.g;
    const x = o.input("X");
    const out = o.output("Out");
    const alignCorners = o.bool("align_corners", true);
    const alignMode = o.int("align_mode", 1);
    const attributes: Record<string, AttributeValue> = { mode: method === "nearest" ? "nearest" : "linear" };
    if (method === "nearest") {
      attributes.coordinate_transformation_mode = alignCorners ? "align_corners" : "asymmetric";
      attributes.nearest_mode = alignCorners ? "round_prefer_ceil" : "floor";
    } else {
      attributes.coordinate_transformation_mode = alignCorners ? "align_corners" : alignMode === 0 ? "pytorch_half_pixel" : "asymmetric";
    }
    const roi = "";
    const outSize = o.optionalInput("OutSize");
    const sizeList = o.inputList("SizeTensor");
    const scaleInput = o.optionalInput("Scale");
    const rankValues = (values: string): string => g.temp("Cast", [values], `${out}@int64`, { to: OnnxDataType.INT64 });
    // Sizes for N and C come from the input's shape; H and W from the op.
    const withBatchAndChannels = (hw: string): string => {
      const shape = g.temp("Shape", [x], `${out}@inshape`);
      const nc = g.temp("Slice", [shape, g.int64s(`${out}@s`, [0]), g.int64s(`${out}@e`, [2]), g.int64s(`${out}@a`, [0])], `${out}@nc`);
      return g.temp("Concat", [nc, hw], `${out}@sizes`, { axis: 0 });
    };
    if (sizeList.length > 0) {
      const flat = g.int64s(`${out}@flat`, [-1]);
      const pieces = sizeList.map((p) => rankValues(g.temp("Reshape", [p, flat], `${p}@1d`)));
      g.node("Resize", [x, roi, "", withBatchAndChannels(g.temp("Concat", pieces, `${out}@hw`, { axis: 0 }))], [out], attributes);
      return;
    }
    if (outSize !== undefined) {
      g.node("Resize", [x, roi, "", withBatchAndChannels(rankValues(outSize))], [out], attributes);
      return;
    }
    let scales: number[] | undefined;
    if (scaleInput !== undefined) scales = o.known(scaleInput, "Scale");
    else {
      const attr = o.floats("scale", []);
      if (attr.length > 0 && attr.some((s) => s > 0)) scales = attr.length === 1 ? [attr[0]!, attr[0]!] : attr;
    }
    if (scales !== undefined && version === 1) {
      // v1 sizes the output floor(in · scale) but maps coordinates with in/out (not 1/scale):
      // the sizes are computed from the input's shape, which the executor knows before the run.
      if (scales.some((v) => !(v > 0))) o.fail(`scale ${scales[0]} should be a positive factor`);
      const shape = g.temp("Shape", [x], `${out}@inshape`);
      const hw = g.temp("Slice", [shape, g.int64s(`${out}@s2`, [2]), g.int64s(`${out}@e4`, [4]), g.int64s(`${out}@a0`, [0])], `${out}@inhw`);
      const scaled = g.temp("Mul", [g.temp("Cast", [hw], `${out}@inhwf`, { to: OnnxDataType.FLOAT }), g.constant(`${out}@factors`, new Tensor([2], Float32Array.of(scales[0]!, scales[1]!)))], `${out}@scaledhw`);
      const sizes = g.temp("Cast", [g.temp("Floor", [scaled], `${out}@floorhw`)], `${out}@outhw`, { to: OnnxDataType.INT64 });
      g.node("Resize", [x, roi, "", withBatchAndChannels(sizes)], [out], attributes);
      return;
    }
    if (scales !== undefined) {
      if (scales.length === 1) scales = [scales[0]!, scales[0]!];
      if (scales.length !== 2 || scales.some((s) => !(s > 0))) o.fail(`scale [${scales.join(", ")}] should be two positive factors`);
      g.node("Resize", [x, roi, g.constant(`${out}@scales`, new Tensor([4], Float32Array.of(1, 1, scales[0]!, scales[1]!)))], [out], attributes);
      return;
    }
    const outH = o.int("out_h", -1);
    const outW = o.int("out_w", -1);
    if (!(outH > 0 && outW > 0)) o.fail("no output size: neither OutSize, SizeTensor, Scale, scale nor out_h/out_w is set");
    g.node("Resize", [x, roi, "", withBatchAndChannels(g.int64s(`${out}@hw`, [outH, outW]))], [out], attributes);
  };
}
