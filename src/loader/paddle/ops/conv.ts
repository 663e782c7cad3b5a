/**
 * Convolutions: `conv2d`, `depthwise_conv2d` → ONNX Conv; `conv2d_transpose` → ConvTranspose.
 *
 * Paddle's padding rules (its UpdatePaddingAndDilation):
 *   - `paddings` of 2 values are [pad_h, pad_w] on both sides; of 4 values
 *     [top, bottom, left, right] (ONNX orders pads [top, left, bottom, right]);
 *   - `padding_algorithm` "VALID": no padding; "SAME": output = ceil(in / stride), the
 *     padding sum = max((out − 1)·stride + k − in, 0) split with the extra one at the end
 *     (ONNX's SAME_UPPER), and the dilations are reset to 1;
 *   - "EXPLICIT" (the default): `paddings` as given.
 * With the input's height and width declared in the program, SAME pads are computed here;
 * otherwise the node says auto_pad SAME_UPPER and the executor computes them per shape.
 */
import type { AttributeValue } from "../../model.js";
import type { OpView } from "../op-view.js";

/** Checks that the op works on NCHW data (the only layout supported). */
export function requireNchw(o: OpView, attribute: string): void {
  const layout = o.string(attribute, "NCHW");
  if (layout !== "NCHW" && layout !== "AnyLayout" && layout !== "") o.fail(`${attribute} '${layout}' is not supported (only NCHW)`);
}

/** Paddle `paddings` (2 or 4 values) → ONNX pads [top, left, bottom, right]. */
export function onnxPads(o: OpView, paddings: readonly number[]): number[] {
  if (paddings.length === 2) return [paddings[0]!, paddings[1]!, paddings[0]!, paddings[1]!];
  if (paddings.length === 4) return [paddings[0]!, paddings[2]!, paddings[1]!, paddings[3]!];
  return o.fail(`paddings [${paddings.join(", ")}] should hold 2 or 4 values`);
}

/** SAME padding for one axis, as Paddle computes it: [begin, end]. */
export function samePads(input: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(input / stride);
  const sum = Math.max((out - 1) * stride + kernel - input, 0);
  const begin = Math.floor(sum / 2);
  return [begin, sum - begin];
}

/** Height and width of an NCHW value when the program declares both, else undefined. */
export function knownHW(o: OpView, value: string): [number, number] | undefined {
  const d = o.dims(value);
  if (d === undefined || d.length !== 4 || d[2]! < 0 || d[3]! < 0) return undefined;
  return [d[2]!, d[3]!];
}

/** Kernel height and width from a constant filter [M, C/g, kH, kW]. */
function filterHW(o: OpView, filter: string): [number, number] {
  const d = o.dims(filter);
  if (d === undefined || d.length !== 4 || d[2]! < 0 || d[3]! < 0) return o.fail(`the filter ${filter} should be 4-D with known kernel size`);
  return [d[2]!, d[3]!];
}

/** The ONNX padding attributes (pads or auto_pad) and dilations for a conv-like op. */
function convPadding(o: OpView, x: string, filter: string, strides: number[], dilations: number[]): Record<string, AttributeValue> {
  const algorithm = o.string("padding_algorithm", "EXPLICIT");
  if (algorithm === "VALID") return { pads: [0, 0, 0, 0], dilations };
  if (algorithm === "SAME") {
    const hw = knownHW(o, x);
    if (hw === undefined) return { auto_pad: "SAME_UPPER", dilations: [1, 1] };
    const [kH, kW] = filterHW(o, filter);
    const [top, bottom] = samePads(hw[0], kH, strides[0]!);
    const [left, right] = samePads(hw[1], kW, strides[1]!);
    return { pads: [top, left, bottom, right], dilations: [1, 1] };
  }
  if (algorithm !== "EXPLICIT") o.fail(`padding_algorithm '${algorithm}' is not one of EXPLICIT, SAME, VALID`);
  return { pads: onnxPads(o, o.ints("paddings", [0, 0])), dilations };
}

function checkNotFused(o: OpView): void {
  if (o.bool("fuse_relu", false) || o.string("fuse_activation", "") !== "" || o.bool("fuse_residual_connection", false)) {
    o.fail("fused activations or residuals (from an oneDNN/TensorRT pass) are not supported; export the model without them");
  }
}

/** conv2d and depthwise_conv2d: Input [N, C, H, W], Filter [M, C/groups, kH, kW], optional Bias [M]. */
export function conv2d(o: OpView): void {
  requireNchw(o, "data_format");
  checkNotFused(o);
  const x = o.input("Input");
  const filter = o.input("Filter");
  const bias = o.optionalInput("Bias");
  if (o.optionalInput("ResidualData") !== undefined) o.fail("ResidualData (a fused residual) is not supported");
  const strides = o.ints("strides", [1, 1]);
  const dilations = o.ints("dilations", [1, 1]);
  if (strides.length !== 2 || dilations.length !== 2) o.fail("only 2-D convolutions are supported (strides and dilations of 2 values)");
  const attributes: Record<string, AttributeValue> = { strides, group: o.int("groups", 1), ...convPadding(o, x, filter, strides, dilations) };
  o.g.node("Conv", bias === undefined ? [x, filter] : [x, filter, bias], [o.output("Output")], attributes);
}

/**
 * conv2d_transpose: Filter [C, M/groups, kH, kW]; output = (in − 1)·stride − pads + dilation·(k − 1)
 * + 1 + output_padding. `output_size`, when given, fixes output_padding (the input's size
 * must then be declared in the program).
 */
export function conv2dTranspose(o: OpView): void {
  requireNchw(o, "data_format");
  const x = o.input("Input");
  const filter = o.input("Filter");
  const bias = o.optionalInput("Bias");
  const strides = o.ints("strides", [1, 1]);
  let dilations = o.ints("dilations", [1, 1]);
  if (strides.length !== 2 || dilations.length !== 2) o.fail("only 2-D transposed convolutions are supported");
  const algorithm = o.string("padding_algorithm", "EXPLICIT");
  const [kH, kW] = filterHW(o, filter);
  let pads: number[];
  if (algorithm === "SAME") {
    const hw = knownHW(o, x) ?? o.fail("padding_algorithm SAME needs the input's height and width declared in the program");
    const [top, bottom] = samePads(hw[0], kH, strides[0]!);
    const [left, right] = samePads(hw[1], kW, strides[1]!);
    pads = [top, left, bottom, right];
    dilations = [1, 1];
  } else if (algorithm === "VALID") {
    pads = [0, 0, 0, 0];
  } else {
    pads = onnxPads(o, o.ints("paddings", [0, 0]));
  }
  let outputPadding = o.ints("output_padding", []);
  const outputSize = o.ints("output_size", []);
  if (outputSize.length > 0) {
    const hw = knownHW(o, x) ?? o.fail("output_size needs the input's height and width declared in the program");
    const natural = [0, 1].map((i) => (hw[i]! - 1) * strides[i]! - pads[i]! - pads[i + 2]! + dilations[i]! * ([kH, kW][i]! - 1) + 1);
    outputPadding = natural.map((n, i) => outputSize[i]! - n);
    if (outputPadding.some((p, i) => p < 0 || p >= Math.max(strides[i]!, dilations[i]!))) o.fail(`output_size [${outputSize.join(", ")}] cannot be reached from the input's size`);
  }
  const attributes: Record<string, AttributeValue> = { strides, dilations, pads, group: o.int("groups", 1) };
  if (outputPadding.length === 2) attributes.output_padding = outputPadding;
  o.g.node("ConvTranspose", bias === undefined ? [x, filter] : [x, filter, bias], [o.output("Output")], attributes);
}
