/**
 * Shape and data-movement ops: reshape2, flatten_contiguous_range, flatten2, squeeze2,
 * unsqueeze2, concat, transpose2, slice, shape, fill_constant, cast, assign.
 *
 * Values that decide a shape (reshape's target, slice bounds) may come from attributes or
 * from tensors. Tensors are passed on as graph inputs (cast to int64): the executor then
 * needs them known before the run, which constants and shape arithmetic are.
 */
import { IntTensor, Tensor, type AnyTensor } from "../../../tensor/tensor.js";
import { OnnxDataType } from "../../onnx-schema.js";
import type { OpView } from "../op-view.js";
import { ONNX_TYPE_OF_PADDLE, PaddleType } from "../program-desc.js";


/** A constant of Paddle element type `dtype` filled with `value`. */
export function filledConstant(o: OpView, dtype: number, shape: readonly number[], value: number): AnyTensor {
  let size = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) o.fail(`shape [${shape.join(", ")}] has an invalid dimension`);
    size *= d;
    if (size > o.g.maxElements) o.fail(`shape [${shape.join(", ")}] is larger than the limit of ${o.g.maxElements} elements (option maxTensorElements)`);
  }
  switch (dtype) {
    case PaddleType.FP32:
    case PaddleType.FP64:
    case PaddleType.FP16:
    case PaddleType.BF16:
      return new Tensor(shape, new Float32Array(size).fill(value));
    case PaddleType.INT64:
    case PaddleType.INT32:
    case PaddleType.INT16:
    case PaddleType.INT8:
    case PaddleType.UINT8:
      return new IntTensor(dtype === PaddleType.INT64 ? "int64" : "int32", shape, new Float64Array(size).fill(Math.trunc(value)));
    case PaddleType.BOOL:
      return new IntTensor("bool", shape, new Float64Array(size).fill(value ? 1 : 0));
    default:
      return o.fail(`dtype ${dtype} is not supported for constants`);
  }
}

/** fill_constant: a constant of `shape` filled with `value` (or `str_value`). */
export function fillConstant(o: OpView): void {
  for (const slot of ["ShapeTensor", "ShapeTensorList", "ValueTensor"]) {
    if (o.inputList(slot).length > 0) o.fail(`input '${slot}' (a shape or value computed at run time) is not supported`);
  }
  const text = o.string("str_value", "");
  const value = text !== "" ? Number(text) : o.float("value", 0);
  if (Number.isNaN(value) && text !== "" && !/^nan$/i.test(text)) o.fail(`str_value '${text}' is not a number`);
  const tensor = filledConstant(o, o.int("dtype", PaddleType.FP32), o.ints("shape", []), value);
  o.g.setConstant(o.output("Out"), tensor);
}

/** One int64 vector from an attribute, a tensor input or a list of one-element tensors. */
function intVector(o: OpView, tensorSlot: string, listSlot: string, attribute: string, base: string): { values?: number[]; value?: string } {
  const g = o.g;
  const tensor = o.optionalInput(tensorSlot);
  // A constant tensor (PIR's full_int_array) is read here, so the graph keeps a constant target.
  const constant = tensor !== undefined ? g.constantOf(tensor) : undefined;
  if (constant !== undefined) return { values: Array.from(constant.data) };
  if (tensor !== undefined) return { value: g.temp("Cast", [tensor], `${base}@int64`, { to: OnnxDataType.INT64 }) };
  const list = o.inputList(listSlot);
  const pieces = list.map((piece) => g.constantOf(piece));
  if (list.length > 0 && pieces.every((c) => c !== undefined && c.data.length === 1)) return { values: pieces.map((c) => c!.data[0]!) };
  if (list.length > 0) {
    const flat = g.int64s(`${base}@flat`, [-1]);
    const pieces = list.map((piece) => g.temp("Cast", [g.temp("Reshape", [piece, flat], `${piece}@1d`)], `${piece}@int64`, { to: OnnxDataType.INT64 }));
    return { value: g.temp("Concat", pieces, `${base}@joined`, { axis: 0 }) };
  }
  return { values: o.ints(attribute, []) };
}

/** reshape2 / reshape: target from ShapeTensor (list), Shape (tensor) or the `shape` attribute; 0 copies a dim, −1 infers one. */
export function reshape(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  const target = intVector(o, "Shape", "ShapeTensor", "shape", out);
  const shape = target.value ?? o.g.int64s(`${out}@shape`, target.values!);
  o.g.node("Reshape", [x, shape], [out]);
}

/** Normalises a possibly negative axis for a rank. */
function axisOf(o: OpView, axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) o.fail(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** flatten_contiguous_range: dims start_axis … stop_axis merged into one. */
export function flattenRange(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  const rank = o.rank(x, "X");
  const g = o.g;
  if (rank === 0) {
    g.node("Reshape", [x, g.int64s(`${out}@shape`, [1])], [out]);
    return;
  }
  const start = axisOf(o, o.int("start_axis", 1), rank, "start_axis");
  const stop = axisOf(o, o.int("stop_axis", -1), rank, "stop_axis");
  if (start > stop) o.fail(`start_axis ${start} is after stop_axis ${stop}`);
  if (stop === rank - 1) {
    // Leading dims copied (0), the rest merged (−1).
    g.node("Reshape", [x, g.int64s(`${out}@shape`, [...new Array<number>(start).fill(0), -1])], [out]);
    return;
  }
  const shape = g.temp("Shape", [x], `${out}@inshape`);
  const axis0 = g.int64s(`${out}@axis`, [0]);
  const parts: string[] = [];
  if (start > 0) parts.push(g.temp("Slice", [shape, g.int64s(`${out}@s0`, [0]), g.int64s(`${out}@e0`, [start]), axis0], `${out}@head`));
  parts.push(g.int64s(`${out}@merged`, [-1]));
  parts.push(g.temp("Slice", [shape, g.int64s(`${out}@s1`, [stop + 1]), g.int64s(`${out}@e1`, [rank]), axis0], `${out}@tail`));
  g.node("Reshape", [x, g.temp("Concat", parts, `${out}@shape`, { axis: 0 })], [out]);
}

/** flatten2 / flatten: ONNX Flatten (2-D at `axis`). */
export function flatten2d(o: OpView): void {
  o.g.node("Flatten", [o.input("X")], [o.output("Out")], { axis: o.int("axis", 1) });
}

/** squeeze2: the `axes` of size 1 removed (Paddle skips listed axes whose size is not 1); no axes: every size-1 dim. */
export function squeeze(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  const axes = o.ints("axes", []);
  if (axes.length === 0) {
    o.g.node("Squeeze", [x], [out]);
    return;
  }
  const dims = o.dims(x);
  const kept = dims === undefined ? axes : axes.filter((a) => {
    const d = dims[a < 0 ? a + dims.length : a];
    return d === undefined || d === 1 || d < 0;
  });
  if (kept.length === 0) o.g.node("Identity", [x], [out]);
  else o.g.node("Squeeze", [x, o.g.int64s(`${out}@axes`, kept)], [out]);
}

/** unsqueeze2: Paddle inserts the axes one after another (a negative one counts from the current end). */
export function unsqueeze(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  if (o.inputList("AxesTensor").length > 0 || o.inputList("AxesTensorList").length > 0) o.fail("axes computed at run time are not supported");
  const axes = o.ints("axes", []);
  // Non-negative axes land where they say whatever the rank; negative ones need it.
  const rank = axes.every((a) => a >= 0) && o.dims(x) === undefined ? Math.max(0, ...axes) : o.rank(x, "X");
  const marks: boolean[] = new Array<boolean>(rank).fill(false);
  for (const axis of axes) {
    const at = axis < 0 ? axis + marks.length + 1 : axis;
    if (at < 0 || at > marks.length) o.fail(`axis ${axis} is out of range`);
    marks.splice(at, 0, true);
  }
  const positions = marks.flatMap((m, i) => (m ? [i] : []));
  o.g.node("Unsqueeze", [x, o.g.int64s(`${out}@axes`, positions)], [out]);
}

/** concat along `axis` (or the AxisTensor constant). */
export function concat(o: OpView): void {
  const inputs = o.inputList("X");
  if (inputs.length === 0) o.fail("input 'X' is empty");
  const axisTensor = o.optionalInput("AxisTensor");
  const axis = axisTensor !== undefined ? o.known(axisTensor, "AxisTensor")[0]! : o.int("axis", 0);
  o.g.node("Concat", inputs, [o.output("Out")], { axis });
}

/** transpose2: Transpose(perm = axis). */
export function transpose(o: OpView): void {
  o.g.node("Transpose", [o.input("X")], [o.output("Out")], { perm: o.ints("axis") });
}

/** shape: Shape (int64 here; Paddle's is int32, which nothing downstream can tell). */
export function shape(o: OpView): void {
  o.g.node("Shape", [o.input("Input")], [o.output("Out")]);
}

/** slice: bounds from attributes or tensors; `decrease_axis` dims dropped afterwards. */
export function slice(o: OpView): void {
  const g = o.g;
  const x = o.input("Input");
  const outVariable = (o.op.outputs.get("Out") ?? [])[0];
  const out = o.output("Out");
  const axes = o.ints("axes");
  const starts = intVector(o, "StartsTensor", "StartsTensorList", "starts", `${out}@starts`);
  const ends = intVector(o, "EndsTensor", "EndsTensorList", "ends", `${out}@ends`);
  const startValue = starts.value ?? g.int64s(`${out}@starts`, starts.values!);
  const endValue = ends.value ?? g.int64s(`${out}@ends`, ends.values!);
  const decrease = o.ints("decrease_axis", []);
  const inRank = o.dims(x)?.length;
  const declaredRank = outVariable !== undefined ? o.dims(out)?.length : undefined;
  // Paddle before 2.5 kept a [1] when every dim was dropped; the program's declared rank says which.
  const squeezeAxes = decrease.length > 0 && !(declaredRank !== undefined && declaredRank === inRank);
  if (!squeezeAxes) {
    g.node("Slice", [x, startValue, endValue, g.int64s(`${out}@axes`, axes)], [out]);
    return;
  }
  const sliced = g.temp("Slice", [x, startValue, endValue, g.int64s(`${out}@axes`, axes)], `${out}@sliced`);
  g.node("Squeeze", [sliced, g.int64s(`${out}@drop`, decrease)], [out]);
}

/** cast to out_dtype. */
export function cast(o: OpView): void {
  const to = ONNX_TYPE_OF_PADDLE[o.int("out_dtype")];
  if (to === undefined) o.fail(`out_dtype ${o.int("out_dtype")} is not supported`);
  o.g.node("Cast", [o.input("X")], [o.output("Out")], { to: to! });
}

/** assign: Identity. */
export function assign(o: OpView): void {
  o.g.node("Identity", [o.input("X")], [o.output("Out")]);
}

/** stack: the inputs, each given a new dim at `axis`, joined along it (output slot Y). */
export function stack(o: OpView): void {
  const g = o.g;
  const inputs = o.inputList("X");
  if (inputs.length === 0) o.fail("input 'X' is empty");
  const out = o.output("Y");
  let axis = o.int("axis", 0);
  if (axis < 0) axis += o.rank(inputs[0]!, "X") + 1;
  const axes = g.int64s(`${out}@axis`, [axis]);
  const expanded = inputs.map((v) => g.temp("Unsqueeze", [v, axes], `${v}@stacked`));
  g.node("Concat", expanded, [out], { axis });
}

/**
 * split along `axis` (or the AxisTensor constant) into the Out variables: `num` equal
 * parts, or `sections` (one −1 takes the rest, so the dim must then be declared).
 */
export function split(o: OpView): void {
  const g = o.g;
  const x = o.input("X");
  const outputs = (o.op.outputs.get("Out") ?? []).map((v) => g.write(v));
  if (outputs.length === 0) o.fail("output 'Out' is empty");
  const axisTensor = o.optionalInput("AxisTensor");
  let axis = axisTensor !== undefined ? o.known(axisTensor, "AxisTensor")[0]! : o.int("axis", 0);
  if (o.inputList("SectionsTensorList").length > 0) o.fail("sections computed at run time are not supported");
  let sections = o.ints("sections", []);
  if (sections.length === 0) {
    const num = o.int("num", outputs.length);
    if (num !== outputs.length) o.fail(`num ${num} does not match the ${outputs.length} outputs`);
    g.node("Split", [x], outputs, { axis });
    return;
  }
  if (sections.length !== outputs.length) o.fail(`${sections.length} sections for ${outputs.length} outputs`);
  if (sections.includes(-1)) {
    const dims = o.dims(x) ?? o.fail("a section of −1 needs the input's dims declared in the program");
    if (axis < 0) axis += dims.length;
    const size = dims[axis];
    if (size === undefined || size < 0) o.fail("a section of −1 needs the split dim declared in the program");
    const known = sections.filter((s) => s !== -1).reduce((a, b) => a + b, 0);
    sections = sections.map((s) => (s === -1 ? size! - known : s));
  }
  g.node("Split", [x, g.int64s(`${outputs[0]}@sections`, sections)], outputs, { axis });
}
